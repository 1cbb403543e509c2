//! `stopguard snapshot`: read a live account through the AWS API and write it,
//! atomically, as a snapshot file that `check` reads later, offline.
use std::io::{IsTerminal, Write};
use std::path::Path;

use crate::app::ExitStatus;
use crate::cli::AwsArgs;
use crate::collect::{self, Options};
use crate::diag::{Error, Result};
use crate::model::Snapshot;

pub fn options(args: &AwsArgs) -> Options {
    Options {
        profile: args.profile.clone(),
        regions: args
            .regions
            .iter()
            .map(|r| r.trim().to_string())
            .filter(|r| !r.is_empty())
            .collect(),
        endpoint_url: args.endpoint_url.clone(),
        concurrency: usize::from(args.concurrency),
        progress: !args.quiet && std::io::stderr().is_terminal(),
        org_profile: args.org_profile.clone(),
    }
}

pub fn write(snapshot: &Snapshot, path: &Path) -> Result<()> {
    crate::report::write_atomically(path, |w: &mut dyn Write| {
        serde_json::to_writer_pretty(&mut *w, snapshot).map_err(std::io::Error::other)?;
        writeln!(w)
    })
}

/// The closing line on stderr, and the exit status gaps call for.
pub fn summarise(snapshot: &Snapshot, what: &str) -> ExitStatus {
    let a = &snapshot.account;
    let counts = format!(
        "account {}, {} region(s): {} users, {} roles, {} groups, {} managed policies, {} security groups, {} instances, {} trails",
        a.account_id.as_deref().unwrap_or("?"),
        snapshot.regions.len(),
        a.iam.users.len(),
        a.iam.roles.len(),
        a.iam.groups.len(),
        a.iam.policies.len(),
        a.ec2.security_groups.len(),
        a.ec2.instances.len(),
        a.cloudtrail.trails.len()
    );
    let counts = format!("{counts}, {}", scp_summary(a));
    if a.gaps.is_empty() {
        eprintln!("{what}: {counts}");
        ExitStatus::Clean
    } else {
        eprintln!(
            "{what} INCOMPLETE: {} call(s) could not be read (listed under \"gaps\"); checks that need that data did not run. {counts}",
            a.gaps.len()
        );
        ExitStatus::Incomplete
    }
}

/// What the snapshot says about SCPs, for the closing line.
fn scp_summary(a: &crate::model::Account) -> String {
    use crate::model::OrgStatus;
    match &a.organizations {
        None => "SCPs not read".into(),
        Some(o) => match o.status {
            OrgStatus::Applied => format!("SCPs at {} level(s)", o.scp_levels.len()),
            OrgStatus::ManagementAccount => "no SCPs (management account)".into(),
            OrgStatus::NotInOrganization => "no SCPs (not in an organization)".into(),
            OrgStatus::ScpsDisabled => "no SCPs (not enabled)".into(),
            OrgStatus::Unreadable => "SCPs unreadable (access is an upper bound)".into(),
        },
    }
}

pub fn run(args: &AwsArgs, out: &Path) -> Result<ExitStatus> {
    if out.as_os_str().is_empty() {
        return Err(Error::usage("--out needs a file name"));
    }
    let snapshot = collect::snapshot(&options(args))?;
    write(&snapshot, out)?;
    Ok(summarise(
        &snapshot,
        &format!("snapshot written to {}", out.display()),
    ))
}
