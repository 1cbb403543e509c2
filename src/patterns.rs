//! Would this filter or rule see an `ec2:StopInstances` call? Judged by running
//! the pattern against the events such a call produces, rather than by reading
//! the pattern text: `{ $.eventName = "Stop*" }`, `{ $.eventSource =
//! ec2.amazonaws.com }` and CIS-style `||` lists all match because the event
//! does.
//!
//! - CloudWatch Logs filter patterns (Amazon CloudWatch Logs User Guide, "Filter
//!   pattern syntax for metric filters"): JSON patterns `{ ... }` with `=`, `!=`,
//!   `<`, `>`, `<=`, `>=`, `IS TRUE|FALSE|NULL`, `EXISTS`, `NOT EXISTS`, `&&`,
//!   `||`, parentheses and `*` wildcards in values; term patterns (`StopInstances`,
//!   `"exact phrase"`, `?a ?b` for either, `-term` to exclude); the empty pattern,
//!   which matches every event. Space-delimited patterns (`[a, b=1, ...]`) cannot
//!   match a CloudTrail event, which is JSON; they never match here.
//! - EventBridge event patterns (Amazon EventBridge User Guide, "Event patterns"
//!   and "Content filtering"): exact values, `prefix`, `suffix`, `anything-but`,
//!   `exists`, `wildcard`, `equals-ignore-case`, `numeric`, nested objects, arrays
//!   in the event (any element matches) and `$or`. An operator not listed here
//!   makes its matcher fail, so an unknown construct can only cause a finding,
//!   never hide one.
//!
//! A filter or rule "matches StopInstances" when it matches every one of the
//! sample events below (a successful call by an IAM user, by an assumed role and by
//! the root user): a filter that only catches root's stops does not alert on the
//! stop that matters.
use serde_json::{json, Value};

/// The CloudTrail records of a successful StopInstances call by three kinds of
/// caller, as CloudTrail delivers them to CloudWatch Logs (CloudTrail User Guide,
/// "CloudTrail record contents").
pub fn stop_instances_records() -> Vec<Value> {
    let identities = [
        json!({"type": "IAMUser", "principalId": "AIDAEXAMPLE", "arn": "arn:aws:iam::111122223333:user/someone",
               "accountId": "111122223333", "accessKeyId": "AKIAEXAMPLE", "userName": "someone"}),
        json!({"type": "AssumedRole", "principalId": "AROAEXAMPLE:session", "arn": "arn:aws:sts::111122223333:assumed-role/some-role/session",
               "accountId": "111122223333", "accessKeyId": "ASIAEXAMPLE",
               "sessionContext": {"sessionIssuer": {"type": "Role", "principalId": "AROAEXAMPLE",
                   "arn": "arn:aws:iam::111122223333:role/some-role", "accountId": "111122223333", "userName": "some-role"},
                   "attributes": {"creationDate": "2026-01-05T09:00:00Z", "mfaAuthenticated": "false"}}}),
        json!({"type": "Root", "principalId": "111122223333", "arn": "arn:aws:iam::111122223333:root",
               "accountId": "111122223333", "accessKeyId": "ASIAEXAMPLEROOT"}),
    ];
    identities
        .into_iter()
        .map(|identity| {
            json!({
                "eventVersion": "1.10",
                "userIdentity": identity,
                "eventTime": "2026-01-05T09:12:44Z",
                "eventSource": "ec2.amazonaws.com",
                "eventName": "StopInstances",
                "awsRegion": "us-east-1",
                "sourceIPAddress": "198.51.100.7",
                "userAgent": "aws-cli/2.15.0",
                "requestParameters": {"instancesSet": {"items": [{"instanceId": "i-0123456789abcdef0"}]}, "force": false},
                "responseElements": {"requestId": "6f1e0d5c-0000-4000-8000-000000000000", "instancesSet": {"items": [{
                    "instanceId": "i-0123456789abcdef0",
                    "currentState": {"code": 64, "name": "stopping"},
                    "previousState": {"code": 16, "name": "running"}}]}},
                "requestID": "6f1e0d5c-0000-4000-8000-000000000000",
                "eventID": "0b5c2a1e-0000-4000-8000-000000000000",
                "readOnly": false,
                "eventType": "AwsApiCall",
                "managementEvent": true,
                "recipientAccountId": "111122223333",
                "eventCategory": "Management"
            })
        })
        .collect()
}

