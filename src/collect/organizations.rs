//! AWS Organizations: the service control policies that apply to the account,
//! level by level, root first.
//!
//! SCP evaluation is per level (AWS Organizations User Guide, "SCP evaluation"):
//! an SCP at the root, at every OU on the path and at the account itself must
//! allow an action, and a Deny at any level wins. So the collector walks the path
//! up from the account with `ListParents` until it reaches the root, and reads
//! the SCPs attached directly to each level with `ListPoliciesForTarget`
//! (`Filter=SERVICE_CONTROL_POLICY`) and `DescribePolicy` (for `Content`).
//!
//! No SCP applies, and nothing more is read, when the account is in no
//! organization (`AWSOrganizationsNotInUseException`), when the organization has
//! only consolidated billing, when the SCP policy type is not enabled at the root
//! (`ListRoots` says which types are), or when the account is the management
//! account ("SCPs don't affect users or roles in the management account", same
//! guide, "Service control policies (SCPs)").
//!
//! Most of these calls answer only the management account or a delegated
//! administrator. A refusal is not fatal and not a gap: the status becomes
//! `unreadable`, a warning says so, and the analysis runs without SCPs, which
//! can only over-state who may act (SCPs never grant). `--org-profile` reads
//! Organizations with other credentials, e.g. a role in the management account.
use std::collections::HashMap;
use std::sync::Arc;

use aws_sdk_organizations::error::ProvideErrorMetadata;
use aws_sdk_organizations::types::{OrganizationFeatureSet, PolicyType, PolicyTypeStatus};
use aws_sdk_organizations::Client;

use super::{classify, Ctx, Failure};
use crate::iam::policy::PolicyDocument;
use crate::model::{OrgLevel, OrgStatus, Organizations, Scp};

/// The path is at most five OUs deep (Organizations quotas); anything longer
/// means the answers are inconsistent.
const MAX_DEPTH: usize = 8;

fn outcome(status: OrgStatus, detail: Option<String>) -> Organizations {
    Organizations {
        status,
        organization_id: None,
        management_account_id: None,
        scp_levels: Vec::new(),
        detail,
    }
}

/// Reads the SCPs that apply to `account_id`. Never fails: what could not be
/// read is the `unreadable` status, with the call and the error.
pub async fn collect(client: Client, account_id: String, ctx: Arc<Ctx>) -> Organizations {
    ctx.progress
        .step("organizations", None, "DescribeOrganization");
    let result = {
        let _permit = ctx.permit().await;
        client.describe_organization().send().await
    };
    let org = match result {
        Ok(out) => out.organization,
        Err(e) if e.code() == Some("AWSOrganizationsNotInUseException") => {
            ctx.progress
                .done("organizations", "global", "not in an organization");
            return outcome(OrgStatus::NotInOrganization, None);
        }
        Err(e) => return unreadable(&ctx, "DescribeOrganization", &classify(&e)),
    };
    let Some(org) = org else {
        return unreadable(
            &ctx,
            "DescribeOrganization",
            &Failure::Other("no organization in the answer".into()),
        );
    };
    let mut out = outcome(OrgStatus::Applied, None);
    out.organization_id = org.id().map(str::to_string);
    out.management_account_id = org.master_account_id().map(str::to_string);

    if org.feature_set() != Some(&OrganizationFeatureSet::All) {
        out.status = OrgStatus::ScpsDisabled;
        out.detail = Some("the organization has consolidated billing features only".into());
    } else if out.management_account_id.as_deref() == Some(account_id.as_str()) {
        out.status = OrgStatus::ManagementAccount;
        out.detail = Some("SCPs do not apply to the organization's management account".into());
    } else {
        match levels(&client, &account_id, &ctx).await {
            Ok(Some(levels)) => out.scp_levels = levels,
            Ok(None) => {
                out.status = OrgStatus::ScpsDisabled;
                out.detail = Some(
                    "the SERVICE_CONTROL_POLICY policy type is not enabled at the root".into(),
                );
            }
            Err((api, failure)) => {
                let mut u = unreadable(&ctx, api, &failure);
                u.organization_id = out.organization_id;
                u.management_account_id = out.management_account_id;
                return u;
            }
        }
    }
    let summary = match out.status {
        OrgStatus::Applied => format!(
            "{} SCP level(s), {} attachment(s)",
            out.scp_levels.len(),
            out.scp_levels
                .iter()
                .map(|l| l.policies.len())
                .sum::<usize>()
        ),
        _ => out.detail.clone().unwrap_or_default(),
    };
    ctx.progress.done("organizations", "global", &summary);
    out
}

