//! EC2, per region: enabled regions, security groups, instances and each
//! instance's `disableApiStop` attribute. Every page is followed.
use std::sync::Arc;

use aws_config::{Region, SdkConfig};
use aws_sdk_ec2::types::{self as t, InstanceAttributeName};
use aws_sdk_ec2::Client;

use super::{classify, Ctx, Failure};
use crate::model;

pub fn client(config: &SdkConfig, region: &str) -> Client {
    let conf = aws_sdk_ec2::config::Builder::from(config)
        .region(Region::new(region.to_string()))
        .build();
    Client::from_conf(conf)
}

/// The regions enabled for the account (`DescribeRegions` without `AllRegions`).
pub async fn enabled_regions(config: &SdkConfig) -> Result<Vec<String>, Failure> {
    let out = Client::new(config)
        .describe_regions()
        .send()
        .await
        .map_err(|e| classify(&e))?;
    let mut regions: Vec<String> = out
        .regions()
        .iter()
        .filter_map(|r| r.region_name().map(str::to_string))
        .collect();
    regions.sort();
    Ok(regions)
}

fn s(v: Option<&str>) -> String {
    v.unwrap_or_default().to_string()
}

fn tags(list: &[t::Tag]) -> Vec<model::Tag> {
    list.iter()
        .map(|t| model::Tag {
            key: s(t.key()),
            value: s(t.value()),
        })
        .collect()
}

pub async fn security_groups(
    client: Client,
    region: String,
    ctx: Arc<Ctx>,
) -> Vec<model::SecurityGroup> {
    ctx.progress
        .step("ec2", Some(&region), "DescribeSecurityGroups");
    let pages = client.describe_security_groups().into_paginator().send();
    let mut out = Vec::new();
    let read = ctx
        .all_pages(
            ("ec2", "DescribeSecurityGroups", Some(&region)),
            pages,
            |page| {
                out.extend(
                    page.security_groups()
                        .iter()
                        .map(|g| security_group(g, &region)),
                );
            },
        )
        .await;
    if !read {
        return Vec::new();
    }
    ctx.progress
        .done("ec2", &region, &format!("{} security groups", out.len()));
    out
}

fn permission(p: &t::IpPermission) -> model::Permission {
    model::Permission {
        protocol: s(p.ip_protocol()),
        from_port: p.from_port().map(i64::from),
        to_port: p.to_port().map(i64::from),
        ipv4_ranges: p
            .ip_ranges()
            .iter()
            .map(|r| model::IpRange {
                cidr: s(r.cidr_ip()),
                description: r.description().map(str::to_string),
            })
            .collect(),
        ipv6_ranges: p
            .ipv6_ranges()
            .iter()
            .map(|r| model::IpRange {
                cidr: s(r.cidr_ipv6()),
                description: r.description().map(str::to_string),
            })
            .collect(),
        group_pairs: p
            .user_id_group_pairs()
            .iter()
            .map(|g| model::GroupPair {
                group_id: s(g.group_id()),
            })
            .collect(),
        prefix_lists: p
            .prefix_list_ids()
            .iter()
            .map(|l| model::PrefixList {
                prefix_list_id: s(l.prefix_list_id()),
            })
            .collect(),
    }
}

fn security_group(g: &t::SecurityGroup, region: &str) -> model::SecurityGroup {
    model::SecurityGroup {
        id: s(g.group_id()),
        name: s(g.group_name()),
        description: s(g.description()),
        vpc_id: g.vpc_id().map(str::to_string),
        owner_id: g.owner_id().map(str::to_string),
        arn: g.security_group_arn().map(str::to_string),
        region: Some(region.to_string()),
        ingress: g.ip_permissions().iter().map(permission).collect(),
        egress: g.ip_permissions_egress().iter().map(permission).collect(),
        tags: tags(g.tags()),
        file: None,
    }
}

fn instance(i: &t::Instance, owner: Option<&str>, region: &str) -> model::Instance {
    model::Instance {
        id: s(i.instance_id()),
        instance_type: i
            .instance_type()
            .map(|t| t.as_str().to_string())
            .unwrap_or_default(),
        image_id: s(i.image_id()),
        state: i
            .state()
            .and_then(|st| st.name())
            .map(|n| model::InstanceState {
                name: n.as_str().to_string(),
            }),
        placement: i.placement().map(|p| model::Placement {
            availability_zone: s(p.availability_zone()),
        }),
        vpc_id: i.vpc_id().map(str::to_string),
        security_groups: i
            .security_groups()
            .iter()
            .map(|g| model::GroupRef {
                id: s(g.group_id()),
                name: s(g.group_name()),
            })
            .collect(),
        tags: tags(i.tags()),
        region: Some(region.to_string()),
        owner_id: owner.map(str::to_string),
        launch_time: i.launch_time().and_then(|t| {
            t.fmt(aws_sdk_ec2::primitives::DateTimeFormat::DateTime)
                .ok()
        }),
        stop_protection: None,
        file: None,
    }
}

/// Instances, then each one's stop protection. A denied attribute call leaves
/// that instance's `stop_protection` unknown (EC2-001 then says it could not be
/// confirmed) and records a gap; the instance list itself is still complete.
pub async fn instances(client: Client, region: String, ctx: Arc<Ctx>) -> Vec<model::Instance> {
    ctx.progress.step("ec2", Some(&region), "DescribeInstances");
    let mut pages = client.describe_instances().into_paginator().send();
    let mut out = Vec::new();
    loop {
        let page = {
            let _permit = ctx.permit().await;
            pages.next().await
        };
        match page {
            None => break,
            Some(Ok(page)) => {
                for r in page.reservations() {
                    out.extend(
                        r.instances()
                            .iter()
                            .map(|i| instance(i, r.owner_id(), &region)),
                    );
                }
            }
            Some(Err(e)) => {
                ctx.gap(
                    "ec2",
                    "DescribeInstances",
                    Some(&region),
                    classify(&e).message().to_string(),
                );
                return Vec::new();
            }
        }
    }
    let mut calls = tokio::task::JoinSet::new();
    for (index, i) in out.iter().enumerate() {
        let client = client.clone();
        let ctx = ctx.clone();
        let id = i.id.clone();
        calls.spawn(async move {
            let _permit = ctx.permit().await;
            let result = client
                .describe_instance_attribute()
                .instance_id(&id)
                .attribute(InstanceAttributeName::DisableApiStop)
                .send()
                .await;
            (
                index,
                id,
                result
                    .map(|o| o.disable_api_stop().and_then(|v| v.value()))
                    .map_err(|e| classify(&e)),
            )
        });
    }
    let mut denied = Vec::new();
    while let Some(joined) = calls.join_next().await {
        let Ok((index, id, result)) = joined else {
            continue;
        };
        match result {
            Ok(value) => {
                if let Some(i) = out.get_mut(index) {
                    // An absent value means the attribute is off, as the CLI shows it.
                    i.stop_protection = Some(value.unwrap_or(false));
                }
            }
            Err(f) => denied.push(format!("{id}: {}", f.message())),
        }
    }
    if !denied.is_empty() {
        denied.sort();
        let first = denied.first().cloned().unwrap_or_default();
        ctx.gap(
            "ec2",
            "DescribeInstanceAttribute",
            Some(&region),
            format!("{} instance(s) unread, e.g. {first}", denied.len()),
        );
    }
    ctx.progress
        .done("ec2", &region, &format!("{} instances", out.len()));
    out
}
