//! Findings as plain data: what evaluation produces and every reporter consumes.
use std::sync::Arc;

use serde::{Deserialize, Serialize};

pub use crate::severity::Severity;

/// One violation, as the JSON report prints it (schema documented in `docs/report-schema.md`).
///
/// Fields are in alphabetical order, the order the JSON report has always printed
/// them in: the report is serialized straight from these structs, with no
/// intermediate tree (see `report::json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// True when the finding was already in the `--baseline` report.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub baseline: bool,
    /// 1-based column (in characters) of the element at fault, with `line`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
    #[serde(default, skip_serializing_if = "Details::is_null")]
    pub details: Details,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// Stable identity of the violation across runs: rule, resource and message,
    /// never the line, so a baseline survives edits elsewhere in a file.
    #[serde(default)]
    pub fingerprint: String,
    /// `deny`, `violation` or `warn`: warn findings never fail the build.
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    pub message: String,
    /// The policy file that produced it.
    pub policy: Arc<str>,
    /// Shared by every finding of its rule, as `title` and `policy` are: a
    /// copy of a kilobyte of remediation for each of 2,000 findings was 2 MB
    /// of fresh memory on the benchmark export.
    pub remediation: Arc<str>,
    pub resource: String,
    pub rule: String,
    pub severity: Severity,
    /// Set when an exception covers the finding: it stays in the report and does
    /// not fail the build.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suppressed: Option<Suppression>,
    pub title: Arc<str>,
}

/// A finding's `details`: the value its rule gave, printed as JSON.
///
/// Evaluation keeps the rule's own value ([`Details::Rego`]) and the report
/// prints it straight from there: converting every finding's details to a
/// `serde_json::Value` first, only to print that, cost 4.3 million
/// instructions for the benchmark export's 1,958 findings, and a second copy
/// of each value in memory. Findings read back from a report (a `--baseline`,
/// `stopguard diff`) hold JSON. Both print the same bytes for the same value,
/// and compare as JSON.
#[derive(Debug, Clone)]
pub enum Details {
    Json(serde_json::Value),
    Rego(regorus::Value),
}

impl Default for Details {
    fn default() -> Self {
        Details::Json(serde_json::Value::Null)
    }
}

impl From<serde_json::Value> for Details {
    fn from(v: serde_json::Value) -> Self {
        Details::Json(v)
    }
}

impl Details {
    /// A rule's details: kept as its value when that prints as JSON exactly as
    /// its conversion to a JSON value would ([`prints_as_its_json`]), else
    /// converted, as they always were.
    pub(crate) fn of(value: &regorus::Value) -> Self {
        if prints_as_its_json(value) {
            Details::Rego(value.clone())
        } else {
            Details::Json(json_of(value))
        }
    }

    /// No details: left out of the report.
    pub fn is_null(&self) -> bool {
        match self {
            Details::Json(v) => v.is_null(),
            // An undefined value prints as a string, as its conversion does.
            Details::Rego(v) => matches!(v, regorus::Value::Null),
        }
    }

    /// The details as a JSON value.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Details::Json(v) => v.clone(),
            Details::Rego(v) => json_of(v),
        }
    }
}

impl PartialEq for Details {
    fn eq(&self, other: &Self) -> bool {
        self.to_json() == other.to_json()
    }
}

impl Serialize for Details {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Details::Json(v) => v.serialize(s),
            Details::Rego(v) => v.serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for Details {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        serde_json::Value::deserialize(d).map(Details::Json)
    }
}

/// A value as JSON, as the report has it.
pub(crate) fn json_of(value: &regorus::Value) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or(serde_json::Value::Null)
}

/// Whether `value` prints the same JSON straight from its own `Serialize` as
/// through [`json_of`]: objects keyed by strings only (regorus writes other keys
/// as their JSON text, in its own key order, where a JSON object would sort
/// them as text and keep one of any two that print alike), and numbers that
/// are integers of 64 bits or finite floats (a NaN, or an integer too large
/// for a JSON number, fails to print: [`json_of`] makes the whole value
/// `null` then, and so does the finding). Arrays and sets print as arrays both
/// ways.
fn prints_as_its_json(value: &regorus::Value) -> bool {
    use regorus::Value;
    match value {
        Value::Null | Value::Bool(_) | Value::String(_) | Value::Undefined => true,
        Value::Number(n) => {
            n.as_i64().is_some() || n.as_u64().is_some() || n.as_f64().is_some_and(f64::is_finite)
        }
        Value::Array(items) => items.iter().all(prints_as_its_json),
        Value::Set(items) => items.iter().all(prints_as_its_json),
        Value::Object(fields) => fields
            .iter()
            .all(|(k, v)| matches!(k, Value::String(_)) && prints_as_its_json(v)),
    }
}

