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
///
/// Two kinds of target are not replaced: a path through symbolic links is followed
/// to the file it names (the links stay), and a target that exists but is not a
/// regular file (`/dev/null`, a FIFO, a terminal) is written into, since renaming a
/// file over it would destroy it and there is no half-written file to fear there.
pub fn write_atomically(
    path: &Path,
    render: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<()> {
    let err = |source| Error::Write {
        path: path.to_path_buf(),
        source,
    };
    let resolved = follow_links(path).map_err(err)?;
    let path = resolved.as_path();
    let existing = std::fs::metadata(path).ok();
    if existing
        .as_ref()
        .is_some_and(|m| !m.is_file() && !m.is_dir())
    {
        let file = std::fs::OpenOptions::new()
            .write(true)
            .open(path)
            .map_err(err)?;
        let mut w = io::BufWriter::new(file);
        render(&mut w).map_err(err)?;
        return w.flush().map_err(err);
    }
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
    // A new file is readable by its owner only (tempfile's 0600: a report or a
    // snapshot describes the account's weak points); a file replaced keeps the
    // permissions it had.
    if let Some(meta) = existing.filter(std::fs::Metadata::is_file) {
        tmp.as_file()
            .set_permissions(meta.permissions())
            .map_err(err)?;
    }
    tmp.as_file().sync_all().map_err(err)?;
    tmp.persist(path).map_err(|e| err(e.error))?;
    Ok(())
}

/// The path a chain of symbolic links ends at, even where that file does not exist
/// yet (a dangling link is followed to where its file will be written).
fn follow_links(path: &Path) -> io::Result<std::path::PathBuf> {
    let mut path = path.to_path_buf();
    // Linux gives up after 40 links too (ELOOP).
    for _ in 0..40 {
        match std::fs::symlink_metadata(&path) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let target = std::fs::read_link(&path)?;
                path = match path.parent() {
                    Some(dir) if target.is_relative() => dir.join(target),
                    _ => target,
                };
            }
            _ => return Ok(path),
        }
    }
    Err(io::Error::other("too many levels of symbolic links"))
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A relative link whose file does not exist yet: the report is written where
    /// the link leads, and the link is kept.
    #[cfg(unix)]
    #[test]
    fn a_dangling_relative_link_gets_its_file_written() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("out")).unwrap();
        let link = dir.path().join("latest.json");
        std::os::unix::fs::symlink("out/report.json", &link).unwrap();
        write_atomically(&link, |w| w.write_all(b"{}")).unwrap();
        assert!(std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        let written = std::fs::read_to_string(dir.path().join("out/report.json")).unwrap();
        assert_eq!(written, "{}");
    }

    /// A report replaced keeps the file's permissions; a new one is the owner's only.
    #[cfg(unix)]
    #[test]
    fn a_replaced_file_keeps_its_permissions() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let shared = dir.path().join("shared.json");
        std::fs::write(&shared, "old").unwrap();
        std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o644)).unwrap();
        write_atomically(&shared, |w| w.write_all(b"{}")).unwrap();
        let mode = std::fs::metadata(&shared).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o644);
        assert_eq!(std::fs::read_to_string(&shared).unwrap(), "{}");

        let new = dir.path().join("new.json");
        write_atomically(&new, |w| w.write_all(b"{}")).unwrap();
        let mode = std::fs::metadata(&new).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }

    /// A loop of links is an error that names the path, not a hang.
    #[cfg(unix)]
    #[test]
    fn a_loop_of_links_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        std::os::unix::fs::symlink(&b, &a).unwrap();
        std::os::unix::fs::symlink(&a, &b).unwrap();
        let err = write_atomically(&a, |w| w.write_all(b"{}")).unwrap_err();
        assert!(matches!(err, Error::Write { ref path, .. } if path == &a));
    }
}
