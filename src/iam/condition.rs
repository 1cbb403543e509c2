//! Condition-block evaluation with AWS's documented semantics, in three-valued logic, because whether a Deny or an Allow applies often hinges on a condition and the request behind the question may be only partly known.
//!
//! Sources (AWS IAM User Guide), cited by short name at each rule:
//! - [OPERATORS] "IAM JSON policy elements: Condition operators",
//!   <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html>
//! - [CONDITION] "IAM JSON policy elements: Condition",
//!   <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition.html>
//! - [MULTI] "Conditions with multiple context keys or values",
//!   <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-logic-multiple-context-keys-or-values.html>
//! - [SETS] "Single-valued vs. multivalued context keys" (set operators),
//!   <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html>
//! - [SET-EXAMPLES] "Multivalued context key examples",
//!   <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition_examples-multi-valued-context-keys.html>
//! - [VARIABLES] "IAM policy elements: Variables and tags",
//!   <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html>
//! - [GRAMMAR] "Grammar of the IAM JSON policy language",
//!   <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html>

use std::net::IpAddr;

use super::context::{KeyValue, RequestContext};
use super::tri::Tri;
use super::wildcard;

/// One (operator, key) pair of a policy's `Condition` block with its values.
/// Values are strings; the loader has already stringified JSON numbers and
/// booleans (`true` -> "true", 10 -> "10").
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Condition {
    pub operator: String,
    pub key: String,
    pub values: Vec<String>,
}

impl Condition {
    pub fn new<V: Into<String>>(
        operator: impl Into<String>,
        key: impl Into<String>,
        values: impl IntoIterator<Item = V>,
    ) -> Self {
        Condition {
            operator: operator.into(),
            key: key.into(),
            values: values.into_iter().map(Into::into).collect(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SetOp {
    ForAnyValue,
    ForAllValues,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cmp {
    Eq,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    String { ignore_case: bool, like: bool },
    Numeric(Cmp),
    Date(Cmp),
    Bool,
    Binary,
    Ip,
    Arn,
    Null,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Operator {
    set: Option<SetOp>,
    family: Family,
    /// A "negated matching" operator ([MULTI]): StringNotEquals,
    /// StringNotEqualsIgnoreCase, StringNotLike, NumericNotEquals,
    /// DateNotEquals, NotIpAddress, ArnNotEquals, ArnNotLike.
    negated: bool,
    if_exists: bool,
}

/// Base operator names from [OPERATORS]: (name, family, negated).
const BASES: &[(&str, Family, bool)] = &[
    (
        "StringEquals",
        Family::String {
            ignore_case: false,
            like: false,
        },
        false,
    ),
    (
        "StringNotEquals",
        Family::String {
            ignore_case: false,
            like: false,
        },
        true,
    ),
    (
        "StringEqualsIgnoreCase",
        Family::String {
            ignore_case: true,
            like: false,
        },
        false,
    ),
    (
        "StringNotEqualsIgnoreCase",
        Family::String {
            ignore_case: true,
            like: false,
        },
        true,
    ),
    (
        "StringLike",
        Family::String {
            ignore_case: false,
            like: true,
        },
        false,
    ),
    (
        "StringNotLike",
        Family::String {
            ignore_case: false,
            like: true,
        },
        true,
    ),
    ("NumericEquals", Family::Numeric(Cmp::Eq), false),
    ("NumericNotEquals", Family::Numeric(Cmp::Eq), true),
    ("NumericLessThan", Family::Numeric(Cmp::Lt), false),
    ("NumericLessThanEquals", Family::Numeric(Cmp::Le), false),
    ("NumericGreaterThan", Family::Numeric(Cmp::Gt), false),
    ("NumericGreaterThanEquals", Family::Numeric(Cmp::Ge), false),
    ("DateEquals", Family::Date(Cmp::Eq), false),
    ("DateNotEquals", Family::Date(Cmp::Eq), true),
    ("DateLessThan", Family::Date(Cmp::Lt), false),
    ("DateLessThanEquals", Family::Date(Cmp::Le), false),
    ("DateGreaterThan", Family::Date(Cmp::Gt), false),
    ("DateGreaterThanEquals", Family::Date(Cmp::Ge), false),
    ("Bool", Family::Bool, false),
    ("BinaryEquals", Family::Binary, false),
    ("IpAddress", Family::Ip, false),
    ("NotIpAddress", Family::Ip, true),
    // [OPERATORS]: "The ArnEquals and ArnLike condition operators behave
    // identically", and likewise ArnNotEquals / ArnNotLike.
    ("ArnEquals", Family::Arn, false),
    ("ArnLike", Family::Arn, false),
    ("ArnNotEquals", Family::Arn, true),
    ("ArnNotLike", Family::Arn, true),
    ("Null", Family::Null, false),
];

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    if head.eq_ignore_ascii_case(prefix) {
        s.get(prefix.len()..)
    } else {
        None
    }
}

fn strip_suffix_ci<'a>(s: &'a str, suffix: &str) -> Option<&'a str> {
    let cut = s.len().checked_sub(suffix.len())?;
    let tail = s.get(cut..)?;
    if tail.eq_ignore_ascii_case(suffix) {
        s.get(..cut)
    } else {
        None
    }
}

/// Operator names are matched ignoring ASCII case: a policy that IAM accepted
/// is evaluated the same whatever casing the loader saw.
fn parse_operator(op: &str) -> Option<Operator> {
    let op = op.trim();
    let (set, rest) = if let Some(r) = strip_prefix_ci(op, "ForAnyValue:") {
        (Some(SetOp::ForAnyValue), r)
    } else if let Some(r) = strip_prefix_ci(op, "ForAllValues:") {
        (Some(SetOp::ForAllValues), r)
    } else {
        (None, op)
    };
    let (base, if_exists) = match strip_suffix_ci(rest, "IfExists") {
        Some(b) if !b.is_empty() => (b, true),
        _ => (rest, false),
    };
    let &(_, family, negated) = BASES
        .iter()
        .find(|(name, _, _)| name.eq_ignore_ascii_case(base))?;
    if family == Family::Null && (if_exists || set.is_some()) {
        // [OPERATORS] "You can add IfExists to the end of any condition operator
        // name except the Null condition"; a set qualifier on an existence test
        // has no documented meaning either.
        return None;
    }
    Some(Operator {
        set,
        family,
        negated,
        if_exists,
    })
}

/// Whether `op` (with optional `ForAnyValue:`/`ForAllValues:` prefix and
/// `IfExists` suffix) is an operator AWS documents. The loader uses this to
/// warn: [GRAMMAR] restricts `condition_type_string` to the operators listed
/// in [OPERATORS], so IAM would have rejected the policy.
pub fn is_known_operator(op: &str) -> bool {
    parse_operator(op).is_some()
}

// ---------------------------------------------------------------------------
// Policy variables ([VARIABLES])
// ---------------------------------------------------------------------------

/// One symbol of a policy value after variable substitution. Only `*`/`?`
/// written directly in the policy are wildcards; `${*}`, `${?}` and text that
/// came from a variable are literal ([VARIABLES] "Special characters").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PTok {
    Star,
    One,
    Lit(char),
}

enum Resolved {
    Toks(Vec<PTok>),
    /// A referenced key is absent (or multivalued) with no default: this value
    /// can never match anything.
    Never,
    /// A referenced key is unknown: whether this value matches depends on it.
    Unknown,
}

fn push_raw(out: &mut Vec<PTok>, text: &str) {
    out.extend(text.chars().map(|c| match c {
        '*' => PTok::Star,
        '?' => PTok::One,
        other => PTok::Lit(other),
    }));
}

fn push_lit(out: &mut Vec<PTok>, text: &str) {
    out.extend(text.chars().map(PTok::Lit));
}

/// Substitute `${...}` references in `value` from `ctx`.
///
/// - `${key}`: the key's single value; key names are case-insensitive
///   ([VARIABLES] "Key names are case-insensitive").
/// - `${key, 'default'}`: the default when the key has no usable value
///   ([VARIABLES] "Specifying default values"). Substitution happens once;
///   the default text is literal.
/// - `${*}`, `${?}`, `${$}`: literal `*`, `?`, `$` ([VARIABLES] "Special characters").
/// - A key that is absent ("not present ... any attempt to match it fails",
///   [VARIABLES] "Principal key values") or multivalued ("you cannot use a
///   multivalued context key as a policy variable", [SETS]) and has no
///   default makes the value unmatchable.
/// - An unterminated `${` is kept as literal text.
fn resolve(value: &str, ctx: &RequestContext) -> Resolved {
    if !value.contains("${") {
        let mut toks = Vec::with_capacity(value.len());
        push_raw(&mut toks, value);
        return Resolved::Toks(toks);
    }
    let mut toks = Vec::with_capacity(value.len());
    let mut unknown = false;
    let mut rest = value;
    while let Some((before, after)) = rest.split_once("${") {
        push_raw(&mut toks, before);
        let Some((inner, tail)) = after.split_once('}') else {
            push_lit(&mut toks, "${");
            rest = after;
            continue;
        };
        rest = tail;
        let inner = inner.trim();
        match inner {
            "*" => toks.push(PTok::Lit('*')),
            "?" => toks.push(PTok::Lit('?')),
            "$" => toks.push(PTok::Lit('$')),
            _ => {
                let (name, default) = match inner.split_once(',') {
                    Some((n, d)) => {
                        let d = d.trim();
                        let d = d
                            .strip_prefix('\'')
                            .and_then(|x| x.strip_suffix('\''))
                            .unwrap_or(d);
                        (n.trim(), Some(d))
                    }
                    None => (inner, None),
                };
                let looked = if name.is_empty() {
                    KeyValue::Absent
                } else {
                    ctx.lookup(name)
                };
                match looked {
                    KeyValue::Present([single]) => push_lit(&mut toks, single),
                    KeyValue::Unknown => unknown = true,
                    KeyValue::Present(_) | KeyValue::Absent => match default {
                        Some(d) => push_lit(&mut toks, d),
                        None => return Resolved::Never,
                    },
                }
            }
        }
    }
    push_raw(&mut toks, rest);
    if unknown {
        Resolved::Unknown
    } else {
        Resolved::Toks(toks)
    }
}

/// Glob match of substituted symbols against a request value; the same
/// single-backtrack algorithm as `wildcard::matches`, over characters.
fn glob(toks: &[PTok], value: &str) -> bool {
    let char_at = |i: usize| value.get(i..).and_then(|s| s.chars().next());
    let mut ti = 0usize;
    let mut vi = 0usize;
    let mut star: Option<(usize, usize)> = None;
    while let Some(c) = char_at(vi) {
        match toks.get(ti) {
            Some(PTok::Star) => {
                ti += 1;
                star = Some((ti, vi));
                continue;
            }
            Some(PTok::One) => {
                ti += 1;
                vi += c.len_utf8();
                continue;
            }
            Some(PTok::Lit(l)) if *l == c => {
                ti += 1;
                vi += c.len_utf8();
                continue;
            }
            _ => {}
        }
        match star {
            Some((st, sv)) => {
                let next = sv + char_at(sv).map_or(1, char::len_utf8);
                star = Some((st, next));
                ti = st;
                vi = next;
            }
            None => return false,
        }
    }
    toks.get(ti..)
        .is_some_and(|rest| rest.iter().all(|t| *t == PTok::Star))
}

fn tok_char(t: PTok) -> char {
    match t {
        PTok::Star => '*',
        PTok::One => '?',
        PTok::Lit(c) => c,
    }
}

/// Exact comparison: in `StringEquals` a `*` or `?` is just a character.
fn tokens_equal(toks: &[PTok], value: &str, ignore_case: bool) -> bool {
    let mut chars = value.chars();
    for &t in toks {
        let Some(c) = chars.next() else {
            return false;
        };
        let p = tok_char(t);
        let same = p == c || (ignore_case && p.to_lowercase().eq(c.to_lowercase()));
        if !same {
            return false;
        }
    }
    chars.next().is_none()
}

fn tokens_to_string(toks: &[PTok]) -> String {
    toks.iter().map(|&t| tok_char(t)).collect()
}

// ---------------------------------------------------------------------------
// Value parsers (no extra crates)
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq)]
enum Num {
    Int(i128),
    Float(f64),
}

