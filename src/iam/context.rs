//! The request context a condition is judged against, with a third state for "not given", because stopguard answers questions about requests nobody has made yet.
//!
//! AWS evaluates conditions against the keys present in a real request (IAM
//! JSON policy elements: Condition, "The request context",
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition.html>).
//! A "who may stop this instance?" question usually has no such request, so a
//! key can be known-present, known-absent, or unknown, and the mode decides
//! which of the last two an unlisted key is.

use std::borrow::Cow;
use std::sync::Arc;

/// What the context says about one condition key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyValue<'a> {
    /// Nothing is known: the request might or might not carry the key.
    Unknown,
    /// The request certainly does not carry the key.
    Absent,
    /// The request carries the key with these values (one for single-valued
    /// keys, any number for multivalued keys such as `aws:TagKeys`).
    Present(&'a [String]),
}

/// What an unlisted key means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Default {
    Unknown,
    Absent,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Entry {
    Present(Arc<[String]>),
    Absent,
}

/// A key name, ASCII-lowercased: AWS treats condition key names as
/// case-insensitive ("Condition key names are not case-sensitive",
/// reference_policies_elements_condition.html). A name the program spells
/// itself is borrowed, one made at run time is shared: copying a context copies
/// neither.
#[derive(Debug, Clone)]
enum Key {
    Known(&'static str),
    Made(Arc<str>),
}

impl Key {
    fn new(name: Cow<'static, str>) -> Self {
        match name {
            Cow::Borrowed(k) if !k.bytes().any(|b| b.is_ascii_uppercase()) => Key::Known(k),
            Cow::Borrowed(k) => Key::Made(k.to_ascii_lowercase().into()),
            Cow::Owned(mut k) => {
                k.make_ascii_lowercase();
                Key::Made(k.into())
            }
        }
    }

    fn as_str(&self) -> &str {
        match self {
            Key::Known(k) => k,
            Key::Made(k) => k,
        }
    }
}

/// Condition-key values of a (possibly hypothetical) request.
///
/// The keys are few (a principal's own facts, a handful given on the command
/// line) and are found by comparing names; the entries are shared by copies,
/// so that a copy with one key changed (a question asked without MFA, for every
/// user) costs one small allocation rather than a copy of every name and value.
#[derive(Debug, Clone)]
pub struct RequestContext {
    unlisted: Default,
    entries: Arc<[(Key, Entry)]>,
}

impl std::default::Default for RequestContext {
    fn default() -> Self {
        Self::unknown()
    }
}

/// Two contexts are equal when they say the same about every key, whatever
/// order their keys were given in.
impl PartialEq for RequestContext {
    fn eq(&self, other: &Self) -> bool {
        self.unlisted == other.unlisted
            && self.entries.len() == other.entries.len()
            && self.entries.iter().all(|(k, e)| {
                other
                    .position(k.as_str())
                    .and_then(|i| other.entries.get(i))
                    .is_some_and(|(_, o)| o == e)
            })
    }
}

impl Eq for RequestContext {}

/// Where `key` is among `entries`, in any letter case.
fn index_of(entries: &[(Key, Entry)], key: &str) -> Option<usize> {
    entries
        .iter()
        .position(|(k, _)| k.as_str().eq_ignore_ascii_case(key))
}

impl RequestContext {
    fn build(unlisted: Default, values: impl IntoIterator<Item = (String, Vec<String>)>) -> Self {
        let mut entries: Vec<(Key, Entry)> = Vec::new();
        for (key, vals) in values {
            match index_of(&entries, &key).and_then(|i| entries.get_mut(i)) {
                Some((_, entry)) => {
                    *entry = Entry::Present(match entry {
                        Entry::Present(existing) => existing.iter().cloned().chain(vals).collect(),
                        Entry::Absent => vals.into(),
                    });
                }
                None => entries.push((Key::new(Cow::Owned(key)), Entry::Present(vals.into()))),
            }
        }
        RequestContext {
            unlisted,
            entries: entries.into(),
        }
    }

    /// No context given: every key is unknown, so conditions answer "depends".
    pub fn unknown() -> Self {
        RequestContext {
            unlisted: Default::Unknown,
            entries: Arc::new([]),
        }
    }

    /// A complete request: keys not listed are absent from it. Repeating a key
    /// (in any letter case) adds its values to the same multivalued key.
    pub fn closed(values: impl IntoIterator<Item = (String, Vec<String>)>) -> Self {
        Self::build(Default::Absent, values)
    }

    /// A partial description: listed keys are known, all others unknown. Used to
    /// ask "could this happen with these facts fixed?", e.g. without MFA.
    pub fn open(values: impl IntoIterator<Item = (String, Vec<String>)>) -> Self {
        Self::build(Default::Unknown, values)
    }

