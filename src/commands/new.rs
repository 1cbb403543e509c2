//! `stopguard new policy DIR/NAME`: a policy and its test from a template that
//! passes its own test, so a new check starts green and is edited from there.
use std::path::Path;

use crate::app::ExitStatus;
use crate::diag::{Error, Result};
use crate::findings::Severity;

fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !name.ends_with("_test")
}

/// The next free `CUSTOM-NNN` id among the policies already in `dir`.
fn next_id(dir: &Path) -> String {
    let used: Vec<u32> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| std::fs::read_to_string(e.path()).ok())
        .flat_map(|text| {
            text.lines()
                .filter_map(|l| {
                    l.trim()
                        .strip_prefix("#   id: CUSTOM-")?
                        .trim()
                        .parse()
                        .ok()
                })
                .collect::<Vec<u32>>()
        })
        .collect();
    format!("CUSTOM-{:03}", used.iter().max().map_or(1, |m| m + 1))
}

fn policy_text(name: &str, id: &str, severity: Severity) -> String {
    let title = name.replace('_', " ");
    format!(
        r#"# METADATA
# title: {title}
# description: |
#   Say what this policy forbids and why it matters. This template flags IAM
#   users who may stop EC2 instances directly; edit the rule below.
# custom:
#   id: {id}
#   severity: {severity}
#   remediation: |
#     Say how to fix a finding, with the AWS CLI command where one fits.
#   parameters: []
package custom.{name}

import rego.v1

# input is documented in docs/input-schema.md; `stopguard input FILES` prints it.
deny contains finding if {{
	some access in input.iam.stop_access
	access.type == "user"
	finding := {{
		"msg": sprintf("user %s may stop instances directly", [access.arn]),
		"resource": access.arn,
	}}
}}
"#,
        severity = severity.as_str()
    )
}

fn test_text(name: &str) -> String {
    format!(
        r#"package custom.{name}_test

import rego.v1

import data.custom.{name}

test_user_is_flagged if {{
	findings := {name}.deny with input as {{"iam": {{"stop_access": [{{"arn": "arn:aws:iam::111122223333:user/alice", "type": "user"}}]}}}}
	some f in findings
	f.resource == "arn:aws:iam::111122223333:user/alice"
}}

test_role_is_not_flagged if {{
	findings := {name}.deny with input as {{"iam": {{"stop_access": [{{"arn": "arn:aws:iam::111122223333:role/ops", "type": "role"}}]}}}}
	count(findings) == 0
}}
"#
    )
}

pub fn policy(path: &Path, id: Option<&str>, severity: Severity) -> Result<ExitStatus> {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .map(|n| n.trim_end_matches(".rego").to_string())
        .unwrap_or_default();
    if !valid_name(&name) {
        return Err(Error::Usage {
            message: format!("{name:?} is not a policy name"),
            help: Some("use snake_case letters, digits and underscores, e.g. `stopguard new policy my-policies/ops_only_stop`".into()),
        });
    }
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    std::fs::create_dir_all(&dir).map_err(|source| Error::Write {
        path: dir.clone(),
        source,
    })?;
    let policy_path = dir.join(format!("{name}.rego"));
    let test_path = dir.join(format!("{name}_test.rego"));
    for p in [&policy_path, &test_path] {
        if p.exists() {
            return Err(Error::Usage {
                message: format!("{} already exists", p.display()),
                help: Some("stopguard new never overwrites a file; pick another name".into()),
            });
        }
    }
    let id = id.map(str::to_string).unwrap_or_else(|| next_id(&dir));
    crate::report::write_atomically(&policy_path, |w| {
        w.write_all(policy_text(&name, &id, severity).as_bytes())
    })?;
    crate::report::write_atomically(&test_path, |w| w.write_all(test_text(&name).as_bytes()))?;
    println!(
        "wrote {} ({id}) and {}",
        policy_path.display(),
        test_path.display()
    );
    println!("next: stopguard test {}", dir.display());
    Ok(ExitStatus::Clean)
}
