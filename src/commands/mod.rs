//! One module per subcommand, and the set-up they share: loading inputs, SCPs,
//! policies and parameters, and writing output.
#[cfg(feature = "aws")]
pub mod audit;
pub mod check;
pub mod diff;
pub mod input;
pub mod new;
pub mod policies;
#[cfg(feature = "aws")]
pub mod snapshot;
pub mod test;
pub mod who_can;

use std::io::{IsTerminal, Write};
use std::path::Path;

use crate::cli::{InputArgs, PolicyArgs};
use crate::diag::{Error, Result};
use crate::engine::{self, PolicyEngine, PolicySource};
use crate::iam::access::ScpLevel;
use crate::iam::policy::PolicyDocument;
use crate::load::{self, Limits};
use crate::model::{Account, OrgStatus, Organizations};

pub fn limits(args: &InputArgs) -> Limits {
    Limits {
        max_bytes: args.max_input_mib.saturating_mul(1024 * 1024),
    }
}

pub fn load_account(args: &InputArgs) -> Result<(Account, Vec<ScpLevel>)> {
    let (account, _, scps) = load_account_with(args, false)?;
    Ok((account, scps))
}

/// As [`load_account`]; with `raw_documents`, also every file's parsed document, for
/// per-file (conftest) policies.
pub fn load_account_with(
    args: &InputArgs,
    raw_documents: bool,
) -> Result<(Account, load::RawDocuments, Vec<ScpLevel>)> {
    let (loaded, scps) = load_account_deferred(args, raw_documents, None)?;
    let (account, raws) = loaded.complete()?;
    Ok((account, raws, scps))
}

/// The statement filter of a command that asks about `actions` only (see
/// [`crate::iam::policy::KeepStatementsFor`]), for [`load_account_deferred`] and
/// [`load::Options::statements_for`]. Leaked: the filter outlives the load, and a
/// command builds one per run (a few bytes).
pub fn statements_for(actions: &[&str]) -> &'static [&'static str] {
    let leaked: Vec<&'static str> = actions
        .iter()
        .map(|a| &*Box::leak(a.to_string().into_boxed_str()))
        .collect();
    Box::leak(leaked.into_boxed_slice())
}

/// As [`load_account_with`], but errors in CloudTrail log files are returned in
/// `deferred` rather than ending the load, so `check` can judge the rest first.
/// `statements_for` leaves out IAM statements that apply to none of those actions
/// (see [`load::Options::statements_for`]).
pub fn load_account_deferred(
    args: &InputArgs,
    raw_documents: bool,
    statements_for: Option<&'static [&'static str]>,
) -> Result<(load::Loaded, Vec<ScpLevel>)> {
    if let (Some(since), Some(until)) = (args.since, args.until) {
        if since > until {
            return Err(Error::usage("--since is later than --until"));
        }
    }
    let options = load::Options {
        window: load::trail_logs::Window {
            since: args.since,
            until: args.until,
        },
        statements_for,
    };
    let loaded = load::load_paths_opts(&args.inputs, &limits(args), raw_documents, &options)?;
    let scps = args
        .scp
        .iter()
        .map(|p| load_scp(p, &limits(args)))
        .collect::<Result<Vec<_>>>()?;
    let scps = effective_scps(&loaded.account, scps);
    Ok((loaded, scps))
}

/// The SCP levels an analysis applies: the `--scp` files when any are given, else
/// the levels a live snapshot collected from AWS Organizations.
///
/// `--scp` replaces the collected levels rather than adding to them, so that a
/// proposed SCP (or the removal of one) can be tried against a snapshot; a note on
/// stderr says so. When the snapshot could not read the SCPs, a note says that the
/// access found is an upper bound (SCPs can only take access away).
pub fn effective_scps(account: &Account, files: Vec<ScpLevel>) -> Vec<ScpLevel> {
    let Some(org) = &account.organizations else {
        return files;
    };
    if !files.is_empty() {
        if org.status == OrgStatus::Applied {
            eprintln!(
                "note: --scp given: the {} SCP level(s) collected from AWS Organizations are not used",
                org.scp_levels.len()
            );
        }
        return files;
    }
    if org.status == OrgStatus::Unreadable {
        eprintln!(
            "note: the SCPs of account {} could not be read ({}); who may act is an upper bound, as SCPs can only take access away (pass them with --scp)",
            account.account_id.as_deref().unwrap_or("?"),
            org.detail.as_deref().unwrap_or("no detail")
        );
    }
    collected_scps(org)
}

