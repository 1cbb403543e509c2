//! `stopguard test`: run policy tests (and coverage) like `opa test`.
use std::collections::HashSet;
use std::path::PathBuf;

use crate::app::ExitStatus;
use crate::diag::{Error, Result};
use crate::engine::testing::{self, Outcome, RunOptions};
use crate::engine::{self, Options, PolicyEngine};
use crate::report::Listing as Format;

pub fn run(
    dirs: &[PathBuf],
    filter: Option<&str>,
    coverage: bool,
    fail_under: Option<f64>,
    format: Format,
    no_builtin: bool,
) -> Result<ExitStatus> {
    if fail_under.is_some() && !coverage {
        return Err(Error::usage("--fail-under needs --coverage"));
    }
    let mut sources = Vec::new();
    if !no_builtin {
        sources.extend(engine::builtin_sources());
    }
    let mut own: HashSet<String> = HashSet::new();
    for d in dirs {
        let found = engine::sources_from_dir(d)?;
        own.extend(found.iter().map(|s| s.path.clone()));
        engine::merge_sources(&mut sources, found);
    }
    // Given folders: run their tests only (the built-in pack is there for its lib helpers).
    if !dirs.is_empty() {
        sources.retain(|s| !s.is_test() || own.contains(&s.path));
    }
    let mut eng = PolicyEngine::load(
        sources,
        None,
        &Options {
            include_tests: true,
            use_vm: false,
            ..Options::default()
        },
    )?;
    let (results, cov) = testing::run(&mut eng, &RunOptions { filter, coverage })?;
    let cov: Vec<_> = if dirs.is_empty() {
        cov
    } else {
        cov.into_iter().filter(|c| own.contains(&c.file)).collect()
    };
    let passed = results
        .iter()
        .filter(|r| r.outcome == Outcome::Pass)
        .count();
    let failed = results
        .iter()
        .filter(|r| r.outcome == Outcome::Fail)
        .count();
    let errored = results
        .iter()
        .filter(|r| r.outcome == Outcome::Error)
        .count();
    let (covered, total) = cov.iter().fold((0usize, 0usize), |(c, t), f| {
        (
            c + f.covered.len(),
            t + f.covered.len() + f.not_covered.len(),
        )
    });
    let percent = if total == 0 {
        100.0
    } else {
        covered as f64 * 100.0 / total as f64
    };
    super::emit(None, |w| match format {
        Format::Json => {
            let doc = serde_json::json!({
                "tests": results,
                "summary": {"passed": passed, "failed": failed, "errors": errored},
                "coverage": if coverage { serde_json::json!({"files": cov, "percent": percent}) } else { serde_json::Value::Null },
            });
            serde_json::to_writer_pretty(&mut *w, &doc)?;
            writeln!(w)
        }
        Format::Text => {
            for r in &results {
                let word = match r.outcome {
                    Outcome::Pass => "PASS",
                    Outcome::Fail => "FAIL",
                    Outcome::Error => "ERROR",
                };
                if r.outcome != Outcome::Pass || results.len() <= 400 {
                    writeln!(w, "{word} {}.{} ({}:{})", r.package, r.name, r.file, r.line)?;
                }
                if let Some(e) = &r.error {
                    writeln!(w, "  {e}")?;
                }
                for p in &r.prints {
                    writeln!(w, "  print: {p}")?;
                }
            }
            if coverage {
                writeln!(w)?;
                for f in &cov {
                    writeln!(w, "coverage {:6.1}% {}", f.percent(), f.file)?;
                    if !f.not_covered.is_empty() {
                        let lines: Vec<String> = f.not_covered.iter().map(u32::to_string).collect();
                        writeln!(w, "  not covered: lines {}", lines.join(", "))?;
                    }
                }
                writeln!(w, "coverage total: {percent:.1}% ({covered}/{total} lines)")?;
            }
            writeln!(w, "{passed} passed, {failed} failed, {errored} errors")
        }
    })?;
    let below = fail_under.is_some_and(|min| percent < min);
    Ok(if failed + errored > 0 || below || results.is_empty() {
        ExitStatus::Findings
    } else {
        ExitStatus::Clean
    })
}
