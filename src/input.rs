//! The Rego `input`: the account model plus the IAM analysis, in the documented,
//! versioned shape that every policy (built-in or custom) reads. See
//! `docs/input-schema.md`; a change here is a change to that contract.
use serde_json::{json, Map, Value};

use crate::iam::access::{Access, Analyzer, Grant, ScpLevel};
use crate::iam::context::RequestContext;
use crate::model::{Account, Permission, Tag};

/// Version of the input schema; policies may check `input.schema_version`.
pub const SCHEMA_VERSION: u32 = 1;

/// The action the built-in pack is about.
pub const STOP_ACTION: &str = "ec2:StopInstances";

/// The IAM analysis that goes into the input: computed once, in Rust, because it is
/// the expensive part and because `who-can` needs exactly the same answer.
pub struct IamFacts {
    pub stop_access: Vec<Access>,
    pub stop_statements: Vec<Grant>,
}

/// Every instance of the account (or of any account, when the id is unknown).
pub fn any_instance(account: &Account) -> String {
    format!(
        "arn:aws:ec2:*:{}:instance/*",
        account.account_id.as_deref().unwrap_or("*")
    )
}

pub fn analyse(account: &Account, scps: &[ScpLevel]) -> IamFacts {
    let analyzer = Analyzer::new(account, scps);
    IamFacts {
        stop_access: analyzer.who_can(
            STOP_ACTION,
            &any_instance(account),
            &RequestContext::unknown(),
        ),
        stop_statements: analyzer.statements_granting(STOP_ACTION),
    }
}

fn tags(tags: &[Tag]) -> Value {
    Value::Object(
        tags.iter()
            .map(|t| (t.key.clone(), Value::String(t.value.clone())))
            .collect::<Map<_, _>>(),
    )
}

fn permission(p: &Permission) -> Value {
    json!({
        "protocol": p.protocol,
        "from_port": p.from_port,
        "to_port": p.to_port,
        "ipv4_ranges": p.ipv4_ranges.iter().map(|r| r.cidr.as_str()).collect::<Vec<_>>(),
        "ipv6_ranges": p.ipv6_ranges.iter().map(|r| r.cidr.as_str()).collect::<Vec<_>>(),
        "security_groups": p.group_pairs.iter().map(|g| g.group_id.as_str()).collect::<Vec<_>>(),
        "prefix_lists": p.prefix_lists.iter().map(|g| g.prefix_list_id.as_str()).collect::<Vec<_>>(),
    })
}

/// Builds the Rego input document.
pub fn build(account: &Account, facts: &IamFacts) -> Value {
    let users: Vec<Value> = account
        .iam
        .users
        .iter()
        .map(|u| {
            json!({
                "arn": u.arn, "name": u.name, "id": u.id, "path": u.path,
                "groups": u.groups,
                "permissions_boundary": u.permissions_boundary.as_ref().map(|b| &b.arn),
                "tags": tags(&u.tags),
                "file": u.file.as_deref(),
            })
        })
        .collect();
    let roles: Vec<Value> = account
        .iam
        .roles
        .iter()
        .map(|r| {
            json!({
                "arn": r.arn, "name": r.name, "id": r.id, "path": r.path,
                "permissions_boundary": r.permissions_boundary.as_ref().map(|b| &b.arn),
                "tags": tags(&r.tags),
                "file": r.file.as_deref(),
            })
        })
        .collect();
    let groups: Vec<Value> = account
        .ec2
        .security_groups
        .iter()
        .map(|g| {
            json!({
                "id": g.id, "arn": g.arn, "name": g.name, "description": g.description,
                "vpc_id": g.vpc_id, "region": g.region, "owner_id": g.owner_id,
                "is_default": g.name == "default",
                "ingress": g.ingress.iter().map(permission).collect::<Vec<_>>(),
                "egress": g.egress.iter().map(permission).collect::<Vec<_>>(),
                "tags": tags(&g.tags),
                "file": g.file.as_deref(),
            })
        })
        .collect();
    let instances: Vec<Value> = account
        .ec2
        .instances
        .iter()
        .map(|i| {
            json!({
                "id": i.id, "type": i.instance_type, "image_id": i.image_id,
                "state": i.state.as_ref().map(|s| &s.name),
                "region": i.region, "vpc_id": i.vpc_id,
                "security_groups": i.security_groups.iter().map(|g| g.id.as_str()).collect::<Vec<_>>(),
                "tags": tags(&i.tags),
                "stop_protection": i.stop_protection,
                "arn": format!("arn:aws:ec2:{}:{}:instance/{}",
                    i.region.as_deref().unwrap_or(""),
                    i.owner_id.as_deref().or(account.account_id.as_deref()).unwrap_or(""), i.id),
                "file": i.file.as_deref(),
            })
        })
        .collect();
    let trails: Vec<Value> = account
        .cloudtrail
        .trails
        .iter()
        .map(|t| {
            json!({
                "name": t.name, "arn": t.arn, "home_region": t.home_region,
                "s3_bucket": t.s3_bucket,
                "multi_region": t.multi_region,
                "organization_trail": t.organization_trail,
                "include_global_service_events": t.include_global_service_events,
                "log_file_validation": t.log_file_validation,
                "kms_key_id": t.kms_key_id,
                "cloudwatch_log_group": t.cloudwatch_log_group,
                "sns_topic": t.sns_topic,
                "has_custom_event_selectors": t.has_custom_event_selectors,
                "logging": t.status.as_ref().map(|s| s.is_logging),
                "latest_delivery_error": t.status.as_ref().and_then(|s| s.latest_delivery_error.as_ref()),
                "event_selectors": t.event_selectors,
                "advanced_event_selectors": t.advanced_event_selectors,
                "file": t.file.as_deref(),
            })
        })
        .collect();
    json!({
        "schema_version": SCHEMA_VERSION,
        "account_id": account.account_id,
        "supplied": account.supplied,
        "iam": {
            "users": users,
            "roles": roles,
            "stop_access": facts.stop_access,
            "stop_statements": facts.stop_statements,
        },
        "policy_files": account.policy_files.iter().map(|f| &f.file).collect::<Vec<_>>(),
        "ec2": { "security_groups": groups, "instances": instances },
        "cloudtrail": { "trails": trails },
        "gaps": account.gaps,
        "cloudtrail_events": account.cloudtrail_events,
    })
}
