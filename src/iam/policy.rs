//! IAM policy documents as AWS writes them, parsed once into a form the evaluator can match quickly.
//!
//! A document arrives in three dresses: a JSON object (what the AWS CLI prints), a
//! URL-encoded JSON string (what the raw IAM API returns) or a plain JSON string
//! (CloudFormation, Terraform). All three deserialize into [`PolicyDocument`].
//! Single values and lists are both accepted wherever AWS accepts both.
use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};

use compact_str::CompactString;
use smallvec::SmallVec;

use super::condition::Condition;

/// A pattern of an Action, Resource or Principal list.
pub type Pattern = CompactString;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Effect {
    Allow,
    Deny,
}

/// The `Action`/`NotAction` (or `Resource`/`NotResource`, `Principal`/`NotPrincipal`) pair:
/// AWS allows exactly one of each pair in a statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Matcher {
    Is(Vec<Pattern>),
    Not(Vec<Pattern>),
}

impl Matcher {
    pub fn patterns(&self) -> &[Pattern] {
        match self {
            Matcher::Is(v) | Matcher::Not(v) => v,
        }
    }
    pub fn is_negated(&self) -> bool {
        matches!(self, Matcher::Not(_))
    }
}

/// One principal entry of a trust or resource policy: `("AWS", "arn:...")`,
/// `("Service", "ec2.amazonaws.com")`, or `("*", "*")` for `"Principal": "*"`.
pub type PrincipalEntry = (String, String);

#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    pub sid: Option<String>,
    pub effect: Effect,
    pub action: Matcher,
    /// Absent in trust policies, which name principals instead.
    pub resource: Option<Matcher>,
    pub principal: Option<(bool, Vec<PrincipalEntry>)>,
    pub conditions: Vec<Condition>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct PolicyDocument {
    pub version: Option<String>,
    pub id: Option<String>,
    pub statements: Vec<Statement>,
    /// When statements were left out at parse time (see [`KeepStatementsFor`]):
    /// each kept statement's position in the document as written. Empty when
    /// every statement was kept.
    pub written_index: Vec<u32>,
}

#[derive(Debug, thiserror::Error)]
pub enum DocError {
    #[error("policy document is not valid JSON: {0}")]
    Json(String),
    #[error("URL-encoded policy document is not valid UTF-8")]
    Encoding,
}

impl PolicyDocument {
    /// The position, in the document as written, of the statement at `position` in
    /// [`Self::statements`]: what findings and source locations name.
    pub fn written_index(&self, position: usize) -> usize {
        self.written_index
            .get(position)
            .map_or(position, |&i| i as usize)
    }

    /// Parse the text form: JSON, or JSON that was URL-encoded as the IAM API returns it.
    pub fn from_text(text: &str) -> Result<Self, DocError> {
        let trimmed = text.trim_start();
        if trimmed.starts_with('{') {
            return serde_json::from_str(trimmed).map_err(|e| DocError::Json(e.to_string()));
        }
        let decoded = percent_encoding::percent_decode_str(trimmed)
            .decode_utf8()
            .map_err(|_| DocError::Encoding)?;
        serde_json::from_str(&decoded).map_err(|e| DocError::Json(e.to_string()))
    }
}

// ---------------------------------------------------------------------------
// Leaving statements out while parsing.
// ---------------------------------------------------------------------------

thread_local! {
    static KEEP_FOR: std::cell::Cell<Option<Keep>> = const { std::cell::Cell::new(None) };
}

/// The actions statements are kept for, with what rules most patterns out fast.
#[derive(Clone, Copy)]
struct Keep {
    actions: &'static [&'static str],
    /// The actions' first bytes, ASCII-lowercased; None when an action is empty,
    /// holds a wildcard or starts with a non-ASCII byte (no shortcut then).
    firsts: Option<ByteSet>,
    /// Likewise their second bytes; None also when an action is one byte long.
    seconds: Option<ByteSet>,
}

/// A set of bytes, as 256 bits.
#[derive(Clone, Copy, Default)]
struct ByteSet([u64; 4]);

impl ByteSet {
    fn insert(&mut self, b: u8) {
        if let Some(word) = self.0.get_mut(usize::from(b >> 6)) {
            *word |= 1 << (b & 63);
        }
    }
    fn contains(&self, b: u8) -> bool {
        self.0
            .get(usize::from(b >> 6))
            .is_some_and(|word| word & (1 << (b & 63)) != 0)
    }
}

impl Keep {
    fn new(actions: &'static [&'static str]) -> Self {
        let mut firsts = ByteSet::default();
        let mut seconds = ByteSet::default();
        let mut usable = !actions.is_empty();
        let mut second_usable = usable;
        for a in actions {
            match a.as_bytes() {
                [b, rest @ ..] if b.is_ascii() && !super::eval::is_pattern(a) => {
                    firsts.insert(b.to_ascii_lowercase());
                    match rest.first() {
                        Some(&c) if c.is_ascii() => seconds.insert(c.to_ascii_lowercase()),
                        _ => second_usable = false,
                    }
                }
                _ => usable = false,
            }
        }
        Keep {
            actions,
            firsts: usable.then_some(firsts),
            seconds: (usable && second_usable).then_some(seconds),
        }
    }

    fn current() -> Option<Keep> {
        KEEP_FOR.with(std::cell::Cell::get)
    }
}

