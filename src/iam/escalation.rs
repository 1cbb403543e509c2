//! Privilege escalation: principals that cannot perform an action yet, but may give
//! it to themselves through IAM write permissions or by passing a role to a service.
//! The paths are the well-documented ones (IAM User Guide, "IAM: Prevent privilege
//! escalation"; Rhino Security Labs' catalogue as popularised by pmapper and
//! cloudsplaining), each checked with the same evaluator as everything else:
//!
//! - `iam:PutUserPolicy` / `iam:AttachUserPolicy` on itself (users),
//!   `iam:PutRolePolicy` / `iam:AttachRolePolicy` on itself (roles);
//! - `iam:CreatePolicyVersion` on a customer managed policy it already holds;
//! - `iam:AddUserToGroup` into a group whose policies grant the action, and
//!   `iam:PutGroupPolicy` / `iam:AttachGroupPolicy` on a group it is in;
//! - `iam:PassRole` of a role that has the action to EC2 (`ec2:RunInstances`) or
//!   Lambda (`lambda:CreateFunction`), when the role trusts that service.
//!
//! Whatever the path, the principal's permissions boundary and the SCPs still cap
//! what it can grant itself (its "ceiling"), except for PassRole, where the role's
//! own permissions apply.
use std::collections::HashMap;

use super::access::{Access, ActionGrants, Analyzer, PrincipalType};
use super::context::RequestContext;
use super::eval::{self, Layer, Request};
use super::policy::Effect;
use super::tri::Tri;

const PUT_USER_POLICY: &str = "iam:PutUserPolicy";
const ATTACH_USER_POLICY: &str = "iam:AttachUserPolicy";
const PUT_ROLE_POLICY: &str = "iam:PutRolePolicy";
const ATTACH_ROLE_POLICY: &str = "iam:AttachRolePolicy";
const CREATE_POLICY_VERSION: &str = "iam:CreatePolicyVersion";
const ADD_USER_TO_GROUP: &str = "iam:AddUserToGroup";
const PUT_GROUP_POLICY: &str = "iam:PutGroupPolicy";
const ATTACH_GROUP_POLICY: &str = "iam:AttachGroupPolicy";
const PASS_ROLE: &str = "iam:PassRole";
const RUN_INSTANCES: &str = "ec2:RunInstances";
const CREATE_FUNCTION: &str = "lambda:CreateFunction";

/// Every action the escalation paths ask about, besides the one queried: a load
/// that leaves statements out ([`super::policy::KeepStatementsFor`]) keeps those
/// that may apply to these too. Each query below names its action by one of
/// these constants.
pub const ACTIONS: &[&str] = &[
    PUT_USER_POLICY,
    ATTACH_USER_POLICY,
    PUT_ROLE_POLICY,
    ATTACH_ROLE_POLICY,
    CREATE_POLICY_VERSION,
    ADD_USER_TO_GROUP,
    PUT_GROUP_POLICY,
    ATTACH_GROUP_POLICY,
    PASS_ROLE,
    RUN_INSTANCES,
    CREATE_FUNCTION,
];

fn grants_for<'g>(list: &'g [Access], ctx: &RequestContext) -> HashMap<&'g str, ActionGrants<'g>> {
    list.iter()
        .map(|a| (a.arn.as_str(), ActionGrants::new(a, ctx)))
        .collect()
}

fn may(g: Option<&ActionGrants>, resource: &str) -> Tri {
    g.map_or(Tri::False, |g| {
        g.allows(resource).and(g.denies(resource).not())
    })
}

/// Whether a role's trust policy lets a service assume it.
fn trusts_service(role: &crate::model::Role, service: &str) -> bool {
    role.trust_policy.as_ref().is_some_and(|t| {
        t.statements.iter().any(|s| {
            s.effect == Effect::Allow
                && eval::action_applies(s, "sts:AssumeRole") != Tri::False
                && s.principal.as_ref().is_some_and(|(negated, entries)| {
                    !negated && entries.iter().any(|(k, v)| k == "Service" && v == service)
                })
        })
    })
}

