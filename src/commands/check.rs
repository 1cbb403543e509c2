//! `stopguard check`: load → normalise → evaluate → report.
use std::path::Path;

use crate::app::ExitStatus;
use crate::cli::{Color, InputArgs, PolicyArgs};
use crate::diag::Result;
use crate::findings::Severity;
use crate::input;
use crate::report::{self, Format, Report};

pub fn run(
    input_args: &InputArgs,
    policy_args: &PolicyArgs,
    format: Format,
    fail_on: Severity,
    output: Option<&Path>,
    color: Color,
) -> Result<ExitStatus> {
    // Policies first: a syntax error should not wait for a large export to parse.
    let mut engine = super::load_engine(policy_args)?;
    let (account, scps) = super::load_account(input_args)?;
    let facts = input::analyse(&account, &scps);
    let doc = input::build(&account, &facts);
    let findings = engine.evaluate(regorus::Value::from(doc))?;
    let policies = engine
        .policies
        .iter()
        .filter(|p| !p.is_test && !p.rules.is_empty())
        .count();
    let inputs = input_args
        .inputs
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    let report = Report::new(findings, policies, inputs, fail_on);
    let reporter = report::reporter(format, super::use_color(color, output.is_some()));
    super::emit(output, |w| reporter.render(&report, w))?;
    Ok(if report.failed {
        ExitStatus::Findings
    } else {
        ExitStatus::Clean
    })
}