    /// Where `key` is, in any letter case.
    fn position(&self, key: &str) -> Option<usize> {
        index_of(&self.entries, key)
    }

    /// A copy with `key` set to `entry`, replacing what it had.
    fn with_entry(&self, key: &str, entry: Entry) -> Self {
        let mut entries = self.entries.to_vec();
        match self.position(key) {
            Some(i) => {
                if let Some(slot) = entries.get_mut(i) {
                    slot.1 = entry;
                }
            }
            None => entries.push((Key::new(Cow::Owned(key.to_string())), entry)),
        }
        RequestContext {
            unlisted: self.unlisted,
            entries: entries.into(),
        }
    }

    /// A copy with `key` set to `values` (replacing anything it had).
    pub fn with(&self, key: &str, values: Vec<String>) -> Self {
        self.with_entry(key, Entry::Present(values.into()))
    }

    /// A copy with several single-valued keys set at once; keys the caller has
    /// already set in `self` win, so facts given on the command line override
    /// derived ones. Keys spelled in the program are borrowed, not copied.
    pub fn with_defaults(
        &self,
        values: impl IntoIterator<Item = (Cow<'static, str>, String)>,
    ) -> Self {
        let values = values.into_iter();
        let mut entries = Vec::with_capacity(self.entries.len() + values.size_hint().0);
        entries.extend(self.entries.iter().cloned());
        for (k, v) in values {
            // The first of a key given twice wins, as one already in `self` does.
            if index_of(&entries, &k).is_none() {
                entries.push((Key::new(k), Entry::Present(Arc::from([v]))));
            }
        }
        RequestContext {
            unlisted: self.unlisted,
            entries: entries.into(),
        }
    }

    /// A copy in which `key` is known to be absent.
    pub fn with_absent(&self, key: &str) -> Self {
        self.with_entry(key, Entry::Absent)
    }

    /// What the context says about `key`; names compare case-insensitively.
    pub fn lookup(&self, key: &str) -> KeyValue<'_> {
        match self.position(key).and_then(|i| self.entries.get(i)) {
            Some((_, Entry::Present(values))) => KeyValue::Present(values),
            Some((_, Entry::Absent)) => KeyValue::Absent,
            None => match self.unlisted {
                Default::Unknown => KeyValue::Unknown,
                Default::Absent => KeyValue::Absent,
            },
        }
    }

