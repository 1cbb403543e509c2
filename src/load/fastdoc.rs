//! Policy documents read without serde_json, when most of their statements are
//! left out.
//!
//! `check` keeps only the statements that may apply to the actions it asks about
//! ([`KeepStatementsFor`](crate::iam::policy::KeepStatementsFor)): on the
//! benchmark export, 5 in 100. serde_json still reads every other statement key by
//! key, value by value, through its visitors, and that was a third of a check's
//! instructions. This module reads a document as bytes instead: it checks the
//! syntax of everything, looks at the few values that decide whether a statement
//! is kept (its keys, `Effect`, `Action` or `NotAction`), builds the statements it
//! keeps when their values are written plainly (strings without escapes, lists
//! and objects of them), and hands serde_json only those it cannot build or
//! decide about.
//!
//! A statement left out is checked as that path checks one: what is written
//! before its actions is read there (and may be refused), what follows only for
//! its syntax; `Effect` must be `Allow` or `Deny` wherever it is.
//!
//! It is used on the elements of an IAM export's long lists ([`listed`](super::listed)).
//! [`parse_element`] first reads the element whole ([`element`]): its fields
//! as the element type's derived `Deserialize` reads them, and its documents
//! with [`document`]. That covers an element written plainly, which is every
//! element the AWS CLI prints but for the rare string with an escape. An element
//! it declines is read in three steps:
//!
//! 1. [`parse_element`] finds each object that is the value of a key
//!    `"Document"`, `"PolicyDocument"` or `"AssumeRolePolicyDocument"`, and reads
//!    it with [`document`].
//! 2. It copies the element with each document read replaced by a number, the
//!    document's slot in a table, offset by a base drawn at random for the thread
//!    (so that no number written in an input can name a slot).
//! 3. serde_json parses that copy into the element's type; the policy document
//!    deserializer takes a document from the table when it meets one of those
//!    numbers ([`with_cut_documents`]).
//!
//! # Why the result is the one serde_json gives
//!
//! - An element read whole is read field by field as the derived `Deserialize`
//!   reads it (see [`element`] for what it declines), with everything it does
//!   not know checked as serde_json checks a value it skips.
//! - The copy differs from the element only where a document was: one JSON value
//!   (the object, whose syntax this module checked) replaced by another (a
//!   number). serde_json parsing the copy proves that each number stands where a
//!   value may, outside any string: the text before it is the same in both. So
//!   the element is valid JSON exactly when the copy is, and its other values
//!   read the same.
//! - A document read here equals what the `Deserialize` path builds from the same
//!   text (the tests check both sides on the same inputs). This module declines
//!   whatever it does not read exactly as that path does: a key or a value it
//!   needs that holds an escape, a repeated key, a value of another type, nesting
//!   deeper than [`MAX_DEPTH`]. A statement it declines is parsed by serde_json on
//!   its own; a document it declines stays in the copy, for serde_json to read in
//!   place.
//! - Numbers stand only where documents were: the values of those three keys,
//!   which the element types read as policy documents or, where they do not
//!   know the key, skip (an object there was checked here). Nothing is cut out
//!   of a document this module declines, which serde_json reads in place: a
//!   condition value keyed `"Document"` would otherwise read as a number where
//!   its object is refused.
//! - Anything that fails (a document serde_json would refuse, or the copy) sends
//!   the element back to serde_json whole ([`listed`](super::listed) does that when
//!   this returns None), so errors are worded and placed as they always were.
use std::cell::Cell;
use std::fmt::Write;
use std::ops::Range;
use std::sync::OnceLock;

use serde::de::DeserializeOwned;
use smallvec::SmallVec;

mod element;

pub(super) use element::Element;

use crate::iam::condition::Condition;
use crate::iam::policy::{
    with_cut_documents, CutDocuments, Effect, Matcher, Pattern, PolicyDocument, PrincipalEntry,
    Statement, StatementFilter,
};

/// Nesting below a document's own object that this module reads; deeper
/// documents are left to serde_json (whose own limit is 128 for the whole text).
const MAX_DEPTH: u32 = 32;

/// The keys whose object values are read as policy documents: every key the
/// export's element types read a document from (see `crate::model`).
const DOCUMENT_KEYS: [&[u8]; 3] = [
    b"\"Document\"",
    b"\"PolicyDocument\"",
    b"\"AssumeRolePolicyDocument\"",
];

/// Parses an element of an IAM export's lists as `serde_json::from_str` would:
/// whole by [`element`] when it can, else with its policy documents read by
/// [`document`] and the rest by serde_json; None when the element holds no
/// document this module reads, or when anything fails (the caller then parses it
/// whole, and reports serde_json's error). Only when statements are being left
/// out on this thread: otherwise every statement is parsed anyway.
pub(super) fn parse_element<T: DeserializeOwned + Element>(element: &str) -> Option<T> {
    let filter = StatementFilter::current()?;
    if let Some(read) = T::read(element, filter) {
        return Some(read);
    }
    let bytes = element.as_bytes();
    static FINDER: OnceLock<memchr::memmem::Finder<'static>> = OnceLock::new();
    let finder = FINDER.get_or_init(|| memchr::memmem::Finder::new(b"Document\""));
    let mut cut: Vec<(Range<usize>, PolicyDocument)> = Vec::new();
    let mut from = 0;
    while let Some(hit) = bytes.get(from..).and_then(|rest| finder.find(rest)) {
        let hit = from + hit;
        from = hit + 1;
        let key_end = hit + b"Document\"".len();
        let Some(start) = document_value(element, key_end) else {
            continue;
        };
        let is_key = DOCUMENT_KEYS.iter().any(|key| {
            key_end
                .checked_sub(key.len())
                .is_some_and(|k| bytes.get(k..key_end) == Some(*key) && !escaped(bytes, k))
        });
        if !is_key {
            continue;
        }
        match document(element, start, filter) {
            Some((doc, end)) => {
                cut.push((start..end, doc));
                from = end;
            }
            None => {
                // Declined: serde_json reads it in place, so nothing inside it is
                // cut out (a condition value keyed "Document" would then read as
                // a number where its object is refused). Its end is found by
                // skipping it; an element whose document cannot be skipped is
                // left to serde_json whole.
                let mut r = Reader::at(element, start);
                r.skip_value()?;
                from = r.i;
            }
        }
    }
    if cut.is_empty() {
        return None;
    }
    let base = base();
    let mut copy = String::with_capacity(element.len());
    let mut at = 0;
    let mut docs = Vec::with_capacity(cut.len());
    for (slot, (range, doc)) in cut.into_iter().enumerate() {
        copy.push_str(element.get(at..range.start)?);
        // Writing to a String cannot fail.
        let _ = write!(copy, "{}", base + slot as u64);
        at = range.end;
        docs.push(Some(doc));
    }
    copy.push_str(element.get(at..)?);
    with_cut_documents(CutDocuments { base, docs }, || {
        serde_json::from_str::<T>(&copy).ok()
    })
}