/// While alive, policy documents deserialized on this thread keep only the
/// statements that may apply to one of `actions` (the action test the evaluator
/// itself makes, so a statement left out is one that every query about those
/// actions would skip). `check` asks about two actions of a 100,000-statement
/// export; holding the other 95% costs most of its memory and, through page
/// faults, much of its time. Documents record where each kept statement was
/// written ([`PolicyDocument::written_index`]), so findings name the same one.
pub struct KeepStatementsFor {
    previous: Option<Keep>,
}

impl KeepStatementsFor {
    pub fn new(actions: &'static [&'static str]) -> Self {
        let previous = KEEP_FOR.with(|k| k.replace(Some(Keep::new(actions))));
        KeepStatementsFor { previous }
    }

    /// The actions in force on this thread, to carry over to worker threads.
    pub fn current() -> Option<&'static [&'static str]> {
        Keep::current().map(|k| k.actions)
    }
}

impl Drop for KeepStatementsFor {
    fn drop(&mut self) {
        KEEP_FOR.with(|k| k.set(self.previous));
    }
}

/// The statement filter in force on this thread ([`KeepStatementsFor`]), for
/// readers of policy documents other than this module's `Deserialize` ones
/// ([`crate::load::fastdoc`]): they must leave out exactly what it leaves out.
#[derive(Clone, Copy)]
pub(crate) struct StatementFilter(Keep);

impl StatementFilter {
    /// None when every statement is kept on this thread.
    pub(crate) fn current() -> Option<Self> {
        Keep::current().map(StatementFilter)
    }

    /// Whether a statement with these `Action` (or, `negated`, `NotAction`)
    /// patterns is kept: the test the `Deserialize` path makes.
    pub(crate) fn keeps(&self, patterns: &[&str], negated: bool) -> bool {
        may_apply_to(patterns, negated, &self.0)
    }

    /// A document from its parts as read: `kept` holds each kept statement with
    /// its position as written, in order, and `written` counts every statement.
    /// The same value the `Deserialize` path builds from the same text.
    pub(crate) fn document(
        &self,
        version: Option<String>,
        id: Option<String>,
        kept: Vec<(u32, Statement)>,
        written: u32,
    ) -> PolicyDocument {
        let keep = Some(self.0);
        let mut statements = KeptStatements::new(keep);
        statements.statements.reserve_exact(kept.len());
        for (position, s) in kept {
            statements.add(s, position, keep);
        }
        let statements = statements.finish(written);
        PolicyDocument {
            version,
            id,
            statements: statements.statements,
            written_index: statements.written_index,
        }
    }
}

// ---------------------------------------------------------------------------
// Documents cut out of a text and read beforehand.
// ---------------------------------------------------------------------------

/// Documents read before the text around them ([`crate::load::fastdoc`]), which
/// stand in that text as the numbers `base`, `base + 1`, ...
pub(crate) struct CutDocuments {
    pub(crate) base: u64,
    pub(crate) docs: Vec<Option<PolicyDocument>>,
}

thread_local! {
    static CUT: std::cell::RefCell<Option<CutDocuments>> = const { std::cell::RefCell::new(None) };
}

/// Runs `f` (a parse of the text the documents were cut out of) with `cut` in
/// force on this thread: a document deserialized from one of its numbers is
/// the document read for it, taken once. Any other number is refused, as always.
pub(crate) fn with_cut_documents<R>(cut: CutDocuments, f: impl FnOnce() -> R) -> R {
    struct Restore(Option<CutDocuments>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let previous = self.0.take();
            CUT.with(|c| *c.borrow_mut() = previous);
        }
    }
    let _restore = Restore(CUT.with(|c| c.borrow_mut().replace(cut)));
    f()
}

/// The document cut out for the number `n`, once.
fn take_cut(n: u64) -> Option<PolicyDocument> {
    CUT.with(|c| {
        let mut c = c.borrow_mut();
        let cut = c.as_mut()?;
        let slot = usize::try_from(n.checked_sub(cut.base)?).ok()?;
        cut.docs.get_mut(slot)?.take()
    })
}

/// Whether a statement with these actions can matter to a query about one of the
/// actions kept for: the evaluator's own action test. Whether it comes out True
/// or Unknown depends on the Effect, whether it comes out False does not.
fn may_apply(action: &Matcher, keep: &Keep) -> bool {
    may_apply_to(action.patterns(), action.is_negated(), keep)
}

