//! JUnit XML, which every CI system renders: one test suite per rule, one test
//! case per resource, a failure for each finding that counts.
use std::collections::BTreeMap;
use std::io::{self, Write};

use super::{Report, Reporter};
use crate::findings::Finding;

pub struct Junit;

/// XML text: the five special characters escaped, characters XML cannot carry at
/// all (most C0 controls) replaced, so hostile account data cannot break the file.
pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

impl Reporter for Junit {
    fn render(&self, r: &Report, out: &mut dyn Write) -> io::Result<()> {
        let mut suites: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
        for f in &r.findings {
            suites.entry(f.rule.as_str()).or_default().push(f);
        }
        let failures = r.findings.iter().filter(|f| f.counts()).count();
        writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
        writeln!(
            out,
            r#"<testsuites name="stopguard" tests="{}" failures="{failures}">"#,
            r.findings.len()
        )?;
        for (rule, list) in &suites {
            let title = list.first().map(|f| &*f.title).unwrap_or("");
            let failing = list.iter().filter(|f| f.counts()).count();
            let skipped = list.len() - failing;
            writeln!(
                out,
                r#"  <testsuite name="{}" tests="{}" failures="{failing}" skipped="{skipped}">"#,
                xml_escape(&format!("{rule} {title}")),
                list.len()
            )?;
            for f in list {
                let file = f
                    .file
                    .as_deref()
                    .map(|p| format!(r#" file="{}""#, xml_escape(p)))
                    .unwrap_or_default();
                writeln!(
                    out,
                    r#"    <testcase classname="{}" name="{}"{file}>"#,
                    xml_escape(rule),
                    xml_escape(&f.resource)
                )?;
                if let Some(s) = &f.suppressed {
                    writeln!(
                        out,
                        r#"      <skipped message="{}"/>"#,
                        xml_escape(&format!("excepted: {}", s.reason))
                    )?;
                } else if f.baseline {
                    writeln!(out, r#"      <skipped message="in baseline"/>"#)?;
                } else if f.kind == "warn" {
                    writeln!(
                        out,
                        r#"      <system-out>{}</system-out>"#,
                        xml_escape(&f.message)
                    )?;
                } else {
                    writeln!(
                        out,
                        r#"      <failure type="{}" message="{}">{}</failure>"#,
                        f.severity.as_str(),
                        xml_escape(&f.message),
                        xml_escape(&f.remediation)
                    )?;
                }
                writeln!(out, "    </testcase>")?;
            }
            writeln!(out, "  </testsuite>")?;
        }
        writeln!(out, "</testsuites>")
    }
}
