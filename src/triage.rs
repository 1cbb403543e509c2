//! Exceptions and baselines: the decisions a team has made about findings, applied
//! after evaluation and before reporting. Neither hides a finding: it stays in the
//! report, marked, and only stops counting towards the exit status.
use std::collections::HashSet;
use std::path::Path;

use serde::Deserialize;

use crate::diag::{Error, Result};
use crate::findings::{Finding, Severity, Suppression};
use crate::iam::wildcard;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExceptionsFile {
    exceptions: Vec<Exception>,
}

/// One accepted risk: a rule, the resources it covers (`*`/`?` patterns), why, and
/// until when.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exception {
    pub rule: String,
    #[serde(default = "everything")]
    pub resource: String,
    pub reason: String,
    /// `YYYY-MM-DD`; from that day on the exception no longer applies.
    #[serde(default)]
    pub expires: Option<String>,
}

fn everything() -> String {
    "*".into()
}

/// Reads an exceptions file (YAML or JSON); a missing reason or a malformed date is an error.
pub fn load_exceptions(path: &Path) -> Result<Vec<Exception>> {
    let raw = crate::load::read::read(path, &Default::default())?;
    let bad = |message: String| {
        Error::Input {
        name: raw.name.clone(),
        message,
        help: Some(
            "write `exceptions: [{rule: SG-001, resource: \"sg-*\", reason: \"why\", expires: 2026-12-31}]`; the reason is required"
                .into(),
        ),
    }
    };
    let file: ExceptionsFile = yaml_serde::from_str(&raw.text).map_err(|e| bad(e.to_string()))?;
    for (i, e) in file.exceptions.iter().enumerate() {
        if e.reason.trim().is_empty() {
            return Err(bad(format!(
                "exception #{} ({}) has an empty reason",
                i + 1,
                e.rule
            )));
        }
        if let Some(d) = &e.expires {
            if parse_date(d).is_none() {
                return Err(bad(format!(
                    "exception #{} ({}): expires {d:?} is not a YYYY-MM-DD date",
                    i + 1,
                    e.rule
                )));
            }
        }
    }
    Ok(file.exceptions)
}

/// Days since 1970-01-01 of a `YYYY-MM-DD` date (proleptic Gregorian).
pub fn parse_date(s: &str) -> Option<i64> {
    let mut parts = s.trim().splitn(3, '-');
    let y: i64 = parts.next()?.parse().ok()?;
    let m: i64 = parts.next()?.parse().ok()?;
    let d: i64 = parts.next()?.parse().ok()?;
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    // Howard Hinnant's days_from_civil.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

/// Today, in days since 1970-01-01 (UTC).
pub fn today() -> i64 {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    i64::try_from(secs / 86_400).unwrap_or(0)
}

/// Marks findings covered by a live exception, and reports each expired exception
/// that still matches a finding as a finding of its own, which fails the build.
pub fn apply_exceptions(
    findings: &mut Vec<Finding>,
    exceptions: &[Exception],
    source: &str,
    today: i64,
) {
    let mut expired_hits = Vec::new();
    for f in findings.iter_mut() {
        let Some((i, e)) = exceptions.iter().enumerate().find(|(_, e)| {
            e.rule.eq_ignore_ascii_case(&f.rule)
                && wildcard::matches(&e.resource, &f.resource, false)
        }) else {
            continue;
        };
        let expired = e
            .expires
            .as_deref()
            .and_then(parse_date)
            .is_some_and(|d| d <= today);
        if expired {
            expired_hits.push((i, e.clone(), f.resource.clone()));
        } else {
            f.suppressed = Some(Suppression {
                reason: e.reason.clone(),
                expires: e.expires.clone(),
            });
        }
    }
    let mut seen = HashSet::new();
    for (i, e, resource) in expired_hits {
        if !seen.insert(i) {
            continue;
        }
        let message = format!(
            "exception #{} for {} on {:?} expired on {} (reason given: {}); its findings count again, starting with {resource}",
            i + 1,
            e.rule,
            e.resource,
            e.expires.as_deref().unwrap_or(""),
            e.reason
        );
        let resource = format!("{source}#{}", i + 1);
        findings.push(Finding {
            rule: "EXCEPTION-EXPIRED".into(),
            severity: Severity::High,
            title: "An exception has expired".into(),
            fingerprint: crate::findings::fingerprint("EXCEPTION-EXPIRED", &resource, &message),
            message,
            resource,
            remediation:
                "Fix the findings it covered, or renew the exception with a new date and reason."
                    .into(),
            file: Some(source.to_string()),
            line: None,
            column: None,
            policy: source.into(),
            kind: "deny".into(),
            details: Default::default(),
            suppressed: None,
            baseline: false,
        });
    }
    crate::findings::sort(findings);
}

/// Reads the fingerprints of a previous JSON report.
pub fn load_baseline(path: &Path) -> Result<HashSet<String>> {
    let raw = crate::load::read::read(path, &Default::default())?;
    let v: serde_json::Value = serde_json::from_str(&raw.text).map_err(|e| Error::Input {
        name: raw.name.clone(),
        message: format!("not a stopguard JSON report: {e}"),
        help: Some(
            "make the baseline with `stopguard check ... --format json --output baseline.json`"
                .into(),
        ),
    })?;
    let findings = v
        .get("findings")
        .and_then(|f| f.as_array())
        .ok_or_else(|| Error::Input {
            name: raw.name.clone(),
            message: "not a stopguard JSON report: no \"findings\" array".into(),
            help: Some(
                "make the baseline with `stopguard check ... --format json --output baseline.json`"
                    .into(),
            ),
        })?;
    Ok(findings
        .iter()
        .filter_map(|f| {
            let fp = f
                .get("fingerprint")
                .and_then(|x| x.as_str())
                .map(str::to_string);
            // Reports without fingerprints: derive them the same way.
            fp.or_else(|| {
                Some(crate::findings::fingerprint(
                    f.get("rule")?.as_str()?,
                    f.get("resource")?.as_str()?,
                    f.get("message")?.as_str()?,
                ))
            })
        })
        .collect())
}

pub fn apply_baseline(findings: &mut [Finding], known: &HashSet<String>) {
    for f in findings {
        f.baseline = known.contains(&f.fingerprint);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(parse_date("1970-01-01"), Some(0));
        assert_eq!(parse_date("2000-03-01"), Some(11_017));
        assert_eq!(parse_date("2026-12-31"), Some(20_818));
        assert_eq!(parse_date("2026-13-01"), None);
        assert_eq!(parse_date("soon"), None);
    }
}
