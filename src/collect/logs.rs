//! CloudWatch Logs, per region: every metric filter (`DescribeMetricFilters`,
//! every page), to tell whether a trail's log group alarms on StopInstances.
use std::sync::Arc;

use aws_config::{Region, SdkConfig};
use aws_sdk_cloudwatchlogs::Client;

use super::Ctx;
use crate::monitoring as m;

pub fn client(config: &SdkConfig, region: &str) -> Client {
    let conf = aws_sdk_cloudwatchlogs::config::Builder::from(config)
        .region(Region::new(region.to_string()))
        .build();
    Client::from_conf(conf)
}

pub async fn metric_filters(client: Client, region: String, ctx: Arc<Ctx>) -> Vec<m::MetricFilter> {
    ctx.progress
        .step("logs", Some(&region), "DescribeMetricFilters");
    let pages = client.describe_metric_filters().into_paginator().send();
    let mut out = Vec::new();
    let read = ctx
        .all_pages(
            ("logs", "DescribeMetricFilters", Some(&region)),
            pages,
            |page| {
                out.extend(page.metric_filters().iter().map(|f| {
                    m::MetricFilter {
                        name: f.filter_name().unwrap_or_default().to_string(),
                        pattern: f.filter_pattern().unwrap_or_default().to_string(),
                        log_group: f.log_group_name().unwrap_or_default().to_string(),
                        transformations: f
                            .metric_transformations()
                            .iter()
                            .map(|t| m::MetricTransformation {
                                metric_name: t.metric_name().to_string(),
                                namespace: t.metric_namespace().to_string(),
                            })
                            .collect(),
                        region: Some(region.clone()),
                        file: None,
                    }
                }))
            },
        )
        .await;
    if !read {
        return Vec::new();
    }
    ctx.progress
        .done("logs", &region, &format!("{} metric filters", out.len()));
    out
}
