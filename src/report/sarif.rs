//! SARIF 2.1.0, as GitHub code scanning reads it: one run, the rules that fired
//! with their help text and severity, and each finding with its location.
use std::collections::BTreeMap;
use std::io::{self, Write};

use serde_json::{json, Value};

use super::{Report, Reporter};
use crate::findings::{Finding, Severity};

pub struct Sarif;

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// GitHub ranks security alerts by this number (0.0-10.0) rather than by level.
fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "0.0",
    }
}

fn rule(f: &Finding) -> Value {
    json!({
        "id": f.rule,
        "name": f.rule.replace('-', ""),
        "shortDescription": {"text": f.title},
        "fullDescription": {"text": f.title},
        "help": {"text": if f.remediation.is_empty() { f.title.clone() } else { f.remediation.clone() }},
        "defaultConfiguration": {"level": level(f.severity)},
        "properties": {
            "security-severity": security_severity(f.severity),
            "tags": ["security", "aws"],
        },
    })
}

fn result(f: &Finding, index: usize) -> Value {
    let message = if f.resource.is_empty() {
        f.message.clone()
    } else {
        format!("{} ({})", f.message, f.resource)
    };
    let mut r = serde_json::Map::new();
    r.insert("ruleId".into(), json!(f.rule));
    r.insert("ruleIndex".into(), json!(index));
    r.insert("level".into(), json!(level(f.severity)));
    r.insert("message".into(), json!({ "text": message }));
    r.insert(
        "partialFingerprints".into(),
        json!({"stopguard/v1": f.fingerprint}),
    );
    r.insert(
        "properties".into(),
        json!({"resource": f.resource, "severity": f.severity.as_str()}),
    );
    if let Some(file) = &f.file {
        let uri = json!({"uri": file.trim_start_matches("./")});
        let location = match (f.line, f.column) {
            (Some(line), Some(column)) => json!({
                "artifactLocation": uri,
                "region": {"startLine": line, "startColumn": column}
            }),
            (Some(line), None) => json!({"artifactLocation": uri, "region": {"startLine": line}}),
            _ => json!({ "artifactLocation": uri }),
        };
        r.insert(
            "locations".into(),
            json!([{ "physicalLocation": location }]),
        );
    }
    if let Some(s) = &f.suppressed {
        r.insert(
            "suppressions".into(),
            json!([{"kind": "external", "justification": s.reason}]),
        );
    }
    if f.baseline {
        r.insert("baselineState".into(), json!("unchanged"));
    }
    Value::Object(r)
}

impl Reporter for Sarif {
    fn render(&self, r: &Report, out: &mut dyn Write) -> io::Result<()> {
        let mut rules: BTreeMap<&str, &Finding> = BTreeMap::new();
        for f in &r.findings {
            rules.entry(f.rule.as_str()).or_insert(f);
        }
        let index: BTreeMap<&str, usize> = rules.keys().enumerate().map(|(i, k)| (*k, i)).collect();
        let doc = json!({
            "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
            "version": "2.1.0",
            "runs": [{
                "tool": {"driver": {
                    "name": "stopguard",
                    "version": env!("CARGO_PKG_VERSION"),
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "rules": rules.values().map(|f| rule(f)).collect::<Vec<_>>(),
                }},
                "results": r.findings.iter().map(|f| result(f, index.get(f.rule.as_str()).copied().unwrap_or(0))).collect::<Vec<_>>(),
            }],
        });
        serde_json::to_writer_pretty(&mut *out, &doc)?;
        writeln!(out)
    }
}
