//! Dispatch to the commands, and the one place exit statuses are decided.
use std::process::ExitCode;

use crate::cli::{Cli, Command, NewCommand, PoliciesCommand};
use crate::commands;
use crate::diag::Result;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// Nothing reached the threshold; all tests passed.
    Clean,
    /// Findings at or above `--fail-on`, failing tests, or access gained.
    Findings,
    /// The run could not be completed.
    Error,
    /// `snapshot`/`audit`: done, but some account data could not be read (the
    /// snapshot's `gaps` say what); checks needing it did not run.
    Incomplete,
}

impl ExitStatus {
    /// The process exit status: 0, 1, 2 or 3.
    pub fn code(self) -> u8 {
        match self {
            ExitStatus::Clean => 0,
            ExitStatus::Findings => 1,
            ExitStatus::Error => 2,
            ExitStatus::Incomplete => 3,
        }
    }
}

impl From<ExitStatus> for ExitCode {
    fn from(s: ExitStatus) -> ExitCode {
        ExitCode::from(s.code())
    }
}

pub fn run(cli: Cli) -> Result<ExitStatus> {
    match cli.command {
        Command::Check {
            input,
            policies,
            report,
        } => commands::check::run(&input, &policies, &commands::check::Options::from(&report)),
        Command::WhoCan {
            input,
            action,
            resource,
            context,
            context_file,
            format,
            output,
            no_escalation,
        } => commands::who_can::run(
            &input,
            &action,
            resource.as_deref(),
            &context,
            context_file.as_deref(),
            format,
            output.as_deref(),
            !no_escalation,
        ),
        Command::Test {
            dirs,
            run,
            coverage,
            fail_under,
            format,
            no_builtin,
        } => commands::test::run(
            &dirs,
            run.as_deref(),
            coverage,
            fail_under,
            format,
            no_builtin,
        ),
        Command::Diff {
            before,
            after,
            action,
            scp,
            max_input_mib,
            format,
        } => {
            let limits = crate::load::Limits {
                max_bytes: max_input_mib.saturating_mul(1024 * 1024),
            };
            let scps = scp
                .iter()
                .map(|p| commands::load_scp(p, &limits))
                .collect::<Result<Vec<_>>>()?;
            commands::diff::run(&before, &after, &action, &scps, &limits, format)
        }
        #[cfg(feature = "aws")]
        Command::Snapshot { aws, out } => commands::snapshot::run(&aws, &out),
        #[cfg(feature = "aws")]
        Command::Audit {
            aws,
            scp,
            policies,
            report,
            snapshot_out,
        } => commands::audit::run(
            &aws,
            &scp,
            &policies,
            &commands::check::Options::from(&report),
            snapshot_out.as_deref(),
        ),
        Command::Input { input } => commands::input::run(&input),
        Command::New {
            command: NewCommand::Policy { path, id, severity },
        } => commands::new::policy(&path, id.as_deref(), severity),
        Command::Policies { command } => match command {
            PoliciesCommand::List { policies } => commands::policies::list(&policies),
            PoliciesCommand::Show { id, policies } => commands::policies::show(&id, &policies),
        },
    }
}
