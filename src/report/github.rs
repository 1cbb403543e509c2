//! GitHub Actions workflow commands: each counting finding becomes an annotation
//! (`::error file=...,line=...::message`) on the file and line at fault.
use std::io::{self, Write};

use super::{Report, Reporter};
use crate::findings::Severity;

pub struct Github;

/// Escaping for a command's message (GitHub's toolkit: `%`, CR, LF).
fn data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escaping for a command's property values (also `:` and `,`).
fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

impl Reporter for Github {
    fn render(&self, r: &Report, out: &mut dyn Write) -> io::Result<()> {
        for f in r
            .findings
            .iter()
            .filter(|f| f.suppressed.is_none() && !f.baseline)
        {
            let command = match (f.kind.as_str(), f.severity) {
                ("warn", _) => "warning",
                (_, Severity::Critical | Severity::High) => "error",
                (_, Severity::Medium) => "warning",
                _ => "notice",
            };
            let mut props = vec![format!(
                "title={}",
                property(&format!("{} {}", f.rule, f.title))
            )];
            if let Some(file) = &f.file {
                props.insert(0, format!("file={}", property(file)));
                if let Some(line) = f.line {
                    props.insert(1, format!("line={line}"));
                    if let Some(col) = f.column {
                        props.insert(2, format!("col={col}"));
                    }
                }
            }
            let message = if f.resource.is_empty() {
                f.message.clone()
            } else {
                format!("{} [{}]", f.message, f.resource)
            };
            writeln!(out, "::{command} {}::{}", props.join(","), data(&message))?;
        }
        Ok(())
    }
}