/// Where the object after a key ending at `key_end` starts (`: {`, with any
/// whitespace); None when the key is not followed by an object.
fn document_value(element: &str, key_end: usize) -> Option<usize> {
    let mut r = Reader::at(element, key_end);
    r.ws();
    r.eat(b':')?;
    r.ws();
    (r.peek()? == b'{').then_some(r.i)
}

/// Whether the byte at `at` (a quote) is escaped: an odd run of backslashes
/// before it.
fn escaped(bytes: &[u8], at: usize) -> bool {
    let before = bytes.get(..at).unwrap_or_default();
    before.iter().rev().take_while(|&&b| b == b'\\').count() % 2 == 1
}

/// This thread's base for the numbers that stand for cut-out documents: drawn
/// from the standard library's per-process random hash keys, between 2^52 and
/// 2^53, so that an input cannot guess it and adding a slot cannot overflow.
fn base() -> u64 {
    thread_local! {
        static BASE: Cell<u64> = const { Cell::new(0) };
    }
    BASE.with(|b| {
        if b.get() == 0 {
            use std::hash::{BuildHasher, Hasher};
            let mut h = std::collections::hash_map::RandomState::new().build_hasher();
            h.write_usize(std::ptr::from_ref(b) as usize);
            b.set((1 << 52) | (h.finish() >> 13));
        }
        b.get()
    })
}

/// Reads the policy document object starting at `start` in `text`: the document
/// and where it ends; None when it is not one this module reads exactly as the
/// `Deserialize` path does, or not valid JSON.
pub(crate) fn document(
    text: &str,
    start: usize,
    filter: StatementFilter,
) -> Option<(PolicyDocument, usize)> {
    let mut r = Reader::at(text, start);
    let mut version: Option<Option<String>> = None;
    let mut id: Option<Option<String>> = None;
    let mut statements: Option<(Vec<(u32, Statement)>, u32)> = None;
    r.object(|r, key| {
        match key {
            Key::Plain(b"Version") if version.is_none() => {
                version = Some(Some(r.plain_string()?.to_string()));
            }
            Key::Plain(b"Id") if id.is_none() => {
                id = Some(Some(r.plain_string()?.to_string()));
            }
            Key::Plain(b"Statement") if statements.is_none() => {
                statements = Some(r.statements(filter)?);
            }
            // A repeated key (the last one wins there) or one that may spell a
            // known key with escapes: left to the `Deserialize` path.
            Key::Plain(b"Version" | b"Id" | b"Statement") | Key::Escaped => return None,
            Key::Plain(_) => r.skip_value()?,
        }
        Some(())
    })?;
    let (kept, written) = statements?;
    let doc = filter.document(version.flatten(), id.flatten(), kept, written);
    Some((doc, r.i))
}

/// An object key as read: its bytes, or a mark that it holds escapes.
enum Key<'a> {
    Plain(&'a [u8]),
    Escaped,
}

/// What a statement's value is, for the statement filter.
enum Verdict {
    /// Left out: nothing to build.
    Dropped,
    /// Kept, and built here.
    Kept(Statement),
    /// Not decided here: serde_json parses the statement on its own.
    Parse,
}

/// Where a statement's value is written, and whether before its actions (the
/// `Deserialize` path reads those even when it then leaves the statement out).
struct Seen {
    at: Range<usize>,
    before_actions: bool,
}

/// A cursor over JSON text that checks syntax as serde_json does and builds
/// nothing but what the caller asks for.
pub(in crate::load) struct Reader<'a> {
    text: &'a str,
    /// `text`'s bytes.
    b: &'a [u8],
    i: usize,
    depth: u32,
}

impl<'a> Reader<'a> {
    /// A reader of `text` from byte `i`, at no depth.
    fn at(text: &'a str, i: usize) -> Self {
        Reader {
            text,
            b: text.as_bytes(),
            i,
            depth: 0,
        }
    }

    #[inline]
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    #[inline]
    fn eat(&mut self, c: u8) -> Option<()> {
        (self.peek()? == c).then(|| self.i += 1)
    }

