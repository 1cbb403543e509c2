//! Reporters: one module per output format behind one trait. A reporter only
//! formats the [`Report`] it is given; it never evaluates anything.
pub mod github;
pub mod json;
pub mod junit;
pub mod sarif;
mod snippet;
pub mod text;

use std::io::{self, Write};
use std::path::Path;

use serde::Serialize;

use crate::diag::{Error, Result};
use crate::findings::{Finding, Severity};

/// Version of the JSON report format (`docs/report-schema.md`).
pub const REPORT_VERSION: u32 = 1;

/// Everything a reporter needs, and nothing it could evaluate.
#[derive(Debug, Serialize)]
pub struct Report {
    pub findings: Vec<Finding>,
    pub policies: usize,
    pub inputs: Vec<String>,
    pub fail_on: Severity,
    /// Whether a finding reached `fail_on` (the exit status is 1 then).
    pub failed: bool,
}

impl Report {
    pub fn new(
        findings: Vec<Finding>,
        policies: usize,
        inputs: Vec<String>,
        fail_on: Severity,
    ) -> Self {
        let failed = findings.iter().any(|f| f.counts() && f.severity >= fail_on);
        Report {
            findings,
            policies,
            inputs,
            fail_on,
            failed,
        }
    }
    pub fn count(&self, s: Severity) -> usize {
        self.findings.iter().filter(|f| f.severity == s).count()
    }
}

pub trait Reporter {
    fn render(&self, report: &Report, out: &mut dyn Write) -> io::Result<()>;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Human-readable, grouped by rule (colours only on a terminal)
    Text,
    /// Machine-readable, versioned (docs/report-schema.md)
    Json,
    /// SARIF 2.1.0 for GitHub code scanning and other SARIF viewers
    Sarif,
    /// JUnit XML: one test case per rule and resource
    Junit,
    /// GitHub Actions annotations (::error file=...,line=...::)
    Github,
}

/// For commands whose output is a listing rather than findings (who-can, diff, test).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Listing {
    /// Human-readable
    Text,
    /// Machine-readable, versioned
    Json,
}

pub fn reporter(format: Format, color: bool) -> Box<dyn Reporter> {
    match format {
        Format::Text => Box::new(text::Text { color }),
        Format::Json => Box::new(json::Json),
        Format::Sarif => Box::new(sarif::Sarif),
        Format::Junit => Box::new(junit::Junit),
        Format::Github => Box::new(github::Github),
    }
}

/// Writes through a temporary file renamed into place, so a failed or interrupted
/// run never leaves a half-written report behind.
pub fn write_atomically(
    path: &Path,
    render: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<()> {
    let err = |source| Error::Write {
        path: path.to_path_buf(),
        source,
    };
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(err)?;
    {
        let mut w = io::BufWriter::new(tmp.as_file_mut());
        render(&mut w).map_err(err)?;
        w.flush().map_err(err)?;
    }
    tmp.as_file().sync_all().map_err(err)?;
    tmp.persist(path).map_err(|e| err(e.error))?;
    Ok(())
}

/// Text from account data is untrusted: control characters (terminal escapes among
/// them) are shown escaped, never passed to the terminal.
pub fn neutralise(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(|c| c.is_control() && c != '\n') {
        return std::borrow::Cow::Borrowed(s);
    }
    std::borrow::Cow::Owned(
        s.chars()
            .map(|c| {
                if c.is_control() && c != '\n' {
                    c.escape_unicode().to_string()
                } else {
                    c.to_string()
                }
            })
            .collect(),
    )
}
