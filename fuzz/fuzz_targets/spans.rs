//! The JSON statement-line scanner (private to the loader) through `load_texts`,
//! on policy files written out here with arbitrary whitespace, line breaks, key
//! order and strings full of brackets, braces and escapes. The writer knows the
//! line each statement starts on, so the scanner's answer is checked exactly: a
//! line it reports must be right (it may say "unknown", never something wrong).
#![no_main]
use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use stopguard::load::{load_texts, Format, RawInput};

const TRICKY: &[&str] = &[
    "x]",
    "}{",
    "\\",
    "\"",
    "\"]}",
    "[",
    "{\"Statement\": [",
    "Statement",
    "\\\"",
    "\n",
    "/",
    "é",
    "🦀",
    "ec2:*",
    "*",
    "arn:aws:s3:::b/*",
];

#[derive(Arbitrary, Debug)]
enum S {
    Tricky(u8),
    Raw(String),
}

impl S {
    fn text(&self) -> String {
        match self {
            S::Tricky(i) => TRICKY[usize::from(*i) % TRICKY.len()].to_string(),
            S::Raw(s) => s.clone(),
        }
    }
}

#[derive(Arbitrary, Debug)]
enum V {
    S(S),
    Num(i64),
    Float(f64),
    Bool(bool),
    Null,
    Arr(Vec<V>),
    Obj(Vec<(S, V)>),
}

#[derive(Arbitrary, Debug)]
enum Field {
    Sid(S),
    Action(Vec<S>),
    Resource(S),
    Other(S, V),
}

#[derive(Arbitrary, Debug)]
struct Stmt {
    deny: bool,
    action_first: bool,
    action: S,
    fields: Vec<Field>,
}

#[derive(Arbitrary, Debug)]
struct Input {
    before: Vec<(S, V)>,
    after: Vec<(S, V)>,
    single: bool,
    statements: Vec<Stmt>,
    layout: Vec<u8>,
    escape_slash: bool,
}

struct W<'a> {
    out: String,
    line: u32,
    layout: &'a [u8],
    at: usize,
    escape_slash: bool,
}

impl W<'_> {
    fn raw(&mut self, s: &str) {
        self.line += s.matches('\n').count() as u32;
        self.out.push_str(s);
    }
    fn ws(&mut self) {
        let pick = self.layout.get(self.at).copied().unwrap_or(0);
        self.at += 1;
        let ws = match pick % 8 {
            0 | 1 => "",
            2 => " ",
            3 => "\n",
            4 => "\n    ",
            5 => "\t",
            6 => "\r\n",
            _ => " \n\n ",
        };
        self.raw(ws);
    }
    fn string(&mut self, s: &str) {
        let mut j = serde_json::to_string(s).expect("a string serializes");
        if self.escape_slash {
            j = j.replace('/', "\\/");
        }
        self.raw(&j);
    }
    fn value(&mut self, v: &V) {
        match v {
            V::S(s) => self.string(&s.text()),
            V::Num(n) => self.raw(&n.to_string()),
            V::Float(f) if f.is_finite() => self.raw(&format!("{f:e}")),
            V::Float(_) | V::Null => self.raw("null"),
            V::Bool(b) => self.raw(if *b { "true" } else { "false" }),
            V::Arr(items) => {
                self.raw("[");
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        self.raw(",");
                    }
                    self.ws();
                    self.value(item);
                    self.ws();
                }
                self.raw("]");
            }
            V::Obj(fields) => {
                self.raw("{");
                let mut seen = std::collections::HashSet::new();
                let mut first = true;
                for (k, v) in fields {
                    if !seen.insert(k.text()) {
                        continue;
                    }
                    if !first {
                        self.raw(",");
                    }
                    first = false;
                    self.ws();
                    self.string(&k.text());
                    self.ws();
                    self.raw(":");
                    self.ws();
                    self.value(v);
                    self.ws();
                }
                self.raw("}");
            }
        }
    }
    fn member(&mut self, first: &mut bool, key: &str) {
        if !*first {
            self.raw(",");
        }
        *first = false;
        self.ws();
        self.string(key);
        self.ws();
        self.raw(":");
        self.ws();
    }
    /// Writes one statement; returns the line its `{` is on.
    fn statement(&mut self, s: &Stmt) -> u32 {
        let start = self.line + 1;
        self.raw("{");
        let mut first = true;
        let mut seen = std::collections::HashSet::new();
        if s.action_first {
            self.member(&mut first, "Action");
            self.string(&s.action.text());
        }
        self.member(&mut first, "Effect");
        self.raw(if s.deny { "\"Deny\"" } else { "\"Allow\"" });
        for f in &s.fields {
            let key = match f {
                Field::Sid(_) => "Sid".to_string(),
                Field::Action(_) => "Action".to_string(),
                Field::Resource(_) => "Resource".to_string(),
                Field::Other(k, _) => k.text(),
            };
            // Keys the statement parser knows are written once, valid.
            if matches!(
                key.as_str(),
                "Effect" | "NotAction" | "NotResource" | "Principal" | "NotPrincipal" | "Condition"
            ) || !seen.insert(key.clone())
                || (key == "Action" && s.action_first)
            {
                continue;
            }
            self.member(&mut first, &key);
            match f {
                Field::Sid(x) | Field::Resource(x) => self.string(&x.text()),
                Field::Action(xs) => {
                    self.value(&V::Arr(xs.iter().map(|x| V::S(S::Raw(x.text()))).collect()))
                }
                Field::Other(_, v) if key == "Sid" || key == "Resource" || key == "Action" => {
                    let _ = v;
                    self.string("x")
                }
                Field::Other(_, v) => self.value(v),
            }
        }
        if !s.action_first && !seen.contains("Action") {
            self.member(&mut first, "Action");
            self.string(&s.action.text());
        }
        self.ws();
        self.raw("}");
        start
    }
}