/// The collected levels as the analysis takes them: root first, one per level.
pub fn collected_scps(org: &Organizations) -> Vec<ScpLevel> {
    org.applied_levels()
        .iter()
        .map(|level| ScpLevel {
            file: format!(
                "{} {}",
                match level.target_type.as_str() {
                    "ROOT" => "root",
                    "ORGANIZATIONAL_UNIT" => "OU",
                    "ACCOUNT" => "account",
                    other => other,
                },
                level.target_id
            ),
            policies: level
                .policies
                .iter()
                .map(|p| (p.name.clone(), p.document.clone()))
                .collect(),
        })
        .collect()
}

/// An SCP file: `aws organizations describe-policy` output (whose `Content` is the
/// document as a JSON string) or the bare document.
pub fn load_scp(path: &Path, limits: &Limits) -> Result<ScpLevel> {
    let raw = load::read::read(path, limits)?;
    let value: serde_json::Value = match raw.format {
        load::Format::Json => serde_json::from_str(&raw.text).map_err(|e| e.to_string()),
        load::Format::Yaml => yaml_serde::from_str(&raw.text).map_err(|e| e.to_string()),
    }
    .map_err(|message| Error::Input {
        name: raw.name.clone(),
        message,
        help: None,
    })?;
    let bad = |message: String| Error::Input {
        name: raw.name.clone(),
        message,
        help: Some(
            "--scp takes `aws organizations describe-policy` output or a policy document".into(),
        ),
    };
    let (name, doc) = match value.get("Policy") {
        Some(p) => {
            let name = p
                .pointer("/PolicySummary/Name")
                .and_then(|n| n.as_str())
                .unwrap_or("SCP")
                .to_string();
            let doc = match p.get("Content") {
                Some(serde_json::Value::String(s)) => {
                    PolicyDocument::from_text(s).map_err(|e| bad(e.to_string()))?
                }
                Some(v) => serde_json::from_value(v.clone()).map_err(|e| bad(e.to_string()))?,
                None => return Err(bad("describe-policy output without Policy.Content".into())),
            };
            (name, doc)
        }
        None => (
            raw.name.clone(),
            serde_json::from_value(value).map_err(|e| bad(e.to_string()))?,
        ),
    };
    Ok(ScpLevel {
        file: raw.name,
        policies: vec![(name, doc)],
    })
}

/// The policy sources a command runs: the built-in pack unless left out, plus each --policy.
pub fn policy_sources(args: &PolicyArgs) -> Result<Vec<PolicySource>> {
    let mut sources = if args.no_builtin {
        vec![]
    } else {
        engine::builtin_sources()
    };
    for dir in &args.policy {
        engine::merge_sources(&mut sources, engine::sources_from_dir(dir)?);
    }
    if sources.iter().all(|s| !s.is_rego()) {
        return Err(Error::Usage {
            message: "no policies to run".into(),
            help: Some("drop --no-builtin or add --policy DIR".into()),
        });
    }
    Ok(sources)
}

pub fn load_data(path: &Path) -> Result<(String, serde_json::Value)> {
    let raw = load::read::read(path, &Limits::default())?;
    let value = match raw.format {
        load::Format::Json => serde_json::from_str(&raw.text).map_err(|e| e.to_string()),
        load::Format::Yaml => yaml_serde::from_str(&raw.text).map_err(|e| e.to_string()),
    }
    .map_err(|message| Error::Data {
        name: raw.name.clone(),
        message,
    })?;
    Ok((raw.name, value))
}

pub fn load_engine(args: &PolicyArgs) -> Result<PolicyEngine> {
    load_engine_from(args, policy_sources(args)?)
}

/// As [`load_engine`], from sources already read.
pub fn load_engine_from(
    args: &PolicyArgs,
    sources: Vec<engine::PolicySource>,
) -> Result<PolicyEngine> {
    let data = args.data.as_deref().map(load_data).transpose()?;
    let options = engine::Options {
        timeout: std::time::Duration::from_secs(args.policy_timeout.max(1)),
        namespaces: args.namespace.clone(),
        ..engine::Options::default()
    };
    PolicyEngine::load(
        sources,
        data.as_ref().map(|(n, v)| (n.as_str(), v.clone())),
        &options,
    )
}