/// [`may_apply`] over the action patterns as parsed, before they are built.
///
/// This runs on every statement of an export, most of which name other services.
/// For actions without wildcards the evaluator's test comes down to whether some
/// pattern matches one of them ([`super::eval::patterns_apply`]: `Action` applies
/// when one does). A pattern that starts with a literal character other than
/// every action's first (case-insensitively, as action names compare) matches
/// none, nor does one whose first two characters are literal and whose second is
/// no action's second: most patterns are ruled out by a look-up or two, without
/// the matcher (`s3:GetObject` beside `sts:AssumeRole`).
/// `NotAction` (applies when no pattern matches) asks the evaluator's question.
fn may_apply_to<P: AsRef<str>>(patterns: &[P], negated: bool, keep: &Keep) -> bool {
    let (false, Some(firsts)) = (negated, keep.firsts) else {
        return keep.actions.iter().any(|a| {
            super::eval::patterns_apply(patterns, negated, a, true, Effect::Allow)
                != super::tri::Tri::False
        });
    };
    patterns.iter().any(|p| {
        let p = p.as_ref();
        let Some(&b) = p.as_bytes().first() else {
            // The empty pattern matches only the empty action.
            return false;
        };
        let b = b.to_ascii_lowercase();
        let wild = |b: u8| b == b'*' || b == b'?';
        let possible = wild(b)
            || (firsts.contains(b)
                && match (keep.seconds, p.as_bytes().get(1)) {
                    (Some(seconds), Some(&c)) => {
                        wild(c) || seconds.contains(c.to_ascii_lowercase())
                    }
                    // One byte long: matches a one-byte action only, which the
                    // matcher decides; or no second-byte set.
                    _ => true,
                });
        possible
            && keep
                .actions
                .iter()
                .any(|a| super::wildcard::matches(p, a, true))
    })
}

// ---------------------------------------------------------------------------
// Deserialization. Written by hand rather than derived: untagged enums would
// buffer every value, and this runs over a hundred thousand statements.
// ---------------------------------------------------------------------------

/// A string or a list of strings (`Resource`, a principal list), as patterns.
struct StringList(Vec<Pattern>);
impl<'de> Deserialize<'de> for StringList {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = RawList::deserialize(d)?.0;
        Ok(StringList(
            raw.iter().map(|s| Pattern::from(s.as_ref())).collect(),
        ))
    }
}

/// A condition value or list element: AWS accepts strings, numbers and booleans and
/// compares their text, so `true` and `"true"` are the same value.
struct ScalarString(String);
impl<'de> Deserialize<'de> for ScalarString {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        ScalarText::deserialize(d).map(|t| ScalarString(t.0.into_owned()))
    }
}

/// Text borrowed from the input where it has no escapes (copied where it has);
/// with `scalars`, numbers and booleans are taken too, as their text.
struct Text {
    scalars: bool,
}

impl Text {
    fn scalar<'de, E: de::Error>(
        self,
        text: impl ToString,
        unexpected: de::Unexpected,
    ) -> Result<Cow<'de, str>, E> {
        if self.scalars {
            Ok(Cow::Owned(text.to_string()))
        } else {
            Err(E::invalid_type(unexpected, &self))
        }
    }
}

impl<'de> Visitor<'de> for Text {
    type Value = Cow<'de, str>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(if self.scalars {
            "a string, number or boolean"
        } else {
            "a string"
        })
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        self.scalar(v, de::Unexpected::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        self.scalar(v, de::Unexpected::Signed(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        self.scalar(v, de::Unexpected::Unsigned(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        self.scalar(v, de::Unexpected::Float(v))
    }
}

/// A map key, borrowed from the text where it can be. serde's own `Cow<str>`
/// always copies (it deserializes a `String`): four allocations for every
/// statement of an export, most of which are then left out.
struct Key<'de>(Cow<'de, str>);
impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_str(Text { scalars: false }).map(Key)
    }
}

/// [`ScalarString`] borrowed from the input where it has no escapes: a statement's
/// Sid, Effect and actions are read this way, and only built into owned values
/// when the statement is kept (see [`KeepStatementsFor`]).
struct ScalarText<'de>(Cow<'de, str>);
impl<'de> Deserialize<'de> for ScalarText<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(Text { scalars: true }).map(ScalarText)
    }
}

/// `Action`/`NotAction` as written, borrowed: most statements of a large export
/// hold a few actions and are then left out, so their strings are never copied.
struct RawList<'de>(SmallVec<[Cow<'de, str>; 4]>);
impl<'de> Deserialize<'de> for RawList<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = SmallVec<[Cow<'de, str>; 4]>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string or a list of strings")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(smallvec::smallvec![Cow::Borrowed(v)])
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(smallvec::smallvec![Cow::Owned(v.to_owned())])
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut out = SmallVec::new();
                while let Some(s) = seq.next_element::<ScalarText<'de>>()? {
                    out.push(s.0);
                }
                Ok(out)
            }
        }
        d.deserialize_any(V).map(RawList)
    }
}

