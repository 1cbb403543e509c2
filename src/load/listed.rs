//! The long lists of an IAM export, parsed on every core.
//!
//! `aws iam get-account-authorization-details` is one JSON document: on a large
//! account, tens of megabytes in four lists (users, groups, roles, managed
//! policies) that one thread would parse element after element. While the
//! document is read, such a list is only split into its elements (serde_json
//! checks each element's syntax and records where it lies, without building
//! anything); [`resolve`] then parses the elements, in order, on every core.
//! Errors keep their place: an element's error is reported at its line and
//! column in the whole file.
//!
//! Splitting needs a JSON text in memory; YAML, and lists small enough that
//! threads would not pay, are parsed in place as usual.
use std::cell::Cell;
use std::ops::Range;

use serde::de::{Deserialize, DeserializeOwned, Deserializer};
use serde_json::value::RawValue;

use super::read::RawInput;
use crate::diag::Result;
use crate::iam::policy::KeepStatementsFor;

/// Below this many bytes in a list, parsing it on more threads costs more than it saves.
const PARALLEL_ABOVE: usize = 1 << 20;

thread_local! {
    /// While a JSON text is parsed with splitting on: where it lies in memory.
    static TEXT: Cell<Option<(usize, usize)>> = const { Cell::new(None) };
}

/// Lists deserialized on this thread while alive are split into element ranges
/// of `text`, which must be the very string being deserialized (`from_str`).
pub(super) struct Splitting {
    previous: Option<(usize, usize)>,
}

impl Splitting {
    pub(super) fn over(text: &str) -> Self {
        let previous = TEXT.with(|t| t.replace(Some((text.as_ptr() as usize, text.len()))));
        Splitting { previous }
    }
}

impl Drop for Splitting {
    fn drop(&mut self) {
        TEXT.with(|t| t.set(self.previous));
    }
}

/// A list as read: parsed, or (while splitting) the byte ranges of its elements.
pub(super) enum Listed<T> {
    Parsed(Vec<T>),
    Split(Vec<Range<usize>>),
}

impl<T> Listed<T> {
    /// The parsed list. [`resolve`] leaves no list split; a split one here would be
    /// a bug in the loader, so it is checked in debug builds.
    pub(super) fn into_vec(self) -> Vec<T> {
        match self {
            Listed::Parsed(v) => v,
            Listed::Split(ranges) => {
                debug_assert!(ranges.is_empty(), "a split list was never resolved");
                Vec::new()
            }
        }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Listed<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let Some((base, len)) = TEXT.with(Cell::get) else {
            return Vec::<T>::deserialize(d).map(Listed::Parsed);
        };
        let elements = Vec::<&'de RawValue>::deserialize(d)?;
        elements
            .iter()
            .map(|e| {
                let s = e.get();
                (s.as_ptr() as usize)
                    .checked_sub(base)
                    .map(|start| start..start + s.len())
                    .filter(|r| r.end <= len)
                    .ok_or_else(|| {
                        serde::de::Error::custom("list element outside the text being read")
                    })
            })
            .collect::<std::result::Result<Vec<_>, _>>()
            .map(Listed::Split)
    }
}

/// Parses a split list's elements (on every core when it is large), in order.
pub(super) fn resolve<T: DeserializeOwned + Send>(
    list: &mut Option<Listed<T>>,
    raw: &RawInput,
) -> Result<()> {
    let Some(Listed::Split(ranges)) = list else {
        return Ok(());
    };
    let ranges = std::mem::take(ranges);
    let text = raw.text.as_str();
    let bytes: usize = ranges.iter().map(|r| r.len()).sum();
    let keep = KeepStatementsFor::current();
    let parse_chunk =
        |chunk: &[Range<usize>]| -> std::result::Result<Vec<T>, (usize, serde_json::Error)> {
            // The statement filter is per thread: carry the caller's over.
            let _keep = keep.map(KeepStatementsFor::new);
            let parsed = chunk
                .iter()
                .map(|r| {
                    let element = text.get(r.clone()).unwrap_or_default();
                    serde_json::from_str::<T>(element).map_err(|e| (r.start, e))
                })
                .collect();
            // Parsed: a mapped file's pages for this chunk can leave memory.
            if let (Some(first), Some(last)) = (chunk.first(), chunk.last()) {
                raw.text.done_with(first.start..last.end);
            }
            parsed
        };
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let parsed: Vec<std::result::Result<Vec<T>, (usize, serde_json::Error)>> =
        if threads > 1 && bytes >= PARALLEL_ABOVE {
            // A few chunks per thread, so that one slow chunk does not leave a core idle.
            let size = ranges.len().div_ceil(threads * 4).max(1);
            let chunks: Vec<&[Range<usize>]> = ranges.chunks(size).collect();
            crate::par::map(&chunks, |c| parse_chunk(c))
        } else {
            vec![parse_chunk(&ranges)]
        };
    let mut out = Vec::with_capacity(ranges.len());
    for chunk in parsed {
        match chunk {
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
