//! The Rego test runner (regorus has no `opa test`): finds `test_*` rules in
//! `*_test.rego` files, evaluates each, and reports pass, fail or error with the
//! rule's location and the `print()` output of failures.
use serde::Serialize;

use super::{rego_error, PolicyEngine};
use crate::diag::Result;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Pass,
    Fail,
    Error,
}

#[derive(Debug, Clone, Serialize)]
pub struct TestResult {
    pub file: String,
    pub package: String,
    pub name: String,
    pub line: u32,
    pub outcome: Outcome,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub prints: Vec<String>,
    pub duration_us: u128,
}

/// Per-file line coverage of the non-test policies.
#[derive(Debug, Clone, Serialize)]
pub struct FileCoverage {
    pub file: String,
    pub covered: Vec<u32>,
    pub not_covered: Vec<u32>,
}

impl FileCoverage {
    pub fn percent(&self) -> f64 {
        let total = self.covered.len() + self.not_covered.len();
        if total == 0 {
            100.0
        } else {
            self.covered.len() as f64 * 100.0 / total as f64
        }
    }
}

/// `test_*` rule heads at the top level of a module, with their 1-based lines.
/// A name defined twice (incremental definitions) is run once.
pub fn discover(text: &str) -> Vec<(String, u32)> {
    let mut out: Vec<(String, u32)> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if !line.starts_with("test_") {
            continue;
        }
        let name: String = line
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if !out.iter().any(|(n, _)| *n == name) {
            out.push((name, u32::try_from(i + 1).unwrap_or(u32::MAX)));
        }
    }
    out
}

pub struct RunOptions<'a> {
    /// Only tests whose `package.name` contains this text.
    pub filter: Option<&'a str>,
    pub coverage: bool,
}

/// Runs every discovered test; returns results and, if asked, coverage.
pub fn run(
    engine: &mut PolicyEngine,
    opts: &RunOptions,
) -> Result<(Vec<TestResult>, Vec<FileCoverage>)> {
    let tests: Vec<(String, String, String, u32)> = engine
        .policies
        .iter()
        .filter(|p| p.is_test)
        .flat_map(|p| {
            discover(&p.text)
                .into_iter()
                .map(move |(name, line)| (p.path.clone(), p.package.clone(), name, line))
        })
        .filter(|(_, pkg, name, _)| {
            opts.filter
                .is_none_or(|f| format!("{pkg}.{name}").contains(f))
        })
        .collect();
    let sources = engine.sources().to_vec();
    let rego = engine.regorus();
    rego.set_input(regorus::Value::new_object());
    if opts.coverage {
        rego.set_enable_coverage(true);
        rego.clear_coverage_data();
    }
    let mut results = Vec::with_capacity(tests.len());
    for (file, package, name, line) in tests {
        let started = std::time::Instant::now();
        let value = rego.eval_rule(format!("data.{package}.{name}"));
        let prints = rego.take_prints().unwrap_or_default();
        let (outcome, error) = match value {
            Ok(regorus::Value::Bool(true)) => (Outcome::Pass, None),
            Ok(regorus::Value::Undefined) | Ok(regorus::Value::Bool(false)) => {
                (Outcome::Fail, None)
            }
            // OPA passes a test whose value is any non-false defined value.
            Ok(_) => (Outcome::Pass, None),
            Err(e) => (
                Outcome::Error,
                Some(rego_error(&e, &sources, true).to_string()),
            ),
        };
        results.push(TestResult {
            file,
            package,
            name,
            line,
            outcome,
            error,
            prints: if outcome == Outcome::Pass {
                vec![]
            } else {
                prints
            },
            duration_us: started.elapsed().as_micros(),
        });
    }
    let mut coverage = Vec::new();
    if opts.coverage {
        let report = rego
            .get_coverage_report()
            .map_err(|e| crate::diag::Error::usage(format!("coverage unavailable: {e}")))?;
        let test_files: std::collections::HashSet<&str> =
            engine_test_files(&sources).into_iter().collect();
        for f in report.files {
            if test_files.contains(f.path.as_str()) {
                continue;
            }
            coverage.push(FileCoverage {
                file: f.path.clone(),
                covered: f.covered.iter().copied().collect(),
                not_covered: f.not_covered.iter().copied().collect(),
            });
        }
        coverage.sort_by(|a, b| a.file.cmp(&b.file));
    }
    Ok((results, coverage))
}

fn engine_test_files(sources: &[super::PolicySource]) -> Vec<&str> {
    sources
        .iter()
        .filter(|s| s.is_test())
        .map(|s| s.path.as_str())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn discovers_top_level_tests_once() {
        let text = "package p_test\ntest_a if { true }\n  test_nested := 1\ntest_b if {\n}\ntest_a if { false }\n";
        assert_eq!(
            discover(text),
            vec![("test_a".into(), 2), ("test_b".into(), 4)]
        );
    }
}
