//! EC2 beyond groups and instances, per region: VPC flow logs, network ACLs, and
//! the AMIs the instances were launched from. Every page is followed.
use std::sync::Arc;

use aws_sdk_ec2::types::Filter;
use aws_sdk_ec2::Client;

use super::Ctx;
use crate::monitoring as m;

fn s(v: Option<&str>) -> String {
    v.unwrap_or_default().to_string()
}

pub async fn flow_logs(client: Client, region: String, ctx: Arc<Ctx>) -> Vec<m::FlowLog> {
    ctx.progress.step("ec2", Some(&region), "DescribeFlowLogs");
    let pages = client.describe_flow_logs().into_paginator().send();
    let mut out = Vec::new();
    let read = ctx
        .all_pages(("ec2", "DescribeFlowLogs", Some(&region)), pages, |page| {
            out.extend(page.flow_logs().iter().map(|f| m::FlowLog {
                id: s(f.flow_log_id()),
                resource_id: s(f.resource_id()),
                status: f.flow_log_status().map(str::to_string),
                traffic_type: f.traffic_type().map(|t| t.as_str().to_string()),
                destination_type: f.log_destination_type().map(|t| t.as_str().to_string()),
                deliver_status: f.deliver_logs_status().map(str::to_string),
                region: Some(region.clone()),
                file: None,
            }));
        })
        .await;
    if !read {
        return Vec::new();
    }
    out
}

pub async fn network_acls(client: Client, region: String, ctx: Arc<Ctx>) -> Vec<m::NetworkAcl> {
    ctx.progress
        .step("ec2", Some(&region), "DescribeNetworkAcls");
    let pages = client.describe_network_acls().into_paginator().send();
    let mut out = Vec::new();
    let read = ctx
        .all_pages(
            ("ec2", "DescribeNetworkAcls", Some(&region)),
            pages,
            |page| {
                out.extend(page.network_acls().iter().map(|a| {
                    m::NetworkAcl {
                        id: s(a.network_acl_id()),
                        vpc_id: a.vpc_id().map(str::to_string),
                        is_default: a.is_default().unwrap_or(false),
                        entries: a
                            .entries()
                            .iter()
                            .map(|e| m::AclEntry {
                                rule_number: e.rule_number().map(i64::from).unwrap_or_default(),
                                protocol: s(e.protocol()),
                                action: e
                                    .rule_action()
                                    .map(|r| r.as_str().to_string())
                                    .unwrap_or_default(),
                                egress: e.egress().unwrap_or(false),
                                cidr: e.cidr_block().map(str::to_string),
                                ipv6_cidr: e.ipv6_cidr_block().map(str::to_string),
                                port_range: e.port_range().map(|p| m::PortRange {
                                    from: p.from().map(i64::from),
                                    to: p.to().map(i64::from),
                                }),
                            })
                            .collect(),
                        associations: a
                            .associations()
                            .iter()
                            .map(|x| m::AclAssociation {
                                subnet_id: s(x.subnet_id()),
                            })
                            .collect(),
                        owner_id: a.owner_id().map(str::to_string),
                        region: Some(region.clone()),
                        file: None,
                    }
                }));
            },
        )
        .await;
    if !read {
        return Vec::new();
    }
    out
}

/// The images with these ids, deprecated and disabled ones included. An
/// `image-id` filter, unlike `ImageIds`, does not fail the whole call when one
/// image no longer exists: a missing image is simply absent (EC2-002 reports it).
pub async fn images(
    client: Client,
    region: String,
    ids: Vec<String>,
    ctx: Arc<Ctx>,
) -> Vec<m::Image> {
    if ids.is_empty() {
        return Vec::new();
    }
    ctx.progress.step("ec2", Some(&region), "DescribeImages");
    let mut out = Vec::new();
    // Filter values are capped at 200 per filter.
    for chunk in ids.chunks(200) {
        let pages = client
            .describe_images()
            .filters(
                Filter::builder()
                    .name("image-id")
                    .set_values(Some(chunk.to_vec()))
                    .build(),
            )
            .include_deprecated(true)
            .include_disabled(true)
            .into_paginator()
            .send();
        let read = ctx
            .all_pages(("ec2", "DescribeImages", Some(&region)), pages, |page| {
                out.extend(page.images().iter().map(|i| m::Image {
                    id: s(i.image_id()),
                    name: i.name().map(str::to_string),
                    creation_date: i.creation_date().map(str::to_string),
                    state: i.state().map(|v| v.as_str().to_string()),
                    deprecation_time: i.deprecation_time().map(str::to_string),
                    owner_id: i.owner_id().map(str::to_string),
                    public: i.public(),
                    region: Some(region.clone()),
                    file: None,
                }));
            })
            .await;
        if !read {
            return Vec::new();
        }
    }
    out
}
