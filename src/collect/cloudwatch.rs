//! CloudWatch, per region: every metric and composite alarm (`DescribeAlarms`
//! with both alarm types: without `AlarmTypes` only metric alarms are returned).
use std::sync::Arc;

use aws_config::{Region, SdkConfig};
use aws_sdk_cloudwatch::types::{self as t, AlarmType};
use aws_sdk_cloudwatch::Client;

use super::Ctx;
use crate::monitoring as m;

pub fn client(config: &SdkConfig, region: &str) -> Client {
    let conf = aws_sdk_cloudwatch::config::Builder::from(config)
        .region(Region::new(region.to_string()))
        .build();
    Client::from_conf(conf)
}

fn s(v: Option<&str>) -> String {
    v.unwrap_or_default().to_string()
}

fn dimensions(d: &[t::Dimension]) -> Vec<m::Dimension> {
    d.iter()
        .map(|d| m::Dimension {
            name: s(d.name()),
            value: s(d.value()),
        })
        .collect()
}

fn metric_alarm(a: &t::MetricAlarm, region: &str) -> m::MetricAlarm {
    m::MetricAlarm {
        name: s(a.alarm_name()),
        arn: s(a.alarm_arn()),
        actions_enabled: a.actions_enabled().unwrap_or(true),
        alarm_actions: a.alarm_actions().to_vec(),
        namespace: a.namespace().map(str::to_string),
        metric_name: a.metric_name().map(str::to_string),
        dimensions: dimensions(a.dimensions()),
        metrics: a
            .metrics()
            .iter()
            .map(|q| m::MetricQuery {
                id: s(q.id()),
                metric_stat: q
                    .metric_stat()
                    .and_then(|st| st.metric())
                    .map(|mt| m::MetricStat {
                        metric: m::MetricRef {
                            namespace: s(mt.namespace()),
                            metric_name: s(mt.metric_name()),
                            dimensions: dimensions(mt.dimensions()),
                        },
                    }),
                expression: q.expression().map(str::to_string),
            })
            .collect(),
        state: a.state_value().map(|v| v.as_str().to_string()),
        region: Some(region.to_string()),
        file: None,
    }
}

fn composite_alarm(a: &t::CompositeAlarm, region: &str) -> m::CompositeAlarm {
    m::CompositeAlarm {
        name: s(a.alarm_name()),
        arn: s(a.alarm_arn()),
        actions_enabled: a.actions_enabled().unwrap_or(true),
        alarm_actions: a.alarm_actions().to_vec(),
        alarm_rule: s(a.alarm_rule()),
        region: Some(region.to_string()),
        file: None,
    }
}

pub async fn alarms(client: Client, region: String, ctx: Arc<Ctx>) -> m::CloudWatch {
    ctx.progress
        .step("cloudwatch", Some(&region), "DescribeAlarms");
    let pages = client
        .describe_alarms()
        .alarm_types(AlarmType::MetricAlarm)
        .alarm_types(AlarmType::CompositeAlarm)
        .into_paginator()
        .send();
    let mut out = m::CloudWatch::default();
    let read = ctx
        .all_pages(
            ("cloudwatch", "DescribeAlarms", Some(&region)),
            pages,
            |page| {
                out.metric_alarms.extend(
                    page.metric_alarms()
                        .iter()
                        .map(|a| metric_alarm(a, &region)),
                );
                out.composite_alarms.extend(
                    page.composite_alarms()
                        .iter()
                        .map(|a| composite_alarm(a, &region)),
                );
            },
        )
        .await;
    if !read {
        return m::CloudWatch::default();
    }
    ctx.progress.done(
        "cloudwatch",
        &region,
        &format!(
            "{} alarms",
            out.metric_alarms.len() + out.composite_alarms.len()
        ),
    );
    out
}