impl<'a> Analyzer<'a> {
    /// Principals not in `have` (or only conditional there) that can escalate to the action.
    pub fn escalations(
        &self,
        action: &str,
        resource: &str,
        ctx: &RequestContext,
        have: &[Access],
    ) -> Vec<Access> {
        let account = self.account().account_id.as_deref().unwrap_or("*");
        let users = format!("arn:aws:iam::{account}:user/*");
        let roles = format!("arn:aws:iam::{account}:role/*");
        let groups = format!("arn:aws:iam::{account}:group/*");
        let policies = format!("arn:aws:iam::{account}:policy/*");
        let q = |act: &str, res: &str| self.who_can_direct_with(act, res, ctx, false);
        let put_user = q(PUT_USER_POLICY, &users);
        let attach_user = q(ATTACH_USER_POLICY, &users);
        let put_role = q(PUT_ROLE_POLICY, &roles);
        let attach_role = q(ATTACH_ROLE_POLICY, &roles);
        let new_version = q(CREATE_POLICY_VERSION, &policies);
        let add_to_group = q(ADD_USER_TO_GROUP, &groups);
        let put_group = q(PUT_GROUP_POLICY, &groups);
        let attach_group = q(ATTACH_GROUP_POLICY, &groups);
        let pass_role = q(PASS_ROLE, &roles);
        let run_instances = q(RUN_INSTANCES, "*");
        let create_function = q(CREATE_FUNCTION, "*");
        let g = |l| grants_for(l, ctx);
        let (put_user, attach_user, put_role, attach_role) =
            (g(&put_user), g(&attach_user), g(&put_role), g(&attach_role));
        let (new_version, add_to_group, put_group, attach_group) = (
            g(&new_version),
            g(&add_to_group),
            g(&put_group),
            g(&attach_group),
        );
        let pass_role = g(&pass_role);
        let run_instances: HashMap<&str, Tri> = run_instances
            .iter()
            .map(|a| (a.arn.as_str(), word_tri(a.access)))
            .collect();
        let create_function: HashMap<&str, Tri> = create_function
            .iter()
            .map(|a| (a.arn.as_str(), word_tri(a.access)))
            .collect();

        let definite: HashMap<&str, &str> =
            have.iter().map(|a| (a.arn.as_str(), a.access)).collect();
        // Roles that hold the action themselves, for PassRole.
        let role_holders: Vec<&Access> = have
            .iter()
            .filter(|a| a.principal_type == PrincipalType::Role && a.via.is_empty())
            .collect();
        let req = Request {
            action,
            resource,
            context: ctx,
        };
        let users_by_arn: HashMap<&str, &crate::model::User> = self
            .account()
            .iam
            .users
            .iter()
            .map(|u| (u.arn.as_str(), u))
            .collect();
        let roles_by_arn: HashMap<&str, &crate::model::Role> = self
            .account()
            .iam
            .roles
            .iter()
            .map(|r| (r.arn.as_str(), r))
            .collect();
        let mut out = Vec::new();
        for p in self.principals() {
            if definite.get(p.arn) == Some(&"allowed") {
                continue;
            }
            let mut paths: Vec<(Tri, String)> = Vec::new();
            let me = p.arn;
            let self_paths: [(&HashMap<&str, ActionGrants>, &str); 2] = match p.kind {
                PrincipalType::User => [
                    (&put_user, "iam:PutUserPolicy"),
                    (&attach_user, "iam:AttachUserPolicy"),
                ],
                PrincipalType::Role => [
                    (&put_role, "iam:PutRolePolicy"),
                    (&attach_role, "iam:AttachRolePolicy"),
                ],
            };
            for (grants, name) in self_paths {
                let t = may(grants.get(me), me);
                if t != Tri::False {
                    paths.push((t, format!("{name} on itself")));
                }
            }
            // Customer managed policies it holds: a new default version rewrites them.
            let mut held: Vec<&str> = Vec::new();
            let mut groups: Vec<&crate::model::Group> = Vec::new();
            match p.kind {
                PrincipalType::User => {
                    if let Some(u) = users_by_arn.get(me) {
                        held.extend(u.attached_policies.iter().map(|a| a.arn.as_str()));
                        for name in &u.groups {
                            if let Some(gr) = self.group(name) {
                                held.extend(gr.attached_policies.iter().map(|a| a.arn.as_str()));
                                groups.push(gr);
                            }
                        }
                    }
                }
                PrincipalType::Role => {
                    if let Some(r) = roles_by_arn.get(me) {
                        held.extend(r.attached_policies.iter().map(|a| a.arn.as_str()));
                    }
                }
            }
            for arn in held {
                let customer = self
                    .managed_policy(arn)
                    .is_some_and(|m| !m.is_aws_managed());
                let t = may(new_version.get(me), arn);
                if customer && t != Tri::False {
                    paths.push((t, format!("iam:CreatePolicyVersion on {arn}")));
                }
            }
            for gr in &groups {
                for (grants, name) in [
                    (&put_group, "iam:PutGroupPolicy"),
                    (&attach_group, "iam:AttachGroupPolicy"),
                ] {
                    let t = may(grants.get(me), &gr.arn);
                    if t != Tri::False {
                        paths.push((t, format!("{name} on its group {}", gr.arn)));
                    }
                }
            }
            if p.kind == PrincipalType::User && add_to_group.contains_key(me) {
                for gr in &self.account().iam.groups {
                    if groups.iter().any(|x| x.arn == gr.arn) {
                        continue;
                    }
                    let t = may(add_to_group.get(me), &gr.arn);
                    if t == Tri::False {
                        continue;
                    }
                    let grants = gr
                        .inline_policies
                        .iter()
                        .map(|i| &i.document)
                        .chain(
                            gr.attached_policies
                                .iter()
                                .filter_map(|a| self.managed_policy(&a.arn)?.default_document()),
                        )
                        .fold(Layer::EMPTY, |l, d| {
                            l.add(&eval::evaluate_document(d, &req))
                        })
                        .permits();
                    if grants != Tri::False {
                        paths.push((t.and(grants), format!("iam:AddUserToGroup into {}", gr.arn)));
                    }
                }
            }
            let ceiling = self.ceiling(p, &req);
            let mut best: Option<(Tri, String)> = paths
                .into_iter()
                .map(|(t, why)| (t.and(ceiling), why))
                .filter(|(t, _)| *t != Tri::False)
                .max_by_key(|(t, _)| *t == Tri::True);
            // PassRole: the role's own permissions do the work, not the principal's.
            if best.as_ref().is_none_or(|(t, _)| *t != Tri::True) && pass_role.contains_key(me) {
                for holder in &role_holders {
                    let Some(role) = roles_by_arn.get(holder.arn.as_str()) else {
                        continue;
                    };
                    let pass = may(pass_role.get(me), &role.arn);
                    if pass == Tri::False {
                        continue;
                    }
                    for (service, launcher, via) in [
                        ("ec2.amazonaws.com", &run_instances, "ec2:RunInstances"),
                        (
                            "lambda.amazonaws.com",
                            &create_function,
                            "lambda:CreateFunction",
                        ),
                    ] {
                        let launch = launcher.get(me).copied().unwrap_or(Tri::False);
                        if launch == Tri::False || !trusts_service(role, service) {
                            continue;
                        }
                        let t = pass.and(launch).and(word_tri(holder.access));
                        if best
                            .as_ref()
                            .is_none_or(|(b, _)| *b == Tri::Unknown && t == Tri::True)
                        {
                            best = Some((
                                t,
                                format!("iam:PassRole of {} to {service} ({via})", role.arn),
                            ));
                        }
                    }
                }
            }
            let Some((t, why)) = best else { continue };
            let Some(word) = word_of(t) else { continue };
            if definite.get(p.arn) == Some(&"conditional") && t != Tri::True {
                continue;
            }
            out.push(Access {
                arn: me.to_string(),
                principal_type: p.kind,
                name: p.name.to_string(),
                access: word,
                grants: vec![],
                denials: vec![],
                limits: vec![],
                mfa_required: None,
                via: vec![],
                escalation: Some(why),
                file: p.file.map(str::to_string),
            });
        }
        out
    }
}

fn word_tri(access: &str) -> Tri {
    if access == "allowed" {
        Tri::True
    } else {
        Tri::Unknown
    }
}

fn word_of(t: Tri) -> Option<&'static str> {
    match t {
        Tri::True => Some("allowed"),
        Tri::Unknown => Some("conditional"),
        Tri::False => None,
    }
}
