//! The JSON report: a documented, versioned format for tools (docs/report-schema.md).
use std::io::{self, Write};

use serde::Serialize;
use serde_json::json;
use serde_json::value::RawValue;

use super::{Report, Reporter, REPORT_VERSION};
use crate::findings::{Finding, Severity, Suppression};

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
        // Keys in alphabetical order, as a serde_json map prints them: `findings`
        // first, then the rest of the document as serde_json prints it.
        #[derive(serde::Serialize)]
        struct Rest {
            schema_version: u32,
            summary: serde_json::Value,
            tool: serde_json::Value,
        }
        let rest = Rest {
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
        let rest = serde_json::to_vec_pretty(&rest)?;
        // "{\n" + fields at depth 1 + "\n}": the fields follow `findings`.
        let rest = rest.strip_prefix(b"{\n").unwrap_or(&rest);
        out.write_all(b"{\n  \"findings\": ")?;
        write_findings(&r.findings, out)?;
        out.write_all(b",\n")?;
        out.write_all(rest)?;
        writeln!(out)
    }
}

/// Items per piece rendered on one core: few enough that both cores get work
/// on a large report, enough that handing them over is cheap.
const ITEMS_PER_PIECE: usize = 128;

/// Pieces rendered but not yet written, at most: a few per core keeps the cores
/// busy while this thread writes, and the report is never held whole (it would
/// be the run's peak).
const PIECES_AHEAD: usize = 4;

/// The `findings` array as `serde_json::to_writer_pretty` prints it at depth 1 of
/// the document (see [`write_pretty_array`]); `Finding` declares its fields in
/// the alphabetical order a serde_json map prints.
fn write_findings(findings: &[Finding], out: &mut dyn Write) -> io::Result<()> {
    let remediations = Remediations::of(findings)?;
    write_pretty_array(findings, out, |f, text| {
        let printed = Printed::new(f, &remediations)?;
        serde_json::to_writer_pretty(text, &printed).map_err(io::Error::from)
    })
}

/// Each distinct remediation of the findings, written as a JSON string once. A
/// rule's remediation is the same text of several lines in each of its findings:
/// on the benchmark export, 55% of the report's string bytes, which serde_json
/// escaped a byte at a time for every finding (15 million instructions). Few
/// rules have findings, so a list compared by length, then by text, finds each.
struct Remediations<'a>(Vec<(&'a str, Box<RawValue>)>);

impl<'a> Remediations<'a> {
    fn of(findings: &'a [Finding]) -> io::Result<Self> {
        let mut all = Remediations(Vec::new());
        for f in findings {
            if all.get(&f.remediation).is_none() {
                let json = serde_json::to_string(&f.remediation)?;
                all.0.push((&f.remediation, RawValue::from_string(json)?));
            }
        }
        Ok(all)
    }

    fn get(&self, text: &str) -> Option<&RawValue> {
        self.0
            .iter()
            // Findings of one rule share its text: the same address, mostly.
            .find(|(t, _)| t.len() == text.len() && (t.as_ptr() == text.as_ptr() || *t == text))
            .map(|(_, json)| &**json)
    }
}

/// A finding as [`write_findings`] prints it: what `Finding`'s derived
/// `Serialize` prints, field for field (its order, its omissions; a test holds
/// the two to the same bytes), with the remediation already written as JSON.
#[derive(Serialize)]
struct Printed<'a> {
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    baseline: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    column: Option<u32>,
    #[serde(skip_serializing_if = "is_null")]
    details: &'a crate::findings::Details,
    #[serde(skip_serializing_if = "Option::is_none")]
    file: Option<&'a str>,
    fingerprint: &'a str,
    kind: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    line: Option<u32>,
    message: &'a str,
    policy: &'a str,
    remediation: &'a RawValue,
    resource: &'a str,
    rule: &'a str,
    severity: Severity,
    #[serde(skip_serializing_if = "Option::is_none")]
    suppressed: Option<&'a Suppression>,
    title: &'a str,
}

fn is_null(v: &&crate::findings::Details) -> bool {
    v.is_null()
}

impl<'a> Printed<'a> {
    fn new(f: &'a Finding, remediations: &'a Remediations) -> io::Result<Self> {
        // Every field named, none left to `..`: a field added to `Finding` does
        // not compile here until it is printed here too.
        let Finding {
            baseline,
            column,
            details,
            file,
            fingerprint,
            kind,
            line,
            message,
            policy,
            remediation,
            resource,
            rule,
            severity,
            suppressed,
            title,
        } = f;
        Ok(Printed {
            baseline: *baseline,
            column: *column,
            details,
            file: file.as_deref(),
            fingerprint,
            kind,
            line: *line,
            message,
            policy,
            remediation: remediations
                .get(remediation)
                .ok_or_else(|| io::Error::other("a remediation was not written"))?,
            resource,
            rule,
            severity: *severity,
            suppressed: suppressed.as_ref(),
            title,
        })
    }
}

