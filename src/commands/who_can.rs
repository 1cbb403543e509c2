//! `stopguard who-can`: the principals that may perform an action, and how.
use std::io::Write;
use std::path::Path;

use crate::app::ExitStatus;
use crate::cli::InputArgs;
use crate::diag::{Error, Result};
use crate::iam::access::{Access, Analyzer, Grant};
use crate::iam::context::{self, RequestContext};
use crate::input;
use crate::report::{neutralise, Listing as Format};

/// Version of the who-can JSON output (docs/who-can-schema.md).
pub const WHO_CAN_VERSION: u32 = 1;

pub fn request_context(pairs: &[String], file: Option<&Path>) -> Result<RequestContext> {
    let mut kv = Vec::new();
    for p in pairs {
        kv.push(context::parse_kv(p).map_err(|m| Error::Usage {
            message: format!("--context {p:?}: {m}"),
            help: Some(
                "write --context KEY=VALUE, e.g. --context aws:MultiFactorAuthPresent=false".into(),
            ),
        })?);
    }
    if let Some(path) = file {
        let (name, value) = super::load_data(path)?;
        let from_file = context::from_json_object(&value).map_err(|message| Error::Input {
            name,
            message,
            help: Some(
                "--context-file takes a JSON object of key to a string or a list of strings".into(),
            ),
        })?;
        if kv.is_empty() {
            return Ok(from_file);
        }
        // Flags add to (and repeat keys extend) what the file says.
        let mut ctx = from_file;
        for (k, v) in kv {
            let mut values = match ctx.lookup(&k) {
                context::KeyValue::Present(existing) => existing.to_vec(),
                _ => vec![],
            };
            values.push(v);
            ctx = ctx.with(&k, values);
        }
        return Ok(ctx);
    }
    Ok(if kv.is_empty() {
        RequestContext::unknown()
    } else {
        context::from_pairs(kv)
    })
}

fn describe(g: &Grant) -> String {
    let mut s = format!("{} {}", g.policy.kind, g.policy.name);
    if let Some(via) = &g.policy.via {
        s.push_str(&format!(" (via {via})"));
    }
    match &g.sid {
        Some(sid) => s.push_str(&format!(", statement {sid:?}")),
        None => s.push_str(&format!(", statement #{}", g.statement_index)),
    }
    if let (Some(file), Some(line)) = (&g.policy.file, g.line) {
        s.push_str(&format!(" at {file}:{line}"));
    }
    s
}

fn condition_text(c: &crate::iam::condition::Condition) -> String {
    format!("{} {} {:?}", c.operator, c.key, c.values)
}

fn render_text(
    w: &mut dyn Write,
    action: &str,
    resource: &str,
    list: &[Access],
) -> std::io::Result<()> {
    writeln!(
        w,
        "who can {action} on {resource}: {} principal{}",
        list.len(),
        if list.len() == 1 { "" } else { "s" }
    )?;
    for a in list {
        let chain = if a.via.is_empty() {
            String::new()
        } else {
            format!(" via {}", a.via.join(" -> "))
        };
        let how = match &a.escalation {
            Some(e) => format!(" by privilege escalation: {e}"),
            None => String::new(),
        };
        writeln!(
            w,
            "{} {}{}{}",
            neutralise(&a.arn),
            a.access,
            chain,
            neutralise(&how)
        )?;
        for g in &a.grants {
            writeln!(w, "    grant: {}", neutralise(&describe(g)))?;
            for c in &g.open_conditions {
                writeln!(w, "      if {}", neutralise(&condition_text(c)))?;
            }
        }
        for d in &a.denials {
            writeln!(w, "    unless denied by: {}", neutralise(&describe(d)))?;
            for c in &d.open_conditions {
                writeln!(w, "      when {}", neutralise(&condition_text(c)))?;
            }
        }
        for l in &a.limits {
            writeln!(w, "    limit: {}", neutralise(l))?;
        }
    }
    Ok(())
}

