//! The long lists of an IAM export, parsed on every core.
//!
//! `aws iam get-account-authorization-details` is one JSON document: on a large
//! account, tens of megabytes in four lists (users, groups, roles, managed
//! policies) that one thread would parse element after element. [`parse_json`]
//! reads such a document on one thread with the four lists only split into their
//! elements (serde_json checks each element's syntax and records where it lies,
//! without building anything), and hands the elements over in batches, as they
//! are found, to parsers on the other cores; once the split is done, the reading
//! thread parses too. [`resolve`] then puts each list's elements in place, in
//! their order in the file. Errors keep their place: an element's error is
//! reported at its line and column in the whole file.
//!
//! Splitting needs a JSON text in memory; YAML, and texts small enough that
//! threads would not pay, are parsed in place as usual.
use std::cell::RefCell;
use std::ops::Range;
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::Mutex;

use serde::de::{Deserialize, DeserializeOwned, Deserializer, SeqAccess, Visitor};
use serde_json::value::RawValue;

use super::read::RawInput;
use crate::diag::Result;
use crate::iam::policy::KeepStatementsFor;
use crate::model::{Group, ManagedPolicy, Role, User};

/// Below this many bytes of text, parsing on more threads costs more than it saves.
const PARALLEL_ABOVE: usize = 1 << 20;

/// Bytes of elements handed over at a time: enough to make handing over cheap,
/// few enough that the parsers start early and share the work evenly.
const BATCH_BYTES: usize = 256 << 10;

/// Which list a batch of elements belongs to.
#[derive(Debug, Clone, Copy)]
pub(super) enum Kind {
    Users,
    Groups,
    Roles,
    Policies,
}

/// Elements of one list, handed to a parser: `seq` orders batches in the file.
struct Batch {
    kind: Kind,
    seq: usize,
    ranges: Vec<Range<usize>>,
}

/// A batch parsed: its elements, or the first one's error with where it starts.
type Parsed<T> = std::result::Result<Vec<T>, (usize, serde_json::Error)>;

/// What the parsers produced, per list, as (batch seq, result).
#[derive(Default)]
pub(super) struct Results {
    users: Mutex<Vec<(usize, Parsed<User>)>>,
    groups: Mutex<Vec<(usize, Parsed<Group>)>>,
    roles: Mutex<Vec<(usize, Parsed<Role>)>>,
    policies: Mutex<Vec<(usize, Parsed<ManagedPolicy>)>>,
}

/// An element type of the four lists.
pub(super) trait Item: DeserializeOwned + Send {
    const KIND: Kind;
    fn store(results: &Results) -> &Mutex<Vec<(usize, Parsed<Self>)>>;
}

macro_rules! item {
    ($t:ty, $kind:ident, $field:ident) => {
        impl Item for $t {
            const KIND: Kind = Kind::$kind;
            fn store(results: &Results) -> &Mutex<Vec<(usize, Parsed<Self>)>> {
                &results.$field
            }
        }
    };
}
item!(User, Users, users);
item!(Group, Groups, groups);
item!(Role, Roles, roles);
item!(ManagedPolicy, Policies, policies);

/// While a JSON text is read with splitting on: where it lies in memory, and
/// where its batches go.
struct Splitter {
    base: usize,
    len: usize,
    batches: Sender<Batch>,
    next_seq: usize,
}

thread_local! {
    static SPLITTER: RefCell<Option<Splitter>> = const { RefCell::new(None) };
}

/// A list as read: parsed in place, or handed over as the batches `seq` range.
pub(super) enum Listed<T> {
    Parsed(Vec<T>),
    Sent(Range<usize>),
}

impl<T> Listed<T> {
    /// The parsed list. [`resolve`] leaves no list handed over; one here would be
    /// a bug in the loader, so it is checked in debug builds.
    pub(super) fn into_vec(self) -> Vec<T> {
        match self {
            Listed::Parsed(v) => v,
            Listed::Sent(seqs) => {
                debug_assert!(seqs.is_empty(), "a split list was never resolved");
                Vec::new()
            }
        }
    }
}

impl<'de, T: Item> Deserialize<'de> for Listed<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        if SPLITTER.with(|s| s.borrow().is_none()) {
            return Vec::<T>::deserialize(d).map(Listed::Parsed);
        }
        d.deserialize_seq(SplitVisitor::<T>(std::marker::PhantomData))
    }
}

struct SplitVisitor<T>(std::marker::PhantomData<T>);

impl<'de, T: Item> Visitor<'de> for SplitVisitor<T> {
    type Value = Listed<T>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a list")
    }

    fn visit_seq<A: SeqAccess<'de>>(
        self,
        mut seq: A,
    ) -> std::result::Result<Self::Value, A::Error> {
        let (base, len, first) = SPLITTER
            .with(|s| {
                let s = s.borrow();
                s.as_ref().map(|s| (s.base, s.len, s.next_seq))
            })
            .ok_or_else(|| serde::de::Error::custom("list split outside a split text"))?;
        let mut pending: Vec<Range<usize>> = Vec::new();
        let mut pending_bytes = 0;
        let mut last = first;
        let mut send = |ranges: Vec<Range<usize>>| {
            SPLITTER.with(|s| {
                if let Some(s) = s.borrow_mut().as_mut() {
                    // A closed channel means the parsers are gone, which only
                    // happens once reading has failed: nothing to hand over then.
                    let _ = s.batches.send(Batch {
                        kind: T::KIND,
                        seq: s.next_seq,
                        ranges,
                    });
                    s.next_seq += 1;
                    last = s.next_seq;
                }
            });
        };
        while let Some(element) = seq.next_element::<&'de RawValue>()? {
            let text = element.get();
            let range = (text.as_ptr() as usize)
                .checked_sub(base)
                .map(|start| start..start + text.len())
                .filter(|r| r.end <= len)
                .ok_or_else(|| {
                    serde::de::Error::custom("list element outside the text being read")
                })?;
            pending_bytes += range.len();
            pending.push(range);
            if pending_bytes >= BATCH_BYTES {
                send(std::mem::take(&mut pending));
                pending_bytes = 0;
            }
        }
        if !pending.is_empty() {
            send(pending);
        }
        Ok(Listed::Sent(first..last))
    }
}