fuzz_target!(|input: Input| {
    let mut w = W {
        out: String::new(),
        line: 0,
        layout: &input.layout,
        at: 0,
        escape_slash: input.escape_slash,
    };
    let mut keys = std::collections::HashSet::new();
    let mut first = true;
    w.ws();
    w.raw("{");
    let mut members = |w: &mut W, list: &[(S, V)], first: &mut bool| {
        for (k, v) in list {
            let k = k.text();
            // Only keys the loader ignores (or takes as any value) around the Statement.
            let ok = !k.is_empty()
                && (k == "Version"
                    || k == "Id"
                    || !k.chars().next().is_some_and(|c| c.is_ascii_alphabetic()));
            if !ok || !keys.insert(k.clone()) {
                continue;
            }
            w.member(first, &k);
            w.value(v);
        }
    };
    members(&mut w, &input.before, &mut first);
    w.member(&mut first, "Statement");
    let mut expected = Vec::new();
    if input.single && !input.statements.is_empty() {
        expected.push(w.statement(&input.statements[0]));
    } else {
        w.raw("[");
        for (i, s) in input.statements.iter().enumerate() {
            if i > 0 {
                w.raw(",");
            }
            w.ws();
            expected.push(w.statement(s));
            w.ws();
        }
        w.raw("]");
    }
    members(&mut w, &input.after, &mut first);
    w.ws();
    w.raw("}");
    let text = w.out;

    let account = match load_texts(vec![RawInput {
        name: "policy.json".into(),
        format: Format::Json,
        text: text.clone(),
    }]) {
        Ok(a) => a,
        Err(_) => return,
    };
    let [file] = account.policy_files.as_slice() else {
        panic!("one policy file expected:\n{text}");
    };
    assert_eq!(file.statement_lines.len(), file.document.statements.len());
    if file.statement_lines.len() != expected.len() {
        return;
    }
    for (got, want) in file.statement_lines.iter().zip(&expected) {
        if let Some(got) = got {
            assert_eq!(
                got, want,
                "statement lines {:?}, expected {expected:?}\n{text}",
                file.statement_lines
            );
        }
    }
});