/// The same calls as EventBridge delivers them ("AWS API Call via CloudTrail").
pub fn stop_instances_events() -> Vec<Value> {
    stop_instances_records()
        .into_iter()
        .map(|detail| {
            json!({
                "version": "0",
                "id": "2c1f3e4d-0000-4000-8000-000000000000",
                "detail-type": "AWS API Call via CloudTrail",
                "source": "aws.ec2",
                "account": "111122223333",
                "time": "2026-01-05T09:12:44Z",
                "region": "us-east-1",
                "resources": [],
                "detail": detail
            })
        })
        .collect()
}

/// Whether the CloudWatch Logs filter pattern matches every sample StopInstances record.
pub fn filter_matches_stop_instances(pattern: &str) -> bool {
    stop_instances_records()
        .iter()
        .all(|r| filter_matches(pattern, r))
}

/// Whether the EventBridge event pattern (a JSON document) matches every sample
/// StopInstances event. A pattern that is not valid JSON matches nothing.
pub fn event_pattern_matches_stop_instances(pattern: &str) -> bool {
    let Ok(pattern) = serde_json::from_str::<Value>(pattern) else {
        return false;
    };
    stop_instances_events()
        .iter()
        .all(|e| event_pattern_matches(&pattern, e))
}

// ---------------------------------------------------------------- CloudWatch Logs

/// Whether a CloudWatch Logs filter pattern matches one JSON log event.
pub fn filter_matches(pattern: &str, event: &Value) -> bool {
    let p = pattern.trim();
    if p.is_empty() || p == "\"\"" {
        return true;
    }
    if p.starts_with('{') {
        return json_pattern(p)
            .and_then(|expr| eval(&expr, event))
            .unwrap_or(false);
    }
    if p.starts_with('[') {
        return false;
    }
    terms_match(p, &event.to_string())
}

/// Term patterns: every plain term must occur, no `-term` may, and of the `?term`s
/// at least one must (when there are any). Case-sensitive, as CloudWatch Logs is.
fn terms_match(pattern: &str, text: &str) -> bool {
    let mut any_of = Vec::new();
    let mut chars = pattern.chars().peekable();
    let mut ok = true;
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        let mut prefix = None;
        if c == '?' || c == '-' {
            prefix = Some(c);
            chars.next();
        }
        let mut term = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            for c in chars.by_ref() {
                if c == '"' {
                    break;
                }
                term.push(c);
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() {
                    break;
                }
                term.push(c);
                chars.next();
            }
        }
        if term.is_empty() {
            continue;
        }
        let found = text.contains(&term);
        match prefix {
            Some('?') => any_of.push(found),
            Some(_) => ok &= !found,
            None => ok &= found,
        }
    }
    ok && (any_of.is_empty() || any_of.iter().any(|f| *f))
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Open,
    Close,
    And,
    Or,
    Op(String),
    Selector(String),
    Word(String),
    Quoted(String),
}

