//! AWS Config, per region: configuration recorders, their status, and the
//! Config rules (`DescribeConfigRules`, every page).
use std::sync::Arc;

use aws_config::{Region, SdkConfig};
use aws_sdk_config::Client;

use super::{classify, Ctx};
use crate::monitoring as m;

pub fn client(config: &SdkConfig, region: &str) -> Client {
    let conf = aws_sdk_config::config::Builder::from(config)
        .region(Region::new(region.to_string()))
        .build();
    Client::from_conf(conf)
}

pub async fn collect(client: Client, region: String, ctx: Arc<Ctx>) -> m::ConfigService {
    let mut out = m::ConfigService::default();
    ctx.progress
        .step("config", Some(&region), "DescribeConfigurationRecorders");
    let recorders = {
        let _permit = ctx.permit().await;
        client.describe_configuration_recorders().send().await
    };
    match recorders {
        Ok(o) => {
            out.recorders = o
                .configuration_recorders()
                .iter()
                .map(|r| m::ConfigRecorder {
                    name: r.name().unwrap_or_default().to_string(),
                    arn: r.arn().map(str::to_string),
                    recording_group: r.recording_group().map(|g| m::RecordingGroup {
                        all_supported: g.all_supported(),
                        include_global_resource_types: g.include_global_resource_types(),
                        resource_types: g
                            .resource_types()
                            .iter()
                            .map(|t| t.as_str().to_string())
                            .collect(),
                        exclusion_by_resource_types: g.exclusion_by_resource_types().map(|e| {
                            m::ResourceTypes {
                                resource_types: e
                                    .resource_types()
                                    .iter()
                                    .map(|t| t.as_str().to_string())
                                    .collect(),
                            }
                        }),
                    }),
                    region: Some(region.clone()),
                    file: None,
                })
                .collect()
        }
        Err(e) => ctx.gap(
            "config",
            "DescribeConfigurationRecorders",
            Some(&region),
            classify(&e).message().to_string(),
        ),
    }
    let statuses = {
        let _permit = ctx.permit().await;
        client.describe_configuration_recorder_status().send().await
    };
    match statuses {
        Ok(o) => {
            out.recorder_statuses = o
                .configuration_recorders_status()
                .iter()
                .map(|s| m::RecorderStatus {
                    name: s.name().unwrap_or_default().to_string(),
                    arn: s.arn().map(str::to_string),
                    recording: s.recording(),
                    last_status: s.last_status().map(|v| v.as_str().to_string()),
                    region: Some(region.clone()),
                    file: None,
                })
                .collect()
        }
        Err(e) => ctx.gap(
            "config",
            "DescribeConfigurationRecorderStatus",
            Some(&region),
            classify(&e).message().to_string(),
        ),
    }
    let pages = client.describe_config_rules().into_paginator().send();
    let mut rules = Vec::new();
    let read = ctx
        .all_pages(
            ("config", "DescribeConfigRules", Some(&region)),
            pages,
            |page| {
                rules.extend(page.config_rules().iter().map(|r| m::ConfigRule {
                    name: r.config_rule_name().unwrap_or_default().to_string(),
                    arn: r.config_rule_arn().unwrap_or_default().to_string(),
                    state: r.config_rule_state().map(|s| s.as_str().to_string()),
                    scope: r.scope().map(|s| m::RuleScope {
                        resource_types: s.compliance_resource_types().to_vec(),
                    }),
                    source: r.source().map(|s| m::RuleSource {
                        owner: s.owner().as_str().to_string(),
                        source_identifier: s.source_identifier().map(str::to_string),
                    }),
                    region: Some(region.clone()),
                    file: None,
                }))
            },
        )
        .await;
    if read {
        out.rules = rules;
    }
    ctx.progress.done(
        "config",
        &region,
        &format!(
            "{} recorders, {} rules",
            out.recorders.len(),
            out.rules.len()
        ),
    );
    out
}
