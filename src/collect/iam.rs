//! IAM: `GetAccountAuthorizationDetails`, every page and every entity type.
//!
//! Policy documents come URL-encoded from the API; `PolicyDocument::from_text`
//! decodes them. A document that does not parse fails the collection: a policy
//! silently dropped could hide exactly the grant the checks look for.
use aws_config::SdkConfig;
use aws_sdk_iam::types::{self as t, EntityType};

use super::{classify, name_from_arn, Ctx, Failure};
use crate::iam::policy::PolicyDocument;
use crate::model;

pub async fn collect(config: &SdkConfig, ctx: &Ctx) -> Result<model::Iam, Failure> {
    let client = aws_sdk_iam::Client::new(config);
    let mut pages = client
        .get_account_authorization_details()
        .set_filter(Some(vec![
            EntityType::User,
            EntityType::Group,
            EntityType::Role,
            EntityType::LocalManagedPolicy,
            EntityType::AwsManagedPolicy,
        ]))
        .into_paginator()
        .send();
    let mut iam = model::Iam::default();
    let mut n = 0usize;
    loop {
        let page = {
            let _permit = ctx.permit().await;
            pages.next().await
        };
        let Some(page) = page else { break };
        let page = page.map_err(|e| classify(&e))?;
        n += 1;
        for u in page.user_detail_list() {
            iam.users.push(user(u)?);
        }
        for g in page.group_detail_list() {
            iam.groups.push(group(g)?);
        }
        for r in page.role_detail_list() {
            iam.roles.push(role(r)?);
        }
        for p in page.policies() {
            iam.policies.push(policy(p)?);
        }
    }
    ctx.progress.done(
        "iam",
        "global",
        &format!(
            "{} users, {} groups, {} roles, {} managed policies ({n} pages)",
            iam.users.len(),
            iam.groups.len(),
            iam.roles.len(),
            iam.policies.len()
        ),
    );
    Ok(iam)
}

fn s(v: Option<&str>) -> String {
    v.unwrap_or_default().to_string()
}

fn document(owner: &str, text: Option<&str>) -> Result<PolicyDocument, Failure> {
    let text = text.unwrap_or_default();
    PolicyDocument::from_text(text)
        .map_err(|e| Failure::Other(format!("policy document of {owner} does not parse: {e}")))
}

fn inline(owner: &str, list: &[t::PolicyDetail]) -> Result<Vec<model::InlinePolicy>, Failure> {
    list.iter()
        .map(|p| {
            let name = s(p.policy_name());
            Ok(model::InlinePolicy {
                document: document(
                    &format!("{owner} inline policy {name}"),
                    p.policy_document(),
                )?,
                name,
            })
        })
        .collect()
}

fn attached(list: &[t::AttachedPolicy]) -> Vec<model::Attachment> {
    list.iter()
        .map(|a| {
            let arn = s(a.policy_arn());
            model::Attachment {
                name: a
                    .policy_name()
                    .map(str::to_string)
                    .unwrap_or_else(|| name_from_arn(&arn)),
                arn,
            }
        })
        .collect()
}

fn boundary(b: Option<&t::AttachedPermissionsBoundary>) -> Option<model::Boundary> {
    b.and_then(|b| b.permissions_boundary_arn())
        .map(|arn| model::Boundary {
            arn: arn.to_string(),
        })
}

fn tags(list: &[t::Tag]) -> Vec<model::Tag> {
    list.iter()
        .map(|t| model::Tag {
            key: t.key().to_string(),
            value: t.value().to_string(),
        })
        .collect()
}

fn user(u: &t::UserDetail) -> Result<model::User, Failure> {
    let arn = s(u.arn());
    Ok(model::User {
        name: s(u.user_name()),
        inline_policies: inline(&arn, u.user_policy_list())?,
        groups: u.group_list().to_vec(),
        attached_policies: attached(u.attached_managed_policies()),
        permissions_boundary: boundary(u.permissions_boundary()),
        tags: tags(u.tags()),
        id: s(u.user_id()),
        path: s(u.path()),
        arn,
        file: None,
    })
}

fn group(g: &t::GroupDetail) -> Result<model::Group, Failure> {
    let arn = s(g.arn());
    Ok(model::Group {
        name: s(g.group_name()),
        inline_policies: inline(&arn, g.group_policy_list())?,
        attached_policies: attached(g.attached_managed_policies()),
        id: s(g.group_id()),
        path: s(g.path()),
        arn,
        file: None,
    })
}

fn role(r: &t::RoleDetail) -> Result<model::Role, Failure> {
    let arn = s(r.arn());
    let trust_policy = match r.assume_role_policy_document() {
        Some(text) => Some(document(&format!("{arn} trust policy"), Some(text))?),
        None => None,
    };
    Ok(model::Role {
        name: s(r.role_name()),
        trust_policy,
        inline_policies: inline(&arn, r.role_policy_list())?,
        attached_policies: attached(r.attached_managed_policies()),
        permissions_boundary: boundary(r.permissions_boundary()),
        tags: tags(r.tags()),
        id: s(r.role_id()),
        path: s(r.path()),
        arn,
        file: None,
    })
}

fn policy(p: &t::ManagedPolicyDetail) -> Result<model::ManagedPolicy, Failure> {
    let arn = s(p.arn());
    let versions = p
        .policy_version_list()
        .iter()
        .map(|v| {
            let id = s(v.version_id());
            Ok(model::PolicyVersion {
                document: document(&format!("{arn} version {id}"), v.document())?,
                version_id: id,
                is_default: v.is_default_version(),
            })
        })
        .collect::<Result<Vec<_>, Failure>>()?;
    Ok(model::ManagedPolicy {
        // moto omits PolicyName: the name is then the ARN's last segment, as
        // the loader derives it for exports.
        name: p
            .policy_name()
            .map(str::to_string)
            .unwrap_or_else(|| name_from_arn(&arn)),
        path: s(p.path()),
        default_version_id: s(p.default_version_id()),
        attachment_count: p.attachment_count().unwrap_or_default().max(0) as u64,
        versions,
        arn,
        file: None,
    })
}
