//! The text report: findings grouped by rule, most severe first, for people; a
//! finding that knows its line shows it as a snippet of the input.
use std::io::{self, Write};

use super::{neutralise, Report, Reporter};
use crate::findings::{Finding, Severity};

pub struct Text {
    pub color: bool,
}

const RESET: &str = "\x1b[0m";
const BOLD: &str = "\x1b[1m";
const DIM: &str = "\x1b[2m";

fn severity_color(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "\x1b[31m",
        Severity::Medium => "\x1b[33m",
        Severity::Low => "\x1b[36m",
        Severity::Info => "\x1b[2m",
    }
}

impl Text {
    fn paint(&self, code: &'static str, s: &str) -> String {
        if self.color {
            format!("{code}{s}{RESET}")
        } else {
            s.to_string()
        }
    }
}

impl Reporter for Text {
    fn render(&self, r: &Report, out: &mut dyn Write) -> io::Result<()> {
        let sources = super::snippet::Sources::default();
        let mut groups: Vec<(&str, Vec<&Finding>)> = Vec::new();
        for f in &r.findings {
            match groups.last_mut() {
                Some((rule, list)) if *rule == f.rule => list.push(f),
                _ => groups.push((&f.rule, vec![f])),
            }
        }
        for (rule, list) in &groups {
            let Some(first) = list.first() else { continue };
            let sev = first.severity;
            writeln!(
                out,
                "{} {} {} ({} finding{})",
                self.paint(BOLD, rule),
                self.paint(severity_color(sev), &format!("[{}]", sev.as_str())),
                self.paint(BOLD, &neutralise(&first.title)),
                list.len(),
                if list.len() == 1 { "" } else { "s" }
            )?;
            for f in list {
                let resource = if f.resource.is_empty() {
                    "-"
                } else {
                    &f.resource
                };
                let mark = match (&f.suppressed, f.baseline) {
                    (Some(sup), _) => format!(" (excepted: {})", sup.reason),
                    (None, true) => " (in baseline)".to_string(),
                    _ => String::new(),
                };
                writeln!(out, "  - {}{}", neutralise(resource), neutralise(&mark))?;
                writeln!(out, "    {}", neutralise(&f.message))?;
                if let Some(snippet) = super::snippet::render(f, &sources, self.color, "    ") {
                    write!(out, "{snippet}")?;
                } else if let Some(file) = &f.file {
                    let at = match (f.line, f.column) {
                        (Some(l), Some(c)) => format!("{file}:{l}:{c}"),
                        (Some(l), None) => format!("{file}:{l}"),
                        _ => file.clone(),
                    };
                    writeln!(
                        out,
                        "    {}",
                        self.paint(DIM, &format!("at {}", neutralise(&at)))
                    )?;
                }
            }
            if !first.remediation.is_empty() {
                writeln!(out, "  {}", self.paint(BOLD, "remediation:"))?;
                for line in first.remediation.lines() {
                    writeln!(out, "    {}", neutralise(line))?;
                }
            }
            writeln!(out)?;
        }
        let counts: Vec<String> = [
            Severity::Critical,
            Severity::High,
            Severity::Medium,
            Severity::Low,
            Severity::Info,
        ]
        .iter()
        .filter(|s| r.count(**s) > 0)
        .map(|s| format!("{} {}", r.count(*s), s.as_str()))
        .collect();
        let summary = if r.findings.is_empty() {
            format!("no findings from {} policies", r.policies)
        } else {
            format!(
                "{} finding{} ({}) from {} policies",
                r.findings.len(),
                if r.findings.len() == 1 { "" } else { "s" },
                counts.join(", "),
                r.policies
            )
        };
        let verdict = if r.failed {
            self.paint(
                severity_color(Severity::High),
                &format!("FAIL: findings at or above {}", r.fail_on.as_str()),
            )
        } else {
            format!("pass: nothing at or above {}", r.fail_on.as_str())
        };
        writeln!(out, "{summary}; {verdict}")
    }
}
