//! CloudTrail, per region: trails, their status and their event selectors.
//!
//! `DescribeTrails` lists a multi-region trail in every region ("shadow"
//! trails); status and selectors are read once, in the trail's home region when
//! that region is collected (else from each region that lists it, still
//! asking the home region's endpoint), and the trail is kept once (by ARN).
use std::sync::Arc;

use aws_config::{Region, SdkConfig};
use aws_sdk_cloudtrail::types as t;
use aws_sdk_cloudtrail::Client;

use super::{classify, Ctx};
use crate::model;

pub fn client(config: &SdkConfig, region: &str) -> Client {
    let conf = aws_sdk_cloudtrail::config::Builder::from(config)
        .region(Region::new(region.to_string()))
        .build();
    Client::from_conf(conf)
}

fn s(v: Option<&str>) -> String {
    v.unwrap_or_default().to_string()
}

/// `collected` is every region being read: a multi-region trail whose home
/// region is not among them is read here, through its ARN, so that
/// `--regions eu-west-1` still sees the organisation's trail homed elsewhere.
pub async fn trails(
    config: SdkConfig,
    region: String,
    collected: Vec<String>,
    ctx: Arc<Ctx>,
) -> Vec<model::Trail> {
    let client = self::client(&config, &region);
    ctx.progress
        .step("cloudtrail", Some(&region), "DescribeTrails");
    let listed = {
        let _permit = ctx.permit().await;
        client
            .describe_trails()
            .include_shadow_trails(true)
            .send()
            .await
    };
    let listed = match listed {
        Ok(o) => o,
        Err(e) => {
            ctx.gap(
                "cloudtrail",
                "DescribeTrails",
                Some(&region),
                classify(&e).message().to_string(),
            );
            return Vec::new();
        }
    };
    let mut out = Vec::new();
    for tr in listed.trail_list() {
        let home = tr.home_region().unwrap_or(&region);
        if home != region && collected.iter().any(|r| r == home) {
            continue; // read in its home region, which is collected too
        }
        let mut trail = trail(tr, &region);
        // Status and selectors are asked of the trail's home region: moto (and
        // possibly AWS) does not answer GetEventSelectors for a shadow trail.
        let client = if home == region {
            client.clone()
        } else {
            self::client(&config, home)
        };
        let key = if trail.arn.is_empty() {
            trail.name.clone()
        } else {
            trail.arn.clone()
        };
        let status = {
            let _permit = ctx.permit().await;
            client.get_trail_status().name(&key).send().await
        };
        match status {
            Ok(st) => {
                trail.status = Some(model::TrailStatus {
                    is_logging: st.is_logging().unwrap_or(false),
                    latest_delivery_error: st
                        .latest_delivery_error()
                        .filter(|e| !e.is_empty())
                        .map(str::to_string),
                    latest_delivery_time: st
                        .latest_delivery_time()
                        .and_then(|d| {
                            d.fmt(aws_sdk_cloudtrail::primitives::DateTimeFormat::DateTime)
                                .ok()
                        })
                        .map(serde_json::Value::String),
                })
            }
            Err(e) => ctx.gap(
                "cloudtrail",
                "GetTrailStatus",
                Some(&region),
                format!("{key}: {}", classify(&e).message()),
            ),
        }
        let selectors = {
            let _permit = ctx.permit().await;
            client.get_event_selectors().trail_name(&key).send().await
        };
        match selectors {
            Ok(sel) => {
                let basic: Vec<_> = sel.event_selectors().iter().map(event_selector).collect();
                let advanced: Vec<_> = sel
                    .advanced_event_selectors()
                    .iter()
                    .map(advanced_selector)
                    .collect();
                // Both empty (moto, and a trail that never set selectors): the
                // default selection, which the policies read from "unset".
                trail.event_selectors = (!basic.is_empty()).then_some(basic);
                trail.advanced_event_selectors = (!advanced.is_empty()).then_some(advanced);
            }
            Err(e) => ctx.gap(
                "cloudtrail",
                "GetEventSelectors",
                Some(&region),
                format!("{key}: {}", classify(&e).message()),
            ),
        }
        out.push(trail);
    }
    ctx.progress
        .done("cloudtrail", &region, &format!("{} trails", out.len()));
    out
}

fn trail(tr: &t::Trail, region: &str) -> model::Trail {
    model::Trail {
        name: s(tr.name()),
        arn: s(tr.trail_arn()),
        home_region: tr.home_region().unwrap_or(region).to_string(),
        s3_bucket: s(tr.s3_bucket_name()),
        multi_region: tr.is_multi_region_trail().unwrap_or(false),
        organization_trail: tr.is_organization_trail().unwrap_or(false),
        include_global_service_events: tr.include_global_service_events().unwrap_or(false),
        log_file_validation: tr.log_file_validation_enabled().unwrap_or(false),
        kms_key_id: tr.kms_key_id().map(str::to_string),
        cloudwatch_log_group: tr.cloud_watch_logs_log_group_arn().map(str::to_string),
        sns_topic: tr.sns_topic_arn().map(str::to_string),
        has_custom_event_selectors: tr.has_custom_event_selectors().unwrap_or(false),
        has_insight_selectors: tr.has_insight_selectors().unwrap_or(false),
        status: None,
        event_selectors: None,
        advanced_event_selectors: None,
        file: None,
    }
}

fn event_selector(e: &t::EventSelector) -> model::EventSelector {
    model::EventSelector {
        read_write_type: e
            .read_write_type()
            .map(|r| r.as_str().to_string())
            .unwrap_or_else(|| "All".into()),
        include_management_events: e.include_management_events().unwrap_or(true),
        exclude_management_event_sources: e.exclude_management_event_sources().to_vec(),
    }
}

fn advanced_selector(a: &t::AdvancedEventSelector) -> model::AdvancedEventSelector {
    model::AdvancedEventSelector {
        name: s(a.name()),
        field_selectors: a
            .field_selectors()
            .iter()
            .map(|f| model::FieldSelector {
                field: f.field().to_string(),
                equals: f.equals().to_vec(),
                starts_with: f.starts_with().to_vec(),
                ends_with: f.ends_with().to_vec(),
                not_equals: f.not_equals().to_vec(),
                not_starts_with: f.not_starts_with().to_vec(),
                not_ends_with: f.not_ends_with().to_vec(),
            })
            .collect(),
    }
}