fn tokenize(text: &str) -> Option<Vec<Tok>> {
    let mut out = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    let at = |i: usize| chars.get(i).copied();
    while let Some(c) = at(i) {
        match c {
            c if c.is_whitespace() || c == '{' || c == '}' => i += 1,
            '(' => {
                out.push(Tok::Open);
                i += 1;
            }
            ')' => {
                out.push(Tok::Close);
                i += 1;
            }
            '&' if at(i + 1) == Some('&') => {
                out.push(Tok::And);
                i += 2;
            }
            '|' if at(i + 1) == Some('|') => {
                out.push(Tok::Or);
                i += 2;
            }
            '=' | '!' | '<' | '>' => {
                let two = at(i + 1) == Some('=');
                let op: String = if two {
                    [c, '='].iter().collect()
                } else {
                    c.to_string()
                };
                if op == "!" {
                    return None;
                }
                out.push(Tok::Op(op));
                i += if two { 2 } else { 1 };
            }
            '"' => {
                let mut s = String::new();
                i += 1;
                loop {
                    match at(i) {
                        None => return None,
                        Some('\\') => {
                            if let Some(n) = at(i + 1) {
                                s.push(n);
                            }
                            i += 2;
                        }
                        Some('"') => {
                            i += 1;
                            break;
                        }
                        Some(c) => {
                            s.push(c);
                            i += 1;
                        }
                    }
                }
                out.push(Tok::Quoted(s));
            }
            _ => {
                let mut s = String::new();
                while let Some(c) = at(i) {
                    if c.is_whitespace() || "(){}=!<>&|\"".contains(c) {
                        break;
                    }
                    s.push(c);
                    i += 1;
                }
                if s.is_empty() {
                    return None;
                }
                out.push(if s.starts_with("$.") || s == "$" {
                    Tok::Selector(s)
                } else {
                    Tok::Word(s)
                });
            }
        }
    }
    Some(out)
}

#[derive(Debug)]
enum Expr {
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Cmp(String, String, Tok),
    Is(String, String),
    Exists(String, bool),
}

/// CloudWatch Logs accepts filter patterns of at most 1024 characters; anything
/// much longer is not one, and parsing it (recursively) could exhaust the stack.
const MAX_PATTERN_LEN: usize = 4096;

fn json_pattern(text: &str) -> Option<Expr> {
    if text.len() > MAX_PATTERN_LEN {
        return None;
    }
    let toks = tokenize(text)?;
    let mut pos = 0;
    let expr = parse_or(&toks, &mut pos)?;
    (pos == toks.len()).then_some(expr)
}

fn parse_or(t: &[Tok], pos: &mut usize) -> Option<Expr> {
    let mut left = parse_and(t, pos)?;
    while t.get(*pos) == Some(&Tok::Or) {
        *pos += 1;
        left = Expr::Or(Box::new(left), Box::new(parse_and(t, pos)?));
    }
    Some(left)
}

fn parse_and(t: &[Tok], pos: &mut usize) -> Option<Expr> {
    let mut left = parse_primary(t, pos)?;
    while t.get(*pos) == Some(&Tok::And) {
        *pos += 1;
        left = Expr::And(Box::new(left), Box::new(parse_primary(t, pos)?));
    }
    Some(left)
}

fn parse_primary(t: &[Tok], pos: &mut usize) -> Option<Expr> {
    match t.get(*pos)? {
        Tok::Open => {
            *pos += 1;
            let e = parse_or(t, pos)?;
            if t.get(*pos) != Some(&Tok::Close) {
                return None;
            }
            *pos += 1;
            Some(e)
        }
        Tok::Selector(sel) => {
            *pos += 1;
            let word = |p: usize| match t.get(p) {
                Some(Tok::Word(w)) => Some(w.to_ascii_uppercase()),
                _ => None,
            };
            match t.get(*pos)? {
                Tok::Op(op) => {
                    let value = t.get(*pos + 1)?.clone();
                    *pos += 2;
                    Some(Expr::Cmp(sel.clone(), op.clone(), value))
                }
                Tok::Word(_) => match (word(*pos).as_deref(), word(*pos + 1).as_deref()) {
                    (Some("IS"), Some(v @ ("TRUE" | "FALSE" | "NULL"))) => {
                        *pos += 2;
                        Some(Expr::Is(sel.clone(), v.to_string()))
                    }
                    (Some("NOT"), Some("EXISTS")) => {
                        *pos += 2;
                        Some(Expr::Exists(sel.clone(), false))
                    }
                    (Some("EXISTS"), _) => {
                        *pos += 1;
                        Some(Expr::Exists(sel.clone(), true))
                    }
                    _ => None,
                },
                _ => None,
            }
        }
        _ => None,
    }
}