    /// True when nothing at all is known, so every condition is undecided.
    pub fn is_unknown_everywhere(&self) -> bool {
        self.unlisted == Default::Unknown && self.entries.is_empty()
    }
}

/// Parse one CLI `KEY=VALUE` argument. Keys may contain `/` and `:` (e.g.
/// `ec2:ResourceTag/Environment=prod`); the split is on the first `=`, so
/// values may contain `=` (base64, query strings).
pub fn parse_kv(arg: &str) -> Result<(String, String), String> {
    let Some((key, value)) = arg.split_once('=') else {
        return Err(format!(
            "expected KEY=VALUE (e.g. aws:MultiFactorAuthPresent=true), got {arg:?}"
        ));
    };
    let key = key.trim();
    if key.is_empty() {
        return Err(format!("empty condition key in {arg:?}"));
    }
    Ok((key.to_string(), value.to_string()))
}

/// A closed context from CLI pairs; a repeated key becomes a multivalued key.
pub fn from_pairs(pairs: Vec<(String, String)>) -> RequestContext {
    RequestContext::closed(pairs.into_iter().map(|(k, v)| (k, vec![v])))
}

fn scalar_to_string(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Bool(b) => Some(b.to_string()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A closed context from a JSON object of key -> string | number | bool |
/// [those] | null. `null` is accepted so a context file can say "absent" on
/// purpose; in a closed context that is the same as leaving the key out.
pub fn from_json_object(v: &serde_json::Value) -> Result<RequestContext, String> {
    let Some(obj) = v.as_object() else {
        return Err("request context must be a JSON object of condition key -> value".into());
    };
    let mut present = Vec::new();
    for (key, value) in obj {
        if key.trim().is_empty() {
            return Err("request context has an empty condition key".into());
        }
        match value {
            serde_json::Value::Null => {}
            serde_json::Value::Array(items) => {
                let mut vals = Vec::with_capacity(items.len());
                for item in items {
                    match scalar_to_string(item) {
                        Some(s) => vals.push(s),
                        None => {
                            return Err(format!(
                                "request context key {key:?}: list items must be strings, numbers or booleans"
                            ))
                        }
                    }
                }
                present.push((key.clone(), vals));
            }
            scalar => match scalar_to_string(scalar) {
                Some(s) => present.push((key.clone(), vec![s])),
                None => {
                    return Err(format!(
                        "request context key {key:?}: value must be a string, number, boolean, list or null"
                    ))
                }
            },
        }
    }
    Ok(RequestContext::closed(present))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn unknown_context_knows_nothing() {
        let ctx = RequestContext::unknown();
        assert!(ctx.is_unknown_everywhere());
        assert_eq!(ctx.lookup("aws:MultiFactorAuthPresent"), KeyValue::Unknown);
        assert_eq!(RequestContext::default(), ctx);
    }

    #[test]
    fn closed_context_makes_unlisted_keys_absent() {
        let ctx = RequestContext::closed(vec![("aws:username".to_string(), s(&["alice"]))]);
        assert!(!ctx.is_unknown_everywhere());
        assert_eq!(
            ctx.lookup("aws:username"),
            KeyValue::Present(&s(&["alice"])[..])
        );
        assert_eq!(ctx.lookup("aws:MultiFactorAuthPresent"), KeyValue::Absent);
        // An empty closed context is a request with no keys at all, not "unknown".
        let empty = RequestContext::closed(Vec::new());
        assert!(!empty.is_unknown_everywhere());
        assert_eq!(empty.lookup("aws:SourceIp"), KeyValue::Absent);
    }

    #[test]
    fn open_context_leaves_unlisted_keys_unknown() {
        let ctx = RequestContext::open(vec![(
            "aws:MultiFactorAuthPresent".to_string(),
            s(&["false"]),
        )]);
        assert!(!ctx.is_unknown_everywhere());
        assert_eq!(
            ctx.lookup("aws:multifactorauthpresent"),
            KeyValue::Present(&s(&["false"])[..])
        );
        assert_eq!(ctx.lookup("aws:SourceIp"), KeyValue::Unknown);
    }

    #[test]
    fn key_names_are_case_insensitive() {
        // reference_policies_elements_condition.html: "including the aws:SourceIP
        // condition key is equivalent to testing for AWS:SourceIp".
        let ctx = RequestContext::closed(vec![("aws:SourceIP".to_string(), s(&["203.0.113.9"]))]);
        assert_eq!(
            ctx.lookup("AWS:sourceip"),
            KeyValue::Present(&s(&["203.0.113.9"])[..])
        );
    }

    #[test]
    fn repeated_keys_accumulate_values() {
        let ctx = RequestContext::closed(vec![
            ("aws:TagKeys".to_string(), s(&["a"])),
            ("AWS:TagKeys".to_string(), s(&["b"])),
        ]);
        assert_eq!(
            ctx.lookup("aws:tagkeys"),
            KeyValue::Present(&s(&["a", "b"])[..])
        );
    }

    #[test]
    fn with_and_with_absent_copy() {
        let base = RequestContext::unknown();
        let mfa = base.with("aws:MultiFactorAuthPresent", s(&["true"]));
        assert_eq!(base.lookup("aws:MultiFactorAuthPresent"), KeyValue::Unknown);
        assert_eq!(
            mfa.lookup("aws:MultiFactorAuthPresent"),
            KeyValue::Present(&s(&["true"])[..])
        );
        assert!(!mfa.is_unknown_everywhere());
        let no_mfa = mfa.with_absent("AWS:MultiFactorAuthPresent");
        assert_eq!(
            no_mfa.lookup("aws:MultiFactorAuthPresent"),
            KeyValue::Absent
        );
        assert_eq!(no_mfa.lookup("aws:SourceIp"), KeyValue::Unknown);
        let again = no_mfa.with("aws:multifactorauthpresent", s(&["false"]));
        assert_eq!(
            again.lookup("aws:MultiFactorAuthPresent"),
            KeyValue::Present(&s(&["false"])[..])
        );
    }

    #[test]
    fn defaults_fill_only_keys_not_set_and_the_first_of_a_repeat_wins() {
        let cli = RequestContext::open(vec![("AWS:UserName".to_string(), s(&["cli"]))]);
        let ctx = cli.with_defaults([
            ("aws:username".into(), "derived".to_string()),
            (
                "aws:PrincipalTag/Team".to_string().into(),
                "ops".to_string(),
            ),
            ("aws:principaltag/team".into(), "later".to_string()),
            (
                "aws:principalarn".into(),
                "arn:aws:iam::1:user/a".to_string(),
            ),
        ]);
        let value = |key: &str| match ctx.lookup(key) {
            KeyValue::Present([one]) => one.clone(),
            other => panic!("{key}: {other:?}"),
        };
        // Set on the command line: kept, in any letter case.
        assert_eq!(value("aws:username"), "cli");
        assert_eq!(value("AWS:PRINCIPALTAG/TEAM"), "ops");
        assert_eq!(value("aws:PrincipalArn"), "arn:aws:iam::1:user/a");
        assert_eq!(ctx.lookup("aws:SourceIp"), KeyValue::Unknown);
        // The copy it was made from is unchanged.
        assert_eq!(cli.lookup("aws:principalarn"), KeyValue::Unknown);
        // A key given twice is one key.
        let again = ctx.with_absent("aws:principaltag/TEAM");
        assert_eq!(again.lookup("aws:PrincipalTag/Team"), KeyValue::Absent);
    }

    #[test]
    fn contexts_are_equal_whatever_order_their_keys_came_in() {
        let a = RequestContext::closed(vec![
            ("aws:username".to_string(), s(&["alice"])),
            ("aws:SourceIp".to_string(), s(&["10.0.0.1"])),
        ]);
        let b = RequestContext::closed(vec![
            ("aws:sourceip".to_string(), s(&["10.0.0.1"])),
            ("AWS:UserName".to_string(), s(&["alice"])),
        ]);
        assert_eq!(a, b);
        assert_ne!(a, b.with("aws:username", s(&["bob"])));
        assert_ne!(a, b.with_absent("aws:MultiFactorAuthPresent"));
        // Same keys, one closed and one open: unlisted keys differ.
        let open = RequestContext::open(vec![
            ("aws:username".to_string(), s(&["alice"])),
            ("aws:SourceIp".to_string(), s(&["10.0.0.1"])),
        ]);
        assert_ne!(a, open);
    }

    #[test]
    fn parse_kv_splits_on_first_equals() {
        assert_eq!(
            parse_kv("ec2:ResourceTag/Environment=prod"),
            Ok((
                "ec2:ResourceTag/Environment".to_string(),
                "prod".to_string()
            ))
        );
        assert_eq!(
            parse_kv("aws:userid=AIDA=x=="),
            Ok(("aws:userid".to_string(), "AIDA=x==".to_string()))
        );
        assert_eq!(
            parse_kv("aws:username="),
            Ok(("aws:username".to_string(), String::new()))
        );
        assert!(parse_kv("aws:username").is_err());
        assert!(parse_kv("=x").is_err());
    }

    #[test]
    fn from_pairs_is_closed_and_lists_repeats() {
        let ctx = from_pairs(vec![
            ("aws:TagKeys".to_string(), "Env".to_string()),
            ("aws:TagKeys".to_string(), "Owner".to_string()),
            ("aws:username".to_string(), "bob".to_string()),
        ]);
        assert_eq!(
            ctx.lookup("aws:TagKeys"),
            KeyValue::Present(&s(&["Env", "Owner"])[..])
        );
        assert_eq!(
            ctx.lookup("aws:username"),
            KeyValue::Present(&s(&["bob"])[..])
        );
        assert_eq!(ctx.lookup("aws:SourceIp"), KeyValue::Absent);
    }

    #[test]
    fn from_json_object_stringifies_scalars() {
        let ctx = from_json_object(&json!({
            "aws:MultiFactorAuthPresent": true,
            "aws:MultiFactorAuthAge": 300,
            "aws:TagKeys": ["Env", "Owner"],
            "ec2:ResourceTag/Environment": "prod",
            "aws:TokenIssueTime": null,
            "mixed": [1, false, "x"]
        }))
        .unwrap();
        assert_eq!(
            ctx.lookup("aws:multifactorauthpresent"),
            KeyValue::Present(&s(&["true"])[..])
        );
        assert_eq!(
            ctx.lookup("aws:MultiFactorAuthAge"),
            KeyValue::Present(&s(&["300"])[..])
        );
        assert_eq!(
            ctx.lookup("aws:TagKeys"),
            KeyValue::Present(&s(&["Env", "Owner"])[..])
        );
        assert_eq!(ctx.lookup("aws:TokenIssueTime"), KeyValue::Absent);
        assert_eq!(
            ctx.lookup("mixed"),
            KeyValue::Present(&s(&["1", "false", "x"])[..])
        );
        assert_eq!(ctx.lookup("aws:SourceIp"), KeyValue::Absent);
    }

    #[test]
    fn from_json_object_rejects_bad_shapes() {
        assert!(from_json_object(&json!(["a"])).is_err());
        assert!(from_json_object(&json!({"k": {"nested": 1}})).is_err());
        assert!(from_json_object(&json!({"k": [[1]]})).is_err());
        assert!(from_json_object(&json!({"": "x"})).is_err());
    }
}
