//! The `stopguard` binary: parse, run, map the outcome to an exit status, and render
//! an error once.
use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = stopguard::cli::Cli::parse();
    // Unwrapped lines: diagnostics end up in CI logs and are searched with grep.
    let _ = miette::set_hook(Box::new(|_| {
        Box::new(miette::MietteHandlerOpts::new().wrap_lines(false).build())
    }));
    match stopguard::app::run(cli) {
        Ok(status) => status.into(),
        Err(err) => {
            // A closed pipe (`stopguard check ... | head`) is not a failure.
            if let stopguard::diag::Error::Write { source, .. } = &err {
                if source.kind() == std::io::ErrorKind::BrokenPipe {
                    return ExitCode::SUCCESS;
                }
            }
            eprintln!("{:?}", miette::Report::new(err));
            stopguard::app::ExitStatus::Error.into()
        }
    }
}