/// [OPERATORS] Numeric: "comparing a key to an integer or decimal value".
/// Integers compare exactly; anything else as a finite f64.
fn parse_num(s: &str) -> Option<Num> {
    let s = s.trim();
    if let Ok(i) = s.parse::<i128>() {
        return Some(Num::Int(i));
    }
    // Rust's float grammar also takes "inf"/"NaN"; AWS means decimals.
    if !s
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+' | b'e' | b'E'))
    {
        return None;
    }
    s.parse::<f64>()
        .ok()
        .filter(|f| f.is_finite())
        .map(Num::Float)
}

fn num_ord(a: Num, b: Num) -> Option<std::cmp::Ordering> {
    match (a, b) {
        (Num::Int(x), Num::Int(y)) => Some(x.cmp(&y)),
        (Num::Int(x), Num::Float(y)) => (x as f64).partial_cmp(&y),
        (Num::Float(x), Num::Int(y)) => x.partial_cmp(&(y as f64)),
        (Num::Float(x), Num::Float(y)) => x.partial_cmp(&y),
    }
}

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    // Howard Hinnant's days_from_civil: proleptic Gregorian, 1970-01-01 = 0.
    let y = if m <= 2 { y - 1 } else { y };
    let era = (if y >= 0 { y } else { y - 399 }) / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        _ => 0,
    }
}

/// A little cursor over ASCII for the date grammar.
struct Cursor<'a> {
    s: &'a [u8],
    i: usize,
}

impl Cursor<'_> {
    fn digits(&mut self, n: usize) -> Option<i64> {
        let mut v = 0i64;
        for _ in 0..n {
            let b = *self.s.get(self.i)?;
            if !b.is_ascii_digit() {
                return None;
            }
            v = v * 10 + i64::from(b - b'0');
            self.i += 1;
        }
        Some(v)
    }
    fn eat(&mut self, c: u8) -> bool {
        if self.s.get(self.i) == Some(&c) {
            self.i += 1;
            true
        } else {
            false
        }
    }
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }
    fn done(&self) -> bool {
        self.i >= self.s.len()
    }
}

/// Nanoseconds since the Unix epoch.
///
/// [OPERATORS] Date: "specify date/time values with one of the W3C
/// implementations of the ISO 8601 date formats or in epoch (UNIX) time".
/// W3C profile (<https://www.w3.org/TR/NOTE-datetime>): YYYY, YYYY-MM,
/// YYYY-MM-DD, YYYY-MM-DDThh:mmTZD, YYYY-MM-DDThh:mm:ssTZD,
/// YYYY-MM-DDThh:mm:ss.sTZD with TZD = Z | +hh:mm | -hh:mm. A missing TZD is
/// read as UTC. A value of only digits (optionally signed / with a fraction)
/// is epoch seconds, so "2024" is a 1970 timestamp, not a year: `aws:EpochTime`
/// values look exactly like that.
fn parse_date(s: &str) -> Option<i128> {
    let s = s.trim();
    let body = s.strip_prefix('-').unwrap_or(s);
    if !body.is_empty() && body.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        let (int, frac) = body.split_once('.').unwrap_or((body, ""));
        if int.is_empty() || frac.contains('.') {
            return None;
        }
        let secs: i128 = int.parse().ok()?;
        let mut nanos: i128 = 0;
        let mut scale: i128 = 100_000_000;
        for b in frac.bytes().take(9) {
            nanos += i128::from(b - b'0') * scale;
            scale /= 10;
        }
        let total = secs.checked_mul(1_000_000_000)?.checked_add(nanos)?;
        return Some(if s.starts_with('-') { -total } else { total });
    }

    let mut c = Cursor {
        s: s.as_bytes(),
        i: 0,
    };
    let year = c.digits(4)?;
    let (mut month, mut day) = (1, 1);
    let (mut hour, mut minute, mut second, mut nanos) = (0i64, 0i64, 0i64, 0i64);
    let mut offset_minutes = 0i64;
    if c.eat(b'-') {
        month = c.digits(2)?;
        if c.eat(b'-') {
            day = c.digits(2)?;
            if c.eat(b'T') || c.eat(b't') {
                hour = c.digits(2)?;
                if !c.eat(b':') {
                    return None;
                }
                minute = c.digits(2)?;
                if c.eat(b':') {
                    second = c.digits(2)?;
                    if c.eat(b'.') {
                        let mut scale = 100_000_000i64;
                        let mut any = false;
                        while let Some(b) = c.peek().filter(u8::is_ascii_digit) {
                            nanos += i64::from(b - b'0') * scale;
                            scale /= 10;
                            c.i += 1;
                            any = true;
                        }
                        if !any {
                            return None;
                        }
                    }
                }
                match c.peek() {
                    None => {}
                    Some(b'Z' | b'z') => c.i += 1,
                    Some(sign @ (b'+' | b'-')) => {
                        c.i += 1;
                        let oh = c.digits(2)?;
                        c.eat(b':');
                        let om = c.digits(2)?;
                        if oh > 23 || om > 59 {
                            return None;
                        }
                        let off = oh * 60 + om;
                        offset_minutes = if sign == b'+' { off } else { -off };
                    }
                    Some(_) => return None,
                }
            }
        }
    }
    if !c.done()
        || !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let days = days_from_civil(year, month, day);
    let secs = days * 86_400 + hour * 3_600 + minute * 60 + second - offset_minutes * 60;
    Some(i128::from(secs) * 1_000_000_000 + i128::from(nanos))
}

fn cmp_holds(ord: std::cmp::Ordering, cmp: Cmp) -> bool {
    use std::cmp::Ordering::*;
    match cmp {
        Cmp::Eq => ord == Equal,
        Cmp::Lt => ord == Less,
        Cmp::Le => ord != Greater,
        Cmp::Gt => ord == Greater,
        Cmp::Ge => ord != Less,
    }
}

fn parse_bool(s: &str) -> Option<bool> {
    let s = s.trim();
    if s.eq_ignore_ascii_case("true") {
        Some(true)
    } else if s.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// Standard base64 (RFC 4648 §4), padding optional, no whitespace.
fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let trimmed = s.trim_end_matches('=');
    if s.len() - trimmed.len() > 2 || trimmed.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(trimmed.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0u32;
    for b in trimmed.bytes() {
        let v = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(((acc >> bits) & 0xFF) as u8);
        }
    }
    Some(out)
}