/// Condition values: a scalar or a list of scalars.
struct ScalarList(Vec<String>);
impl<'de> Deserialize<'de> for ScalarList {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Vec<String>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a condition value or a list of them")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(vec![v.to_owned()])
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(vec![v])
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
                Ok(vec![v.to_string()])
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(vec![v.to_string()])
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(vec![v.to_string()])
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                Ok(vec![v.to_string()])
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(s) = seq.next_element::<ScalarString>()? {
                    out.push(s.0);
                }
                Ok(out)
            }
        }
        d.deserialize_any(V).map(ScalarList)
    }
}

struct ConditionBlock(Vec<Condition>);
impl<'de> Deserialize<'de> for ConditionBlock {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Vec<Condition>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a Condition object: {\"Operator\": {\"key\": value}}")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(op) = map.next_key::<String>()? {
                    let keys: KeyValues = map.next_value()?;
                    for (key, values) in keys.0 {
                        out.push(Condition {
                            operator: op.clone(),
                            key,
                            values,
                        });
                    }
                }
                Ok(out)
            }
        }
        d.deserialize_map(V).map(ConditionBlock)
    }
}

struct KeyValues(Vec<(String, Vec<String>)>);
impl<'de> Deserialize<'de> for KeyValues {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Vec<(String, Vec<String>)>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object of condition keys to values")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(k) = map.next_key::<String>()? {
                    let v: ScalarList = map.next_value()?;
                    out.push((k, v.0));
                }
                Ok(out)
            }
        }
        d.deserialize_map(V).map(KeyValues)
    }
}

struct PrincipalBlock(Vec<PrincipalEntry>);
impl<'de> Deserialize<'de> for PrincipalBlock {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Vec<PrincipalEntry>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("\"*\" or an object such as {\"AWS\": \"arn:...\"}")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                if v == "*" {
                    Ok(vec![("*".into(), "*".into())])
                } else {
                    Err(E::invalid_value(de::Unexpected::Str(v), &self))
                }
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(kind) = map.next_key::<String>()? {
                    let values: StringList = map.next_value()?;
                    for v in values.0 {
                        out.push((kind.clone(), v.into()));
                    }
                }
                Ok(out)
            }
        }
        d.deserialize_any(V).map(PrincipalBlock)
    }
}

/// `Statement` as AWS allows it: one object or a list.
pub struct StatementList(pub Vec<Statement>);
impl<'de> Deserialize<'de> for StatementList {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Vec<Statement>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a statement object or a list of them")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                Ok(vec![Statement::deserialize(
                    de::value::MapAccessDeserializer::new(map),
                )?])
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(4));
                while let Some(s) = seq.next_element::<Statement>()? {
                    out.push(s);
                }
                Ok(out)
            }
        }
        d.deserialize_any(V).map(StatementList)
    }
}

/// A document's `Statement`, with the statements that [`KeepStatementsFor`] leaves
/// out dropped as they are read (rather than built, stored and then removed: most
/// statements of a large export go this way), and where each kept one was written
/// ([`PolicyDocument::written_index`], empty when every statement was kept).
struct KeptStatements {
    statements: Vec<Statement>,
    written_index: Vec<u32>,
}

impl KeptStatements {
    fn new(keep_for: Option<Keep>) -> Self {
        KeptStatements {
            // Most documents keep nothing then: no allocation until one is kept.
            statements: if keep_for.is_some() {
                Vec::new()
            } else {
                Vec::with_capacity(4)
            },
            written_index: Vec::new(),
        }
    }

    /// Adds the statement written at `position` (0-based), if it is kept.
    fn add(&mut self, s: Statement, position: u32, keep_for: Option<Keep>) {
        let keep = match keep_for {
            None => true,
            // A statement left out while it was read has an empty Action list,
            // which applies to nothing: no need to ask again.
            Some(_) if matches!(&s.action, Matcher::Is(v) if v.is_empty()) => false,
            Some(keep) => may_apply(&s.action, &keep),
        };
        if !keep {
            return;
        }
        // Once a statement was left out, every kept one after it is behind its
        // written position: from then on each says where it was written, and the
        // ones kept before (at their own positions) are listed first.
        if self.statements.len() as u32 != position {
            if self.written_index.is_empty() {
                self.written_index.extend(0..self.statements.len() as u32);
            }
            self.written_index.push(position);
        }
        self.statements.push(s);
    }

    /// Called once every statement is read: `written` statements in all.
    fn finish(mut self, written: u32) -> Self {
        if self.statements.len() as u32 != written && self.written_index.is_empty() {
            // Only statements after the last kept one were left out.
            self.written_index.extend(0..self.statements.len() as u32);
        }
        // Kept for the whole run: no room for statements that were left out, nor
        // the three a vector makes room for at its first push (most documents
        // keep one statement, if any). On the benchmark export that room was a
        // third of the heap at its peak: 12 MB, every page of it touched, as
        // small blocks are packed together.
        self.statements.shrink_to_fit();
        self.written_index.shrink_to_fit();
        self
    }
}

