//! What CloudFormation templates and Terraform plans have in common once read:
//! resources become model entities, each element's position is recorded, and a value
//! that cannot be known before deployment becomes an [`Unknown`] instead of a guess.
use std::sync::Arc;

use crate::diag::{self, Error};
use crate::iam::policy::PolicyDocument;
use crate::load::located::Pos as LPos;
use crate::load::RawInput;
use crate::model::{loc_key, Account, Pos, Unknown};

/// The text an unknown value takes in the model: it contains no wildcard, so it
/// matches no pattern and no value (an unknown is never a match), and a message
/// that quotes it says what it was.
pub fn placeholder(expression: &str) -> String {
    format!("<unresolved {expression}>")
}

pub fn is_placeholder(s: &str) -> bool {
    s.starts_with("<unresolved ")
}

pub const IAM_CHECKS: &[&str] = &["IAM-001", "IAM-002", "IAM-003", "IAM-004"];
pub const SG_CHECKS: &[&str] = &["SG-001", "SG-002", "SG-003"];

pub fn pos(p: LPos) -> Pos {
    Pos {
        line: p.line,
        column: p.column,
    }
}

/// Collects one file's entities, positions and unknowns into the account.
pub struct Sink<'a> {
    pub account: &'a mut Account,
    pub file: Arc<str>,
}

impl Sink<'_> {
    pub fn at(&mut self, key: String, p: LPos) {
        self.account.locations.insert(key, pos(p));
    }
    pub fn unknown(
        &mut self,
        resource: &str,
        field: &str,
        expression: &str,
        checks: &[&str],
        p: Option<LPos>,
    ) {
        self.account.unknowns.push(Unknown {
            resource: resource.to_string(),
            field: field.to_string(),
            expression: expression.to_string(),
            checks: checks.iter().map(|c| c.to_string()).collect(),
            file: self.file.to_string(),
            line: p.map(|p| p.line),
            column: p.map(|p| p.column),
        });
    }
    /// A resource id that is unique across inputs: `file#LogicalId` / `file#address`.
    pub fn resource_id(&self, name: &str) -> String {
        format!("{}#{name}", self.file)
    }
}

/// Whether a statement's known Action/NotAction may cover ec2:StopInstances.
pub fn may_cover_stop(action: &serde_json::Value, not_action: bool) -> bool {
    let items: Vec<&str> = match action {
        serde_json::Value::String(s) => vec![s.as_str()],
        serde_json::Value::Array(v) => v.iter().filter_map(|x| x.as_str()).collect(),
        _ => return true,
    };
    let hit = items.iter().any(|p| {
        is_placeholder(p) || crate::iam::wildcard::matches(p, crate::input::STOP_ACTION, true)
    });
    if not_action {
        // NotAction covers the action unless a known pattern excludes it.
        !items
            .iter()
            .any(|p| crate::iam::wildcard::matches(p, crate::input::STOP_ACTION, true))
    } else {
        hit
    }
}

/// An unresolved part of a policy document: its path under the statement
/// (`Resource[1]`), the expression, and where it is written.
pub struct DocUnknown {
    pub statement: usize,
    pub path: String,
    pub expression: String,
    pub pos: LPos,
}

/// A policy document whose unknown values are placeholders, with each statement's
/// position. Statements whose Effect is unknown are left out (and reported).
pub struct ResolvedDoc {
    pub json: serde_json::Value,
    pub statement_pos: Vec<LPos>,
    pub unknowns: Vec<DocUnknown>,
}

/// Turns a resolved document into the model's, recording statement positions under
/// `policy_id` and the unknowns that matter for the stop checks under `resource`.
pub fn policy_document(
    sink: &mut Sink,
    raw: &RawInput,
    resolved: ResolvedDoc,
    policy_id: &str,
    resource: &str,
    field: &str,
    doc_pos: LPos,
) -> Result<PolicyDocument, Error> {
    let mut json = resolved.json;
    let statements: Vec<serde_json::Value> = match json.get_mut("Statement").map(std::mem::take) {
        Some(serde_json::Value::Array(v)) => v,
        Some(serde_json::Value::Null) | None => vec![],
        Some(single) => vec![single],
    };
    let mut kept = Vec::new();
    let mut kept_pos = Vec::new();
    for (i, s) in statements.into_iter().enumerate() {
        let stmt_pos = resolved.statement_pos.get(i).copied().unwrap_or(doc_pos);
        let (action, not_action) = match (s.get("Action"), s.get("NotAction")) {
            (Some(a), _) => (a.clone(), false),
            (None, Some(a)) => (a.clone(), true),
            _ => (serde_json::Value::Null, false),
        };
        // A trust policy decides who reaches the role (and its permissions): an
        // unknown principal or condition there matters whatever the action.
        let trust =
            field.contains("AssumeRolePolicyDocument") || field.contains("assume_role_policy");
        let relevant = trust || may_cover_stop(&action, not_action);
        let effect_unknown = s
            .get("Effect")
            .and_then(|e| e.as_str())
            .is_some_and(is_placeholder);
        for u in resolved.unknowns.iter().filter(|u| u.statement == i) {
            let action_part = u.path.starts_with("Action") || u.path.starts_with("NotAction");
            if relevant || action_part {
                sink.unknown(
                    resource,
                    &format!("{field}.Statement[{i}].{}", u.path),
                    &u.expression,
                    IAM_CHECKS,
                    Some(u.pos),
                );
            }
        }
        if effect_unknown {
            continue;
        }
        sink.at(loc_key::statement(policy_id, kept.len()), stmt_pos);
        kept.push(s);
        kept_pos.push(stmt_pos);
    }
    if let Some(obj) = json.as_object_mut() {
        obj.insert("Statement".into(), serde_json::Value::Array(kept));
    }
    serde_json::from_value::<PolicyDocument>(json.clone()).map_err(|e| {
        // Point at the statement at fault when one alone fails.
        let statements = json.get("Statement").and_then(|s| s.as_array());
        let at = statements
            .and_then(|list| {
                list.iter().position(|s| {
                    serde_json::from_value::<PolicyDocument>(serde_json::json!({"Statement": [s]}))
                        .is_err()
                })
            })
            .and_then(|i| kept_pos.get(i).copied())
            .unwrap_or(doc_pos);
        located_error(raw, at, format!("{field}: {e}"))
    })
}

/// An error at a place in an input file, shown with the line.
pub fn located_error(raw: &RawInput, p: LPos, message: String) -> Error {
    let offset = crate::load::located::byte_offset(&raw.text, p.line, p.column);
    Error::Template {
        name: raw.name.clone(),
        message,
        src: diag::source_for(&raw.name, &raw.text),
        span: Some((offset, 0).into()),
    }
}