/// The value a selector (`$.a.b`, `$.a[0].b`) points at in the event.
fn select<'a>(event: &'a Value, selector: &str) -> Option<&'a Value> {
    let path = selector.strip_prefix('$')?;
    let mut cur = event;
    for part in path.split('.').skip(1) {
        let (name, rest) = match part.find('[') {
            Some(i) => part.split_at(i),
            None => (part, ""),
        };
        if !name.is_empty() {
            cur = cur.get(name)?;
        }
        for index in rest.split('[').filter(|s| !s.is_empty()) {
            let i: usize = index.trim_end_matches(']').parse().ok()?;
            cur = cur.get(i)?;
        }
    }
    Some(cur)
}

/// `*` matches any run of characters (CloudWatch Logs wildcards in values).
pub fn glob(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0usize, 0usize);
    let (mut star, mut mark) = (None, 0usize);
    while ti < t.len() {
        match p.get(pi) {
            Some('*') => {
                star = Some(pi);
                mark = ti;
                pi += 1;
            }
            Some(c) if Some(c) == t.get(ti) => {
                pi += 1;
                ti += 1;
            }
            _ => match star {
                Some(s) => {
                    pi = s + 1;
                    mark += 1;
                    ti = mark;
                }
                None => return false,
            },
        }
    }
    p.get(pi..)
        .is_some_and(|rest| rest.iter().all(|c| *c == '*'))
}

fn eval(expr: &Expr, event: &Value) -> Option<bool> {
    Some(match expr {
        Expr::And(a, b) => eval(a, event)? && eval(b, event)?,
        Expr::Or(a, b) => eval(a, event)? || eval(b, event)?,
        Expr::Exists(sel, want) => select(event, sel).is_some() == *want,
        Expr::Is(sel, what) => match (select(event, sel), what.as_str()) {
            (Some(Value::Bool(b)), "TRUE") => *b,
            (Some(Value::Bool(b)), "FALSE") => !*b,
            (Some(Value::Null), "NULL") => true,
            _ => false,
        },
        Expr::Cmp(sel, op, value) => {
            let Some(found) = select(event, sel) else {
                return Some(false);
            };
            let text = match value {
                Tok::Word(w) | Tok::Quoted(w) => w.as_str(),
                _ => return None,
            };
            let number = text
                .parse::<f64>()
                .ok()
                .filter(|_| matches!(value, Tok::Word(_)));
            match (found, number) {
                (Value::Number(n), Some(want)) => {
                    let got = n.as_f64()?;
                    match op.as_str() {
                        "=" => got == want,
                        "!=" => got != want,
                        "<" => got < want,
                        ">" => got > want,
                        "<=" => got <= want,
                        ">=" => got >= want,
                        _ => return None,
                    }
                }
                (Value::String(s), _) => match op.as_str() {
                    "=" => glob(text, s),
                    "!=" => !glob(text, s),
                    _ => false,
                },
                (Value::Bool(b), _) => match op.as_str() {
                    "=" => b.to_string() == text,
                    "!=" => b.to_string() != text,
                    _ => false,
                },
                _ => false,
            }
        }
    })
}

// ---------------------------------------------------------------- EventBridge

/// Whether an EventBridge event pattern matches one event.
pub fn event_pattern_matches(pattern: &Value, event: &Value) -> bool {
    let Value::Object(fields) = pattern else {
        return false;
    };
    fields.iter().all(|(key, want)| {
        if key == "$or" {
            return want
                .as_array()
                .is_some_and(|alts| alts.iter().any(|alt| event_pattern_matches(alt, event)));
        }
        let got = event.get(key);
        match want {
            // Objects inside arrays are matched element by element.
            Value::Object(_) => {
                got.is_some_and(|g| values(g).iter().any(|v| event_pattern_matches(want, v)))
            }
            Value::Array(matchers) => matchers.iter().any(|m| leaf_matches(m, got)),
            _ => false,
        }
    })
}