/// Why a finding does not count. (Fields in alphabetical order, as `Finding`'s.)
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Suppression {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    pub reason: String,
}

impl Finding {
    /// Whether this finding can fail the build.
    pub fn counts(&self) -> bool {
        self.kind != "warn" && self.suppressed.is_none() && !self.baseline
    }
}

/// FNV-1a over the identifying fields: cheap, stable across versions and platforms.
pub fn fingerprint(rule: &str, resource: &str, message: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in [rule, resource, message] {
        for b in part.bytes().chain(std::iter::once(0u8)) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{h:016x}")
}

/// Sorts for a stable report: severity (highest first), rule, resource, message.
pub fn sort(findings: &mut [Finding]) {
    findings.sort_by(report_order);
}

/// The order of [`sort`]; findings it holds equal keep their order.
pub fn report_order(a: &Finding, b: &Finding) -> std::cmp::Ordering {
    b.severity
        .cmp(&a.severity)
        .then_with(|| a.rule.cmp(&b.rule))
        .then_with(|| a.resource.cmp(&b.resource))
        .then_with(|| a.message.cmp(&b.message))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The JSON report writes findings straight from the struct; its fields must stay
    /// in the order a serde_json map (sorted keys) prints them, as reports always had.
    #[test]
    fn fields_serialize_in_sorted_key_order() {
        let f = Finding {
            baseline: true,
            column: Some(3),
            details: serde_json::json!({"z": 1, "a": [true]}).into(),
            file: Some("f.json".into()),
            fingerprint: "abc".into(),
            kind: "deny".into(),
            line: Some(2),
            message: "m".into(),
            policy: "p.rego".into(),
            remediation: "r".into(),
            resource: "res".into(),
            rule: "IAM-001".into(),
            severity: Severity::High,
            suppressed: Some(Suppression {
                expires: Some("2030-01-01".into()),
                reason: "why".into(),
            }),
            title: "t".into(),
        };
        let direct = serde_json::to_string(&f).unwrap();
        let via_map = serde_json::to_value(&f).unwrap().to_string();
        assert_eq!(direct, via_map);
    }

    /// A finding's details are kept as the rule's value only when that prints the
    /// same JSON as the conversion the report used before; other values are
    /// converted, and the report prints them as it always did.
    #[test]
    fn details_print_as_their_json_conversion_or_are_converted() {
        let mut engine = regorus::Engine::new();
        engine
            .add_policy(
                "t.rego".to_string(),
                r#"package t
plain := {"access": "allowed", "policies": ["b", "a"], "via": [], "n": 3, "neg": -2,
    "f": 1.5, "t": true, "z": null, "nested": {"set": {"b", "a"}, "list": [{"k": 1}]}}
big := {"n": 123456789012345678901234567890}
numeric_keys := {1: "one", "0": "zero"}
"#
                .to_string(),
            )
            .unwrap();
        let mut value = |rule: &str| engine.eval_rule(format!("data.t.{rule}")).unwrap();
        let plain = value("plain");
        assert!(prints_as_its_json(&plain));
        let kept = Details::Rego(plain.clone());
        let converted = Details::Json(json_of(&plain));
        assert_eq!(
            serde_json::to_string_pretty(&kept).unwrap(),
            serde_json::to_string_pretty(&converted).unwrap()
        );
        assert_eq!(kept, converted);
        assert!(!kept.is_null());
        // An integer beyond 64 bits: kept only if it prints alike.
        let big = value("big");
        if prints_as_its_json(&big) {
            assert_eq!(
                serde_json::to_string(&Details::Rego(big.clone())).unwrap(),
                serde_json::to_string(&json_of(&big)).unwrap()
            );
        }
        // Keys that are not strings: regorus prints them in its own order (numbers
        // first), a JSON object sorts them as text. Not kept.
        let numeric = value("numeric_keys");
        assert!(!prints_as_its_json(&numeric));
        assert_ne!(
            serde_json::to_string(&Details::Rego(numeric.clone())).unwrap(),
            serde_json::to_string(&json_of(&numeric)).unwrap()
        );
        let nested = regorus::Value::from_json_str(r#"{"a": [1, 2]}"#).unwrap();
        let mut holder = regorus::Value::new_object();
        holder
            .as_object_mut()
            .unwrap()
            .insert(regorus::Value::from("inner"), numeric);
        holder
            .as_object_mut()
            .unwrap()
            .insert(regorus::Value::from("ok"), nested);
        assert!(!prints_as_its_json(&holder));
        assert!(Details::Rego(regorus::Value::Null).is_null());
        // Undefined prints as a string both ways, and is printed.
        let undefined = Details::Rego(regorus::Value::Undefined);
        assert!(!undefined.is_null());
        assert_eq!(
            undefined,
            Details::Json(json_of(&regorus::Value::Undefined))
        );
    }
}
