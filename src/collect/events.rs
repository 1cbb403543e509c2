//! EventBridge, per region: the default event bus's rules (`ListRules`) and each
//! rule's targets (`ListTargetsByRule`). Neither call has an SDK paginator, so
//! `NextToken` is followed by hand. A rule whose targets could not be read keeps
//! `targets: None` (unknown), and the run records a gap.
use std::sync::Arc;

use aws_config::{Region, SdkConfig};
use aws_sdk_eventbridge::Client;

use super::{classify, Ctx};
use crate::monitoring as m;

pub fn client(config: &SdkConfig, region: &str) -> Client {
    let conf = aws_sdk_eventbridge::config::Builder::from(config)
        .region(Region::new(region.to_string()))
        .build();
    Client::from_conf(conf)
}

pub async fn rules(client: Client, region: String, ctx: Arc<Ctx>) -> Vec<m::EventRule> {
    ctx.progress.step("events", Some(&region), "ListRules");
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = {
            let _permit = ctx.permit().await;
            client
                .list_rules()
                .set_next_token(token.clone())
                .send()
                .await
        };
        match page {
            Ok(page) => {
                out.extend(page.rules().iter().map(|r| {
                    m::EventRule {
                        name: r.name().unwrap_or_default().to_string(),
                        arn: r.arn().unwrap_or_default().to_string(),
                        event_pattern: r.event_pattern().map(str::to_string),
                        schedule: r.schedule_expression().map(str::to_string),
                        state: r
                            .state()
                            .map(|s| s.as_str().to_string())
                            .unwrap_or_default(),
                        event_bus: r.event_bus_name().map(str::to_string),
                        targets: None,
                        region: Some(region.clone()),
                        file: None,
                    }
                }));
                token = page.next_token().map(str::to_string);
                if token.is_none() {
                    break;
                }
            }
            Err(e) => {
                ctx.gap(
                    "events",
                    "ListRules",
                    Some(&region),
                    classify(&e).message().to_string(),
                );
                return Vec::new();
            }
        }
    }
    let mut failed = Vec::new();
    for rule in &mut out {
        match targets(&client, &rule.name, &ctx).await {
            Ok(t) => rule.targets = Some(t),
            Err(message) => failed.push(format!("{}: {message}", rule.name)),
        }
    }
    if let Some(first) = failed.first() {
        ctx.gap(
            "events",
            "ListTargetsByRule",
            Some(&region),
            format!("{} rule(s) unread, e.g. {first}", failed.len()),
        );
    }
    ctx.progress
        .done("events", &region, &format!("{} rules", out.len()));
    out
}

async fn targets(client: &Client, rule: &str, ctx: &Ctx) -> Result<Vec<m::EventTarget>, String> {
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = {
            let _permit = ctx.permit().await;
            client
                .list_targets_by_rule()
                .rule(rule)
                .set_next_token(token.clone())
                .send()
                .await
        };
        let page = page.map_err(|e| classify(&e).message().to_string())?;
        out.extend(page.targets().iter().map(|t| m::EventTarget {
            id: t.id().to_string(),
            arn: t.arn().to_string(),
        }));
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            return Ok(out);
        }
    }
}