/// One matcher of a leaf's list against the event's value there (absent, a
/// scalar, or an array any element of which may match).
fn leaf_matches(matcher: &Value, got: Option<&Value>) -> bool {
    if let Value::Object(op) = matcher {
        if let Some(Value::Bool(want)) = op.get("exists") {
            return got.is_some() == *want;
        }
        if op.contains_key("anything-but") {
            // anything-but: no element of the value may match the excluded set.
            let Some(got) = got else { return false };
            let excluded = op.get("anything-but").cloned().unwrap_or(Value::Null);
            return !values(got).iter().any(|v| anything_but_hit(&excluded, v));
        }
    }
    let Some(got) = got else { return false };
    values(got).iter().any(|v| scalar_matches(matcher, v))
}

fn values(got: &Value) -> Vec<&Value> {
    match got {
        Value::Array(items) => items.iter().collect(),
        other => vec![other],
    }
}

fn anything_but_hit(excluded: &Value, v: &Value) -> bool {
    match excluded {
        Value::Array(list) => list.iter().any(|e| e == v),
        Value::Object(_) => scalar_matches(excluded, v),
        other => other == v,
    }
}

fn scalar_matches(matcher: &Value, v: &Value) -> bool {
    let Value::Object(op) = matcher else {
        return matcher == v;
    };
    let Some((name, arg)) = op.iter().next() else {
        return false;
    };
    let text = v.as_str();
    match (name.as_str(), arg, text) {
        ("prefix", Value::String(p), Some(s)) => s.starts_with(p.as_str()),
        ("prefix", Value::Object(o), Some(s)) => o
            .get("equals-ignore-case")
            .and_then(Value::as_str)
            .is_some_and(|p| s.to_lowercase().starts_with(&p.to_lowercase())),
        ("suffix", Value::String(p), Some(s)) => s.ends_with(p.as_str()),
        ("suffix", Value::Object(o), Some(s)) => o
            .get("equals-ignore-case")
            .and_then(Value::as_str)
            .is_some_and(|p| s.to_lowercase().ends_with(&p.to_lowercase())),
        ("equals-ignore-case", Value::String(p), Some(s)) => s.eq_ignore_ascii_case(p),
        ("wildcard", Value::String(p), Some(s)) => glob(p, s),
        ("numeric", Value::Array(conds), _) => v.as_f64().is_some_and(|n| numeric(conds, n)),
        _ => false,
    }
}

