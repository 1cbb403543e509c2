//! The long lists of an IAM export, parsed on every core.
//!
//! `aws iam get-account-authorization-details` is one JSON document: on a large
//! account, tens of megabytes in four lists (users, groups, roles, managed
//! policies) that one thread would parse element after element. [`parse_json`]
//! first finds where each element of the four lists lies ([`scan`], without
//! parsing anything) and hands the elements over in batches, as they are found,
//! to parsers on the other cores; once the scan is done, the reading thread parses
//! the rest of the document (the four lists emptied) and then parses elements too.
//! [`resolve`] then puts each list's elements in place, in their order in the
//! file. Errors keep their place: an element's error is reported at its line and
//! column in the whole file, and a document the scan does not accept is parsed
//! whole, as any other, so that its error is serde_json's own.
//!
//! Splitting needs a JSON text in memory; YAML, and texts small enough that
//! threads would not pay, are parsed in place as usual.
use std::ops::Range;
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::Mutex;

use serde::de::{Deserialize, DeserializeOwned, Deserializer};

use super::read::RawInput;
use super::scan;
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
    /// Whether the scan found every byte of every range ASCII
    /// ([`scan::split_lists`]): the elements are then UTF-8 without a check.
    ascii: bool,
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
pub(super) trait Item: DeserializeOwned + super::fastdoc::Element + Send {
    fn store(results: &Results) -> &Mutex<Vec<(usize, Parsed<Self>)>>;
}

macro_rules! item {
    ($t:ty, $field:ident) => {
        impl Item for $t {
            fn store(results: &Results) -> &Mutex<Vec<(usize, Parsed<Self>)>> {
                &results.$field
            }
        }
    };
}
item!(User, users);
item!(Group, groups);
item!(Role, roles);
item!(ManagedPolicy, policies);

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

    /// Marks a list that was read empty (its elements cut out of the text) as
    /// the batches `seqs`; false when the document had no such list, or a full one.
    pub(super) fn attach(list: &mut Option<Self>, seqs: Range<usize>) -> bool {
        match list {
            Some(Listed::Parsed(v)) if v.is_empty() => {
                *list = Some(Listed::Sent(seqs));
                true
            }
            _ => false,
        }
    }
}

impl<'de, T: Item> Deserialize<'de> for Listed<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        Vec::<T>::deserialize(d).map(Listed::Parsed)
    }
}

/// The top-level members split into elements, and their lists.
const LISTS: [(&str, Kind); 4] = [
    ("UserDetailList", Kind::Users),
    ("GroupDetailList", Kind::Groups),
    ("RoleDetailList", Kind::Roles),
    ("Policies", Kind::Policies),
];

/// A text scanned: the document with its split lists emptied, and for each such
/// list the batches its elements went out in.
struct Scanned {
    rest: String,
    lists: Vec<(Kind, Range<usize>)>,
}

/// Scans `text` for the four lists, sending their elements out in batches as they
/// are found; None when the text is not an object holding them plainly (see
/// [`scan::split_lists`]).
fn scan_and_send(text: &[u8], batches: Sender<Batch>) -> Option<Scanned> {
    let mut pending: Vec<Range<usize>> = Vec::new();
    let mut pending_ascii = true;
    let mut pending_list = (0, Kind::Users);
    let mut pending_bytes = 0;
    let mut next_seq = 0;
    // Per list found (in file order), the batches its elements went out in.
    let mut seqs: Vec<Range<usize>> = Vec::new();
    let mut send = |(list, kind): (usize, Kind), ranges: Vec<Range<usize>>, ascii: bool| {
        // A closed channel means the parsers are gone, which only happens once
        // reading has failed: nothing to hand over then.
        let _ = batches.send(Batch {
            kind,
            seq: next_seq,
            ranges,
            ascii,
        });
        // Lists before this one that sent nothing were empty.
        while seqs.len() <= list {
            seqs.push(next_seq..next_seq);
        }
        if let Some(s) = seqs.get_mut(list) {
            s.end = next_seq + 1;
        }
        next_seq += 1;
    };
    let split = scan::split_lists(text, &LISTS, |list, kind, range, ascii| {
        if list != pending_list.0 && !pending.is_empty() {
            send(pending_list, std::mem::take(&mut pending), pending_ascii);
            pending_bytes = 0;
            pending_ascii = true;
        }
        pending_list = (list, kind);
        pending_bytes += range.len();
        pending_ascii &= ascii;
        pending.push(range);
        if pending_bytes >= BATCH_BYTES {
            send(pending_list, std::mem::take(&mut pending), pending_ascii);
            pending_bytes = 0;
            pending_ascii = true;
        }
    });
    if !pending.is_empty() {
        send(pending_list, pending, pending_ascii);
    }
    let split = split?;
    let cut: usize = split.lists.iter().map(|(_, r)| r.len()).sum();
    let mut rest = String::with_capacity(text.len().saturating_sub(cut));
    let mut from = 0;
    let mut lists = Vec::with_capacity(split.lists.len());
    // The text outside the lists, validated here as the parsers validate the
    // elements (each piece ends next to a bracket, so where a character starts).
    let piece = |range| std::str::from_utf8(text.get(range)?).ok();
    for (n, (kind, interior)) in split.lists.into_iter().enumerate() {
        rest.push_str(piece(from..interior.start)?);
        from = interior.end;
        lists.push((kind, seqs.get(n).cloned().unwrap_or(0..0)));
    }
    rest.push_str(piece(from..text.len())?);
    Some(Scanned { rest, lists })
}

