//! `stopguard audit`: `snapshot` in memory, then `check` on it. The snapshot goes
//! through the same loader as a snapshot file, so an audit and a later
//! `check` of the saved snapshot see exactly the same account.
use std::path::{Path, PathBuf};

use crate::app::ExitStatus;
use crate::cli::{AwsArgs, PolicyArgs};
use crate::collect;
use crate::diag::{Error, Result};
use crate::load::{self, read::RawInput, Format as InputFormat, Limits};

pub fn run(
    args: &AwsArgs,
    scp: &[PathBuf],
    policy_args: &PolicyArgs,
    opts: &super::check::Options,
    snapshot_out: Option<&Path>,
) -> Result<ExitStatus> {
    let decisions = super::check::Decisions::load(opts)?;
    let timer = super::PhaseTimer::from_env();
    // Policies and SCP files first: a mistake there should not wait for the API.
    let mut engine = super::load_engine(policy_args)?;
    let scps = scp
        .iter()
        .map(|p| super::load_scp(p, &Limits::default()))
        .collect::<Result<Vec<_>>>()?;
    let snapshot = collect::snapshot(&super::snapshot::options(args))?;
    if let Some(path) = snapshot_out {
        super::snapshot::write(&snapshot, path)?;
    }
    let name = format!(
        "<live account {}>",
        snapshot.account.account_id.as_deref().unwrap_or("?")
    );
    let text = serde_json::to_string(&snapshot).map_err(|e| Error::usage(e.to_string()))?;
    let account = load::load_texts(vec![RawInput {
        name: name.clone(),
        format: InputFormat::Json,
        text: text.into(),
    }])?;
    let completeness = super::snapshot::summarise(&snapshot, "audit read");
    let scps = super::effective_scps(&account, scps);
    let status = super::check::evaluate(
        &mut engine,
        super::check::Subject {
            account: &account,
            raws: &Vec::new(),
            scps: &scps,
            inputs: vec![name],
        },
        opts,
        &decisions,
        timer,
    )?;
    Ok(match (status, completeness) {
        (ExitStatus::Clean, ExitStatus::Incomplete) => ExitStatus::Incomplete,
        (s, _) => s,
    })
}