fn numeric(conds: &[Value], n: f64) -> bool {
    conds.chunks(2).all(|pair| match pair {
        [Value::String(op), bound] => bound.as_f64().is_some_and(|b| match op.as_str() {
            "=" => n == b,
            "<" => n < b,
            "<=" => n <= b,
            ">" => n > b,
            ">=" => n >= b,
            _ => false,
        }),
        _ => false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_patterns_that_catch_stop_instances() {
        for p in [
            r#"{ $.eventName = "StopInstances" }"#,
            "{ ($.eventName = StopInstances) }",
            r#"{ $.eventName = "Stop*" }"#,
            "{ $.eventSource = ec2.amazonaws.com }",
            "{ ($.eventName = StartInstances) || ($.eventName = StopInstances) || ($.eventName = TerminateInstances) }",
            "{ ($.eventSource = ec2.amazonaws.com) && ($.eventName = *Instances) }",
            "{ $.readOnly IS FALSE }",
            "{ $.errorCode NOT EXISTS && $.eventName = StopInstances }",
            "{ $.responseElements.instancesSet.items[0].currentState.code = 64 }",
            "",
            "StopInstances",
            "\"StopInstances\"",
            "?TerminateInstances ?StopInstances",
        ] {
            assert!(filter_matches_stop_instances(p), "{p}");
        }
    }

    #[test]
    fn filter_patterns_that_miss_it() {
        for p in [
            r#"{ $.eventName = "StartInstances" }"#,
            r#"{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }"#,
            r#"{ $.userIdentity.type = "Root" }"#,
            "{ $.eventSource = s3.amazonaws.com }",
            "{ $.eventName = StopInstances && $.readOnly IS TRUE }",
            "[ip, user, status=404]",
            "StopInstances -AssumedRole",
            "{ $.eventName = ",
            "{ $.eventName StopInstances }",
        ] {
            assert!(!filter_matches_stop_instances(p), "{p}");
        }
    }

    #[test]
    fn event_patterns_that_catch_stop_instances() {
        for p in [
            r#"{"source":["aws.ec2"],"detail-type":["AWS API Call via CloudTrail"],"detail":{"eventName":["StopInstances"]}}"#,
            r#"{"source":["aws.ec2"],"detail-type":["AWS API Call via CloudTrail"]}"#,
            r#"{"source":["aws.ec2"],"detail":{"eventName":[{"prefix":"Stop"}],"eventSource":["ec2.amazonaws.com"]}}"#,
            r#"{"detail":{"eventName":[{"wildcard":"*Instances"}],"errorCode":[{"exists":false}]}}"#,
            r#"{"source":["aws.ec2"],"detail":{"eventName":[{"anything-but":["DescribeInstances"]}]}}"#,
            r#"{"$or":[{"source":["aws.s3"]},{"detail":{"eventName":[{"equals-ignore-case":"stopinstances"}]}}]}"#,
            r#"{"detail":{"responseElements":{"instancesSet":{"items":{"currentState":{"code":[{"numeric":[">",0,"<=",64]}]}}}}}}"#,
        ] {
            assert!(event_pattern_matches_stop_instances(p), "{p}");
        }
    }

    #[test]
    fn event_patterns_that_miss_it() {
        for p in [
            r#"{"source":["aws.ec2"],"detail-type":["EC2 Instance State-change Notification"]}"#,
            r#"{"source":["aws.ec2"],"detail":{"eventName":["TerminateInstances"]}}"#,
            r#"{"source":["aws.ec2"],"detail":{"userIdentity":{"type":["Root"]}}}"#,
            r#"{"source":["aws.ec2"],"detail":{"eventName":[{"anything-but":{"prefix":"Stop"}}]}}"#,
            r#"{"detail":{"errorCode":[{"exists":true}]}}"#,
            r#"{"source":["aws.ec2"],"detail":{"eventName":[{"cidr":"10.0.0.0/8"}]}}"#,
            "not json",
            "[]",
        ] {
            assert!(!event_pattern_matches_stop_instances(p), "{p}");
        }
    }

    proptest::proptest! {
        // Patterns come from the account: any text must give an answer, never a panic.
        #[test]
        fn any_filter_pattern_is_judged_without_panic(p in "[ -~]{0,60}") {
            let _ = filter_matches_stop_instances(&p);
            let _ = filter_matches_stop_instances(&format!("{{ {p} }}"));
        }

        #[test]
        fn any_event_pattern_is_judged_without_panic(p in "[ -~]{0,60}") {
            let _ = event_pattern_matches_stop_instances(&p);
            let _ = event_pattern_matches_stop_instances(&format!("{{\"detail\":{{\"eventName\":[{p}]}}}}"));
        }
    }

    #[test]
    fn two_matching_alternatives_are_not_enough_when_combined_with_and() {
        assert!(!filter_matches_stop_instances(
            "{ ($.eventName = StopInstances || $.eventName = StartInstances) && $.errorCode EXISTS }"
        ));
        assert!(filter_matches_stop_instances(
            "{ ($.eventName = StartInstances || $.eventName = StopInstances) && $.readOnly IS FALSE }"
        ));
    }

    #[test]
    fn absurdly_long_patterns_are_refused_not_recursed_into() {
        let deep = format!(
            "{{ {}$.eventName = StopInstances{} }}",
            "(".repeat(100_000),
            ")".repeat(100_000)
        );
        assert!(!filter_matches_stop_instances(&deep));
        let shallow = format!(
            "{{ {}$.eventName = StopInstances{} }}",
            "(".repeat(50),
            ")".repeat(50)
        );
        assert!(filter_matches_stop_instances(&shallow));
    }

    #[test]
    fn glob_wildcards() {
        assert!(glob("Stop*", "StopInstances"));
        assert!(glob("*Instances", "StopInstances"));
        assert!(glob("S*p*s", "StopInstances"));
        assert!(!glob("Stop", "StopInstances"));
        assert!(glob("*", ""));
    }
}