impl<'de> Deserialize<'de> for KeptStatements {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = KeptStatements;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a statement object or a list of them")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                let keep_for = Keep::current();
                let s = Statement::deserialize(de::value::MapAccessDeserializer::new(map))?;
                let mut kept = KeptStatements::new(keep_for);
                kept.add(s, 0, keep_for);
                Ok(kept.finish(1))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let keep_for = Keep::current();
                let mut kept = KeptStatements::new(keep_for);
                let mut position = 0u32;
                while let Some(s) = seq.next_element::<Statement>()? {
                    kept.add(s, position, keep_for);
                    position += 1;
                }
                Ok(kept.finish(position))
            }
        }
        d.deserialize_any(V)
    }
}

impl<'de> Deserialize<'de> for Statement {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Statement;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a policy statement object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Statement, A::Error> {
                let mut sid: Option<Cow<'de, str>> = None;
                let mut effect = None;
                let mut action = None;
                let mut resource = None;
                let mut principal = None;
                let mut conditions = Vec::new();
                // Once the actions show that the statement will be left out (see
                // KeepStatementsFor), the values after them are only checked for
                // syntax, not built: most statements of a large export go this way.
                let keep_for = Keep::current();
                let mut skip = false;
                while let Some(Key(key)) = map.next_key::<Key<'de>>()? {
                    let key = key.as_ref();
                    if skip && !matches!(key, "Effect" | "Action" | "NotAction") {
                        if matches!(key, "Resource" | "NotResource") {
                            if resource.is_some() {
                                return Err(de::Error::custom(
                                    "a statement may have Resource or NotResource, not both",
                                ));
                            }
                            resource = Some(Matcher::Is(Vec::new()));
                        }
                        map.next_value::<de::IgnoredAny>()?;
                        continue;
                    }
                    match key {
                        "Sid" => sid = Some(map.next_value::<ScalarText<'de>>()?.0),
                        "Effect" => {
                            let e: Cow<'de, str> = map.next_value::<ScalarText<'de>>()?.0;
                            effect = Some(match e.as_ref() {
                                "Allow" => Effect::Allow,
                                "Deny" => Effect::Deny,
                                other => {
                                    return Err(de::Error::custom(format!(
                                        "Effect must be \"Allow\" or \"Deny\", not {other:?}"
                                    )))
                                }
                            });
                        }
                        "Action" | "NotAction" => {
                            let raw = map.next_value::<RawList<'de>>()?.0;
                            if action.is_some() {
                                return Err(de::Error::custom(
                                    "a statement may have Action or NotAction, not both",
                                ));
                            }
                            let negated = key == "NotAction";
                            if let Some(keep) = &keep_for {
                                skip = !may_apply_to(&raw, negated, keep);
                            }
                            // A statement left out keeps an empty Action list, which
                            // applies to nothing (set again at the end).
                            let v: Vec<Pattern> = if skip {
                                Vec::new()
                            } else {
                                raw.iter().map(|a| Pattern::from(a.as_ref())).collect()
                            };
                            action = Some(if negated {
                                Matcher::Not(v)
                            } else {
                                Matcher::Is(v)
                            });
                        }
                        "Resource" | "NotResource" => {
                            let v = map.next_value::<StringList>()?.0;
                            if resource.is_some() {
                                return Err(de::Error::custom(
                                    "a statement may have Resource or NotResource, not both",
                                ));
                            }
                            resource = Some(if key == "Resource" {
                                Matcher::Is(v)
                            } else {
                                Matcher::Not(v)
                            });
                        }
                        "Principal" | "NotPrincipal" => {
                            let v = map.next_value::<PrincipalBlock>()?.0;
                            principal = Some((key == "NotPrincipal", v));
                        }
                        "Condition" => conditions = map.next_value::<ConditionBlock>()?.0,
                        _ => {
                            map.next_value::<de::IgnoredAny>()?;
                        }
                    }
                }
                let effect = effect.ok_or_else(|| de::Error::missing_field("Effect"))?;
                let mut action = action.ok_or_else(|| {
                    de::Error::custom("statement has neither Action nor NotAction")
                })?;
                if skip {
                    // Left out by the document: an empty Action list applies to
                    // nothing, so that its check there is immediate.
                    action = Matcher::Is(Vec::new());
                }
                Ok(Statement {
                    sid: if skip { None } else { sid.map(Cow::into_owned) },
                    effect,
                    action,
                    resource,
                    principal,
                    conditions,
                })
            }
        }
        d.deserialize_map(V)
    }
}

