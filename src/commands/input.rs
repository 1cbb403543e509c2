//! `stopguard input`: print the Rego input built from the given files, for policy authors.
use crate::app::ExitStatus;
use crate::cli::InputArgs;
use crate::diag::Result;
use crate::input;

pub fn run(args: &InputArgs) -> Result<ExitStatus> {
    let (account, scps) = super::load_account(args)?;
    let all = crate::engine::reads::InputReads::everything();
    let facts = input::analyse(&account, &scps, &all);
    let doc = input::build(&account, &facts, &all);
    super::emit(None, |w| {
        serde_json::to_writer_pretty(&mut *w, &doc)?;
        writeln!(w)
    })?;
    Ok(ExitStatus::Clean)
}
