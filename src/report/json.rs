//! The JSON report: a documented, versioned format for tools (docs/report-schema.md).
use std::io::{self, Write};

use serde_json::json;

use super::{Report, Reporter, REPORT_VERSION};
use crate::findings::Severity;

pub struct Json;

impl Reporter for Json {
    fn render(&self, r: &Report, out: &mut dyn Write) -> io::Result<()> {
        let by_severity: serde_json::Map<String, serde_json::Value> = [
            Severity::Critical,
            Severity::High,
            Severity::Medium,
            Severity::Low,
            Severity::Info,
        ]
        .iter()
        .map(|s| (s.as_str().to_string(), json!(r.count(*s))))
        .collect();
        // Keys in alphabetical order, as a serde_json map prints them: the findings
        // (a few MB on a large account) are written straight from their structs,
        // whose fields are declared in that order, rather than copied into a tree.
        #[derive(serde::Serialize)]
        struct Doc<'a> {
            findings: &'a [crate::findings::Finding],
            schema_version: u32,
            summary: serde_json::Value,
            tool: serde_json::Value,
        }
        let doc = Doc {
            findings: &r.findings,
            schema_version: REPORT_VERSION,
            tool: json!({"name": "stopguard", "version": env!("CARGO_PKG_VERSION")}),
            summary: json!({
                "findings": r.findings.len(),
                "by_severity": by_severity,
                "policies": r.policies,
                "inputs": r.inputs,
                "fail_on": r.fail_on,
                "failed": r.failed,
                "suppressed": r.findings.iter().filter(|f| f.suppressed.is_some()).count(),
                "baseline": r.findings.iter().filter(|f| f.baseline).count(),
            }),
        };
        serde_json::to_writer_pretty(&mut *out, &doc)?;
        writeln!(out)
    }
}