impl<'de> Deserialize<'de> for PolicyDocument {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = PolicyDocument;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a policy document (object, JSON string or URL-encoded string)")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<PolicyDocument, E> {
                PolicyDocument::from_text(v).map_err(E::custom)
            }
            /// A document cut out of the text and read beforehand stands there as a
            /// number ([`with_cut_documents`]); any other number is the type error
            /// it always was.
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<PolicyDocument, E> {
                take_cut(v).ok_or_else(|| E::invalid_type(de::Unexpected::Unsigned(v), &self))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<PolicyDocument, A::Error> {
                let mut doc = PolicyDocument::default();
                let mut seen_statement = false;
                while let Some(Key(key)) = map.next_key::<Key<'de>>()? {
                    match key.as_ref() {
                        "Version" => doc.version = Some(map.next_value()?),
                        "Id" => doc.id = Some(map.next_value::<ScalarString>()?.0),
                        "Statement" => {
                            let kept = map.next_value::<KeptStatements>()?;
                            doc.statements = kept.statements;
                            doc.written_index = kept.written_index;
                            seen_statement = true;
                        }
                        _ => {
                            map.next_value::<de::IgnoredAny>()?;
                        }
                    }
                }
                if !seen_statement {
                    return Err(de::Error::missing_field("Statement"));
                }
                Ok(doc)
            }
        }
        d.deserialize_any(V)
    }
}

// ---------------------------------------------------------------------------
// Serialization back to AWS's own document shape, for snapshots and reports.
// ---------------------------------------------------------------------------

fn ser_list<S: SerializeMap>(m: &mut S, key: &str, v: &[Pattern]) -> Result<(), S::Error> {
    match v {
        [one] => m.serialize_entry(key, one),
        many => m.serialize_entry(key, many),
    }
}

impl Serialize for Statement {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        if let Some(sid) = &self.sid {
            m.serialize_entry("Sid", sid)?;
        }
        m.serialize_entry("Effect", &self.effect)?;
        if let Some((negated, entries)) = &self.principal {
            let key = if *negated {
                "NotPrincipal"
            } else {
                "Principal"
            };
            if entries.iter().any(|(k, _)| k == "*") {
                m.serialize_entry(key, "*")?;
            } else {
                let mut grouped: std::collections::BTreeMap<&str, Vec<&str>> = Default::default();
                for (k, v) in entries {
                    grouped.entry(k).or_default().push(v);
                }
                m.serialize_entry(key, &grouped)?;
            }
        }
        match &self.action {
            Matcher::Is(v) => ser_list(&mut m, "Action", v)?,
            Matcher::Not(v) => ser_list(&mut m, "NotAction", v)?,
        }
        match &self.resource {
            Some(Matcher::Is(v)) => ser_list(&mut m, "Resource", v)?,
            Some(Matcher::Not(v)) => ser_list(&mut m, "NotResource", v)?,
            None => {}
        }
        if !self.conditions.is_empty() {
            m.serialize_entry("Condition", &ConditionsOut(&self.conditions))?;
        }
        m.end()
    }
}

/// Regroups flat conditions into AWS's `{"Operator": {"key": [values]}}` shape.
/// A key repeated under one operator (AND-ed on reading) is written twice, not
/// merged or dropped, so the document reads back with every condition it had.
pub struct ConditionsOut<'a>(pub &'a [Condition]);
impl Serialize for ConditionsOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        struct Keys<'a>(Vec<(&'a str, &'a [String])>);
        impl Serialize for Keys<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                // Sorted by key as before; a stable sort keeps repeats in order.
                let mut keys = self.0.clone();
                keys.sort_by_key(|&(k, _)| k);
                s.collect_map(keys)
            }
        }
        let mut grouped: std::collections::BTreeMap<&str, Keys> = Default::default();
        for c in self.0 {
            grouped
                .entry(c.operator.as_str())
                .or_insert_with(|| Keys(Vec::new()))
                .0
                .push((c.key.as_str(), c.values.as_slice()));
        }
        grouped.serialize(s)
    }
}

