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
    let mut timer = super::PhaseTimer::from_env();
    // Policies first: a syntax error should not wait for a large export to parse.
    let mut engine = super::load_engine(policy_args)?;
    timer.lap("load policies");
    let (account, scps) = super::load_account(input_args)?;
    timer.lap("load inputs");
    let inputs = input_args
        .inputs
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    evaluate(
        &mut engine,
        &account,
        &scps,
        inputs,
        format,
        fail_on,
        output,
        color,
        timer,
    )
}

/// Evaluates loaded policies against a loaded account and writes the report.
#[allow(clippy::too_many_arguments)]
pub fn evaluate(
    engine: &mut crate::engine::PolicyEngine,
    account: &crate::model::Account,
    scps: &[crate::iam::access::ScpLevel],
    inputs: Vec<String>,
    format: Format,
    fail_on: Severity,
    output: Option<&Path>,
    color: Color,
    mut timer: super::PhaseTimer,
) -> Result<ExitStatus> {
    let facts = input::analyse(account, scps);
    timer.lap("iam analysis");
    let doc = input::build(account, &facts);
    timer.lap("build input");
    let value = regorus::Value::from(doc);
    timer.lap("convert input");
    let findings = engine.evaluate(value)?;
    timer.lap("evaluate");
    let policies = engine
        .policies
        .iter()
        .filter(|p| !p.is_test && !p.rules.is_empty())
        .count();
    let report = Report::new(findings, policies, inputs, fail_on);
    let reporter = report::reporter(format, super::use_color(color, output.is_some()));
    super::emit(output, |w| reporter.render(&report, w))?;
    timer.lap("report");
    Ok(if report.failed {
        ExitStatus::Findings
    } else {
        ExitStatus::Clean
    })
}
