//! `stopguard diff BEFORE AFTER`: who gains or loses the action between two states
//! (two exports, two snapshots, or two versions of a policy file), for CI on IAM
//! changes. Exit status 1 when access was gained.
use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

use crate::app::ExitStatus;
use crate::diag::Result;
use crate::iam::access::{Access, Analyzer, Grant, ScpLevel};
use crate::iam::context::RequestContext;
use crate::input;
use crate::load::{self, Limits};
use crate::report::{neutralise, Listing as Format};

#[derive(Debug, Serialize)]
pub struct Change {
    pub arn: String,
    /// `gained`, `lost`, `widened` (conditional -> allowed) or `narrowed`.
    pub change: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after: Option<&'static str>,
}

#[derive(Debug, Serialize)]
pub struct StatementChange {
    pub change: &'static str,
    pub policy: String,
    pub statement: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
}

fn rank(access: &str) -> u8 {
    if access == "allowed" {
        2
    } else {
        1
    }
}

/// Principal-level changes between two who-can answers.
pub fn principal_changes(before: &[Access], after: &[Access]) -> Vec<Change> {
    let b: BTreeMap<&str, &'static str> =
        before.iter().map(|a| (a.arn.as_str(), a.access)).collect();
    let a: BTreeMap<&str, &'static str> =
        after.iter().map(|a| (a.arn.as_str(), a.access)).collect();
    let mut out = Vec::new();
    for arn in b
        .keys()
        .chain(a.keys())
        .collect::<std::collections::BTreeSet<_>>()
    {
        let (x, y) = (b.get(arn).copied(), a.get(arn).copied());
        let change = match (x, y) {
            (None, Some(_)) => "gained",
            (Some(_), None) => "lost",
            (Some(p), Some(q)) if rank(q) > rank(p) => "widened",
            (Some(p), Some(q)) if rank(q) < rank(p) => "narrowed",
            _ => continue,
        };
        out.push(Change {
            arn: arn.to_string(),
            change,
            before: x,
            after: y,
        });
    }
    out
}

/// A statement as compared across versions: its policy and content, not its position.
fn statement_key(g: &Grant, root: &str) -> (String, String) {
    let body = serde_json::json!({
        "actions": g.actions, "not_action": g.not_action, "resources": g.resources,
        "not_resource": g.not_resource, "conditions": g.conditions,
    });
    // Policy files are named relative to the side's root, so before/x.json and
    // after/x.json are the same policy.
    let id = g.policy.id();
    let id = id
        .strip_prefix(root)
        .map(|s| s.trim_start_matches('/').to_string())
        .unwrap_or(id);
    (id, body.to_string())
}

pub fn statement_changes(
    before: (&[Grant], &str),
    after: (&[Grant], &str),
) -> Vec<StatementChange> {
    let b: BTreeMap<(String, String), &Grant> = before
        .0
        .iter()
        .map(|g| (statement_key(g, before.1), g))
        .collect();
    let a: BTreeMap<(String, String), &Grant> = after
        .0
        .iter()
        .map(|g| (statement_key(g, after.1), g))
        .collect();
    let mut out = Vec::new();
    for (k, g) in &a {
        if !b.contains_key(k) {
            out.push(StatementChange {
                change: "added",
                policy: k.0.clone(),
                statement: k.1.clone(),
                line: g.line,
            });
        }
    }
    for (k, g) in &b {
        if !a.contains_key(k) {
            out.push(StatementChange {
                change: "removed",
                policy: k.0.clone(),
                statement: k.1.clone(),
                line: g.line,
            });
        }
    }
    out
}

fn side(
    path: &Path,
    limits: &Limits,
    scps: &[ScpLevel],
    action: &str,
) -> Result<(Vec<Access>, Vec<Grant>)> {
    // Only the statements that may apply to the action (and to sts:AssumeRole, for
    // role chains) can change the answer: the others are left out while loading.
    let options = load::Options {
        statements_for: Some(super::statements_for(&[
            action,
            crate::iam::access::ASSUME_ROLE,
        ])),
        ..load::Options::default()
    };
    let (account, _) =
        load::load_paths_opts(&[path.to_path_buf()], limits, false, &options)?.complete()?;
    // Each side its own collected SCPs, unless --scp names them for both.
    let scps = super::effective_scps(&account, scps.to_vec());
    let analyzer = Analyzer::new(&account, &scps);
    let resource = if action.eq_ignore_ascii_case(input::STOP_ACTION) {
        input::any_instance(&account)
    } else {
        "*".to_string()
    };
    Ok((
        analyzer.who_can(action, &resource, &RequestContext::unknown()),
        analyzer.statements_granting(action),
    ))
}

pub fn run(
    before: &Path,
    after: &Path,
    action: &str,
    scps: &[ScpLevel],
    limits: &Limits,
    format: Format,
) -> Result<ExitStatus> {
    let (ba, bs) = side(before, limits, scps, action)?;
    let (aa, as_) = side(after, limits, scps, action)?;
    let principals = principal_changes(&ba, &aa);
    let root = |p: &Path| {
        if p.is_dir() {
            p.display().to_string()
        } else {
            p.parent()
                .map(|d| d.display().to_string())
                .unwrap_or_default()
        }
    };
    let statements = statement_changes((&bs, &root(before)), (&as_, &root(after)));
    let gained = principals
        .iter()
        .any(|c| c.change == "gained" || c.change == "widened")
        || statements.iter().any(|s| s.change == "added");
    super::emit(None, |w| match format {
        Format::Json => {
            let doc = serde_json::json!({
                "schema_version": 1, "action": action, "access_gained": gained,
                "principals": principals, "statements": statements,
            });
            serde_json::to_writer_pretty(&mut *w, &doc)?;
            writeln!(w)
        }
        Format::Text => {
            for c in &principals {
                let detail = match (c.before, c.after) {
                    (Some(b), Some(a)) => format!(" ({b} -> {a})"),
                    (None, Some(a)) => format!(" ({a})"),
                    _ => String::new(),
                };
                writeln!(w, "{:<9} {}{}", c.change, neutralise(&c.arn), detail)?;
            }
            for s in &statements {
                let at = s.line.map(|l| format!(":{l}")).unwrap_or_default();
                writeln!(
                    w,
                    "{:<9} statement in {}{}: {}",
                    s.change,
                    neutralise(&s.policy),
                    at,
                    neutralise(&s.statement)
                )?;
            }
            writeln!(
                w,
                "{}",
                if gained {
                    format!("access to {action} was gained")
                } else {
                    format!("no access to {action} was gained")
                }
            )
        }
    })?;
    Ok(if gained {
        ExitStatus::Findings
    } else {
        ExitStatus::Clean
    })
}