/// An address with a prefix length; a bare address is a full-length prefix
/// ([OPERATORS] IP: "If you specify an IP address without the associated
/// routing prefix, IAM uses the default prefix value of /32"; /128 for IPv6).
fn parse_net(s: &str) -> Option<(IpAddr, u8)> {
    let s = s.trim();
    let (addr, prefix) = match s.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (s, None),
    };
    let addr: IpAddr = addr.parse().ok()?;
    // An IPv4-mapped IPv6 request address is the IPv4 address it carries.
    let (addr, mapped_offset) = match addr {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => (IpAddr::V4(v4), 96u8),
            None => (addr, 0),
        },
        IpAddr::V4(_) => (addr, 0),
    };
    let max = if addr.is_ipv4() { 32u8 } else { 128u8 };
    let prefix = match prefix {
        Some(p) => {
            let p: u8 = p.parse().ok()?;
            // For a mapped address the IPv4 prefix is what lies past ::ffff:0:0/96;
            // a shorter mapped prefix is clamped to all of IPv4 (approximation).
            let p = p.saturating_sub(mapped_offset);
            if p > max {
                return None;
            }
            p
        }
        None => max,
    };
    Some((addr, prefix))
}

fn masked(addr: IpAddr, prefix: u8) -> (bool, u128) {
    match addr {
        IpAddr::V4(a) => {
            let bits = u32::from(a);
            let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
            (true, u128::from(bits & mask))
        }
        IpAddr::V6(a) => {
            let bits = u128::from(a);
            let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
            (false, bits & mask)
        }
    }
}

/// Is request range `inner` inside policy range `outer`?
fn net_contains(outer: (IpAddr, u8), inner: (IpAddr, u8)) -> bool {
    if outer.0.is_ipv4() != inner.0.is_ipv4() || inner.1 < outer.1 {
        return false;
    }
    masked(outer.0, outer.1) == masked(inner.0, outer.1)
}

/// Split an ARN (or ARN pattern) into its six colon-separated components; the
/// sixth keeps any further colons (`...:function:name:alias`). Colons inside
/// `${...}` belong to the variable (`${aws:username}`), not the ARN.
fn split_arn(s: &str) -> Option<Vec<&str>> {
    let mut parts = Vec::with_capacity(6);
    let mut start = 0usize;
    let mut depth = 0usize;
    let mut prev = '\0';
    for (i, c) in s.char_indices() {
        if parts.len() == 5 {
            break;
        }
        match c {
            '{' if prev == '$' => depth += 1,
            '}' if depth > 0 => depth -= 1,
            ':' if depth == 0 => {
                parts.push(s.get(start..i)?);
                start = i + 1;
            }
            _ => {}
        }
        prev = c;
    }
    parts.push(s.get(start..)?);
    (parts.len() == 6).then_some(parts)
}

// ---------------------------------------------------------------------------
// Prepared policy values
// ---------------------------------------------------------------------------

enum Prepared {
    /// Cannot match any request value (absent variable, unparsable value).
    Never,
    /// Depends on an unknown variable.
    Unknown,
    Str {
        toks: Vec<PTok>,
        ignore_case: bool,
        like: bool,
    },
    /// StringLike value with no variables: the shared fast glob applies as is.
    Like(String),
    Num(Num, Cmp),
    Date(i128, Cmp),
    Bool(bool),
    Binary(String, Option<Vec<u8>>),
    Ip((IpAddr, u8)),
    Arn(Vec<Vec<PTok>>),
}

fn prepare(family: Family, value: &str, ctx: &RequestContext) -> Prepared {
    match family {
        // [OPERATORS] String: policy variables supported; StringLike takes
        // `*`/`?` "anywhere in the string"; StringEquals is exact.
        Family::String {
            like: true,
            ignore_case: false,
        } if !value.contains("${") => Prepared::Like(value.to_string()),
        Family::String { ignore_case, like } => match resolve(value, ctx) {
            Resolved::Toks(toks) => Prepared::Str {
                toks,
                ignore_case,
                like,
            },
            Resolved::Never => Prepared::Never,
            Resolved::Unknown => Prepared::Unknown,
        },
        // [OPERATORS] Numeric / Date / Binary / IP address: "You can not use a
        // policy variable", so the text is taken as written.
        Family::Numeric(cmp) => parse_num(value).map_or(Prepared::Never, |n| Prepared::Num(n, cmp)),
        Family::Date(cmp) => parse_date(value).map_or(Prepared::Never, |d| Prepared::Date(d, cmp)),
        Family::Binary => Prepared::Binary(value.to_string(), base64_decode(value)),
        Family::Ip => parse_net(value).map_or(Prepared::Never, Prepared::Ip),
        // [OPERATORS] Boolean: "You can use a policy variable with the Boolean
        // condition operator" ([VARIABLES] says otherwise; substituting is the
        // reading under which both a literal and a variable value work).
        Family::Bool => match resolve(value, ctx) {
            Resolved::Toks(toks) => {
                parse_bool(&tokens_to_string(&toks)).map_or(Prepared::Never, Prepared::Bool)
            }
            Resolved::Never => Prepared::Never,
            Resolved::Unknown => Prepared::Unknown,
        },
        // [OPERATORS] ARN: "Each of the six colon-delimited components of the
        // ARN is checked separately and each can include ... wildcards";
        // policy variables supported. A pattern without six components
        // cannot match under component-wise comparison.
        Family::Arn => {
            let Some(parts) = split_arn(value) else {
                return Prepared::Never;
            };
            let mut out = Vec::with_capacity(6);
            let mut unknown = false;
            for part in parts {
                match resolve(part, ctx) {
                    Resolved::Toks(t) => out.push(t),
                    Resolved::Never => return Prepared::Never,
                    Resolved::Unknown => unknown = true,
                }
            }
            if unknown {
                Prepared::Unknown
            } else {
                Prepared::Arn(out)
            }
        }
        Family::Null => Prepared::Never,
    }
}

impl Prepared {
    /// Does request value `r` match this policy value (positive sense)?
    fn matches(&self, r: &str) -> Tri {
        let hit = match self {
            Prepared::Never => false,
            Prepared::Unknown => return Tri::Unknown,
            Prepared::Str {
                toks,
                ignore_case,
                like,
            } => {
                if *like {
                    glob(toks, r)
                } else {
                    tokens_equal(toks, r, *ignore_case)
                }
            }
            Prepared::Like(p) => wildcard::matches(p, r, false),
            Prepared::Num(p, cmp) => parse_num(r)
                .and_then(|v| num_ord(v, *p))
                .is_some_and(|o| cmp_holds(o, *cmp)),
            Prepared::Date(p, cmp) => parse_date(r).is_some_and(|v| cmp_holds(v.cmp(p), *cmp)),
            // [OPERATORS] Boolean: comparing a key to "true" or "false".
            Prepared::Bool(p) => parse_bool(r) == Some(*p),
            // [OPERATORS] Binary: compares "byte for byte against a base-64
            // encoded representation"; both sides decoded when both decode,
            // otherwise the encoded texts are compared.
            Prepared::Binary(raw, decoded) => match (decoded, base64_decode(r)) {
                (Some(p), Some(v)) => *p == v,
                _ => raw == r,
            },
            Prepared::Ip(net) => parse_net(r).is_some_and(|req| net_contains(*net, req)),
            Prepared::Arn(parts) => split_arn(r)
                .is_some_and(|req| parts.iter().zip(req.iter()).all(|(p, v)| glob(p, v))),
        };
        Tri::from_bool(hit)
    }
}

fn tri_any<T>(items: impl IntoIterator<Item = T>, mut f: impl FnMut(T) -> Tri) -> Tri {
    let mut acc = Tri::False;
    for item in items {
        acc = acc.or(f(item));
        if acc == Tri::True {
            break;
        }
    }
    acc
}

fn tri_all<T>(items: impl IntoIterator<Item = T>, mut f: impl FnMut(T) -> Tri) -> Tri {
    let mut acc = Tri::True;
    for item in items {
        acc = acc.and(f(item));
        if acc == Tri::False {
            break;
        }
    }
    acc
}

// ---------------------------------------------------------------------------
// Evaluation
// ---------------------------------------------------------------------------

