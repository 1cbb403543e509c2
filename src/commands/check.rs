//! `stopguard check`: load → normalise → evaluate → report.
use std::path::Path;

use crate::app::ExitStatus;
use crate::cli::{Color, InputArgs, PolicyArgs};
use crate::diag::Result;
use crate::findings::Severity;
use crate::input;
use crate::report::{self, Format, Report};

/// How to report, and what the team has already decided about findings.
pub struct Options<'a> {
    pub format: Format,
    pub fail_on: Severity,
    pub output: Option<&'a Path>,
    pub color: Color,
    pub exceptions: Option<&'a Path>,
    pub baseline: Option<&'a Path>,
}

pub fn run(input_args: &InputArgs, policy_args: &PolicyArgs, opts: &Options) -> Result<ExitStatus> {
    let Options {
        format,
        fail_on,
        output,
        color,
        ..
    } = *opts;
    // Read the team's decisions first: a bad exceptions file should fail fast.
    let exceptions = opts
        .exceptions
        .map(crate::triage::load_exceptions)
        .transpose()?;
    let baseline = opts
        .baseline
        .map(crate::triage::load_baseline)
        .transpose()?;
    let mut timer = super::PhaseTimer::from_env();
    // Policies first: a syntax error should not wait for a large export to parse.
    let mut engine = super::load_engine(policy_args)?;
    timer.lap("load policies");
    let per_file = engine.has_per_file_policies();
    let (account, raws, scps) = super::load_account_with(input_args, per_file)?;
    timer.lap("load inputs");
    let facts = input::analyse(&account, &scps);
    timer.lap("iam analysis");
    let doc = input::build(&account, &facts);
    timer.lap("build input");
    let value = regorus::Value::from(doc);
    timer.lap("convert input");
    let mut findings = engine.evaluate(value)?;
    if per_file {
        findings.extend(engine.evaluate_files(&raws)?);
        crate::findings::sort(&mut findings);
    }
    timer.lap("evaluate");
    if let (Some(list), Some(path)) = (&exceptions, opts.exceptions) {
        crate::triage::apply_exceptions(
            &mut findings,
            list,
            &path.display().to_string(),
            crate::triage::today(),
        );
    }
    if let Some(known) = &baseline {
        crate::triage::apply_baseline(&mut findings, known);
    }
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
    timer.lap("report");
    Ok(if report.failed {
        ExitStatus::Findings
    } else {
        ExitStatus::Clean
    })
}
