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

impl<'a> From<&'a crate::cli::ReportArgs> for Options<'a> {
    fn from(r: &'a crate::cli::ReportArgs) -> Self {
        Options {
            format: r.format,
            fail_on: r.fail_on,
            output: r.output.as_deref(),
            color: r.color,
            exceptions: r.exceptions.as_deref(),
            baseline: r.baseline.as_deref(),
        }
    }
}

/// The exceptions and baseline files, read before any slow work so that a mistake
/// in them fails fast.
pub struct Decisions {
    exceptions: Option<(String, Vec<crate::triage::Exception>)>,
    baseline: Option<std::collections::HashSet<String>>,
}

impl Decisions {
    pub fn load(opts: &Options) -> Result<Self> {
        Ok(Decisions {
            exceptions: opts
                .exceptions
                .map(|p| {
                    Ok::<_, crate::diag::Error>((
                        p.display().to_string(),
                        crate::triage::load_exceptions(p)?,
                    ))
                })
                .transpose()?,
            baseline: opts
                .baseline
                .map(crate::triage::load_baseline)
                .transpose()?,
        })
    }
}

pub fn run(input_args: &InputArgs, policy_args: &PolicyArgs, opts: &Options) -> Result<ExitStatus> {
    let decisions = Decisions::load(opts)?;
    let mut timer = super::PhaseTimer::from_env();
    // The policies compile on one core while the inputs are read on the others. A
    // policy error is still the one reported when both fail: the input may be fine
    // once the policy is fixed, and the policy error is the user's own doing.
    let sources = super::policy_sources(policy_args)?;
    let per_file = crate::engine::sources_have_per_file_policies(&sources, &policy_args.namespace);
    let (engine, inputs) = crate::par::scope(|scope| {
        let engine = scope.spawn(|| super::load_engine_from(policy_args, sources));
        // The input carries only the analysis of IAM statements, never the statements.
        let inputs =
            super::load_account_deferred(input_args, per_file, Some(input::ANALYSED_ACTIONS));
        let engine = engine
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (engine, inputs)
    });
    let mut engine = engine?;
    let (loaded, scps) = inputs?;
    debug_assert_eq!(per_file, engine.has_per_file_policies());
    let (account, raws) = (loaded.account, loaded.raws);
    timer.lap("load policies and inputs");
    let inputs = input_args
        .inputs
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    let status = evaluate(
        &mut engine,
        Subject {
            account: &account,
            raws: &raws,
            scps: &scps,
            inputs,
        },
        opts,
        &decisions,
        timer,
    )?;
    super::release(account);
    super::release(raws);
    super::release(engine);
    // Bad log files were skipped past so the rest could be judged and reported;
    // the run still failed, and says why.
    match crate::diag::Error::collect(loaded.deferred) {
        Some(e) => Err(e),
        None => Ok(status),
    }
}

/// What a check judges: the account, each input file's document (for per-file
/// policies), the SCPs, and the input names for the report.
pub struct Subject<'a> {
    pub account: &'a crate::model::Account,
    pub raws: &'a crate::load::RawDocuments,
    pub scps: &'a [crate::iam::access::ScpLevel],
    pub inputs: Vec<String>,
}

/// Evaluates loaded policies against a loaded account and writes the report.
pub fn evaluate(
    engine: &mut crate::engine::PolicyEngine,
    subject: Subject,
    opts: &Options,
    decisions: &Decisions,
    mut timer: super::PhaseTimer,
) -> Result<ExitStatus> {
    let reads = engine.input_reads();
    let facts = input::analyse(subject.account, subject.scps, &reads);
    timer.lap("iam analysis");
    let value = input::build_value(subject.account, &facts, &reads)?;
    // Not freed: freeing the analysis took 1.5 ms on the benchmark export, on
    // this thread, while the other core waited for evaluation to start. Left
    // to the end of the process, it adds 2.5 MB to the peak (2.0x the file).
    super::release(facts);
    timer.lap("build input");
    let value_for_release = value.clone();
    let mut findings = engine.evaluate(value)?;
    if engine.has_per_file_policies() {
        findings.extend(engine.evaluate_files(subject.raws)?);
        crate::findings::sort(&mut findings);
    }
    timer.lap("evaluate");
    if let Some((source, list)) = &decisions.exceptions {
        crate::triage::apply_exceptions(&mut findings, list, source, crate::triage::today());
    }
    if let Some(known) = &decisions.baseline {
        crate::triage::apply_baseline(&mut findings, known);
    }
    let policies = engine
        .policies
        .iter()
        .filter(|p| !p.is_test && !p.rules.is_empty())
        .count();
    let report = Report::new(findings, policies, subject.inputs, opts.fail_on);
    let reporter = report::reporter(
        opts.format,
        super::use_color(opts.color, opts.output.is_some()),
    );
    super::emit(opts.output, |w| reporter.render(&report, w))?;
    timer.lap("report");
    let status = if report.failed {
        ExitStatus::Findings
    } else {
        ExitStatus::Clean
    };
    // The process ends with this check: freeing what it built is work nobody waits
    // for (a tenth of the run on a large export). See `release`.
    super::release(report);
    super::release(value_for_release);
    Ok(status)
}