/// Writes to `--output` atomically, or to stdout.
pub fn emit(
    output: Option<&Path>,
    render: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<()> {
    match output {
        Some(path) => crate::report::write_atomically(path, render),
        None => {
            let stdout = std::io::stdout();
            let mut lock = std::io::BufWriter::new(stdout.lock());
            let err = |source| Error::Write {
                path: "<stdout>".into(),
                source,
            };
            render(&mut lock).map_err(err)?;
            lock.flush().map_err(err)
        }
    }
}

pub fn use_color(choice: crate::cli::Color, to_file: bool) -> bool {
    match choice {
        crate::cli::Color::Always => true,
        crate::cli::Color::Never => false,
        crate::cli::Color::Auto => {
            !to_file && std::env::var_os("NO_COLOR").is_none() && std::io::stdout().is_terminal()
        }
    }
}

/// Phase timings on stderr when `STOPGUARD_TIMINGS` is set: how the benchmark's
/// numbers are broken down, at no cost otherwise.
pub struct PhaseTimer {
    last: Option<std::time::Instant>,
    last_cpu: std::time::Duration,
    last_faults: u64,
}

/// Page faults the process has taken so far (minor ones: a first touch of a
/// page). Each costs the kernel a few microseconds, and they were a sixth of
/// a check's CPU time on the benchmark export: a phase's count says how much of
/// its time went on fresh memory. Zero where there is no count.
fn process_faults() -> u64 {
    #[cfg(unix)]
    {
        // SAFETY: all-zero is a valid rusage, and `u` is valid and writable for
        // the call's duration.
        let mut u: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: as above; RUSAGE_SELF covers every thread of the process.
        if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut u) } == 0 {
            return u64::try_from(u.ru_minflt).unwrap_or(0);
        }
    }
    0
}

/// CPU time (user and system) the process has used so far, on all its threads,
/// to the microsecond: phases of a few milliseconds on two cores need that to
/// tell whether both cores were busy. Zero where the clock is missing.
fn process_cpu() -> std::time::Duration {
    #[cfg(unix)]
    {
        let mut t = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: `t` is a valid, writable timespec for the call's duration.
        if unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut t) } == 0 {
            return std::time::Duration::new(t.tv_sec as u64, t.tv_nsec as u32);
        }
    }
    std::time::Duration::ZERO
}

impl PhaseTimer {
    pub fn from_env() -> Self {
        PhaseTimer {
            last: std::env::var_os("STOPGUARD_TIMINGS").map(|_| std::time::Instant::now()),
            last_cpu: process_cpu(),
            last_faults: process_faults(),
        }
    }
    pub fn lap(&mut self, phase: &str) {
        if let Some(last) = self.last {
            let now = std::time::Instant::now();
            // Resident memory after the phase, from /proc where there is one.
            let rss_mib = std::fs::read_to_string("/proc/self/statm")
                .ok()
                .and_then(|s| s.split_whitespace().nth(1)?.parse::<u64>().ok())
                .map(|pages| pages * 4096 / (1024 * 1024));
            // And the peak so far (VmHWM), to see which phase sets it.
            let peak_mib = std::fs::read_to_string("/proc/self/status")
                .ok()
                .and_then(|s| {
                    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
                    line.split_whitespace().nth(1)?.parse::<u64>().ok()
                })
                .map(|kib| kib / 1024);
            let mib = |m: Option<u64>| m.map_or("?".to_string(), |m| m.to_string());
            let cpu = process_cpu();
            let faults = process_faults();
            eprintln!(
                "timing: {phase:<24} {:>8.1} ms  cpu {:>6.1} ms  rss {} MiB  peak {} MiB  faults {}",
                (now - last).as_secs_f64() * 1000.0,
                cpu.saturating_sub(self.last_cpu).as_secs_f64() * 1000.0,
                mib(rss_mib),
                mib(peak_mib),
                faults.saturating_sub(self.last_faults)
            );
            self.last = Some(now);
            self.last_cpu = cpu;
            self.last_faults = faults;
        }
    }
}

/// After the last phase: how the heap was set up (`crate::heap`), and how much
/// of the process's memory is in transparent huge pages by then. Read once, at
/// the end: reading `/proc/self/smaps_rollup` walks the whole address space,
/// about a millisecond on the benchmark export, which would blur a phase.
impl Drop for PhaseTimer {
    fn drop(&mut self) {
        if self.last.is_none() {
            return;
        }
        let heap = match crate::heap::mode() {
            crate::heap::Mode::HugeAtStart => "huge pages advised at its start",
            crate::heap::Mode::NoHuge => "no huge pages",
            crate::heap::Mode::Default => "as the allocator sets it up",
        };
        let huge_mib = std::fs::read_to_string("/proc/self/smaps_rollup")
            .ok()
            .and_then(|s| {
                let line = s.lines().find(|l| l.starts_with("AnonHugePages:"))?;
                line.split_whitespace().nth(1)?.parse::<u64>().ok()
            })
            .map_or("?".to_string(), |kib| (kib / 1024).to_string());
        eprintln!("timing: heap: {heap}; huge {huge_mib} MiB at the end");
    }
}

pub use crate::exit::{leak_at_exit, release};