/// Evaluate one condition against the request context.
///
/// Rules, in the order they are applied:
/// 1. Unrecognised operator -> `False`. [GRAMMAR] limits `condition_type_string`
///    to the operators of [OPERATORS]; IAM rejects other policies, so there is
///    no AWS behaviour to mirror. `False` makes an Allow grant nothing and a
///    Deny not apply; callers should warn via [`is_known_operator`].
/// 2. `Null`: "true" means the key must be absent, "false" that it is present
///    ([OPERATORS] "Condition operator to check existence of condition keys").
///    With an unknown key the answer is `Unknown` unless both possibilities
///    give the same result.
/// 3. Key unknown -> `Unknown`.
/// 4. Key absent (or present with no values, AWS's "empty data set" [SETS]):
///    - `...IfExists` -> `True` ([OPERATORS] "If the key is not present,
///      evaluate the condition element as true").
///    - `ForAllValues:` -> `True` ([SETS] "It also returns true if there are no
///      context keys in the request"; [SET-EXAMPLES] shows
///      `ForAllValues:StringNotLike` matching when `aws:TagKeys` is missing).
///    - `ForAnyValue:` -> `False` ([SETS]: an empty data set makes
///      ForAnyValue return false).
///    - plain negated operator -> `True`, plain positive -> `False`
///      ([OPERATORS] "If the key ... is not present ... the condition is false.
///      If the policy condition requires that the key is not matched, such as
///      StringNotLike or ArnNotLike, and the right key is not present, the
///      condition is true").
/// 5. Key present. For one request value `r`, `m(r)` = OR over the policy
///    values ([MULTI] "those values are evaluated using a logical OR"); a
///    negated operator takes NOR, i.e. `r` must match none of them ([MULTI] "If
///    a single negated matching condition operator includes multiple values
///    for a context key, those values are evaluated using a logical NOR").
///    - `ForAnyValue:` -> some request value satisfies the (possibly negated)
///      test ([SETS]).
///    - `ForAllValues:` -> every request value satisfies it ([SETS]; with
///      negation per value, as [SET-EXAMPLES]' `ForAllValues:StringNotLike`
///      table shows).
///    - no qualifier: AWS documents only single-valued keys here and says
///      multivalued keys "require a condition set operator" [SETS]. We read a
///      plain operator on several request values as "any request value
///      matches", and a plain negated operator as the negation of its positive
///      form (no request value matches), so `StringNotEquals` is always exactly
///      `not StringEquals` on a present key.
pub fn evaluate(cond: &Condition, ctx: &RequestContext) -> Tri {
    let Some(op) = parse_operator(&cond.operator) else {
        return Tri::False;
    };
    let looked = ctx.lookup(&cond.key);

    if op.family == Family::Null {
        let verdict = |key_is_null: bool| {
            Tri::from_bool(
                cond.values
                    .iter()
                    .any(|v| parse_bool(v) == Some(key_is_null)),
            )
        };
        return match looked {
            KeyValue::Present(vals) if !vals.is_empty() => verdict(false),
            KeyValue::Present(_) | KeyValue::Absent => verdict(true),
            KeyValue::Unknown => {
                let (a, b) = (verdict(true), verdict(false));
                if a == b {
                    a
                } else {
                    Tri::Unknown
                }
            }
        };
    }

    let request_values: &[String] = match looked {
        KeyValue::Unknown => return Tri::Unknown,
        KeyValue::Absent => &[],
        KeyValue::Present(vals) => vals,
    };

    if request_values.is_empty() {
        if op.if_exists {
            return Tri::True;
        }
        return match op.set {
            Some(SetOp::ForAllValues) => Tri::True,
            Some(SetOp::ForAnyValue) => Tri::False,
            None => Tri::from_bool(op.negated),
        };
    }

    let prepared: Vec<Prepared> = cond
        .values
        .iter()
        .map(|v| prepare(op.family, v, ctx))
        .collect();
    let any_policy_value = |r: &String| tri_any(prepared.iter(), |p| p.matches(r));
    let per_request_value = |r: &String| {
        let m = any_policy_value(r);
        if op.negated {
            m.not()
        } else {
            m
        }
    };

    match op.set {
        Some(SetOp::ForAnyValue) => tri_any(request_values, per_request_value),
        Some(SetOp::ForAllValues) => tri_all(request_values, per_request_value),
        None => {
            let any = tri_any(request_values, any_policy_value);
            if op.negated {
                any.not()
            } else {
                any
            }
        }
    }
}