    /// JSON whitespace, as serde_json skips it.
    #[inline]
    fn ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\t' | b'\r') = self.peek() {
            self.i += 1;
        }
    }

    /// A string at the cursor: its contents' range, and whether they hold an
    /// escape. Checked as serde_json checks a string it skips: no control
    /// character, and only the escapes JSON allows (`\u` with four hex digits).
    #[inline(always)]
    fn string(&mut self) -> Option<(Range<usize>, bool)> {
        let b = self.b;
        if b.get(self.i) != Some(&b'"') {
            return None;
        }
        let start = self.i + 1;
        // Almost every string of an export holds no escape, so the first `"`,
        // `\` or control character after the opening quote closes it. That case
        // is read here, inlined into each caller; the call it replaces cost about
        // a third of the 1.4 million strings' instructions on the benchmark
        // export (865 -> 826 million for a whole check, callgrind).
        let end = special(b, start);
        if b.get(end) == Some(&b'"') {
            self.i = end + 1;
            return Some((start..end, false));
        }
        self.string_rest(start, end)
    }

    /// The rest of [`Self::string`] from `i`, where the first `"`, `\` or control
    /// character after its opening quote at `start - 1` lies, when that is not
    /// the closing quote.
    #[inline(never)]
    fn string_rest(&mut self, start: usize, mut i: usize) -> Option<(Range<usize>, bool)> {
        let b = self.b;
        let mut escapes = false;
        loop {
            match *b.get(i)? {
                b'"' => {
                    self.i = i + 1;
                    return Some((start..i, escapes));
                }
                b'\\' => {
                    escapes = true;
                    match *b.get(i + 1)? {
                        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => i += 2,
                        b'u' => {
                            let hex = b.get(i + 2..i + 6)?;
                            if !hex.iter().all(u8::is_ascii_hexdigit) {
                                return None;
                            }
                            i += 6;
                        }
                        _ => return None,
                    }
                }
                // A control character.
                _ => return None,
            }
            i = special(b, i);
        }
    }

    /// A string value without escapes; None for anything else (escapes, whose
    /// checks on `\u` pairs differ between strings read and strings skipped, and
    /// values of other types, which are left to serde_json).
    #[inline(always)]
    fn plain_string(&mut self) -> Option<&'a str> {
        let (contents, escapes) = self.string()?;
        if escapes {
            return None;
        }
        self.text.get(contents)
    }

    /// A value that is either a plain string or something else: Some(None) for
    /// the latter, skipped; None when it is not valid.
    #[inline(always)]
    fn maybe_plain_string(&mut self) -> Option<Option<&'a str>> {
        if self.peek()? == b'"' {
            let (contents, escapes) = self.string()?;
            return Some(if escapes {
                None
            } else {
                Some(self.text.get(contents)?)
            });
        }
        self.skip_value()?;
        Some(None)
    }

    fn digits(&mut self) -> usize {
        let start = self.i;
        while let Some(b'0'..=b'9') = self.peek() {
            self.i += 1;
        }
        self.i - start
    }

    /// A number, in JSON's grammar as serde_json checks it when skipping one.
    fn number(&mut self) -> Option<()> {
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        match self.peek()? {
            b'0' => {
                self.i += 1;
                if let Some(b'0'..=b'9') = self.peek() {
                    return None;
                }
            }
            b'1'..=b'9' => {
                self.digits();
            }
            _ => return None,
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            if self.digits() == 0 {
                return None;
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.i += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.i += 1;
            }
            if self.digits() == 0 {
                return None;
            }
        }
        Some(())
    }

    fn literal(&mut self, word: &[u8]) -> Option<()> {
        let end = self.i + word.len();
        (self.b.get(self.i..end)? == word).then(|| self.i = end)
    }

    /// Opens an object or array (`open`) at the cursor, one level deeper: true
    /// when it is empty, and then closed too. The caller leaves the level.
    #[inline]
    fn open(&mut self, open: u8, close: u8) -> Option<bool> {
        self.eat(open)?;
        self.enter()?;
        self.ws();
        let empty = self.peek()? == close;
        if empty {
            self.i += 1;
        }
        Some(empty)
    }

    /// After a member or an element: false past a comma (and the whitespace after
    /// it), true past `close`; None at anything else.
    #[inline]
    fn next_or_end(&mut self, close: u8) -> Option<bool> {
        self.ws();
        match self.peek()? {
            b',' => {
                self.i += 1;
                self.ws();
                Some(false)
            }
            c if c == close => {
                self.i += 1;
                Some(true)
            }
            _ => None,
        }
    }

    #[inline]
    fn enter(&mut self) -> Option<()> {
        self.depth += 1;
        (self.depth <= MAX_DEPTH).then_some(())
    }

    /// Any value, checked and skipped: a string here, in the caller (most values
    /// skipped are), anything else in [`Self::skip_other`].
    #[inline(always)]
    fn skip_value(&mut self) -> Option<()> {
        if self.peek()? == b'"' {
            return self.string().map(drop);
        }
        self.skip_other()
    }

    /// Any value, checked and skipped, out of line: [`Self::skip_value`]'s path
    /// for everything but a string (which it also reads, so that it takes any
    /// value).
    #[inline(never)]
    fn skip_other(&mut self) -> Option<()> {
        match self.peek()? {
            b'"' => self.string().map(drop),
            b'{' => self.object(|r, _| r.skip_value()),
            b'[' => self.array(|r| r.skip_value()),
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            b'-' | b'0'..=b'9' => self.number(),
            _ => None,
        }
    }

    /// An object at the cursor: `member` is called with each key, the cursor at
    /// its value, which it must read.
    fn object(&mut self, mut member: impl FnMut(&mut Self, Key<'a>) -> Option<()>) -> Option<()> {
        if !self.open(b'{', b'}')? {
            loop {
                let (key, escapes) = self.string()?;
                let key = if escapes {
                    Key::Escaped
                } else {
                    Key::Plain(self.b.get(key)?)
                };
                self.ws();
                self.eat(b':')?;
                self.ws();
                member(self, key)?;
                if self.next_or_end(b'}')? {
                    break;
                }
            }
        }
        self.depth -= 1;
        Some(())
    }

    /// An array at the cursor: `element` is called with the cursor at each element.
    fn array(&mut self, mut element: impl FnMut(&mut Self) -> Option<()>) -> Option<()> {
        if !self.open(b'[', b']')? {
            loop {
                element(self)?;
                if self.next_or_end(b']')? {
                    break;
                }
            }
        }
        self.depth -= 1;
        Some(())
    }

    /// A document's `Statement` (one object or a list of them): the statements
    /// kept, each with its position, and how many were written.
    fn statements(&mut self, filter: StatementFilter) -> Option<(Vec<(u32, Statement)>, u32)> {
        let mut kept = Vec::new();
        let mut written = 0u32;
        let mut one = |r: &mut Self| -> Option<()> {
            let start = r.i;
            match r.statement(filter)? {
                Verdict::Dropped => {}
                Verdict::Kept(s) => kept.push((written, s)),
                Verdict::Parse => {
                    let text = r.text.get(start..r.i)?;
                    kept.push((written, serde_json::from_str::<Statement>(text).ok()?));
                }
            }
            written += 1;
            Some(())
        };
        match self.peek()? {
            b'{' => one(self)?,
            b'[' => self.array(|r| {
                // A list element that is not an object is refused there.
                (r.peek()? == b'{').then_some(())?;
                one(r)
            })?,
            _ => return None,
        }
        Some((kept, written))
    }

    /// A statement object at the cursor: left out, built, or handed to serde_json
    /// whole. The `Deserialize` path reads keys in order and, once the actions
    /// show that the statement is left out, only checks the syntax of what
    /// follows (but for `Effect`, and a repeated `Action` or `Resource`, which
    /// are errors there); a kept statement has every value read. This reads every
    /// value's syntax, the values that decide (`Effect`, the actions) at once, and
    /// the others (`Sid`, `Resource`, `Principal`, `Condition`) once it knows
    /// whether they are needed: to build a kept statement, or to check those
    /// written before the actions of one left out. It builds only values written
    /// plainly (strings without escapes, lists of them, objects of them); a
    /// repeated key, or anything else, hands the statement to serde_json.
    ///
    /// Written as one loop rather than through [`Self::object`]: this runs on
    /// every statement of an export.
    fn statement(&mut self, filter: StatementFilter) -> Option<Verdict> {
        let empty = self.open(b'{', b'}')?;
        let mut effect: Option<Effect> = None;
        // Some(negated) once the actions are read.
        let mut negated: Option<bool> = None;
        let mut actions: SmallVec<[&'a str; 8]> = SmallVec::new();
        let mut sid: Option<Seen> = None;
        let mut resource: Option<(bool, Seen)> = None;
        let mut principal: Option<(bool, Seen)> = None;
        let mut condition: Option<Seen> = None;
        let mut parse = false;
        if !empty {
            loop {
                let (key, escapes) = self.string()?;
                self.ws();
                self.eat(b':')?;
                self.ws();
                let start = self.i;
                let before_actions = negated.is_none();
                let key = if escapes || parse {
                    // Once handed over, only the syntax matters here; a key with
                    // escapes may spell any of the keys below.
                    parse = true;
                    &b""[..]
                } else {
                    self.b.get(key)?
                };
                match key {
                    b"" if parse => self.skip_value()?,
                    b"Effect" if effect.is_none() => match self.maybe_plain_string()? {
                        Some("Allow") => effect = Some(Effect::Allow),
                        Some("Deny") => effect = Some(Effect::Deny),
                        _ => parse = true,
                    },
                    b"Action" | b"NotAction" if negated.is_none() => {
                        if self.string_list(&mut actions)? {
                            negated = Some(key == b"NotAction");
                        } else {
                            parse = true;
                        }
                    }
                    b"Sid" if sid.is_none() => {
                        self.skip_value()?;
                        sid = Some(Seen {
                            at: start..self.i,
                            before_actions,
                        });
                    }
                    b"Resource" | b"NotResource" if resource.is_none() => {
                        self.skip_value()?;
                        let at = start..self.i;
                        resource = Some((key == b"NotResource", Seen { at, before_actions }));
                    }
                    b"Principal" | b"NotPrincipal" if principal.is_none() => {
                        self.skip_value()?;
                        let at = start..self.i;
                        principal = Some((key == b"NotPrincipal", Seen { at, before_actions }));
                    }
                    b"Condition" if condition.is_none() => {
                        self.skip_value()?;
                        condition = Some(Seen {
                            at: start..self.i,
                            before_actions,
                        });
                    }
                    // A repeated key: the `Deserialize` path keeps the last one, or
                    // refuses the statement.
                    b"Effect" | b"Action" | b"NotAction" | b"Sid" | b"Resource"
                    | b"NotResource" | b"Principal" | b"NotPrincipal" | b"Condition" => {
                        parse = true;
                        self.skip_value()?;
                    }
                    _ => self.skip_value()?,
                }
                if self.next_or_end(b'}')? {
                    break;
                }
            }
        }
        self.depth -= 1;
        // A statement without Effect or actions is refused there.
        let (false, Some(effect), Some(negated)) = (parse, effect, negated) else {
            return Some(Verdict::Parse);
        };
        let text = self.text;
        let at = |seen: &Seen| Reader::at(text, seen.at.start);
        if !filter.keeps(&actions, negated) {
            // Left out: what was written before the actions was read there, and
            // must be what it reads without an error.
            let fine = sid
                .iter()
                .all(|s| !s.before_actions || at(s).plain_string().is_some())
                && resource
                    .iter()
                    .all(|(_, s)| !s.before_actions || at(s).patterns().is_some())
                && principal
                    .iter()
                    .all(|(_, s)| !s.before_actions || at(s).principals().is_some())
                && condition
                    .iter()
                    .all(|s| !s.before_actions || at(s).conditions().is_some());
            return Some(if fine {
                Verdict::Dropped
            } else {
                Verdict::Parse
            });
        }
        let built = (|| {
            let action: Vec<Pattern> = actions.iter().map(|a| Pattern::from(*a)).collect();
            Some(Statement {
                sid: match &sid {
                    Some(s) => Some(at(s).plain_string()?.to_string()),
                    None => None,
                },
                effect,
                action: if negated {
                    Matcher::Not(action)
                } else {
                    Matcher::Is(action)
                },
                resource: match &resource {
                    Some((not, s)) => {
                        let v = at(s).patterns()?;
                        Some(if *not {
                            Matcher::Not(v)
                        } else {
                            Matcher::Is(v)
                        })
                    }
                    None => None,
                },
                principal: match &principal {
                    Some((not, s)) => Some((*not, at(s).principals()?)),
                    None => None,
                },
                conditions: match &condition {
                    Some(s) => at(s).conditions()?,
                    None => Vec::new(),
                },
            })
        })();
        Some(built.map_or(Verdict::Parse, Verdict::Kept))
    }

    /// `Resource` (or a principal list) written plainly: a string or a list of
    /// strings.
    fn patterns(&mut self) -> Option<Vec<Pattern>> {
        let mut raw = SmallVec::new();
        self.string_list(&mut raw)?
            .then(|| raw.iter().map(|p| Pattern::from(*p)).collect())
    }

    /// `Principal` written plainly: `"*"`, or an object of strings or lists of
    /// them, in order.
    fn principals(&mut self) -> Option<Vec<PrincipalEntry>> {
        if self.peek()? == b'"' {
            return (self.plain_string()? == "*").then(|| vec![("*".into(), "*".into())]);
        }
        let mut out = Vec::new();
        let mut plain = true;
        self.object(|r, kind| {
            let (Key::Plain(kind), Some(values)) = (kind, r.patterns()) else {
                plain = false;
                return Some(());
            };
            let kind = std::str::from_utf8(kind).ok()?;
            out.extend(values.into_iter().map(|v| (kind.to_string(), v.into())));
            Some(())
        })?;
        plain.then_some(out)
    }

    /// `Condition` written plainly: operators of keys of strings or lists of
    /// them, flattened in order.
    fn conditions(&mut self) -> Option<Vec<Condition>> {
        let mut out = Vec::new();
        let mut plain = true;
        self.object(|r, operator| {
            let Key::Plain(operator) = operator else {
                plain = false;
                return r.skip_value();
            };
            let operator = std::str::from_utf8(operator).ok()?;
            if r.peek()? != b'{' {
                plain = false;
                return r.skip_value();
            }
            r.object(|r, key| {
                let (Key::Plain(key), Some(values)) = (key, r.values()) else {
                    plain = false;
                    return Some(());
                };
                out.push(Condition {
                    operator: operator.to_string(),
                    key: std::str::from_utf8(key).ok()?.to_string(),
                    values,
                });
                Some(())
            })
        })?;
        plain.then_some(out)
    }

    /// A condition's values written plainly: a string or a list of strings.
    fn values(&mut self) -> Option<Vec<String>> {
        let mut raw = SmallVec::<[&str; 8]>::new();
        self.string_list(&mut raw)?
            .then(|| raw.iter().map(|v| v.to_string()).collect())
    }

    /// A string or a list of strings (`Action`, `Resource`, a condition's values)
    /// into `out`: true when written plainly, false (skipped) when it is anything
    /// else valid.
    fn string_list(&mut self, out: &mut SmallVec<[&'a str; 8]>) -> Option<bool> {
        out.clear();
        match self.peek()? {
            b'"' => {
                let s = self.maybe_plain_string()?;
                out.extend(s);
                Some(s.is_some())
            }
            b'[' => {
                let mut plain = true;
                if !self.open(b'[', b']')? {
                    loop {
                        match self.maybe_plain_string()? {
                            Some(s) => out.push(s),
                            None => plain = false,
                        }
                        if self.next_or_end(b']')? {
                            break;
                        }
                    }
                }
                self.depth -= 1;
                Some(plain)
            }
            _ => {
                self.skip_value()?;
                Some(false)
            }
        }
    }
}

/// Where the first `"`, `\` or control character at or after `from` is in `b`:
/// its length when there is none.
#[inline(always)]
fn special(b: &[u8], from: usize) -> usize {
    let mut i = from;
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{
            __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_max_epu8, _mm_movemask_epi8,
            _mm_or_si128, _mm_set1_epi8,
        };
        while i + 16 <= b.len() {
            // SAFETY: SSE2 is part of the x86-64 baseline; the load reads bytes
            // `i..i + 16`, inside `b` as just checked.
            let mask = unsafe {
                let v = _mm_loadu_si128(b.as_ptr().add(i).cast::<__m128i>());
                let quote = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'"' as i8));
                let backslash = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'\\' as i8));
                // v <= 0x1f, unsigned: max(v, 0x1f) == 0x1f.
                let limit = _mm_set1_epi8(0x1f);
                let control = _mm_cmpeq_epi8(_mm_max_epu8(v, limit), limit);
                _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(quote, backslash), control))
            };
            if mask != 0 {
                return i + mask.trailing_zeros() as usize;
            }
            i += 16;
        }
    }
    while let Some(&c) = b.get(i) {
        if c == b'"' || c == b'\\' || c < 0x20 {
            return i;
        }
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::iam::policy::KeepStatementsFor;
    use crate::model::{InlinePolicy, ManagedPolicy, Role};
    use proptest::prelude::Strategy;

    const KEPT_FOR: &[&str] = &["ec2:StopInstances", "sts:AssumeRole"];

    /// The fast read of `text` (a document from its first byte), and the
    /// `Deserialize` path's read of the same bytes, with statements kept for
    /// [`KEPT_FOR`] on this thread.
    fn both(text: &str) -> (Option<PolicyDocument>, Result<PolicyDocument, String>) {
        let _keep = KeepStatementsFor::new(KEPT_FOR);
        let filter = StatementFilter::current().unwrap();
        let fast = document(text, 0, filter);
        // The document ends where the fast read says; serde_json reads those bytes.
        let end = fast.as_ref().map_or(text.len(), |(_, end)| *end);
        let serde = serde_json::from_str::<PolicyDocument>(text.get(..end).unwrap_or(text))
            .map_err(|e| e.to_string());
        (fast.map(|(doc, _)| doc), serde)
    }

    /// Whatever the fast read returns is what serde_json builds; when serde_json
    /// refuses the text, the fast read returns nothing.
    fn agrees(text: &str) -> Result<bool, String> {
        match both(text) {
            (Some(fast), Ok(serde)) if fast == serde => Ok(true),
            (Some(fast), Ok(serde)) => Err(format!("{text}\nfast:  {fast:?}\nserde: {serde:?}")),
            (Some(fast), Err(e)) => {
                Err(format!("{text}\nread {fast:?}\nwhere serde_json says {e}"))
            }
            (None, _) => Ok(false),
        }
    }

    const STOP: &str = r#"{"Sid":"Stop","Effect":"Allow","Action":["ec2:StopInstances","ec2:StartInstances"],"Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}"#;
    const S3: &str = r#"{"Sid":"Read","Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],"Resource":["arn:aws:s3:::b","arn:aws:s3:::b/*"],"Condition":{"IpAddress":{"aws:SourceIp":["10.0.0.0/8"]}}}"#;
    const TRUST: &str = r#"{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}"#;

    fn doc(statements: &[&str]) -> String {
        format!(
            r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
            statements.join(",")
        )
    }

    #[test]
    fn common_documents_are_read_fast_and_as_serde_json_reads_them() {
        let texts = [
            doc(&[S3, STOP, S3]),
            doc(&[S3, S3]),
            doc(&[TRUST]),
            doc(&[]),
            format!(r#"{{"Statement":{S3},"Version":"2012-10-17","Id":"x"}}"#),
            format!(r#"{{"Statement":{STOP}}}"#),
            // Whitespace as the AWS CLI indents it.
            serde_json::to_string_pretty(
                &serde_json::from_str::<serde_json::Value>(&doc(&[S3, STOP])).unwrap(),
            )
            .unwrap(),
            // Keys in other orders, unknown keys with any value, escapes in
            // values that are only skipped.
            doc(&[
                r#"{"Action":"s3:*","Effect":"Deny","Resource":"*"}"#,
                r#"{"Effect":"Allow","Action":"logs:*","Resource":"a\"b\\c\u00e9\n","X":[1,-2.5e+3,true,false,null,{"k":{}}]}"#,
                r#"{"Sid":"","Effect":"Allow","NotAction":["ec2:StopInstances"],"Resource":"*"}"#,
                r#"{"Effect":"Allow","Action":[],"NotResource":"*"}"#,
            ]),
            // Kept statements, built here: every value written plainly.
            doc(&[
                r#"{"Sid":"A","Effect":"Allow","Principal":"*","Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"x","aws:PrincipalOrgID":["o-1","o-2"]},"Bool":{"aws:SecureTransport":"true"}}}"#,
                r#"{"Effect":"Deny","NotPrincipal":{"AWS":["arn:aws:iam::111122223333:root","arn:aws:iam::111122223333:role/a"],"Service":"ec2.amazonaws.com"},"Action":["sts:AssumeRole"]}"#,
                r#"{"Effect":"Allow","Action":"ec2:Stop*","NotResource":["arn:aws:ec2:*:*:instance/i-1"],"Condition":{}}"#,
                r#"{"Condition":{"StringLike":{"ec2:ResourceTag/Env":"prod*"}},"Resource":"*","Effect":"Allow","NotAction":"s3:*"}"#,
            ]),
        ];
        for text in &texts {
            assert_eq!(agrees(text), Ok(true), "{text}");
        }
        // And the statements left out are left out.
        let (fast, _) = both(&doc(&[S3, STOP, S3]));
        let fast = fast.unwrap();
        assert_eq!(fast.statements.len(), 1);
        assert_eq!(fast.written_index, vec![1]);
    }

    #[test]
    fn what_the_fast_read_declines_or_serde_json_refuses() {
        // (text, whether serde_json accepts it): the fast read must never
        // accept what serde_json refuses, and hands these to it.
        let cases: &[(&str, bool)] = &[
            // Escapes in keys (which may spell a known key) and needed values.
            (
                r#"{"Statement":[{"Effect":"Allow","\u0041ction":"s3:*","Resource":"*"}]}"#,
                true,
            ),
            (r#"{"Statem\u0065nt":[],"Statement":[]}"#, true),
            (
                r#"{"Statement":[{"Effect":"Allow","Action":"s3:\u002a","Resource":"*"}]}"#,
                true,
            ),
            (
                r#"{"Statement":[{"Effect":"All\u006fw","Action":"s3:*","Resource":"*"}]}"#,
                true,
            ),
            (r#"{"Version":"2012\u002d10-17","Statement":[]}"#, true),
            // A lone surrogate: refused in a string serde_json reads.
            (
                r#"{"Statement":[{"Sid":"\ud800","Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#,
                false,
            ),
            // Repeated keys.
            (r#"{"Statement":[],"Statement":[]}"#, true),
            (r#"{"Version":"a","Version":"b","Statement":[]}"#, true),
            (
                r#"{"Statement":[{"Effect":"Allow","Action":"s3:*","Action":"s3:*"}]}"#,
                false,
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","NotResource":"*"}]}"#,
                false,
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Effect":"Deny","Action":"s3:*"}]}"#,
                true,
            ),
            // Values of other types.
            (r#"{"Version":1,"Statement":[]}"#, false),
            (r#"{"Id":1,"Statement":[]}"#, true),
            (
                r#"{"Statement":[{"Effect":"Allow","Action":["s3:*",1],"Resource":"*"}]}"#,
                true,
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Action":{"a":1},"Resource":"*"}]}"#,
                false,
            ),
            (r#"{"Statement":[{"Effect":1,"Action":"s3:*"}]}"#, false),
            (
                r#"{"Statement":[{"Effect":"Maybe","Action":"s3:*"}]}"#,
                false,
            ),
            (
                r#"{"Statement":[{"Sid":{},"Effect":"Allow","Action":"s3:*"}]}"#,
                false,
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Action":"s3:*","Sid":{}}]}"#,
                true,
            ),
            (r#"{"Statement":["x"]}"#, false),
            (r#"{"Statement":"x"}"#, false),
            (r#"{"Version":"2012-10-17"}"#, false),
            // Missing parts.
            (r#"{"Statement":[{"Action":"s3:*","Resource":"*"}]}"#, false),
            (
                r#"{"Statement":[{"Effect":"Allow","Resource":"*"}]}"#,
                false,
            ),
            // What serde_json reads before the actions, and may refuse.
            (
                r#"{"Statement":[{"Effect":"Allow","Condition":{"Bool":{"k":["a",{}]}},"Action":"s3:*"}]}"#,
                false,
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Condition":{"Bool":{"k":"a"}},"Action":"s3:*"}]}"#,
                true,
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Principal":"x","Action":"s3:*"}]}"#,
                false,
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Resource":1,"Action":"s3:*"}]}"#,
                false,
            ),
            // Kept statements with values written otherwise than plainly.
            (
                r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":1},"Action":"sts:AssumeRole"}]}"#,
                false,
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":["a",1]},"Action":"sts:AssumeRole"}]}"#,
                true,
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Principal":{"A\u0057S":"x"},"Action":"sts:AssumeRole"}]}"#,
                true,
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Principal":["x"],"Action":"sts:AssumeRole"}]}"#,
                false,
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Principal":"x","Action":"sts:AssumeRole"}]}"#,
                false,
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Action":"ec2:*","Condition":{"NumericLessThan":{"aws:MultiFactorAuthAge":3600}}}]}"#,
                true,
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Action":"ec2:*","Condition":{"Bool":{"aws:SecureTransport":[true,"false"]}}}]}"#,
                true,
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Action":"ec2:*","Condition":{"Bool":"x"}}]}"#,
                false,
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Action":"ec2:*","Condition":{"Bool":{"k":{}}}}]}"#,
                false,
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Action":"ec2:*","Condition":{"Bool":{"k\u0031":"v"}}}]}"#,
                true,
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Action":"ec2:*","Resource":["a",{}]}]}"#,
                false,
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Action":"ec2:*","Resource":"a\u0062"}]}"#,
                true,
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Action":"ec2:*","Sid":5}]}"#,
                true,
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Action":"ec2:*","Principal":"*","Principal":{"AWS":"a"}}]}"#,
                true,
            ),
            // Left out, with what the `Deserialize` path reads before the actions
            // written otherwise than plainly.
            (
                r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":1},"Action":"s3:*"}]}"#,
                false,
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":["a",1]},"Action":"s3:*"}]}"#,
                true,
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Resource":["a",{}],"Action":"s3:*"}]}"#,
                false,
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":["a",{}]}]}"#,
                true,
            ),
            // Syntax.
            (
                r#"{"Statement":[{"Effect":"Allow","Action":"s3:*",}]}"#,
                false,
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Action":"s3:*"},]}"#,
                false,
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Action":"s3:*","X":01}]}"#,
                false,
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Action":"s3:*","X":1.}]}"#,
                false,
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Action":"s3:*","X":1e}]}"#,
                false,
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Action":"s3:*","X":-}]}"#,
                false,
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Action":"s3:*","X":tru}]}"#,
                false,
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Action":"s3:*","X":"\x"}]}"#,
                false,
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Action":"s3:*","X":"\u12"}]}"#,
                false,
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Action":"s3:*","X":"tab	here"}]}"#,
                false,
            ),
            // Far enough from the end to be found 16 bytes at a time.
            (
                r#"{"Statement":[{"Effect":"Allow","Action":"s3:*","X":"a tab	in a longer string","Resource":"*"}]}"#,
                false,
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Action":"s3:*","X":[1 2]}]}"#,
                false,
            ),
            (
                r#"{"Statement":[{"Effect":"Allow" "Action":"s3:*"}]}"#,
                false,
            ),
            (
                r#"{"Statement":[{"Effect":"Allow","Action":"s3:*"}]"#,
                false,
            ),
        ];
        for (text, accepted) in cases {
            let (fast, serde) = both(text);
            assert_eq!(serde.is_ok(), *accepted, "{text}: {serde:?}");
            match (fast, serde) {
                (Some(f), Ok(s)) => assert_eq!(f, s, "{text}"),
                (Some(f), Err(e)) => panic!("{text}: read {f:?} where serde_json says {e}"),
                (None, _) => {}
            }
        }
        // Nesting deeper than the fast read goes is left to serde_json.
        let deep = format!(
            r#"{{"Statement":[{{"Effect":"Allow","Action":"s3:*","X":{}1{}}}]}}"#,
            "[".repeat(40),
            "]".repeat(40)
        );
        assert_eq!(both(&deep).0, None);
        assert!(both(&deep).1.is_ok());
    }

    #[test]
    fn kept_statements_written_plainly_are_built_here() {
        let _keep = KeepStatementsFor::new(KEPT_FOR);
        let filter = StatementFilter::current().unwrap();
        let verdict = |text: &str| {
            let mut r = Reader::at(text, 0);
            let v = r.statement(filter);
            assert_eq!(r.i, text.len(), "{text}");
            match v {
                Some(Verdict::Kept(_)) => "kept",
                Some(Verdict::Dropped) => "dropped",
                Some(Verdict::Parse) => "parse",
                None => "invalid",
            }
        };
        assert_eq!(verdict(STOP), "kept");
        assert_eq!(verdict(TRUST), "kept");
        assert_eq!(verdict(S3), "dropped");
        assert_eq!(
            verdict(r#"{"Effect":"Allow","Principal":{"AWS":["a",1]},"Action":"sts:AssumeRole"}"#),
            "parse"
        );
        assert_eq!(
            verdict(r#"{"Effect":"Allow","Principal":{"AWS":["a",1]},"Action":"s3:*"}"#),
            "parse"
        );
        assert_eq!(
            verdict(r#"{"Effect":"Allow","Action":"s3:*","Principal":{"AWS":["a",1]}}"#),
            "dropped"
        );
    }

    /// A role as `get-account-authorization-details` lists it, with a trust
    /// policy, inline policies and an instance profile's copy of the role.
    fn role(inline: &str) -> String {
        format!(
            r#"{{"Path":"/","RoleName":"r","RoleId":"AROA1","Arn":"arn:aws:iam::111122223333:role/r",
            "AssumeRolePolicyDocument":{trust},
            "InstanceProfileList":[{{"InstanceProfileName":"p","Roles":[{{"RoleName":"r","AssumeRolePolicyDocument":{trust}}}]}}],
            "RolePolicyList":[{{"PolicyName":"a","PolicyDocument":{inline}}},{{"PolicyName":"b","PolicyDocument":"%7B%22Statement%22%3A%5B%5D%7D"}}],
            "AttachedManagedPolicies":[],"Tags":[{{"Key":"Document","Value":"PolicyDocument\": {{"}}]}}"#,
            trust = doc(&[TRUST]),
        )
    }

    /// The element as the fast path reads it, and as serde_json reads it whole.
    fn element<T: DeserializeOwned + Element + std::fmt::Debug>(
        text: &str,
    ) -> (Option<String>, Result<String, String>) {
        let _keep = KeepStatementsFor::new(KEPT_FOR);
        (
            parse_element::<T>(text).map(|v| format!("{v:?}")),
            serde_json::from_str::<T>(text)
                .map(|v| format!("{v:?}"))
                .map_err(|e| e.to_string()),
        )
    }

    #[test]
    fn an_element_reads_as_serde_json_reads_it_whole() {
        let text = role(&doc(&[S3, STOP, S3]));
        let (fast, whole) = element::<Role>(&text);
        assert!(fast.is_some(), "the fast path was not taken");
        assert_eq!(fast, whole.ok());
        // Without a statement filter on the thread, there is no fast path.
        assert!(parse_element::<Role>(&text).is_none());

        let policy = format!(
            r#"{{"PolicyName":"p","Arn":"arn:aws:iam::111122223333:policy/p","DefaultVersionId":"v2","AttachmentCount":0,
            "PolicyVersionList":[{{"Document":{},"VersionId":"v2","IsDefaultVersion":true}},{{"Document":{},"VersionId":"v1","IsDefaultVersion":false}}]}}"#,
            doc(&[STOP]),
            doc(&[S3])
        );
        let (fast, whole) = element::<ManagedPolicy>(&policy);
        assert!(fast.is_some());
        assert_eq!(fast, whole.ok());
    }

    #[test]
    fn an_element_the_fast_path_cannot_read_is_left_to_serde_json() {
        // A document serde_json refuses: the element's error is its own.
        let (fast, whole) = element::<Role>(&role(
            r#"{"Statement":[{"Effect":"Maybe","Action":"s3:*"}]}"#,
        ));
        assert_eq!(fast, None);
        assert!(whole.unwrap_err().contains("Effect must be"));
        // Bad syntax around a document.
        let (fast, whole) = element::<InlinePolicy>(&format!(
            r#"{{"PolicyName":"a" "PolicyDocument":{}}}"#,
            doc(&[S3])
        ));
        assert_eq!(fast, None);
        assert!(whole.is_err());
        // Nothing is cut out of a document the fast read declines (here for the
        // escape in its Version): a condition keyed "Document", of a kept
        // statement, whose object value serde_json refuses must not read as a
        // number.
        let (fast, whole) = element::<Role>(&role(
            r#"{"Version":"2012\u002d10-17","Statement":[{"Effect":"Allow","Action":"ec2:StopInstances","Resource":"*","Condition":{"StringEquals":{"Document":{"Statement":[]}}}}]}"#,
        ));
        assert_eq!(fast, None);
        assert!(whole.is_err());
        // A number where a document belongs is refused: one that names no cut-out
        // document, and one that names a document another placeholder takes.
        // `role` cuts out its trust policy (number 0 from the base) and the
        // instance profile's copy (1, which nothing takes): a number an input
        // wrote cannot name those, as it cannot know the base.
        for n in [0u64, 1, 2, 1 << 52] {
            let (fast, whole) = element::<Role>(&role(&n.to_string()));
            assert_eq!(fast, None, "{n}");
            assert!(whole.is_err());
        }
        for n in [base(), base() + 1] {
            let text = format!(
                r#"{{"RoleName":"r","Arn":"a","AssumeRolePolicyDocument":{},"RolePolicyList":[{{"PolicyName":"a","PolicyDocument":{n}}}]}}"#,
                doc(&[TRUST])
            );
            let (fast, whole) = element::<Role>(&text);
            assert_eq!(fast, None, "{text}");
            assert!(whole.is_err());
        }
    }

    /// `bases`, mangled: one to three bytes deleted, doubled or replaced by one
    /// of `alphabet` (JSON's structural and escape characters, and letters of
    /// its literals and of the keys the readers know). For the property tests
    /// here and in [`element`].
    pub(super) fn mangle<T: Clone + std::fmt::Debug + 'static>(
        bases: Vec<(T, String)>,
        alphabet: &[u8],
    ) -> impl Strategy<Value = (T, String)> {
        let edit = (
            proptest::prelude::any::<proptest::sample::Index>(),
            0usize..3,
            proptest::sample::select(alphabet.to_vec()),
        );
        (
            proptest::sample::select(bases),
            proptest::collection::vec(edit, 1..4),
        )
            .prop_map(|((tag, base), edits)| {
                let mut bytes = base.into_bytes();
                for (at, op, b) in edits {
                    let i = at.index(bytes.len());
                    match op {
                        0 => {
                            bytes.remove(i);
                        }
                        1 => bytes.insert(i, b),
                        _ => bytes[i] = b,
                    }
                }
                (tag, String::from_utf8(bytes).unwrap_or_default())
            })
    }

    /// A few documents, mangled.
    fn mangled() -> impl Strategy<Value = String> {
        let bases = vec![
            doc(&[S3, STOP, TRUST]),
            doc(&[
                r#"{"Effect":"Deny","NotAction":["s3:*","ec2:Stop*"],"NotResource":"*","X":[1.5,-0,1e9,true,null]}"#,
            ]),
            format!(r#"{{"Id":"i","Statement":{S3}}}"#),
        ];
        let bases = bases.into_iter().map(|b| ((), b)).collect();
        mangle(bases, br#"{}[],:"\ 0123456789.eE+-tfnulAx"#).prop_map(|((), text)| text)
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(3000))]

        /// Mangled documents: whatever the fast read accepts, serde_json accepts
        /// and reads the same.
        #[test]
        fn the_fast_read_never_accepts_what_serde_json_refuses(text in mangled()) {
            if let Err(e) = agrees(&text) {
                proptest::prop_assert!(false, "{}", e);
            }
        }
    }
}
