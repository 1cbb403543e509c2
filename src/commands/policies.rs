//! `stopguard policies list|show`: the policy catalogue, from METADATA.

use crate::app::ExitStatus;
use crate::cli::PolicyArgs;
use crate::diag::{Error, Result};
use crate::engine::LoadedPolicy;

fn checks(
    args: &PolicyArgs,
) -> Result<(
    Vec<LoadedPolicy>,
    serde_json::Map<String, serde_json::Value>,
)> {
    let engine = super::load_engine(args)?;
    let mut list: Vec<LoadedPolicy> = engine
        .policies
        .iter()
        .filter(|p| !p.is_test && !p.rules.is_empty())
        .cloned()
        .collect();
    list.sort_by_key(|p| p.id());
    Ok((list, engine.params.clone()))
}

pub fn list(args: &PolicyArgs) -> Result<ExitStatus> {
    let (list, _) = checks(args)?;
    super::emit(None, |w| {
        for p in &list {
            writeln!(
                w,
                "{:<10} {:<8} {}",
                p.id(),
                p.severity("deny").as_str(),
                p.title()
            )?;
        }
        Ok(())
    })?;
    Ok(ExitStatus::Clean)
}

pub fn show(id: &str, args: &PolicyArgs) -> Result<ExitStatus> {
    let (list, params) = checks(args)?;
    let Some(p) = list.iter().find(|p| p.id().eq_ignore_ascii_case(id)) else {
        return Err(Error::Usage {
            message: format!("no policy with id {id}"),
            help: Some("`stopguard policies list` shows the ids".into()),
        });
    };
    let meta = p.metadata.clone().unwrap_or_default();
    super::emit(None, |w| {
        writeln!(
            w,
            "{} [{}] {}",
            p.id(),
            p.severity("deny").as_str(),
            p.title()
        )?;
        writeln!(w, "policy: {} (package {})", p.path, p.package)?;
        if let Some(d) = &meta.description {
            writeln!(w, "\n{}", d.trim_end())?;
        }
        if let Some(r) = &meta.custom.remediation {
            writeln!(w, "\nremediation:\n{}", r.trim_end())?;
        }
        if !meta.custom.parameters.is_empty() {
            writeln!(w, "\nparameters (set with --data FILE):")?;
            for name in &meta.custom.parameters {
                let value = params
                    .get(name)
                    .map(|v| v.to_string())
                    .unwrap_or_else(|| "(no default)".into());
                writeln!(w, "  {name}: {value}")?;
            }
        }
        Ok(())
    })?;
    Ok(ExitStatus::Clean)
}