/// Removes the splitter when reading ends, however it ends: dropping its sender
/// tells the parsers that no more batches will come.
struct SplitGuard;

impl Drop for SplitGuard {
    fn drop(&mut self) {
        SPLITTER.with(|s| s.borrow_mut().take());
    }
}

/// Reads a JSON text with `parse` (a `serde_json::from_str` of the whole text),
/// the four IAM lists parsed on every core as they are found. Small texts and
/// one-core machines read in place. The lists are then put in place with
/// [`resolve`], which also reports their elements' errors.
pub(super) fn parse_json<D>(
    raw: &RawInput,
    parse: impl FnOnce(&str) -> Result<D>,
) -> Result<(D, Results)> {
    let text = raw.text.as_str();
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let results = Results::default();
    if threads < 2 || text.len() < PARALLEL_ABOVE {
        return Ok((parse(text)?, results));
    }
    let (batches, incoming) = channel::<Batch>();
    let incoming = Mutex::new(incoming);
    // The statement filter is per thread: the parsers carry the reader's.
    let keep = KeepStatementsFor::current();
    let doc = std::thread::scope(|scope| {
        let parsers: Vec<_> = (1..threads)
            .map(|_| scope.spawn(|| parse_batches(&incoming, raw, &results, keep)))
            .collect();
        let doc = {
            let _guard = SplitGuard;
            SPLITTER.with(|s| {
                *s.borrow_mut() = Some(Splitter {
                    base: text.as_ptr() as usize,
                    len: text.len(),
                    batches,
                    next_seq: 0,
                })
            });
            parse(text)
        };
        // Reading is done (the guard has closed the channel): help with the rest.
        parse_batches(&incoming, raw, &results, keep);
        for p in parsers {
            p.join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        }
        doc
    })?;
    Ok((doc, results))
}

/// Parses batches until the channel is closed and empty.
fn parse_batches(
    incoming: &Mutex<Receiver<Batch>>,
    raw: &RawInput,
    results: &Results,
    keep: Option<&'static [&'static str]>,
) {
    let _keep = keep.map(KeepStatementsFor::new);
    loop {
        let next = match incoming.lock() {
            Ok(rx) => rx.recv(),
            Err(_) => return,
        };
        let Ok(batch) = next else { return };
        match batch.kind {
            Kind::Users => parse_batch::<User>(&batch, raw, results),
            Kind::Groups => parse_batch::<Group>(&batch, raw, results),
            Kind::Roles => parse_batch::<Role>(&batch, raw, results),
            Kind::Policies => parse_batch::<ManagedPolicy>(&batch, raw, results),
        }
        // Parsed: a mapped file's pages for this batch can leave memory.
        if let (Some(first), Some(last)) = (batch.ranges.first(), batch.ranges.last()) {
            raw.text.done_with(first.start..last.end);
        }
    }
}

fn parse_batch<T: Item>(batch: &Batch, raw: &RawInput, results: &Results) {
    let text = raw.text.as_str();
    let parsed: Parsed<T> = batch
        .ranges
        .iter()
        .map(|r| {
            let element = text.get(r.clone()).unwrap_or_default();
            serde_json::from_str::<T>(element).map_err(|e| (r.start, e))
        })
        .collect();
    if let Ok(mut store) = T::store(results).lock() {
        store.push((batch.seq, parsed));
    }
}

/// Puts a handed-over list's parsed elements in place, in file order; the first
/// element error in the file is the one reported.
pub(super) fn resolve<T: Item>(
    list: &mut Option<Listed<T>>,
    results: &Results,
    raw: &RawInput,
) -> Result<()> {
    let Some(Listed::Sent(seqs)) = list else {
        return Ok(());
    };
    let seqs = std::mem::take(seqs);
    let mut batches: Vec<(usize, Parsed<T>)> = match T::store(results).lock() {
        Ok(mut store) => {
            let (mine, rest) = std::mem::take(&mut *store)
                .into_iter()
                .partition(|(seq, _)| seqs.contains(seq));
            *store = rest;
            mine
        }
        Err(_) => Vec::new(),
    };
    if batches.len() != seqs.len() {
        return Err(crate::diag::Error::usage(format!(
            "{}: internal error: {} of {} parts of a list were parsed",
            raw.name,
            batches.len(),
            seqs.len()
        )));
    }
    batches.sort_by_key(|(seq, _)| *seq);
    let total = batches
        .iter()
        .map(|(_, b)| b.as_ref().map_or(0, Vec::len))
        .sum();
    let mut out = Vec::with_capacity(total);
    for (_, batch) in batches {
        match batch {
            Ok(items) => out.extend(items),
            Err((start, e)) => return Err(element_error(raw, start, &e)),
        }
    }
    *list = Some(Listed::Parsed(out));
    Ok(())
}

/// An element's parse error, placed in the whole file.
fn element_error(raw: &RawInput, start: usize, e: &serde_json::Error) -> crate::diag::Error {
    let text = raw.text.as_str();
    let element = text.get(start..).unwrap_or_default();
    let offset = start + crate::diag::offset_of(element, e.line(), e.column());
    let before = text.as_bytes().get(..offset).unwrap_or_default();
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    // Columns count bytes, as serde_json's own do.
    let column = offset - line_start + 1;
    super::json_error(raw, e, line, column)
}