fn unreadable(ctx: &Ctx, api: &str, failure: &Failure) -> Organizations {
    ctx.progress.warn(&format!(
        "warning: organizations {api} could not be read: {}; SCPs are not applied, so who may act is an upper bound",
        failure.message()
    ));
    outcome(
        OrgStatus::Unreadable,
        Some(format!("{api}: {}", failure.message())),
    )
}

type Refused = (&'static str, Failure);

/// Root first, then the OUs down to the account, then the account; None when
/// SCPs are not enabled at the root.
async fn levels(
    client: &Client,
    account_id: &str,
    ctx: &Ctx,
) -> Result<Option<Vec<OrgLevel>>, Refused> {
    ctx.progress.step("organizations", None, "ListRoots");
    let mut enabled = false;
    let mut pages = client.list_roots().into_paginator().send();
    loop {
        let page = {
            let _permit = ctx.permit().await;
            pages.next().await
        };
        let Some(page) = page else { break };
        let page = page.map_err(|e| ("ListRoots", classify(&e)))?;
        enabled |= page.roots().iter().any(|r| {
            r.policy_types().iter().any(|t| {
                t.r#type() == Some(&PolicyType::ServiceControlPolicy)
                    && t.status() == Some(&PolicyTypeStatus::Enabled)
            })
        });
    }
    if !enabled {
        return Ok(None);
    }

    ctx.progress.step("organizations", None, "ListParents");
    let mut path = vec![(account_id.to_string(), "ACCOUNT".to_string())];
    while let Some((child, _)) = path.last().cloned() {
        let parent = parent_of(client, &child, ctx).await?;
        let is_root = parent.1 == "ROOT";
        path.push(parent);
        if is_root {
            break;
        }
        if path.len() > MAX_DEPTH {
            return Err((
                "ListParents",
                Failure::Other(format!(
                    "no root reached after {MAX_DEPTH} levels above {account_id}"
                )),
            ));
        }
    }
    path.reverse();

    ctx.progress
        .step("organizations", None, "ListPoliciesForTarget");
    let mut documents: HashMap<String, Scp> = HashMap::new();
    let mut levels = Vec::with_capacity(path.len());
    for (target_id, target_type) in path {
        let mut policies = Vec::new();
        let mut pages = client
            .list_policies_for_target()
            .target_id(&target_id)
            .filter(PolicyType::ServiceControlPolicy)
            .into_paginator()
            .send();
        loop {
            let page = {
                let _permit = ctx.permit().await;
                pages.next().await
            };
            let Some(page) = page else { break };
            let page = page.map_err(|e| ("ListPoliciesForTarget", classify(&e)))?;
            for summary in page.policies() {
                let id = summary.id().unwrap_or_default().to_string();
                if let Some(scp) = documents.get(&id) {
                    policies.push(scp.clone());
                    continue;
                }
                let document = content(client, &id, ctx).await?;
                let scp = Scp {
                    arn: summary.arn().unwrap_or_default().to_string(),
                    name: summary.name().unwrap_or(&id).to_string(),
                    aws_managed: summary.aws_managed(),
                    document,
                    id: id.clone(),
                };
                documents.insert(id, scp.clone());
                policies.push(scp);
            }
        }
        levels.push(OrgLevel {
            target_id,
            target_type,
            policies,
        });
    }
    Ok(Some(levels))
}

/// The one parent of an OU or account (every OU and account has exactly one).
async fn parent_of(client: &Client, child: &str, ctx: &Ctx) -> Result<(String, String), Refused> {
    let mut pages = client
        .list_parents()
        .child_id(child)
        .into_paginator()
        .send();
    let mut found = None;
    loop {
        let page = {
            let _permit = ctx.permit().await;
            pages.next().await
        };
        let Some(page) = page else { break };
        let page = page.map_err(|e| ("ListParents", classify(&e)))?;
        if found.is_none() {
            found = page
                .parents()
                .first()
                .and_then(|p| Some((p.id()?.to_string(), p.r#type()?.as_str().to_string())));
        }
    }
    found.ok_or_else(|| {
        (
            "ListParents",
            Failure::Other(format!("no parent listed for {child}")),
        )
    })
}

/// An SCP's document, from `DescribePolicy`'s `Content` (a JSON string).
async fn content(client: &Client, id: &str, ctx: &Ctx) -> Result<PolicyDocument, Refused> {
    let out = {
        let _permit = ctx.permit().await;
        client.describe_policy().policy_id(id).send().await
    }
    .map_err(|e| ("DescribePolicy", classify(&e)))?;
    let text = out.policy().and_then(|p| p.content()).ok_or_else(|| {
        (
            "DescribePolicy",
            Failure::Other(format!("{id} has no content")),
        )
    })?;
    PolicyDocument::from_text(text).map_err(|e| {
        (
            "DescribePolicy",
            Failure::Other(format!("the content of {id} does not parse: {e}")),
        )
    })
}