/// AND across a statement's conditions ([MULTI] "If your policy statement has
/// multiple condition operators, the condition operators are evaluated using a
/// logical AND"; several keys under one operator are likewise AND-ed, and each
/// becomes its own `Condition`). Stops at the first `False`; an empty block is
/// `True`.
pub fn evaluate_all(conds: &[Condition], ctx: &RequestContext) -> Tri {
    tri_all(conds, |c| evaluate(c, ctx))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(op: &str, key: &str, values: &[&str]) -> Condition {
        Condition::new(op, key, values.iter().copied())
    }

    fn ctx(pairs: &[(&str, &[&str])]) -> RequestContext {
        RequestContext::closed(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.iter().map(|s| s.to_string()).collect())),
        )
    }

    fn one(key: &str, value: &str) -> RequestContext {
        ctx(&[(key, &[value])])
    }

    fn none() -> RequestContext {
        RequestContext::closed(Vec::new())
    }

    use Tri::{False as F, True as T, Unknown as U};

    // ----- operator parsing ------------------------------------------------

    #[test]
    fn known_operators() {
        // [OPERATORS] category tables.
        for op in [
            "StringEquals",
            "StringNotEquals",
            "StringEqualsIgnoreCase",
            "StringNotEqualsIgnoreCase",
            "StringLike",
            "StringNotLike",
            "NumericEquals",
            "NumericNotEquals",
            "NumericLessThan",
            "NumericLessThanEquals",
            "NumericGreaterThan",
            "NumericGreaterThanEquals",
            "DateEquals",
            "DateNotEquals",
            "DateLessThan",
            "DateLessThanEquals",
            "DateGreaterThan",
            "DateGreaterThanEquals",
            "Bool",
            "BinaryEquals",
            "IpAddress",
            "NotIpAddress",
            "ArnEquals",
            "ArnLike",
            "ArnNotEquals",
            "ArnNotLike",
            "Null",
            "BoolIfExists",
            "StringNotEqualsIfExists",
            "ForAnyValue:StringLike",
            "ForAllValues:StringEquals",
            "ForAllValues:StringNotLikeIfExists",
            "stringequals",
        ] {
            assert!(is_known_operator(op), "{op}");
        }
    }

    #[test]
    fn unknown_operators() {
        // [OPERATORS] ...IfExists: "except the Null condition"; [GRAMMAR]
        // condition_type_string has "specific allowed values".
        for op in [
            "NullIfExists",
            "ForAnyValue:Null",
            "StringEqual",
            "IfExists",
            "ForSomeValues:StringEquals",
            "",
            "StringEqualsIfExistsIfExists",
            "BinaryNotEquals",
        ] {
            assert!(!is_known_operator(op), "{op}");
        }
    }

    #[test]
    fn unrecognised_operator_is_false_even_for_unknown_context() {
        // [GRAMMAR]: IAM would reject the policy; we treat the condition as
        // unsatisfiable (documented on `evaluate`).
        let cond = c("StringEqualsSometimes", "aws:username", &["alice"]);
        assert_eq!(evaluate(&cond, &RequestContext::unknown()), F);
        assert_eq!(evaluate(&cond, &one("aws:username", "alice")), F);
    }

    // ----- string operators ([OPERATORS] "String condition operators") -----

    #[test]
    fn string_equals_is_exact_and_case_sensitive() {
        // [CONDITION]: StringEquals "johndoe" does not match "JohnDoe".
        let cond = c("StringEquals", "aws:username", &["johndoe"]);
        assert_eq!(evaluate(&cond, &one("aws:username", "johndoe")), T);
        assert_eq!(evaluate(&cond, &one("aws:username", "JohnDoe")), F);
        assert_eq!(evaluate(&cond, &one("aws:username", "johndoe2")), F);
    }

    #[test]
    fn string_equals_treats_wildcards_as_characters() {
        // [OPERATORS]: only StringLike takes wildcards.
        let cond = c("StringEquals", "k", &["a*"]);
        assert_eq!(evaluate(&cond, &one("k", "abc")), F);
        assert_eq!(evaluate(&cond, &one("k", "a*")), T);
    }

    #[test]
    fn string_equals_ignore_case() {
        // [CONDITION]: StringEqualsIgnoreCase matches "johndoe" or "JohnDoe".
        let cond = c("StringEqualsIgnoreCase", "aws:username", &["johndoe"]);
        assert_eq!(evaluate(&cond, &one("aws:username", "JohnDoe")), T);
        assert_eq!(evaluate(&cond, &one("aws:username", "jane")), F);
    }

    #[test]
    fn string_not_equals_and_not_equals_ignore_case() {
        // [OPERATORS] "Negated matching".
        let cond = c("StringNotEquals", "aws:username", &["johndoe"]);
        assert_eq!(evaluate(&cond, &one("aws:username", "JohnDoe")), T);
        assert_eq!(evaluate(&cond, &one("aws:username", "johndoe")), F);
        let cond = c("StringNotEqualsIgnoreCase", "aws:username", &["johndoe"]);
        assert_eq!(evaluate(&cond, &one("aws:username", "JohnDoe")), F);
        assert_eq!(evaluate(&cond, &one("aws:username", "jane")), T);
    }

    #[test]
    fn string_like_wildcards() {
        // [OPERATORS] StringLike: `*` and `?` "anywhere in the string";
        // IfExists example uses "t1.*", "t2.*", "m3.*".
        let cond = c("StringLike", "ec2:InstanceType", &["t1.*", "t2.*", "m3.*"]);
        assert_eq!(evaluate(&cond, &one("ec2:InstanceType", "t2.micro")), T);
        assert_eq!(evaluate(&cond, &one("ec2:InstanceType", "m5.large")), F);
        let cond = c("StringLike", "k", &["a?c"]);
        assert_eq!(evaluate(&cond, &one("k", "abc")), T);
        assert_eq!(evaluate(&cond, &one("k", "ac")), F);
        // Case-sensitive.
        assert_eq!(evaluate(&cond, &one("k", "ABC")), F);
    }

    #[test]
    fn string_not_like() {
        // [OPERATORS] StringNotLike: "Negated case-sensitive matching".
        let cond = c("StringNotLike", "ec2:InstanceType", &["t2.*", "t3.*"]);
        assert_eq!(evaluate(&cond, &one("ec2:InstanceType", "m5.large")), T);
        assert_eq!(evaluate(&cond, &one("ec2:InstanceType", "t3.nano")), F);
    }

    #[test]
    fn tag_condition_ec2_resource_tag_environment() {
        // The canonical stopguard question: a Deny on StopInstances for prod.
        // [CONDITION]: ResourceTag/tag-key key names are case-insensitive.
        let cond = c("StringEquals", "ec2:ResourceTag/Environment", &["prod"]);
        assert_eq!(
            evaluate(&cond, &one("ec2:ResourceTag/environment", "prod")),
            T
        );
        assert_eq!(
            evaluate(&cond, &one("EC2:ResourceTag/Environment", "dev")),
            F
        );
        // Untagged instance: key absent -> false ([OPERATORS] Important note).
        assert_eq!(evaluate(&cond, &none()), F);
        assert_eq!(evaluate(&cond, &RequestContext::unknown()), U);
        // Values stay case-sensitive.
        assert_eq!(
            evaluate(&cond, &one("ec2:ResourceTag/Environment", "Prod")),
            F
        );
    }

    // ----- multiple policy values ([MULTI]) --------------------------------

    #[test]
    fn multiple_policy_values_are_ored() {
        // [MULTI] "multiple values for a context key ... evaluated using a logical OR".
        let cond = c(
            "StringEquals",
            "aws:PrincipalTag/role",
            &["audit", "security"],
        );
        assert_eq!(
            evaluate(&cond, &one("aws:PrincipalTag/role", "security")),
            T
        );
        assert_eq!(evaluate(&cond, &one("aws:PrincipalTag/role", "dev")), F);
    }

    #[test]
    fn negated_operator_with_multiple_values_is_nor() {
        // [MULTI] "If a single negated matching condition operator includes
        // multiple values for a context key, those values are evaluated using a
        // logical NOR."
        let cond = c(
            "StringNotEquals",
            "aws:PrincipalTag/role",
            &["audit", "security"],
        );
        assert_eq!(evaluate(&cond, &one("aws:PrincipalTag/role", "audit")), F);
        assert_eq!(
            evaluate(&cond, &one("aws:PrincipalTag/role", "security")),
            F
        );
        assert_eq!(evaluate(&cond, &one("aws:PrincipalTag/role", "dev")), T);
    }

    // ----- missing keys ([OPERATORS] "Important") --------------------------

    #[test]
    fn absent_key_positive_operators_are_false() {
        // [OPERATORS]: "If the key ... is not present in the request context,
        // the values do not match and the condition is false."
        for op in [
            "StringEquals",
            "StringEqualsIgnoreCase",
            "StringLike",
            "NumericEquals",
            "NumericLessThan",
            "DateGreaterThan",
            "Bool",
            "BinaryEquals",
            "IpAddress",
            "ArnLike",
            "ArnEquals",
        ] {
            assert_eq!(evaluate(&c(op, "some:key", &["x"]), &none()), F, "{op}");
        }
    }

    #[test]
    fn absent_key_negated_operators_are_true() {
        // [OPERATORS]: "If the policy condition requires that the key is not
        // matched, such as StringNotLike or ArnNotLike, and the right key is not
        // present, the condition is true."
        for op in [
            "StringNotEquals",
            "StringNotEqualsIgnoreCase",
            "StringNotLike",
            "NumericNotEquals",
            "DateNotEquals",
            "NotIpAddress",
            "ArnNotEquals",
            "ArnNotLike",
        ] {
            assert_eq!(evaluate(&c(op, "some:key", &["x"]), &none()), T, "{op}");
        }
    }

    #[test]
    fn unknown_key_is_unknown() {
        let u = RequestContext::unknown();
        for op in [
            "StringEquals",
            "StringNotEquals",
            "BoolIfExists",
            "ForAllValues:StringLike",
            "ForAnyValue:StringLike",
            "IpAddress",
        ] {
            assert_eq!(evaluate(&c(op, "some:key", &["x"]), &u), U, "{op}");
        }
        // An open context knows only what it lists.
        let open = RequestContext::open(vec![("aws:username".to_string(), vec!["a".to_string()])]);
        assert_eq!(
            evaluate(&c("StringEquals", "aws:username", &["a"]), &open),
            T
        );
        assert_eq!(evaluate(&c("StringEquals", "aws:userid", &["a"]), &open), U);
    }

    // ----- IfExists ([OPERATORS] "...IfExists condition operators") --------

    #[test]
    fn if_exists_is_true_when_key_absent() {
        // "If the key is not present, evaluate the condition element as true."
        let cond = c(
            "StringLikeIfExists",
            "ec2:InstanceType",
            &["t1.*", "t2.*", "m3.*"],
        );
        assert_eq!(evaluate(&cond, &none()), T);
        assert_eq!(evaluate(&cond, &one("ec2:InstanceType", "t2.micro")), T);
        assert_eq!(evaluate(&cond, &one("ec2:InstanceType", "m5.large")), F);
    }

    #[test]
    fn negated_if_exists_is_true_when_key_absent() {
        // "If you are using an "Effect": "Deny" element with a negated condition
        // operator like StringNotEqualsIfExists, the request is still denied
        // even if the tag is missing."
        let cond = c("StringNotEqualsIfExists", "aws:ResourceTag/team", &["ops"]);
        assert_eq!(evaluate(&cond, &none()), T);
        assert_eq!(evaluate(&cond, &one("aws:ResourceTag/team", "ops")), F);
        assert_eq!(evaluate(&cond, &one("aws:ResourceTag/team", "dev")), T);
    }

    // ----- MFA canonical cases --------------------------------------------

    #[test]
    fn mfa_bool_true_with_key_absent_is_false() {
        // [OPERATORS] Important note: absent key -> values do not match -> false.
        let cond = c("Bool", "aws:MultiFactorAuthPresent", &["true"]);
        assert_eq!(evaluate(&cond, &none()), F);
        assert_eq!(
            evaluate(&cond, &one("aws:MultiFactorAuthPresent", "true")),
            T
        );
        assert_eq!(
            evaluate(&cond, &one("aws:MultiFactorAuthPresent", "false")),
            F
        );
        assert_eq!(evaluate(&cond, &RequestContext::unknown()), U);
    }

    #[test]
    fn mfa_deny_bool_if_exists_false_with_key_absent_is_true() {
        // [OPERATORS] IfExists: absent key -> condition true, so the Deny applies
        // to long-term credentials that carry no MFA key at all.
        let cond = c("BoolIfExists", "aws:MultiFactorAuthPresent", &["false"]);
        assert_eq!(evaluate(&cond, &none()), T);
        assert_eq!(
            evaluate(&cond, &one("aws:MultiFactorAuthPresent", "false")),
            T
        );
        assert_eq!(
            evaluate(&cond, &one("aws:MultiFactorAuthPresent", "true")),
            F
        );
        // The "without MFA?" question: absent fixed, everything else open.
        let without_mfa = RequestContext::unknown().with_absent("aws:MultiFactorAuthPresent");
        assert_eq!(evaluate(&cond, &without_mfa), T);
    }

    #[test]
    fn plain_bool_false_misses_absent_mfa_key() {
        // The trap the IfExists form avoids: "Bool": {"...": "false"} is false
        // when the key is absent ([OPERATORS] Important note).
        let cond = c("Bool", "aws:MultiFactorAuthPresent", &["false"]);
        assert_eq!(evaluate(&cond, &none()), F);
    }

    #[test]
    fn bool_values() {
        // [OPERATORS] Boolean: compare to "true" or "false" (aws:SecureTransport example).
        let cond = c("Bool", "aws:SecureTransport", &["false"]);
        assert_eq!(evaluate(&cond, &one("aws:SecureTransport", "false")), T);
        assert_eq!(evaluate(&cond, &one("aws:SecureTransport", "FALSE")), T);
        assert_eq!(evaluate(&cond, &one("aws:SecureTransport", "true")), F);
        assert_eq!(evaluate(&cond, &one("aws:SecureTransport", "yes")), F);
        let bad = c("Bool", "aws:SecureTransport", &["maybe"]);
        assert_eq!(evaluate(&bad, &one("aws:SecureTransport", "true")), F);
    }

    // ----- Null ([OPERATORS] "Condition operator to check existence") ------

    #[test]
    fn null_true_requires_absent_key() {
        // "true (the key doesn't exist — it is null)"; aws:TokenIssueTime example.
        let cond = c("Null", "aws:TokenIssueTime", &["true"]);
        assert_eq!(evaluate(&cond, &none()), T);
        assert_eq!(
            evaluate(&cond, &one("aws:TokenIssueTime", "2020-01-01T00:00:00Z")),
            F
        );
    }

    #[test]
    fn null_false_requires_present_key() {
        // "false (the key exists and its value is not null)".
        let cond = c("Null", "aws:TokenIssueTime", &["false"]);
        assert_eq!(evaluate(&cond, &none()), F);
        assert_eq!(
            evaluate(&cond, &one("aws:TokenIssueTime", "2020-01-01T00:00:00Z")),
            T
        );
        // A key present with no values is an empty data set ([SETS]): null.
        assert_eq!(evaluate(&cond, &ctx(&[("aws:TokenIssueTime", &[])])), F);
    }

    #[test]
    fn null_with_unknown_key() {
        let u = RequestContext::unknown();
        assert_eq!(evaluate(&c("Null", "aws:TokenIssueTime", &["true"]), &u), U);
        assert_eq!(
            evaluate(&c("Null", "aws:TokenIssueTime", &["false"]), &u),
            U
        );
        // Both answers listed: true either way. No valid answer: false either way.
        assert_eq!(evaluate(&c("Null", "k", &["true", "false"]), &u), T);
        assert_eq!(evaluate(&c("Null", "k", &["maybe"]), &u), F);
    }

    // ----- Numeric ([OPERATORS] "Numeric condition operators") -------------

    #[test]
    fn numeric_operators() {
        // s3:max-keys example: NumericLessThanEquals "10".
        let k = "s3:max-keys";
        let le = c("NumericLessThanEquals", k, &["10"]);
        assert_eq!(evaluate(&le, &one(k, "10")), T);
        assert_eq!(evaluate(&le, &one(k, "9")), T);
        assert_eq!(evaluate(&le, &one(k, "11")), F);
        assert_eq!(
            evaluate(&c("NumericLessThan", k, &["10"]), &one(k, "10")),
            F
        );
        assert_eq!(
            evaluate(&c("NumericLessThan", k, &["10"]), &one(k, "9.5")),
            T
        );
        assert_eq!(
            evaluate(&c("NumericGreaterThan", k, &["10"]), &one(k, "10.5")),
            T
        );
        assert_eq!(
            evaluate(&c("NumericGreaterThan", k, &["10"]), &one(k, "10")),
            F
        );
        assert_eq!(
            evaluate(&c("NumericGreaterThanEquals", k, &["10"]), &one(k, "10")),
            T
        );
        assert_eq!(
            evaluate(&c("NumericGreaterThanEquals", k, &["10"]), &one(k, "-3")),
            F
        );
        assert_eq!(
            evaluate(&c("NumericEquals", k, &["10"]), &one(k, "10.0")),
            T
        );
        assert_eq!(evaluate(&c("NumericEquals", k, &["10"]), &one(k, "11")), F);
        assert_eq!(
            evaluate(&c("NumericNotEquals", k, &["10", "20"]), &one(k, "20")),
            F
        );
        assert_eq!(
            evaluate(&c("NumericNotEquals", k, &["10", "20"]), &one(k, "30")),
            T
        );
    }

    #[test]
    fn numeric_non_numbers_never_match() {
        let k = "aws:MultiFactorAuthAge";
        assert_eq!(
            evaluate(&c("NumericLessThan", k, &["3600"]), &one(k, "soon")),
            F
        );
        assert_eq!(
            evaluate(&c("NumericLessThan", k, &["lots"]), &one(k, "1")),
            F
        );
        assert_eq!(
            evaluate(&c("NumericLessThan", k, &["inf"]), &one(k, "1")),
            F
        );
        // Policy variables are not supported for Numeric: taken literally.
        let ctx2 = ctx(&[(k, &["1"]), ("limit", &["10"])]);
        assert_eq!(evaluate(&c("NumericLessThan", k, &["${limit}"]), &ctx2), F);
    }

    #[test]
    fn numeric_large_integers_compare_exactly() {
        let k = "n";
        let big = "9007199254740993"; // 2^53 + 1: not representable in f64
        assert_eq!(
            evaluate(&c("NumericEquals", k, &[big]), &one(k, "9007199254740992")),
            F
        );
        assert_eq!(evaluate(&c("NumericEquals", k, &[big]), &one(k, big)), T);
    }

    // ----- Date ([OPERATORS] "Date condition operators") --------------------

    #[test]
    fn date_operators() {
        // aws:TokenIssueTime example: DateGreaterThan "2020-01-01T00:00:01Z".
        let k = "aws:TokenIssueTime";
        let gt = c("DateGreaterThan", k, &["2020-01-01T00:00:01Z"]);
        assert_eq!(evaluate(&gt, &one(k, "2020-06-01T12:00:00Z")), T);
        assert_eq!(evaluate(&gt, &one(k, "2020-01-01T00:00:01Z")), F);
        assert_eq!(evaluate(&gt, &one(k, "2019-12-31T23:59:59Z")), F);
        let ge = c("DateGreaterThanEquals", k, &["2020-01-01T00:00:01Z"]);
        assert_eq!(evaluate(&ge, &one(k, "2020-01-01T00:00:01Z")), T);
        let lt = c("DateLessThan", "aws:CurrentTime", &["2013-12-15T12:00:00Z"]);
        assert_eq!(
            evaluate(&lt, &one("aws:CurrentTime", "2013-12-15T11:59:59Z")),
            T
        );
        assert_eq!(
            evaluate(&lt, &one("aws:CurrentTime", "2013-12-15T12:00:00Z")),
            F
        );
        let le = c(
            "DateLessThanEquals",
            "aws:CurrentTime",
            &["2013-12-15T12:00:00Z"],
        );
        assert_eq!(
            evaluate(&le, &one("aws:CurrentTime", "2013-12-15T12:00:00Z")),
            T
        );
        let eq = c("DateEquals", "aws:CurrentTime", &["2013-12-15"]);
        assert_eq!(
            evaluate(&eq, &one("aws:CurrentTime", "2013-12-15T00:00:00Z")),
            T
        );
        let ne = c("DateNotEquals", "aws:CurrentTime", &["2013-12-15"]);
        assert_eq!(
            evaluate(&ne, &one("aws:CurrentTime", "2013-12-15T00:00:00Z")),
            F
        );
        assert_eq!(evaluate(&ne, &one("aws:CurrentTime", "2013-12-16")), T);
    }

    #[test]
    fn date_epoch_and_offsets() {
        // [OPERATORS] Date: "W3C implementations of the ISO 8601 date formats or
        // in epoch (UNIX) time".
        let k = "aws:EpochTime";
        let eq = c("DateEquals", k, &["1970-01-02T00:00:00Z"]);
        assert_eq!(evaluate(&eq, &one(k, "86400")), T);
        let eq = c("DateEquals", k, &["2020-01-01T01:00:00+01:00"]);
        assert_eq!(evaluate(&eq, &one(k, "2020-01-01T00:00:00Z")), T);
        assert_eq!(evaluate(&eq, &one(k, "1577836800")), T);
        let lt = c("DateLessThan", k, &["2020-01-01T00:00:00.5Z"]);
        assert_eq!(evaluate(&lt, &one(k, "2020-01-01T00:00:00.25Z")), T);
        assert_eq!(evaluate(&lt, &one(k, "1577836800.75")), F);
        // Wildcards are not permitted in date values: unparsable, never matches.
        assert_eq!(
            evaluate(&c("DateEquals", k, &["2020-*"]), &one(k, "2020-01-01")),
            F
        );
        assert_eq!(
            evaluate(&c("DateEquals", k, &["2020-01-01"]), &one(k, "yesterday")),
            F
        );
    }

    #[test]
    fn date_parser_forms() {
        assert_eq!(parse_date("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_date("1970"), Some(1_970_000_000_000)); // epoch seconds, documented
        assert_eq!(parse_date("1970-01"), Some(0));
        assert_eq!(parse_date("1970-01-01"), Some(0));
        assert_eq!(parse_date("1970-01-01T00:01Z"), Some(60_000_000_000));
        assert_eq!(
            parse_date("1970-01-01T00:00:00-00:30"),
            Some(1_800_000_000_000)
        );
        assert_eq!(
            parse_date("2000-02-29T00:00:00Z"),
            Some(951_782_400_000_000_000)
        );
        assert_eq!(parse_date("1969-12-31T23:59:59Z"), Some(-1_000_000_000));
        assert_eq!(parse_date("-1"), Some(-1_000_000_000));
        assert_eq!(parse_date("2001-02-29"), None);
        assert_eq!(parse_date("2020-13-01"), None);
        assert_eq!(parse_date("2020-01-01T25:00Z"), None);
        assert_eq!(parse_date("2020-01-01T10Z"), None);
        assert_eq!(parse_date("2020-01-01T10:00:00.Z"), None);
        assert_eq!(parse_date("2020-01-01T10:00:00X"), None);
        assert_eq!(parse_date(""), None);
        assert_eq!(parse_date("1.2.3"), None);
    }

    // ----- Binary ([OPERATORS] "Binary condition operators") ----------------

    #[test]
    fn binary_equals() {
        // "compares the value of the specified key byte for byte against a
        // base-64 encoded representation of the binary value in the policy".
        let cond = c("BinaryEquals", "key", &["QmluYXJ5VmFsdWVJbkJhc2U2NA=="]);
        assert_eq!(
            evaluate(&cond, &one("key", "QmluYXJ5VmFsdWVJbkJhc2U2NA==")),
            T
        );
        // Same bytes, padding omitted.
        assert_eq!(
            evaluate(&cond, &one("key", "QmluYXJ5VmFsdWVJbkJhc2U2NA")),
            T
        );
        assert_eq!(evaluate(&cond, &one("key", "QmluYXJ5")), F);
        assert_eq!(
            base64_decode("QmluYXJ5VmFsdWVJbkJhc2U2NA=="),
            Some(b"BinaryValueInBase64".to_vec())
        );
        assert_eq!(base64_decode("a"), None);
        assert_eq!(base64_decode("a!=="), None);
        // Undecodable values fall back to comparing text.
        let raw = c("BinaryEquals", "key", &["not base64!"]);
        assert_eq!(evaluate(&raw, &one("key", "not base64!")), T);
        assert_eq!(evaluate(&raw, &one("key", "other")), F);
    }

    // ----- IP address ([OPERATORS] "IP address condition operators") -------

    #[test]
    fn ip_address_v4_ranges() {
        // aws:SourceIp example: "203.0.113.0/24".
        let cond = c("IpAddress", "aws:SourceIp", &["203.0.113.0/24"]);
        assert_eq!(evaluate(&cond, &one("aws:SourceIp", "203.0.113.7")), T);
        assert_eq!(evaluate(&cond, &one("aws:SourceIp", "203.0.114.7")), F);
        assert_eq!(evaluate(&cond, &one("aws:SourceIp", "not-an-ip")), F);
        // "If you specify an IP address without the associated routing prefix,
        // IAM uses the default prefix value of /32."
        let single = c("IpAddress", "aws:SourceIp", &["203.0.113.7"]);
        assert_eq!(evaluate(&single, &one("aws:SourceIp", "203.0.113.7")), T);
        assert_eq!(evaluate(&single, &one("aws:SourceIp", "203.0.113.8")), F);
        let all = c("IpAddress", "aws:SourceIp", &["0.0.0.0/0"]);
        assert_eq!(evaluate(&all, &one("aws:SourceIp", "8.8.8.8")), T);
    }

    #[test]
    fn ip_address_v6_and_mixed() {
        // Mixed example: ["203.0.113.0/24", "2001:DB8:1234:5678::/64"].
        let cond = c(
            "IpAddress",
            "aws:SourceIp",
            &["203.0.113.0/24", "2001:DB8:1234:5678::/64"],
        );
        assert_eq!(
            evaluate(&cond, &one("aws:SourceIp", "2001:db8:1234:5678::1")),
            T
        );
        assert_eq!(
            evaluate(&cond, &one("aws:SourceIp", "2001:db8:1234:5679::1")),
            F
        );
        assert_eq!(evaluate(&cond, &one("aws:SourceIp", "203.0.113.200")), T);
        // An IPv4-mapped IPv6 address is its IPv4 address.
        assert_eq!(
            evaluate(&cond, &one("aws:SourceIp", "::ffff:203.0.113.9")),
            T
        );
        let v6 = c("IpAddress", "aws:SourceIp", &["::/0"]);
        assert_eq!(evaluate(&v6, &one("aws:SourceIp", "10.0.0.1")), F);
        assert_eq!(evaluate(&v6, &one("aws:SourceIp", "fe80::1")), T);
        let bad = c("IpAddress", "aws:SourceIp", &["10.0.0.0/33"]);
        assert_eq!(evaluate(&bad, &one("aws:SourceIp", "10.0.0.1")), F);
    }

    #[test]
    fn not_ip_address() {
        // [OPERATORS] NotIpAddress: "All IP addresses except the specified".
        let cond = c(
            "NotIpAddress",
            "aws:SourceIp",
            &["192.0.2.0/24", "203.0.113.0/24"],
        );
        assert_eq!(evaluate(&cond, &one("aws:SourceIp", "192.0.2.10")), F);
        assert_eq!(evaluate(&cond, &one("aws:SourceIp", "198.51.100.1")), T);
        // Via a VPC endpoint aws:SourceIp is absent: negated operator -> true.
        assert_eq!(evaluate(&cond, &none()), T);
    }

    // ----- ARN ([OPERATORS] "Amazon Resource Name (ARN) condition operators") -

    #[test]
    fn arn_like_is_component_wise() {
        // The documented example: StringLike matches, ArnLike does not.
        let pattern = "arn:aws:someservice:*:111122223333:finance/*";
        let value = "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt";
        assert_eq!(
            evaluate(
                &c("StringLike", "aws:SourceArn", &[pattern]),
                &one("aws:SourceArn", value)
            ),
            T
        );
        assert_eq!(
            evaluate(
                &c("ArnLike", "aws:SourceArn", &[pattern]),
                &one("aws:SourceArn", value)
            ),
            F
        );
        let ok = "arn:aws:someservice:us-east-2:111122223333:finance/document.txt";
        assert_eq!(
            evaluate(
                &c("ArnLike", "aws:SourceArn", &[pattern]),
                &one("aws:SourceArn", ok)
            ),
            T
        );
    }

    #[test]
    fn arn_equals_behaves_like_arn_like() {
        // "The ArnEquals and ArnLike condition operators behave identically."
        let pattern = "arn:aws:sns:us-east-?:123456789012:*";
        let v = "arn:aws:sns:us-east-1:123456789012:topic";
        assert_eq!(
            evaluate(
                &c("ArnEquals", "aws:SourceArn", &[pattern]),
                &one("aws:SourceArn", v)
            ),
            T
        );
        assert_eq!(
            evaluate(
                &c("ArnLike", "aws:SourceArn", &[pattern]),
                &one("aws:SourceArn", v)
            ),
            T
        );
        // Case-sensitive.
        let upper = "arn:aws:sns:us-east-1:123456789012:Topic";
        let exact = c(
            "ArnEquals",
            "aws:SourceArn",
            &["arn:aws:sns:us-east-1:123456789012:topic"],
        );
        assert_eq!(evaluate(&exact, &one("aws:SourceArn", upper)), F);
    }

    #[test]
    fn arn_not_equals_and_not_like() {
        let p = "arn:aws:iam::111122223333:role/admin-*";
        let admin = "arn:aws:iam::111122223333:role/admin-ops";
        let other = "arn:aws:iam::111122223333:role/dev";
        for op in ["ArnNotEquals", "ArnNotLike"] {
            assert_eq!(
                evaluate(
                    &c(op, "aws:PrincipalArn", &[p]),
                    &one("aws:PrincipalArn", admin)
                ),
                F
            );
            assert_eq!(
                evaluate(
                    &c(op, "aws:PrincipalArn", &[p]),
                    &one("aws:PrincipalArn", other)
                ),
                T
            );
        }
    }

    #[test]
    fn arn_resource_part_keeps_colons_and_bad_arns_never_match() {
        let p = "arn:aws:lambda:*:111122223333:function:my-fn:*";
        let v = "arn:aws:lambda:eu-west-1:111122223333:function:my-fn:prod";
        assert_eq!(
            evaluate(
                &c("ArnLike", "aws:SourceArn", &[p]),
                &one("aws:SourceArn", v)
            ),
            T
        );
        assert_eq!(
            evaluate(
                &c("ArnLike", "aws:SourceArn", &[p]),
                &one("aws:SourceArn", "not-an-arn")
            ),
            F
        );
        assert_eq!(
            evaluate(
                &c("ArnLike", "aws:SourceArn", &["arn:aws:*"]),
                &one("aws:SourceArn", v)
            ),
            F
        );
    }

    #[test]
    fn arn_with_policy_variable() {
        // [OPERATORS] ARN: "You can use a policy variable with the ARN condition operator".
        let cond = c(
            "ArnLike",
            "aws:PrincipalArn",
            &["arn:aws:iam::*:user/${aws:username}"],
        );
        let ctx2 = ctx(&[
            ("aws:username", &["alice"]),
            (
                "aws:PrincipalArn",
                &["arn:aws:iam::111122223333:user/alice"],
            ),
        ]);
        assert_eq!(evaluate(&cond, &ctx2), T);
        let ctx3 = ctx(&[
            ("aws:username", &["bob"]),
            (
                "aws:PrincipalArn",
                &["arn:aws:iam::111122223333:user/alice"],
            ),
        ]);
        assert_eq!(evaluate(&cond, &ctx3), F);
    }

    // ----- set operators ([SETS], [SET-EXAMPLES], [MULTI]) ------------------

    #[test]
    fn for_any_value() {
        // [SETS]: true if at least one request value matches one policy value.
        let cond = c(
            "ForAnyValue:StringLike",
            "aws:TagKeys",
            &["ID", "PostDateTime"],
        );
        assert_eq!(
            evaluate(
                &cond,
                &ctx(&[("aws:TagKeys", &["UserName", "Message", "PostDateTime"])])
            ),
            T
        );
        assert_eq!(evaluate(&cond, &ctx(&[("aws:TagKeys", &["UserName"])])), F);
        // Empty or absent: ForAnyValue returns false.
        assert_eq!(evaluate(&cond, &none()), F);
        assert_eq!(evaluate(&cond, &ctx(&[("aws:TagKeys", &[])])), F);
    }

    #[test]
    fn for_all_values() {
        // [SETS]: true if every request value matches some policy value.
        let cond = c(
            "ForAllValues:StringLike",
            "aws:TagKeys",
            &["PostDateTime", "Message", "Tags"],
        );
        assert_eq!(
            evaluate(
                &cond,
                &ctx(&[("aws:TagKeys", &["PostDateTime", "Message"])])
            ),
            T
        );
        assert_eq!(
            evaluate(
                &cond,
                &ctx(&[("aws:TagKeys", &["PostDateTime", "UserName"])])
            ),
            F
        );
    }

    #[test]
    fn for_all_values_with_empty_or_absent_key_is_true() {
        // [SETS] "It also returns true if there are no context keys in the request."
        let cond = c("ForAllValues:StringEquals", "aws:TagKeys", &["Env"]);
        assert_eq!(evaluate(&cond, &none()), T);
        assert_eq!(evaluate(&cond, &ctx(&[("aws:TagKeys", &[])])), T);
    }

    #[test]
    fn for_all_values_string_not_like_table() {
        // [SET-EXAMPLES] Deny with "ForAllValues:StringNotLike": {"aws:TagKeys": "key1*"}.
        let cond = c("ForAllValues:StringNotLike", "aws:TagKeys", &["key1*"]);
        assert_eq!(
            evaluate(&cond, &ctx(&[("aws:TagKeys", &["key1:legal"])])),
            F
        );
        assert_eq!(
            evaluate(
                &cond,
                &ctx(&[("aws:TagKeys", &["key1:hr", "key1:personnel"])])
            ),
            F
        );
        assert_eq!(
            evaluate(&cond, &ctx(&[("aws:TagKeys", &["key2:audit"])])),
            T
        );
        assert_eq!(evaluate(&cond, &none()), T);
        // Mixed: one value is key1-prefixed, so not all avoid the pattern.
        assert_eq!(
            evaluate(&cond, &ctx(&[("aws:TagKeys", &["key2:audit", "key1:hr"])])),
            F
        );
    }

    #[test]
    fn for_any_value_negated() {
        // [SETS] + [MULTI] NOR per request value: some request value matches
        // none of the policy values.
        let cond = c("ForAnyValue:StringNotEquals", "aws:TagKeys", &["a", "b"]);
        assert_eq!(evaluate(&cond, &ctx(&[("aws:TagKeys", &["a", "b"])])), F);
        assert_eq!(evaluate(&cond, &ctx(&[("aws:TagKeys", &["a", "c"])])), T);
        assert_eq!(evaluate(&cond, &none()), F);
    }

    #[test]
    fn set_operators_with_if_exists() {
        // [OPERATORS] IfExists applies to any operator but Null: absent -> true.
        let any = c("ForAnyValue:StringEqualsIfExists", "aws:TagKeys", &["Env"]);
        assert_eq!(evaluate(&any, &none()), T);
        assert_eq!(evaluate(&any, &ctx(&[("aws:TagKeys", &["Owner"])])), F);
        let all = c("ForAllValues:StringEqualsIfExists", "aws:TagKeys", &["Env"]);
        assert_eq!(evaluate(&all, &none()), T);
        assert_eq!(evaluate(&all, &ctx(&[("aws:TagKeys", &["Owner"])])), F);
    }

    #[test]
    fn plain_operator_on_multivalued_key() {
        // Our documented reading: any request value matches; the negated form
        // is the negation of that.
        let eq = c("StringEquals", "aws:TagKeys", &["Env"]);
        let ne = c("StringNotEquals", "aws:TagKeys", &["Env"]);
        let both = ctx(&[("aws:TagKeys", &["Owner", "Env"])]);
        let neither = ctx(&[("aws:TagKeys", &["Owner", "Team"])]);
        assert_eq!(evaluate(&eq, &both), T);
        assert_eq!(evaluate(&ne, &both), F);
        assert_eq!(evaluate(&eq, &neither), F);
        assert_eq!(evaluate(&ne, &neither), T);
    }

    // ----- policy variables ([VARIABLES]) -----------------------------------

    #[test]
    fn variable_substitution() {
        // "${aws:username}" home-directory example (StringLike on s3:prefix).
        let cond = c(
            "StringLike",
            "s3:prefix",
            &["", "home/", "home/${aws:username}/*"],
        );
        let alice = ctx(&[
            ("aws:username", &["alice"]),
            ("s3:prefix", &["home/alice/docs"]),
        ]);
        assert_eq!(evaluate(&cond, &alice), T);
        let bob = ctx(&[
            ("aws:username", &["bob"]),
            ("s3:prefix", &["home/alice/docs"]),
        ]);
        assert_eq!(evaluate(&cond, &bob), F);
        // Key names inside variables are case-insensitive.
        let cond = c(
            "StringEquals",
            "aws:PrincipalTag/owner",
            &["${AWS:USERNAME}"],
        );
        let ok = ctx(&[
            ("aws:username", &["alice"]),
            ("aws:PrincipalTag/owner", &["alice"]),
        ]);
        assert_eq!(evaluate(&cond, &ok), T);
    }

    #[test]
    fn variable_default_values() {
        // "Specifying default values": ${aws:userid, 'anonymous'}.
        let cond = c("StringEquals", "k", &["user/${aws:userid, 'anonymous'}"]);
        assert_eq!(evaluate(&cond, &one("k", "user/anonymous")), T);
        let known = ctx(&[("aws:userid", &["AIDA1"]), ("k", &["user/AIDA1"])]);
        assert_eq!(evaluate(&cond, &known), T);
        let known_other = ctx(&[("aws:userid", &["AIDA1"]), ("k", &["user/anonymous"])]);
        assert_eq!(evaluate(&cond, &known_other), F);
    }

    #[test]
    fn variable_special_characters_are_literal() {
        // "Special characters": ${*}, ${?}, ${$}.
        let cond = c("StringLike", "k", &["a${*}b${?}c${$}*"]);
        assert_eq!(evaluate(&cond, &one("k", "a*b?c$tail")), T);
        assert_eq!(evaluate(&cond, &one("k", "aXbYc$tail")), F);
        let eq = c("StringEquals", "k", &["${$}{x}"]);
        assert_eq!(evaluate(&eq, &one("k", "${x}")), T);
    }

    #[test]
    fn absent_variable_never_matches() {
        // [VARIABLES] "not present ... any attempt to match it fails".
        let cond = c(
            "StringEquals",
            "aws:PrincipalTag/owner",
            &["${aws:username}"],
        );
        let no_user = one("aws:PrincipalTag/owner", "alice");
        assert_eq!(evaluate(&cond, &no_user), F);
        // Another value in the list can still match.
        let cond2 = c(
            "StringEquals",
            "aws:PrincipalTag/owner",
            &["${aws:username}", "alice"],
        );
        assert_eq!(evaluate(&cond2, &no_user), T);
        // Negated: the unmatchable value excludes nothing.
        let ne = c(
            "StringNotEquals",
            "aws:PrincipalTag/owner",
            &["${aws:username}"],
        );
        assert_eq!(evaluate(&ne, &no_user), T);
    }

    #[test]
    fn multivalued_variable_never_matches() {
        // [SETS] "you cannot use a multivalued context key as a policy variable".
        let cond = c("StringEquals", "k", &["${aws:TagKeys}"]);
        let c2 = ctx(&[("aws:TagKeys", &["a", "b"]), ("k", &["a"])]);
        assert_eq!(evaluate(&cond, &c2), F);
    }

    #[test]
    fn unknown_variable_is_unknown() {
        let cond = c(
            "StringEquals",
            "aws:PrincipalTag/owner",
            &["${aws:username}"],
        );
        let partial = RequestContext::open(vec![(
            "aws:PrincipalTag/owner".to_string(),
            vec!["alice".to_string()],
        )]);
        assert_eq!(evaluate(&cond, &partial), U);
        // ...unless another value decides it.
        let cond2 = c(
            "StringEquals",
            "aws:PrincipalTag/owner",
            &["${aws:username}", "alice"],
        );
        assert_eq!(evaluate(&cond2, &partial), T);
        // With a default it is still unknown: the key may exist with another value.
        let cond3 = c(
            "StringEquals",
            "aws:PrincipalTag/owner",
            &["${aws:username, 'x'}"],
        );
        assert_eq!(evaluate(&cond3, &partial), U);
    }

    #[test]
    fn unterminated_variable_is_literal() {
        let cond = c("StringEquals", "k", &["a${b"]);
        assert_eq!(evaluate(&cond, &one("k", "a${b")), T);
    }

    #[test]
    fn bool_accepts_variable() {
        // [OPERATORS] Boolean: "You can use a policy variable".
        let cond = c("Bool", "aws:SecureTransport", &["${my:flag}"]);
        let c2 = ctx(&[("my:flag", &["true"]), ("aws:SecureTransport", &["true"])]);
        assert_eq!(evaluate(&cond, &c2), T);
    }

    // ----- evaluate_all ([MULTI]) -------------------------------------------

    #[test]
    fn evaluate_all_ands_blocks() {
        // [MULTI] "multiple condition operators ... evaluated using a logical AND".
        let conds = vec![
            c("StringEquals", "ec2:ResourceTag/Environment", &["prod"]),
            c("BoolIfExists", "aws:MultiFactorAuthPresent", &["false"]),
        ];
        let prod_no_mfa = one("ec2:ResourceTag/Environment", "prod");
        assert_eq!(evaluate_all(&conds, &prod_no_mfa), T);
        let prod_mfa = ctx(&[
            ("ec2:ResourceTag/Environment", &["prod"]),
            ("aws:MultiFactorAuthPresent", &["true"]),
        ]);
        assert_eq!(evaluate_all(&conds, &prod_mfa), F);
        assert_eq!(evaluate_all(&conds, &RequestContext::unknown()), U);
        // False dominates Unknown.
        let dev_unknown_mfa = RequestContext::open(vec![(
            "ec2:ResourceTag/Environment".to_string(),
            vec!["dev".to_string()],
        )]);
        assert_eq!(evaluate_all(&conds, &dev_unknown_mfa), F);
        assert_eq!(evaluate_all(&[], &RequestContext::unknown()), T);
    }

    #[test]
    fn condition_serde_roundtrip() {
        let cond = c("StringEquals", "aws:username", &["a", "b"]);
        let json = serde_json::to_string(&cond).unwrap();
        let back: Condition = serde_json::from_str(&json).unwrap();
        assert_eq!(back, cond);
    }

    // ----- helpers ------------------------------------------------------------

    #[test]
    fn arn_splitter_respects_variables() {
        assert_eq!(
            split_arn("arn:aws:s3:::bucket/${aws:username}/*"),
            Some(vec!["arn", "aws", "s3", "", "", "bucket/${aws:username}/*"])
        );
        assert_eq!(split_arn("arn:aws:s3"), None);
    }

    #[test]
    fn ip_parser() {
        assert!(parse_net("10.0.0.0/8").is_some());
        assert!(parse_net("10.0.0.0/").is_none());
        assert!(parse_net("2001:db8::/129").is_none());
        assert!(net_contains(
            parse_net("10.0.0.0/8").unwrap(),
            parse_net("10.1.0.0/16").unwrap()
        ));
        assert!(!net_contains(
            parse_net("10.1.0.0/16").unwrap(),
            parse_net("10.0.0.0/8").unwrap()
        ));
        // Mapped IPv6 ranges become IPv4 ranges.
        assert_eq!(
            parse_net("::ffff:10.0.0.0/104"),
            Some((IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 0)), 8))
        );
        assert!(parse_net("::ffff:10.0.0.0/130").is_none());
        // Host bits in the policy value are ignored, as for any CIDR.
        assert!(net_contains(
            parse_net("10.0.0.5/24").unwrap(),
            parse_net("10.0.0.200").unwrap()
        ));
    }
}