impl Serialize for PolicyDocument {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        if let Some(v) = &self.version {
            m.serialize_entry("Version", v)?;
        }
        if let Some(id) = &self.id {
            m.serialize_entry("Id", id)?;
        }
        m.serialize_entry("Statement", &self.statements)?;
        m.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keep_statements_for_leaves_out_the_rest_and_remembers_positions() {
        let src = r#"{"Statement":[
            {"Effect":"Allow","Action":"s3:*","Resource":"*"},
            {"Effect":"Allow","Action":"EC2:stop*","Resource":"*"},
            {"Effect":"Deny","NotAction":["ec2:*","sts:*"],"Resource":"*"},
            {"Effect":"Deny","Action":["logs:*","sts:Assume*"],"Resource":"*"},
            {"Effect":"Allow","Action":"ec2:StartInstances","Resource":"*"},
            {"Sid":7,"Effect":"Allow","Action":["s3:Get*","ec2:Stop\u0049nstances"],"Resource":"*"},
            {"Sid":"x","Effect":"Allow","Action":"ec2:Start\u0049nstances","Resource":"*"}]}"#;
        let whole: PolicyDocument = serde_json::from_str(src).unwrap();
        assert_eq!(whole.statements.len(), 7);
        assert!(whole.written_index.is_empty());
        let kept: PolicyDocument = {
            let _keep = KeepStatementsFor::new(&["ec2:StopInstances", "sts:AssumeRole"]);
            serde_json::from_str(src).unwrap()
        };
        // Case-insensitive actions; a NotAction that excludes both goes; a list
        // with one pattern that matches; escaped action strings (read into owned
        // text, not borrowed) are judged alike, and a kept statement keeps its Sid.
        let positions: Vec<usize> = (0..kept.statements.len())
            .map(|i| kept.written_index(i))
            .collect();
        assert_eq!(positions, [1, 3, 5]);
        assert_eq!(kept.statements[0], whole.statements[1]);
        assert_eq!(kept.statements[1], whole.statements[3]);
        assert_eq!(kept.statements[2], whole.statements[5]);
        assert_eq!(kept.statements[2].sid.as_deref(), Some("7"));
        assert_eq!(
            kept.statements[2].action,
            Matcher::Is(vec!["s3:Get*".into(), "ec2:StopInstances".into()])
        );
        // The guard is scoped: after it, documents are whole again.
        let again: PolicyDocument = serde_json::from_str(src).unwrap();
        assert_eq!(again, whole);
    }

    /// The evaluator's own test, which `may_apply_to` shortens for actions without
    /// wildcards.
    fn may_apply_reference(patterns: &[String], negated: bool, actions: &[&str]) -> bool {
        actions.iter().any(|a| {
            super::super::eval::patterns_apply(patterns, negated, a, true, Effect::Allow)
                != super::super::tri::Tri::False
        })
    }

    use proptest::prelude::Strategy;

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]

        /// Patterns of literal characters in both cases, wildcards and non-ASCII
        /// text, empty ones among them, against literal and wildcard actions.
        #[test]
        fn may_apply_agrees_with_the_evaluator(
            patterns in proptest::collection::vec(
                proptest::collection::vec(
                    proptest::sample::select(vec!["*", "?", "e", "E", "c", "2", ":", "s", "S", "t", "T", "o", "p", "I", "n", "\u{e9}", "x"]),
                    0..8,
                ).prop_map(|parts: Vec<&str>| parts.concat()),
                0..4,
            ),
            negated in proptest::prelude::any::<bool>(),
            which in proptest::collection::vec(0usize..9, 1..3),
        ) {
            const ACTIONS: [&str; 9] = ["ec2:StopInstances", "sts:AssumeRole", "ec2:Stop*", "s?s:x", "\u{e9}c2:x", "Sts:AssumeRole", "", "EC2:StopInstances", "e"];
            let actions: Vec<&str> = which.iter().filter_map(|&i| ACTIONS.get(i).copied()).collect();
            let keep = Keep::new(Box::leak(actions.clone().into_boxed_slice()));
            proptest::prop_assert_eq!(
                may_apply_to(&patterns, negated, &keep),
                may_apply_reference(&patterns, negated, &actions)
            );
        }

        /// Statements left out while they are read are those the whole document,
        /// filtered afterwards, leaves out, and the kept ones know where they were.
        #[test]
        fn kept_statements_are_a_whole_parse_filtered(
            picks in proptest::collection::vec((0usize..7, proptest::prelude::any::<bool>()), 0..9),
            as_object in proptest::prelude::any::<bool>(),
        ) {
            const ACTIONS: [&str; 7] = ["\"s3:*\"", "\"EC2:stop*\"", "[\"logs:*\",\"sts:Assume*\"]", "\"ec2:StartInstances\"", "[]", "\"*\"", "[\"iam:*\",\"ec2:StopInstances\"]"];
            let statements: Vec<String> = picks
                .iter()
                .enumerate()
                .map(|(i, &(a, not))| {
                    let key = if not { "NotAction" } else { "Action" };
                    format!(r#"{{"Sid":"s{i}","Effect":"Allow","{key}":{},"Resource":"*","Condition":{{"Bool":{{"aws:SecureTransport":"true"}}}}}}"#, ACTIONS.get(a).copied().unwrap_or("[]"))
                })
                .collect();
            let body = match (as_object, statements.as_slice()) {
                (true, [one]) => one.clone(),
                _ => format!("[{}]", statements.join(",")),
            };
            let src = format!(r#"{{"Version":"2012-10-17","Statement":{body}}}"#);
            let whole: PolicyDocument = serde_json::from_str(&src).unwrap();
            let keep = ["ec2:StopInstances", "sts:AssumeRole"];
            let expected: Vec<usize> = (0..whole.statements.len())
                .filter(|&i| {
                    let s = &whole.statements[i];
                    may_apply_reference(
                        &s.action.patterns().iter().map(|p| p.to_string()).collect::<Vec<_>>(),
                        s.action.is_negated(),
                        &keep,
                    )
                })
                .collect();
            let kept: PolicyDocument = {
                let _keep = KeepStatementsFor::new(&["ec2:StopInstances", "sts:AssumeRole"]);
                serde_json::from_str(&src).unwrap()
            };
            proptest::prop_assert_eq!(kept.statements.len(), expected.len());
            for (k, &i) in expected.iter().enumerate() {
                proptest::prop_assert_eq!(&kept.statements[k], &whole.statements[i]);
                proptest::prop_assert_eq!(kept.written_index(k), i);
            }
            // Empty exactly when nothing was left out.
            proptest::prop_assert_eq!(
                kept.written_index.is_empty(),
                expected.len() == whole.statements.len() || expected.is_empty()
            );
        }
    }

    /// Keys are read in place where the text allows; escaped keys (which serde_json
    /// hands over as copies) name the same elements.
    #[test]
    fn escaped_keys_read_as_plain_ones() {
        let plain = r#"{"Version":"2012-10-17","Statement":[{"Sid":"a","Effect":"Allow","Action":"ec2:StopInstances","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}]}"#;
        let escaped = r#"{"Versio\u006e":"2012-10-17","St\u0061tement":[{"\u0053id":"a","\u0045ffect":"Allow","Acti\u006fn":"ec2:StopInstances","Res\u006furce":"*","Con\u0064ition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}]}"#;
        let a: PolicyDocument = serde_json::from_str(plain).unwrap();
        let b: PolicyDocument = serde_json::from_str(escaped).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.statements.len(), 1);
        assert_eq!(a.statements[0].conditions.len(), 1);
        let kept: PolicyDocument = {
            let _keep = KeepStatementsFor::new(&["ec2:StopInstances"]);
            serde_json::from_str(escaped).unwrap()
        };
        assert_eq!(kept, a);
    }

    #[test]
    fn parses_object_string_and_urlencoded_forms_alike() {
        let obj = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"ec2:StopInstances","Resource":"*"}}"#;
        let a: PolicyDocument = serde_json::from_str(obj).unwrap();
        let as_string = serde_json::to_string(obj).unwrap();
        let b: PolicyDocument = serde_json::from_str(&as_string).unwrap();
        let encoded: String =
            percent_encoding::utf8_percent_encode(obj, percent_encoding::NON_ALPHANUMERIC)
                .to_string();
        let c: PolicyDocument =
            serde_json::from_str(&serde_json::to_string(&encoded).unwrap()).unwrap();
        assert_eq!(a, b);
        assert_eq!(a, c);
        assert_eq!(a.statements.len(), 1);
        assert_eq!(
            a.statements[0].action,
            Matcher::Is(vec!["ec2:StopInstances".into()])
        );
    }

    #[test]
    fn conditions_flatten_and_stringify_scalars() {
        let d: PolicyDocument = serde_json::from_str(
            r#"{"Statement":[{"Effect":"Deny","NotAction":["iam:*"],"NotResource":"arn:aws:s3:::b",
                "Condition":{"Bool":{"aws:MultiFactorAuthPresent":false},"NumericLessThan":{"aws:MultiFactorAuthAge":[3600, "60"]}}}]}"#,
        )
        .unwrap();
        let s = &d.statements[0];
        assert_eq!(s.effect, Effect::Deny);
        assert!(s.action.is_negated());
        assert_eq!(
            s.resource,
            Some(Matcher::Not(vec!["arn:aws:s3:::b".into()]))
        );
        assert_eq!(s.conditions.len(), 2);
        assert_eq!(s.conditions[0].values, vec!["false".to_string()]);
        assert_eq!(
            s.conditions[1].values,
            vec!["3600".to_string(), "60".to_string()]
        );
    }

    #[test]
    fn rejects_bad_effect_and_double_action() {
        assert!(serde_json::from_str::<PolicyDocument>(
            r#"{"Statement":{"Effect":"Permit","Action":"*"}}"#
        )
        .is_err());
        assert!(serde_json::from_str::<PolicyDocument>(
            r#"{"Statement":{"Effect":"Allow","Action":"*","NotAction":"s3:*"}}"#
        )
        .is_err());
        assert!(serde_json::from_str::<PolicyDocument>(r#"{"Version":"2012-10-17"}"#).is_err());
    }

    #[test]
    fn round_trips_through_aws_shape() {
        let src = r#"{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Allow","Principal":{"AWS":["arn:aws:iam::1:root"]},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"x"}}}]}"#;
        let d: PolicyDocument = serde_json::from_str(src).unwrap();
        let again: PolicyDocument =
            serde_json::from_str(&serde_json::to_string(&d).unwrap()).unwrap();
        assert_eq!(d, again);
    }

    #[test]
    fn round_trip_keeps_a_key_repeated_under_one_operator() {
        // The `policy_document` fuzz target's round-trip check: the second `k` was dropped.
        let src =
            include_str!("../../tests/fixtures/fuzz/policy_document-repeated-condition-key.json");
        let d = PolicyDocument::from_text(src).unwrap();
        assert_eq!(d.statements[0].conditions.len(), 2);
        let again = PolicyDocument::from_text(&serde_json::to_string(&d).unwrap()).unwrap();
        assert_eq!(d, again);
    }
}