/// Reads a JSON text with `parse` (a `serde_json::from_str` into the document
/// type), the four IAM lists parsed on every core. A scan finds their elements
/// and hands them to parsers in batches as it goes; `parse` then reads the rest
/// of the document, those lists emptied, and `attach` marks each such list in it
/// as handed over (false when the document has no such empty list). Small texts,
/// one-core machines, and texts the scan or `parse` of the rest do not accept
/// are read whole with `parse`, whose error is then the one reported. The lists
/// are then put in place with [`resolve`], which also reports their elements'
/// errors.
pub(super) fn parse_json<D>(
    raw: &RawInput,
    parse: impl Fn(&str) -> Result<D>,
    attach: impl Fn(&mut D, Kind, Range<usize>) -> bool,
) -> Result<(D, Results)> {
    // Bytes not yet checked to be text (a mapped file's): every byte this path
    // turns into `str` it validates itself, on every core, and the pieces it
    // validates are the whole text (see `scan_and_send` and `parse_batch`).
    // Anything else reads the text, which checks it all first.
    let text = raw.text.bytes();
    let threads = crate::par::cores();
    if threads >= 2 && text.len() >= PARALLEL_ABOVE {
        let results = Results::default();
        let (batches, incoming) = channel::<Batch>();
        let incoming = Mutex::new(incoming);
        // The statement filter is per thread: the parsers carry the reader's.
        let keep = KeepStatementsFor::current();
        let doc = crate::par::scope(|scope| {
            let parsers: Vec<_> = (1..threads)
                .map(|_| scope.spawn(|| parse_batches(&incoming, raw, &results, keep)))
                .collect();
            // Sending is over when the scan returns (its sender is dropped then).
            let scanned = scan_and_send(text, batches);
            let doc = scanned.and_then(|s| {
                let mut doc = parse(&s.rest).ok()?;
                s.lists
                    .into_iter()
                    .all(|(kind, seqs)| attach(&mut doc, kind, seqs))
                    .then_some(doc)
            });
            // Help with the rest.
            parse_batches(&incoming, raw, &results, keep);
            for p in parsers {
                p.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            }
            doc
        });
        // Parsed: the mapped file's pages can leave memory, in one call. Letting
        // each batch's pages go as it was parsed (a hundred calls on the benchmark
        // export) made every call interrupt the other core to flush its TLB, to
        // hold 2 to 3 MB less at the peak.
        raw.text.done_with(0..text.len());
        if let Some(doc) = doc {
            return Ok((doc, results));
        }
    }
    Ok((parse(raw.text.as_str())?, Results::default()))
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
    }
}

