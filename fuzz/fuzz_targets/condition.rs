//! `condition::evaluate` on arbitrary operators (real ones with set qualifiers,
//! `IfExists` and odd casing, or any string), keys, values shaped like what each
//! operator family parses (dates, numbers, addresses, base64, ARNs, policy
//! variables) and a closed, open or unknown request context. It must never panic,
//! an unknown operator is `False`, and a negated operator is exactly the negation
//! of its positive form.
#![no_main]
use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use stopguard::iam::condition::{evaluate, evaluate_all, is_known_operator, Condition};
use stopguard::iam::context::RequestContext;
use stopguard::iam::tri::Tri;

/// (positive, negated) pairs of [OPERATORS].
const PAIRS: &[(&str, &str)] = &[
    ("StringEquals", "StringNotEquals"),
    ("StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase"),
    ("StringLike", "StringNotLike"),
    ("NumericEquals", "NumericNotEquals"),
    ("DateEquals", "DateNotEquals"),
    ("IpAddress", "NotIpAddress"),
    ("ArnEquals", "ArnNotEquals"),
    ("ArnLike", "ArnNotLike"),
];

const OTHERS: &[&str] = &[
    "NumericLessThan",
    "NumericLessThanEquals",
    "NumericGreaterThan",
    "NumericGreaterThanEquals",
    "DateLessThan",
    "DateLessThanEquals",
    "DateGreaterThan",
    "DateGreaterThanEquals",
    "Bool",
    "BinaryEquals",
    "Null",
];

const KEYS: &[&str] = &[
    "aws:username",
    "aws:SourceIp",
    "aws:CurrentTime",
    "aws:EpochTime",
    "aws:MultiFactorAuthPresent",
    "aws:MultiFactorAuthAge",
    "aws:TagKeys",
    "aws:PrincipalArn",
    "ec2:ResourceTag/Env",
    "",
];

#[derive(Arbitrary, Debug)]
enum Base {
    Pair(u8, bool),
    Other(u8),
    Raw(String),
}

#[derive(Arbitrary, Debug)]
struct Operator {
    set: u8,
    base: Base,
    if_exists: bool,
    upper: bool,
    pad: bool,
}

impl Operator {
    fn text(&self) -> String {
        let set = match self.set % 4 {
            0 => "ForAnyValue:",
            1 => "ForAllValues:",
            _ => "",
        };
        let base = match &self.base {
            Base::Pair(i, neg) => {
                let (p, n) = PAIRS[usize::from(*i) % PAIRS.len()];
                if *neg { n } else { p }.to_string()
            }
            Base::Other(i) => OTHERS[usize::from(*i) % OTHERS.len()].to_string(),
            Base::Raw(s) => s.clone(),
        };
        let mut s = format!(
            "{set}{base}{}",
            if self.if_exists { "IfExists" } else { "" }
        );
        if self.upper {
            s = s.to_ascii_uppercase();
        }
        if self.pad {
            s = format!(" {s}\t");
        }
        s
    }
}

#[derive(Arbitrary, Debug)]
enum Key {
    Known(u8),
    Raw(String),
}

impl Key {
    fn text(&self) -> String {
        match self {
            Key::Known(i) => KEYS[usize::from(*i) % KEYS.len()].to_string(),
            Key::Raw(s) => s.clone(),
        }
    }
}

#[derive(Arbitrary, Debug)]
enum Value {
    Raw(String),
    Int(i128),
    Float(f64),
    Epoch(i64, u32),
    Date(u16, u8, u8, u8, u8, u8, u32, i8),
    DateShort(u16, u8),
    V4(u32, u8),
    V6(u128, u8),
    Base64(Vec<u8>),
    Arn(String, String, String, String, String),
    Variable(Key, Option<String>),
    /// A value with a variable inside it.
    Around(String, Key, String),
    Bool(bool),
}

fn base64(bytes: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for k in 0..=chunk.len() {
            out.push(char::from(T[((n >> (18 - 6 * k)) & 63) as usize]));
        }
    }
    while out.len() % 4 != 0 {
        out.push('=');
    }
    out
}

impl Value {
    fn text(&self) -> String {
        match self {
            Value::Raw(s) => s.clone(),
            Value::Int(i) => i.to_string(),
            Value::Float(f) => f.to_string(),
            Value::Epoch(s, frac) => format!("{s}.{frac}"),
            Value::Date(y, mo, d, h, mi, s, ns, tz) => format!(
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{ns}{}",
                y % 10000,
                mo % 14,
                d % 33,
                h % 25,
                mi % 61,
                s % 62,
                match tz {
                    0 => "Z".to_string(),
                    t if *t > 0 => format!("+{:02}:{:02}", t / 5, (t % 5) * 15),
                    t => format!("-{:02}{:02}", (-(*t as i16)) / 5, ((-(*t as i16)) % 5) * 15),
                }
            ),
            Value::DateShort(y, m) => format!("{:04}-{:02}", y % 10000, m % 14),
            Value::V4(a, p) => format!("{}/{}", std::net::Ipv4Addr::from(*a), p % 40),
            Value::V6(a, p) => format!("{}/{}", std::net::Ipv6Addr::from(*a), p),
            Value::Base64(b) => base64(b),
            Value::Arn(p, s, r, a, res) => format!("arn:{p}:{s}:{r}:{a}:{res}"),
            Value::Variable(k, None) => format!("${{{}}}", k.text()),
            Value::Variable(k, Some(d)) => format!("${{{}, '{d}'}}", k.text()),
            Value::Around(a, k, b) => format!("{a}${{{}}}{b}", k.text()),
            Value::Bool(b) => b.to_string(),
        }
    }
}

#[derive(Arbitrary, Debug)]
enum Mode {
    Unknown,
    Closed,
    Open,
}

#[derive(Arbitrary, Debug)]
struct Input {
    conditions: Vec<(Operator, Key, Vec<Value>)>,
    mode: Mode,
    entries: Vec<(Key, Vec<Value>)>,
    absent: Vec<Key>,
}

fuzz_target!(|input: Input| {
    let entries = input
        .entries
        .iter()
        .map(|(k, vs)| (k.text(), vs.iter().map(Value::text).collect::<Vec<_>>()));
    let mut ctx = match input.mode {
        Mode::Unknown => RequestContext::unknown(),
        Mode::Closed => RequestContext::closed(entries),
        Mode::Open => RequestContext::open(entries),
    };
    for k in &input.absent {
        ctx = ctx.with_absent(&k.text());
    }
    let conditions: Vec<Condition> = input
        .conditions
        .iter()
        .map(|(op, key, values)| {
            Condition::new(op.text(), key.text(), values.iter().map(Value::text))
        })
        .collect();
    for (c, (op, _, _)) in conditions.iter().zip(&input.conditions) {
        let verdict = evaluate(c, &ctx);
        if !is_known_operator(&c.operator) {
            assert_eq!(verdict, Tri::False, "{c:?}");
            continue;
        }
        // A plain negated operator is the negation of its positive form.
        if let (Base::Pair(i, _), false, 2 | 3) = (&op.base, op.if_exists, op.set % 4) {
            let (pos, neg) = PAIRS[usize::from(*i) % PAIRS.len()];
            let p = Condition::new(pos, c.key.clone(), c.values.clone());
            let n = Condition::new(neg, c.key.clone(), c.values.clone());
            assert_eq!(
                evaluate(&n, &ctx),
                evaluate(&p, &ctx).not(),
                "{pos}/{neg} on {:?} {:?} in {ctx:?}",
                c.key,
                c.values
            );
        }
    }
    let _ = evaluate_all(&conditions, &ctx);
});