/// The JSON answer: what `serde_json::to_writer_pretty` prints of the object
/// `{schema_version, action, resource, context_given, principals}` (keys in a
/// serde_json map's alphabetical order, each principal as its `serde_json::Value`
/// prints), written member by member: the principals are printed a piece at a
/// time on every core, never held as one tree of values (megabytes on a large
/// account, and the run's peak memory).
fn render_json(
    w: &mut dyn Write,
    action: &str,
    resource: &str,
    context_given: bool,
    list: &[Access],
) -> std::io::Result<()> {
    w.write_all(b"{\n  \"action\": ")?;
    serde_json::to_writer(&mut *w, action)?;
    write!(
        w,
        ",\n  \"context_given\": {context_given},\n  \"principals\": "
    )?;
    crate::report::json::write_pretty_array(list, w, |access, text| {
        let value = serde_json::to_value(access)?;
        serde_json::to_writer_pretty(text, &value).map_err(std::io::Error::from)
    })?;
    w.write_all(b",\n  \"resource\": ")?;
    serde_json::to_writer(&mut *w, resource)?;
    writeln!(w, ",\n  \"schema_version\": {WHO_CAN_VERSION}\n}}")
}

// One argument per flag of the subcommand, passed straight from clap.
#[allow(clippy::too_many_arguments)]
pub fn run(
    args: &InputArgs,
    action: &str,
    resource: Option<&str>,
    context_pairs: &[String],
    context_file: Option<&Path>,
    format: Format,
    output: Option<&Path>,
    escalation: bool,
) -> Result<ExitStatus> {
    let ctx = request_context(context_pairs, context_file)?;
    // The answer reads only the statements that may apply to the action, to
    // sts:AssumeRole (role chains) and, with escalation paths, to the IAM and
    // service actions those ask about: the others are left out while loading, as
    // `check` does.
    let mut actions = vec![action, crate::iam::access::ASSUME_ROLE];
    if escalation {
        actions.extend_from_slice(crate::iam::escalation::ACTIONS);
    }
    let statements_for = Some(super::statements_for(&actions));
    let (loaded, scps) = super::load_account_deferred(args, false, statements_for)?;
    let (account, _) = loaded.complete()?;
    let resource = resource
        .map(str::to_string)
        .unwrap_or_else(|| input::any_instance(&account));
    let analyzer = Analyzer::new(&account, &scps);
    let mut list = analyzer.who_can(action, &resource, &ctx);
    if escalation {
        let more = analyzer.escalations(action, &resource, &ctx, &list);
        for m in more {
            match list.iter_mut().find(|a| a.arn == m.arn) {
                // Conditional on its own, definite by escalating: say both.
                Some(existing) => {
                    existing.access = m.access;
                    existing.escalation = m.escalation;
                }
                None => list.push(m),
            }
        }
        list.sort_by(|a, b| a.arn.cmp(&b.arn));
    }
    super::emit(output, |w| match format {
        Format::Json => render_json(w, action, &resource, !ctx.is_unknown_everywhere(), &list),
        Format::Text => render_text(w, action, &resource, &list),
    })?;
    Ok(ExitStatus::Clean)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The answer printed member by member is what printing it as one
    /// `serde_json::Value` gives, byte for byte, for no principal, one and many.
    #[test]
    fn json_answer_prints_as_one_pretty_value() {
        let account = crate::load::load_paths(
            &[std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/account")],
            &crate::load::Limits::default(),
        )
        .unwrap();
        let resource = input::any_instance(&account);
        let all = Analyzer::new(&account, &[]).who_can(
            input::STOP_ACTION,
            &resource,
            &RequestContext::unknown(),
        );
        assert!(all.len() > 2, "{}", all.len());
        for (n, action) in [
            (0, "s3:Get\"Object\n"),
            (1, "ec2:StopInstances"),
            (all.len(), "ec2:StopInstances"),
        ] {
            let list = all.get(..n).unwrap();
            let mut printed = Vec::new();
            render_json(&mut printed, action, &resource, n == 1, list).unwrap();
            let doc = serde_json::json!({
                "schema_version": WHO_CAN_VERSION,
                "action": action,
                "resource": resource,
                "context_given": n == 1,
                "principals": list,
            });
            let mut reference = serde_json::to_vec_pretty(&doc).unwrap();
            reference.push(b'\n');
            assert_eq!(
                String::from_utf8(printed).unwrap(),
                String::from_utf8(reference).unwrap()
            );
        }
    }
}