fn parse_batch<T: Item>(batch: &Batch, raw: &RawInput, results: &Results) {
    let text = raw.text.bytes();
    // Collected into room for every element: collecting the `Result`s grew the
    // vector by doubling, copying elements of a few hundred bytes each time (3.3
    // million instructions on the benchmark export).
    let element = |r: &Range<usize>| {
        // The element's bytes, validated here (see `parse_json`), unless the
        // scan saw that they are all ASCII. An element that is not UTF-8
        // fails; the caller then checks the whole text, and that error is the
        // one reported.
        let bytes = text.get(r.clone()).unwrap_or_default();
        let element = if batch.ascii {
            debug_assert!(bytes.is_ascii());
            // SAFETY: the scan classified every byte of this range and found
            // none from 0x80 up (`scan::split_lists`, whose `ascii` flag a
            // test holds to `is_ascii`), and ASCII is UTF-8.
            unsafe { std::str::from_utf8_unchecked(bytes) }
        } else {
            std::str::from_utf8(bytes).map_err(|e| (r.start, serde::de::Error::custom(e)))?
        };
        // Policy documents read by the fast path when it can; the element
        // whole, by serde_json, when it cannot (and for its error).
        super::fastdoc::parse_element::<T>(element)
            .map_or_else(|| serde_json::from_str::<T>(element), Ok)
            .map_err(|e| (r.start, e))
    };
    let parsed: Parsed<T> = (|| {
        let mut items = Vec::with_capacity(batch.ranges.len());
        for r in &batch.ranges {
            items.push(element(r)?);
        }
        Ok(items)
    })();
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::read::{Format, Text};

    #[derive(serde::Deserialize)]
    #[allow(non_snake_case)]
    struct Doc {
        UserDetailList: Option<Listed<User>>,
        RoleDetailList: Option<Listed<Role>>,
        Marker: Option<String>,
    }

    fn raw(text: String) -> RawInput {
        RawInput {
            name: "export.json".to_string(),
            format: Format::Json,
            text: Text::Owned(text),
        }
    }

    /// Reads `raw` as `parse_any` does, and says whether its lists were handed over.
    fn read(raw: &RawInput) -> std::result::Result<(Doc, bool), String> {
        let (mut doc, results) = parse_json(
            raw,
            |text| {
                serde_json::from_str::<Doc>(text)
                    .map_err(|e| crate::diag::Error::usage(e.to_string()))
            },
            |doc, kind, seqs| match kind {
                Kind::Users => Listed::attach(&mut doc.UserDetailList, seqs),
                Kind::Roles => Listed::attach(&mut doc.RoleDetailList, seqs),
                Kind::Groups | Kind::Policies => false,
            },
        )
        .map_err(|e| format!("{e:?}"))?;
        let sent = matches!(doc.UserDetailList, Some(Listed::Sent(_)));
        resolve(&mut doc.UserDetailList, &results, raw).map_err(|e| format!("{e:?}"))?;
        resolve(&mut doc.RoleDetailList, &results, raw).map_err(|e| format!("{e:?}"))?;
        Ok((doc, sent))
    }

    fn export(users: usize) -> String {
        let users: Vec<_> = (0..users)
            .map(|i| {
                serde_json::json!({"UserName": format!("u-{i}"),
                    "Arn": format!("arn:aws:iam::111122223333:user/u-{i}"),
                    "GroupList": ["g\"[1]", "g\\"]})
            })
            .collect();
        let roles =
            [serde_json::json!({"RoleName": "r", "Arn": "arn:aws:iam::111122223333:role/r"})];
        serde_json::to_string_pretty(&serde_json::json!({
            "UserDetailList": users, "RoleDetailList": roles, "Marker": "m{["}))
        .unwrap()
    }

    fn names(doc: Doc) -> (Vec<String>, Vec<String>, Option<String>) {
        let users = doc.UserDetailList.map(Listed::into_vec).unwrap_or_default();
        let roles = doc.RoleDetailList.map(Listed::into_vec).unwrap_or_default();
        (
            users.into_iter().map(|u| u.name).collect(),
            roles.into_iter().map(|r| r.name).collect(),
            doc.Marker,
        )
    }

    #[test]
    fn a_large_export_is_split_and_reads_as_when_parsed_whole() {
        let text = export(20_000);
        assert!(text.len() > PARALLEL_ABOVE);
        let (doc, sent) = read(&raw(text.clone())).unwrap();
        if crate::par::cores() >= 2 {
            assert!(sent, "the users list was parsed in place");
        }
        let whole: Doc = serde_json::from_str(&text).unwrap();
        let (users, roles, marker) = names(doc);
        assert_eq!(users.len(), 20_000);
        assert_eq!((users, roles, marker), names(whole));
    }

    /// A large file, mapped, is read by the split path without the pass over the
    /// whole file that checks its text: each piece is validated as it is parsed.
    /// A byte that is not UTF-8, in an element or outside the lists, fails the
    /// read, and the whole-file check then has the error `load` reports.
    #[test]
    fn a_mapped_export_is_validated_piece_by_piece() {
        let text = export(40_000);
        assert!(text.len() > 4 << 20, "too small to be mapped");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("export.json");
        let mapped = |bytes: &[u8]| {
            std::fs::write(&path, bytes).unwrap();
            let raw = crate::load::read::read_deferred(&path, &Default::default()).unwrap();
            assert!(matches!(raw.text, Text::Mapped(_)), "not mapped");
            raw
        };
        let raw = mapped(text.as_bytes());
        let (doc, sent) = read(&raw).unwrap();
        if crate::par::cores() >= 2 {
            assert!(sent, "the users list was parsed in place");
            assert!(!raw.text.was_checked(), "the whole file was checked");
        }
        raw.text.check(&raw.name, false).unwrap();
        let whole: Doc = serde_json::from_str(&text).unwrap();
        assert_eq!(names(doc), names(whole));

        for needle in ["u-12345\"", "m{["] {
            let at = text.find(needle).unwrap() + 1;
            let mut bytes = text.clone().into_bytes();
            bytes[at] = 0xe9;
            let raw = mapped(&bytes);
            assert!(read(&raw).is_err(), "{needle}: read");
            let e = raw.text.check(&raw.name, true).unwrap_err();
            assert!(
                e.to_string()
                    .contains(&format!("invalid UTF-8 at byte {at}")),
                "{needle}: {e}"
            );
        }
    }

    /// An export of roles with policy documents, as the AWS CLI indents it; the
    /// role numbered `bad`, if any, has an Effect that is refused.
    fn roles_export(roles: usize, bad: Option<usize>) -> String {
        let roles: Vec<_> = (0..roles)
            .map(|i| {
                let effect = if Some(i) == bad { "Maybe" } else { "Allow" };
                serde_json::json!({"RoleName": format!("r-{i}"),
                    "Arn": format!("arn:aws:iam::111122223333:role/r-{i}"),
                    "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [
                        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
                    "RolePolicyList": [{"PolicyName": "p", "PolicyDocument": {"Version": "2012-10-17", "Statement": [
                        {"Sid": "Read", "Effect": effect, "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": "*"},
                        {"Effect": "Allow", "Action": format!("ec2:{}", if i % 3 == 0 { "StopInstances" } else { "DescribeInstances" }), "Resource": "*"}]}}]})
            })
            .collect();
        serde_json::to_string_pretty(&serde_json::json!({"RoleDetailList": roles, "Marker": "m"}))
            .unwrap()
    }

    #[test]
    fn policy_documents_of_a_split_export_read_as_in_a_whole_parse() {
        let _keep = KeepStatementsFor::new(&["ec2:StopInstances", "sts:AssumeRole"]);
        let text = roles_export(3_000, None);
        assert!(text.len() > PARALLEL_ABOVE);
        let (doc, _) = read(&raw(text.clone())).unwrap();
        let whole: Doc = serde_json::from_str(&text).unwrap();
        let roles = |d: Doc| format!("{:?}", d.RoleDetailList.map(Listed::into_vec));
        let (split, whole) = (roles(doc), roles(whole));
        assert_eq!(split, whole);
        // Statements were left out as the filter says.
        assert!(
            split.contains("written_index: [1]"),
            "no statement was left out"
        );

        // A refused document inside an element: the whole parse's error, placed
        // where it is in the file.
        let bad = roles_export(3_000, Some(2_500));
        let expected = serde_json::from_str::<Doc>(&bad).err().unwrap().to_string();
        assert!(expected.contains("Effect must be"), "{expected}");
        let err = read(&raw(bad)).err().unwrap();
        // `read` gives the error's Debug form, which escapes quotes.
        let expected = format!("{expected:?}");
        let expected = expected.trim_matches('"');
        assert!(err.contains(expected), "{err} lacks {expected}");
    }

    #[test]
    fn a_document_the_scan_refuses_gets_the_whole_parse_and_its_error() {
        let text = export(20_000);
        // A text the split read refuses is reported as the whole parse reports it.
        let fails_as_whole = |bad: String| {
            let expected = serde_json::from_str::<Doc>(&bad).err().unwrap().to_string();
            let err = read(&raw(bad)).err().unwrap();
            assert!(err.contains(&expected), "{err} lacks {expected}");
        };
        // A missing comma between two users.
        fails_as_whole(text.replacen("},\n    {", "}\n    {", 1));

        // A key the scan does not know (escaped) that the whole parse does.
        let escaped = text.replacen("\"UserDetailList\"", "\"UserDetail\\u004cist\"", 1);
        let (doc, sent) = read(&raw(escaped)).unwrap();
        assert!(!sent);
        assert_eq!(names(doc).0.len(), 20_000);

        // Valid JSON whose rest the document type refuses.
        fails_as_whole(text.replacen("\"Marker\": \"m{[\"", "\"Marker\": 7", 1));
    }
}