/// An array of `items` as `serde_json::to_writer_pretty` prints it as the value
/// of a member of the top-level object (depth 1), `render` printing one item as
/// serde_json prints a lone value. A large account's report is megabytes of
/// items, the last thing a run does and otherwise on one core: items are
/// rendered in pieces on every core, then indented to their depth (every line
/// break of pretty JSON is the printer's own: a line break inside a string is
/// written `\n`). Pieces are written as they are rendered, in order, with only a
/// few waiting (`PIECES_AHEAD`): the report is never held whole in memory.
pub(crate) fn write_pretty_array<T: Sync>(
    items: &[T],
    out: &mut dyn Write,
    render: impl Fn(&T, &mut Vec<u8>) -> io::Result<()> + Sync,
) -> io::Result<()> {
    if items.is_empty() {
        return out.write_all(b"[]");
    }
    let render_piece = |piece: &[T]| -> io::Result<Vec<u8>> {
        let mut text = Vec::with_capacity(piece.len() * 2048);
        let mut one = Vec::with_capacity(4096);
        for item in piece {
            one.clear();
            render(item, &mut one)?;
            text.extend_from_slice(b",\n    ");
            // Line breaks found a word at a time: most of a line is copied whole.
            let mut start = 0;
            for at in memchr::memchr_iter(b'\n', &one) {
                text.extend_from_slice(one.get(start..at).unwrap_or_default());
                text.extend_from_slice(b"\n    ");
                start = at + 1;
            }
            text.extend_from_slice(one.get(start..).unwrap_or_default());
        }
        Ok(text)
    };
    let pieces: Vec<&[T]> = items.chunks(ITEMS_PER_PIECE).collect();
    out.write_all(b"[")?;
    let mut first = true;
    crate::par::for_each_ordered(
        &pieces,
        PIECES_AHEAD,
        |piece| render_piece(piece),
        |piece| {
            let piece = piece?;
            // Each item starts with ",\n    "; the first one's comma goes.
            let text = match piece.split_first() {
                Some((_, rest)) if first => rest,
                _ => &piece,
            };
            first = false;
            out.write_all(text)
        },
    )?;
    out.write_all(b"\n  ]")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::Finding;

    /// A finding numbered `i`: every field set in some findings and left out in
    /// others, and three remediations (two of the same length).
    fn finding(i: usize) -> Finding {
        let remediation = [
            "first line\nsecond line",
            "first line\nthird line",
            "\"quoted\"\t\u{1}",
        ][i % 3];
        let mut f: Finding = serde_json::from_value(json!({
            "details": {"policies": [format!("p{i}")], "empty": [], "nested": {"a": {}, "b": [1, {"c": "d"}]}},
            "file": "account.json",
            "line": i,
            "fingerprint": format!("{i:016x}"),
            "kind": if i % 3 == 0 { "warn" } else { "deny" },
            "message": format!("finding {i}: a line break\n, a quote \", a tab \t and \u{e9}"),
            "policy": "policies/x.rego",
            "remediation": remediation,
            "resource": format!("arn:aws:iam::111122223333:role/r{i}"),
            "rule": "IAM-001",
            "severity": if i % 2 == 0 { "high" } else { "low" },
            "title": "t",
        }))
        .unwrap();
        if i % 4 == 1 {
            f.baseline = true;
            f.column = Some(7);
            f.details = Default::default();
            f.file = None;
            f.line = None;
        }
        if i % 5 == 2 {
            f.suppressed = Some(crate::findings::Suppression {
                expires: (i % 2 == 0).then(|| "2027-01-31".to_string()),
                reason: "accepted \"risk\"".to_string(),
            });
        }
        f
    }

    /// The report as one serde_json pretty print of the whole document: what the
    /// pieces put together must equal, byte for byte.
    fn whole(r: &Report) -> Vec<u8> {
        let mut fast = Vec::new();
        Json.render(r, &mut fast).unwrap();
        let parsed: serde_json::Value = serde_json::from_slice(&fast).unwrap();
        #[derive(serde::Serialize)]
        struct Doc<'a> {
            findings: &'a [Finding],
            schema_version: serde_json::Value,
            summary: serde_json::Value,
            tool: serde_json::Value,
        }
        let doc = Doc {
            findings: &r.findings,
            schema_version: parsed["schema_version"].clone(),
            summary: parsed["summary"].clone(),
            tool: parsed["tool"].clone(),
        };
        let mut reference = serde_json::to_vec_pretty(&doc).unwrap();
        reference.push(b'\n');
        assert_eq!(
            String::from_utf8(fast).unwrap(),
            String::from_utf8(reference.clone()).unwrap()
        );
        reference
    }

    #[test]
    fn pieces_print_as_one_pretty_document() {
        for n in [
            0,
            1,
            2,
            ITEMS_PER_PIECE,
            ITEMS_PER_PIECE + 1,
            3 * ITEMS_PER_PIECE + 7,
        ] {
            let findings: Vec<Finding> = (0..n).map(finding).collect();
            let report = Report::new(findings, 3, vec!["account.json".into()], Severity::Low);
            let text = whole(&report);
            let back: serde_json::Value = serde_json::from_slice(&text).unwrap();
            assert_eq!(back["findings"].as_array().unwrap().len(), n);
            assert_eq!(back["summary"]["findings"], n);
        }
    }
}
