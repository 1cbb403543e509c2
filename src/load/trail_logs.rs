//! CloudTrail log files, read as streams.
//!
//! A trail delivers `{"Records": [...]}` files, gzipped, under
//! `AWSLogs/<account>/CloudTrail/<region>/<yyyy>/<mm>/<dd>/`; `aws cloudtrail
//! lookup-events` prints `{"Events": [{"EventId", ..., "CloudTrailEvent": "<record
//! as a JSON string>"}], "NextToken"?}`. A month of logs is gigabytes, so nothing
//! here holds a file in memory: each file is decompressed into a bounded buffer,
//! one record at a time is parsed from it (borrowing its strings, ignoring every
//! field but three), and only the records the event policies judge are kept:
//! EC2 StopInstances/StartInstances/TerminateInstances calls, and calls refused
//! for lack of permission (probing). Files are read in parallel, one per thread.
//!
//! A bad file does not stop the run: its error is collected, the other files are
//! still read and judged, and the run ends with exit status 2 (see
//! `commands::check`). A syntax error or truncation ends that file; a record that
//! parses but lacks what a kept event needs (its `eventTime`) is an error for that
//! record only.
use std::borrow::Cow;
use std::io::{self, BufReader, Read};
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::timestamp;
use crate::diag::Error;
use crate::model::TrailEvent;

/// Events kept only inside this window (seconds since the epoch, both inclusive).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Window {
    pub since: Option<i64>,
    pub until: Option<i64>,
}

impl Window {
    pub fn contains(&self, epoch: i64) -> bool {
        self.since.is_none_or(|s| epoch >= s) && self.until.is_none_or(|u| epoch <= u)
    }
}

/// What a file's first key says it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `{"Records": [...]}`, as a trail delivers to S3.
    Records,
    /// `aws cloudtrail lookup-events` output.
    Lookup,
    /// A CloudTrail-Digest file (log file integrity validation): nothing to judge.
    Digest,
}

/// What reading one file gave: the kept events, and its errors.
#[derive(Debug, Default)]
pub struct FileOutcome {
    pub events: Vec<TrailEvent>,
    pub errors: Vec<Error>,
    /// Records seen (kept or not), and decompressed bytes read.
    pub records: u64,
    pub bytes: u64,
}

/// The calls the event policies judge: instance state changes on EC2.
const STATE_CALLS: [&str; 3] = ["StopInstances", "StartInstances", "TerminateInstances"];

/// An error code saying the caller lacked permission: EC2 answers
/// `UnauthorizedOperation` (`Client.UnauthorizedOperation` in some records), most
/// other services `AccessDenied` or `AccessDeniedException`.
pub fn is_denied(code: &str) -> bool {
    let code = code.strip_prefix("Client.").unwrap_or(code);
    code == "UnauthorizedOperation" || code.starts_with("AccessDenied")
}

fn keep(source: Option<&str>, name: Option<&str>, error: Option<&str>) -> bool {
    (source == Some("ec2.amazonaws.com") && name.is_some_and(|n| STATE_CALLS.contains(&n)))
        || error.is_some_and(is_denied)
}

/// The three fields that decide whether a record is kept; every other field is
/// skipped by serde without being built.
#[derive(Deserialize)]
struct Head<'a> {
    #[serde(borrow, default, rename = "eventSource")]
    source: Option<Cow<'a, str>>,
    #[serde(borrow, default, rename = "eventName")]
    name: Option<Cow<'a, str>>,
    #[serde(borrow, default, rename = "errorCode")]
    error_code: Option<Cow<'a, str>>,
}

/// One entry of lookup-events' `Events`.
#[derive(Deserialize)]
struct LookupEntry<'a> {
    #[serde(borrow, default, rename = "CloudTrailEvent")]
    event: Option<Cow<'a, str>>,
}

const CHUNK: usize = 256 * 1024;
const SNIFF_BYTES: usize = 4096;

fn is_gzip(magic: &[u8]) -> bool {
    magic.starts_with(&[0x1f, 0x8b])
}

/// Opens a file, decompressing gzip (recognised by its magic bytes, as elsewhere).
fn open(path: &Path) -> io::Result<Box<dyn Read + Send>> {
    let mut file = BufReader::with_capacity(128 * 1024, std::fs::File::open(path)?);
    let magic = {
        use std::io::BufRead;
        file.fill_buf()?.get(..2).map(<[u8]>::to_vec)
    };
    Ok(if magic.as_deref().is_some_and(is_gzip) {
        Box::new(flate2::bufread::MultiGzDecoder::new(file))
    } else {
        Box::new(file)
    })
}

/// The first key of a JSON object at the start of `text`, if it is plainly written.
fn first_key(text: &[u8]) -> Option<&str> {
    let text = text.strip_prefix(&[0xef, 0xbb, 0xbf]).unwrap_or(text);
    let start = text.iter().position(|b| !b.is_ascii_whitespace())?;
    let rest = text.get(start..)?.strip_prefix(b"{")?;
    let start = rest.iter().position(|b| !b.is_ascii_whitespace())?;
    let rest = rest.get(start..)?.strip_prefix(b"\"")?;
    let end = rest.iter().position(|&b| b == b'"' || b == b'\\')?;
    std::str::from_utf8(rest.get(..end)?).ok()
}

/// Whether the file is a CloudTrail log (or lookup-events output), by its first
/// key, read from at most the first 4 KiB after decompression. Unreadable files
/// are left to the ordinary loader, which reports them.
pub fn sniff(path: &Path) -> Option<Kind> {
    let mut head = Vec::with_capacity(SNIFF_BYTES);
    open(path)
        .ok()?
        .take(SNIFF_BYTES as u64)
        .read_to_end(&mut head)
        .ok()?;
    kind_of(&head, path)
}

fn kind_of(head: &[u8], path: &Path) -> Option<Kind> {
    match first_key(head)? {
        "Records" => Some(Kind::Records),
        "Events" => Some(Kind::Lookup),
        "awsAccountId"
            if path
                .components()
                .any(|c| c.as_os_str() == "CloudTrail-Digest") =>
        {
            Some(Kind::Digest)
        }
        _ => None,
    }
}

/// Reads the log files in parallel (one file per thread, as many threads as
/// cores), and returns their outcomes in the order of `files`.
pub fn read_files(files: &[PathBuf], window: Window, max_record: u64) -> Vec<FileOutcome> {
    crate::par::map(files, |path| {
        // A reader that failed (it cannot panic by design, but a file must never
        // be skipped silently, nor end the others' reading) leaves an error.
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            read_file(path, window, max_record)
        }))
        .unwrap_or_else(|_| FileOutcome {
            errors: vec![Error::TrailLog {
                name: path.display().to_string(),
                message: "was not read: its reader thread failed".into(),
                help: HELP.into(),
            }],
            ..FileOutcome::default()
        })
    })
}

/// Reads one log file as a stream.
pub fn read_file(path: &Path, window: Window, max_record: u64) -> FileOutcome {
    let name = path.display().to_string();
    match open(path) {
        Ok(reader) => read_stream(&name, reader, window, max_record, &|offset| {
            open(path).ok().and_then(|r| line_col(r, offset))
        }),
        Err(source) => FileOutcome {
            errors: vec![Error::Io {
                path: path.to_path_buf(),
                source,
            }],
            ..FileOutcome::default()
        },
    }
}

/// Reads a log already in memory (standard input, or a file whose `Records` key
/// is not its first).
pub fn read_text(name: &str, text: &[u8], window: Window, max_record: u64) -> FileOutcome {
    read_stream(name, text, window, max_record, &|offset| {
        line_col(text, offset)
    })
}

/// 1-based line and column of a byte offset in a stream, found by reading it
/// again: only on the error path, so the hot path need not count lines.
fn line_col(mut reader: impl Read, offset: u64) -> Option<(u64, u64)> {
    let (mut line, mut col, mut pos) = (1u64, 1u64, 0u64);
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = reader.read(&mut buf).ok()?;
        if n == 0 {
            return Some((line, col));
        }
        for &b in buf.get(..n)? {
            if pos == offset {
                return Some((line, col));
            }
            pos += 1;
            if b == b'\n' {
                line += 1;
                col = 1;
            } else {
                col += 1;
            }
        }
    }
}

/// Why a file could not be read to its end.
enum Stop {
    Io(io::Error),
    /// A syntax error at an absolute byte offset of the decompressed stream.
    Syntax(u64, String),
    /// The stream ended inside the document.
    Truncated(u64),
    TooLarge,
}

impl From<io::Error> for Stop {
    fn from(e: io::Error) -> Self {
        Stop::Io(e)
    }
}

/// A refillable window on a decompressed stream: `buf[start..end]` is unread.
struct Stream<R> {
    inner: R,
    buf: Vec<u8>,
    start: usize,
    end: usize,
    /// Absolute offset of `buf[0]` in the stream.
    base: u64,
    eof: bool,
    max: usize,
    /// A read error met after some bytes had been read: those are parsed first.
    failed: Option<io::Error>,
    /// Bytes to read at least per refill ([`CHUNK`]; tests use tiny ones to put
    /// buffer ends everywhere).
    chunk: usize,
}

impl<R: Read> Stream<R> {
    fn offset(&self) -> u64 {
        self.base + self.start as u64
    }

    /// Reads more: at least a chunk, and at least as much as is already buffered,
    /// so one record larger than a chunk costs amortised linear time to assemble.
    fn refill(&mut self) -> Result<(), Stop> {
        if let Some(e) = self.failed.take() {
            return Err(Stop::Io(e));
        }
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.base += self.start as u64;
            self.start = 0;
        }
        let want = self.end.max(self.chunk);
        if self.end + want > self.max.saturating_add(self.chunk) {
            return Err(Stop::TooLarge);
        }
        let target = self.end + want;
        let before = self.end;
        if self.buf.len() < target {
            self.buf.resize(target, 0);
        }
        while self.end < target {
            let Some(space) = self.buf.get_mut(self.end..target) else {
                break;
            };
            match self.inner.read(space) {
                Ok(0) => {
                    self.eof = true;
                    break;
                }
                Ok(n) => self.end += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if self.end > before => {
                    self.failed = Some(e);
                    break;
                }
                Err(e) => return Err(Stop::Io(e)),
            }
        }
        Ok(())
    }

    /// The next byte that is not whitespace, without consuming it; None at the end.
    fn peek(&mut self) -> Result<Option<u8>, Stop> {
        loop {
            while let Some(&b) = self.buf.get(self.start..self.end).and_then(|s| s.first()) {
                if b.is_ascii_whitespace() {
                    self.start += 1;
                } else {
                    return Ok(Some(b));
                }
            }
            if self.eof {
                return Ok(None);
            }
            self.refill()?;
        }
    }

    fn expect(&mut self, want: u8, what: &str) -> Result<(), Stop> {
        match self.peek()? {
            Some(b) if b == want => {
                self.start += 1;
                Ok(())
            }
            Some(_) => Err(Stop::Syntax(self.offset(), format!("expected {what}"))),
            None => Err(Stop::Truncated(self.offset())),
        }
    }

    /// Parses one JSON value at the cursor with `parse`, which gets the unread
    /// bytes and returns its result and how many bytes the value took. A value cut
    /// off by the end of the buffer is retried with more data.
    fn value<U>(
        &mut self,
        mut parse: impl FnMut(&[u8]) -> Result<(U, usize), serde_json::Error>,
    ) -> Result<U, Stop> {
        loop {
            let unread = self.buf.get(self.start..self.end).unwrap_or_default();
            match parse(unread) {
                Ok((u, used)) => {
                    self.start += used;
                    return Ok(u);
                }
                Err(e) if e.is_eof() && !self.eof => self.refill()?,
                Err(e) if e.is_eof() => {
                    return Err(Stop::Truncated(self.base + self.end as u64));
                }
                Err(e) => {
                    let at = offset_in(unread, e.line(), e.column());
                    return Err(Stop::Syntax(self.offset() + at as u64, strip_position(&e)));
                }
            }
        }
    }
}

/// serde_json's message without its " at line L column C" (we give our own).
fn strip_position(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rsplit_once(" at line ") {
        Some((message, _)) => message.to_string(),
        None => text,
    }
}

/// Byte offset of serde_json's 1-based line and column within `text`.
fn offset_in(text: &[u8], line: usize, column: usize) -> usize {
    let mut at = 0usize;
    for _ in 1..line {
        match text
            .get(at..)
            .and_then(|t| t.iter().position(|&b| b == b'\n'))
        {
            Some(i) => at += i + 1,
            None => break,
        }
    }
    (at + column.saturating_sub(1)).min(text.len())
}

/// Parses one value of type `T` from the front of `bytes`: (value, bytes used).
fn first<'a, T: Deserialize<'a>>(bytes: &'a [u8]) -> Result<(T, usize), serde_json::Error> {
    let mut stream = serde_json::Deserializer::from_slice(bytes).into_iter::<T>();
    match stream.next() {
        Some(Ok(v)) => Ok((v, stream.byte_offset())),
        Some(Err(e)) => Err(e),
        // Only whitespace left: serde_json's own end-of-input error.
        None => serde_json::from_slice::<T>(&[]).map(|v| (v, 0)),
    }
}

/// The record as a tree, when it is one the policies judge.
fn judge_record(bytes: &[u8]) -> Result<(Option<serde_json::Value>, usize), serde_json::Error> {
    let (head, used) = first::<Head>(bytes)?;
    if !keep(
        head.source.as_deref(),
        head.name.as_deref(),
        head.error_code.as_deref(),
    ) {
        return Ok((None, used));
    }
    let record = serde_json::from_slice(bytes.get(..used).unwrap_or_default())?;
    Ok((Some(record), used))
}

/// What one array element held.
enum Element {
    Kept(serde_json::Value),
    Skipped,
    /// A lookup-events entry whose `CloudTrailEvent` is missing or not JSON.
    BadEntry(String),
}

fn lookup_entry(bytes: &[u8]) -> Result<(Element, usize), serde_json::Error> {
    let (entry, used) = first::<LookupEntry>(bytes)?;
    let Some(text) = entry.event else {
        return Ok((
            Element::BadEntry("has no CloudTrailEvent".to_string()),
            used,
        ));
    };
    let element = match judge_record(text.as_bytes()) {
        Ok((Some(v), _)) => Element::Kept(v),
        Ok((None, _)) => Element::Skipped,
        Err(e) => Element::BadEntry(format!("its CloudTrailEvent is not a JSON record: {e}")),
    };
    Ok((element, used))
}

/// The reading of one stream: position bookkeeping and the kept events.
struct Reader<'a> {
    name: &'a str,
    window: Window,
    out: FileOutcome,
}

impl Reader<'_> {
    fn document<R: Read>(&mut self, s: &mut Stream<R>) -> Result<(), Stop> {
        s.expect(b'{', "a JSON object")?;
        let mut found = false;
        if s.peek()? == Some(b'}') {
            s.start += 1;
        } else {
            loop {
                if s.peek()? != Some(b'"') {
                    return Err(match s.peek()? {
                        None => Stop::Truncated(s.offset()),
                        Some(_) => Stop::Syntax(s.offset(), "expected a key".into()),
                    });
                }
                let key: String = s.value(|b| first::<String>(b))?;
                s.expect(b':', "`:`")?;
                match key.as_str() {
                    "Records" => {
                        found = true;
                        self.records(s, false)?;
                    }
                    "Events" => {
                        found = true;
                        self.records(s, true)?;
                    }
                    _ => s.value(|b| first::<serde::de::IgnoredAny>(b)).map(drop)?,
                }
                match s.peek()? {
                    Some(b',') => s.start += 1,
                    Some(b'}') => {
                        s.start += 1;
                        break;
                    }
                    Some(_) => return Err(Stop::Syntax(s.offset(), "expected `,` or `}`".into())),
                    None => return Err(Stop::Truncated(s.offset())),
                }
            }
        }
        if s.peek()?.is_some() {
            return Err(Stop::Syntax(
                s.offset(),
                "trailing characters after the document".into(),
            ));
        }
        if !found {
            self.out.errors.push(Error::TrailLog {
                name: self.name.to_string(),
                message: "has neither \"Records\" nor \"Events\"".into(),
                help: HELP.into(),
            });
        }
        Ok(())
    }

    fn records<R: Read>(&mut self, s: &mut Stream<R>, lookup: bool) -> Result<(), Stop> {
        s.expect(b'[', "`[`")?;
        if s.peek()? == Some(b']') {
            s.start += 1;
            return Ok(());
        }
        loop {
            match s.peek()? {
                Some(b'{') => {}
                Some(_) => {
                    return Err(Stop::Syntax(
                        s.offset(),
                        format!("record {} is not a JSON object", self.out.records),
                    ))
                }
                None => return Err(Stop::Truncated(s.offset())),
            }
            let element = if lookup {
                s.value(lookup_entry)?
            } else {
                match s.value(judge_record)? {
                    Some(v) => Element::Kept(v),
                    None => Element::Skipped,
                }
            };
            self.element(element);
            self.out.records += 1;
            match s.peek()? {
                Some(b',') => s.start += 1,
                Some(b']') => {
                    s.start += 1;
                    return Ok(());
                }
                Some(_) => {
                    return Err(Stop::Syntax(s.offset(), "expected `,` or `]`".into()));
                }
                None => return Err(Stop::Truncated(s.offset())),
            }
        }
    }

    fn element(&mut self, element: Element) {
        let index = self.out.records;
        let record = match element {
            Element::Skipped => return,
            Element::BadEntry(why) => {
                self.out.errors.push(Error::TrailLog {
                    name: self.name.to_string(),
                    message: format!("lookup-events entry {index} {why}"),
                    help: HELP.into(),
                });
                return;
            }
            Element::Kept(v) => v,
        };
        let time = record.get("eventTime").and_then(|t| t.as_str());
        match time.and_then(timestamp::parse_rfc3339) {
            Some(epoch) if self.window.contains(epoch) => self
                .out
                .events
                .push(TrailEvent::from_record(&record, epoch, self.name, index)),
            Some(_) => {}
            None => self.out.errors.push(Error::TrailLog {
                name: self.name.to_string(),
                message: format!(
                    "record {index} has {}",
                    match time {
                        Some(t) => format!("an eventTime that is not an RFC 3339 time: {t:?}"),
                        None => "no eventTime".to_string(),
                    }
                ),
                help: HELP.into(),
            }),
        }
    }
}

const HELP: &str =
    "CloudTrail log files hold {\"Records\": [...]} as CloudTrail delivers them to S3; \
lookup-events output holds {\"Events\": [...]}; the other files were still read";

fn read_stream(
    name: &str,
    reader: impl Read,
    window: Window,
    max_record: u64,
    locate: &dyn Fn(u64) -> Option<(u64, u64)>,
) -> FileOutcome {
    read_stream_chunked(name, reader, window, max_record, locate, CHUNK)
}

fn read_stream_chunked(
    name: &str,
    reader: impl Read,
    window: Window,
    max_record: u64,
    locate: &dyn Fn(u64) -> Option<(u64, u64)>,
    chunk: usize,
) -> FileOutcome {
    let mut stream = Stream {
        inner: reader,
        buf: Vec::new(),
        start: 0,
        end: 0,
        base: 0,
        eof: false,
        max: usize::try_from(max_record).unwrap_or(usize::MAX),
        failed: None,
        chunk: chunk.max(1),
    };
    let mut reader = Reader {
        name,
        window,
        out: FileOutcome::default(),
    };
    let result = reader.document(&mut stream);
    let mut out = reader.out;
    out.bytes = stream.base + stream.end as u64;
    let record = out.records;
    let at = |offset: u64| match locate(offset) {
        Some((line, col)) => format!("line {line}, column {col}"),
        None => format!("byte {offset}"),
    };
    let err = |message: String| Error::TrailLog {
        name: name.to_string(),
        message,
        help: HELP.into(),
    };
    match result {
        Ok(()) => {}
        Err(Stop::Syntax(offset, message)) => out.errors.push(err(format!(
            "record {record}: not valid JSON at {}: {message}; the rest of the file was not read",
            at(offset)
        ))),
        Err(Stop::Truncated(offset)) => out.errors.push(err(format!(
            "the file ends inside record {record} ({}): it is truncated; {record} records before it were read",
            at(offset)
        ))),
        Err(Stop::Io(e)) if e.kind() == io::ErrorKind::UnexpectedEof
            || e.kind() == io::ErrorKind::InvalidInput
            || e.kind() == io::ErrorKind::InvalidData =>
        {
            out.errors.push(err(format!(
                "the gzip stream is truncated or corrupt ({e}) after {} bytes of JSON, inside record {record}; {record} records before it were read",
                out.bytes
            )))
        }
        Err(Stop::Io(e)) => out.errors.push(err(format!("cannot read: {e}"))),
        Err(Stop::TooLarge) => out.errors.push(Error::TooLarge {
            name: format!("{name} (record {record})"),
            limit_mib: max_record / (1024 * 1024),
        }),
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> FileOutcome {
        read_text("t.json", text.as_bytes(), Window::default(), 1 << 20)
    }

    const STOP: &str = r#"{"eventID":"e1","eventTime":"2026-03-02T10:00:00Z","eventSource":"ec2.amazonaws.com","eventName":"StopInstances","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::1:user/a"}}"#;
    const OTHER: &str = r#"{"eventID":"e2","eventTime":"2026-03-02T10:00:01Z","eventSource":"s3.amazonaws.com","eventName":"GetObject","requestParameters":{"bucketName":"b\"x"}}"#;

    #[test]
    fn keeps_only_judged_records() {
        let out = read(&format!(r#"{{"Records":[{OTHER},{STOP},{OTHER}]}}"#));
        assert!(out.errors.is_empty(), "{:?}", out.errors);
        assert_eq!(out.records, 3);
        assert_eq!(out.events.len(), 1);
        assert_eq!(out.events[0].record, 1);
        assert_eq!(out.events[0].event_id, "e1");
    }

    #[test]
    fn records_larger_than_a_chunk_are_assembled() {
        let pad = "x".repeat(CHUNK * 3);
        let big = STOP.replace("\"eventID\"", &format!("\"pad\":\"{pad}\",\"eventID\""));
        let out = read(&format!("{{\"Records\":[{OTHER},{big},{STOP}]}}"));
        assert!(out.errors.is_empty(), "{:?}", out.errors);
        assert_eq!(out.events.len(), 2);
    }

    #[test]
    fn lookup_events_are_unwrapped() {
        let inner = serde_json::to_string(STOP).unwrap();
        let out = read(&format!(
            "{{\n  \"Events\": [\n    {{\"EventId\": \"e1\", \"CloudTrailEvent\": {inner}}}\n  ],\n  \"NextToken\": \"abc\"\n}}"
        ));
        assert!(out.errors.is_empty(), "{:?}", out.errors);
        assert_eq!(out.events.len(), 1);
    }

    #[test]
    fn syntax_error_names_record_and_position() {
        let out = read(&format!("{{\"Records\":[{STOP},\n{{\"eventID\": tru}}]}}"));
        assert_eq!(out.events.len(), 1);
        let msg = out.errors[0].to_string();
        assert!(msg.contains("record 1"), "{msg}");
        assert!(msg.contains("line 2, column"), "{msg}");
    }

    #[test]
    fn truncation_is_reported() {
        let text = format!("{{\"Records\":[{STOP},{STOP}");
        let out = read(&text[..text.len() - 10]);
        assert_eq!(out.events.len(), 1);
        assert!(out.errors[0].to_string().contains("truncated"));
    }

    #[test]
    fn window_filters_events() {
        let w = Window {
            since: timestamp::parse_bound("2026-03-03", false),
            until: None,
        };
        let out = read_text(
            "t",
            format!("{{\"Records\":[{STOP}]}}").as_bytes(),
            w,
            1 << 20,
        );
        assert!(out.events.is_empty());
    }

    #[test]
    fn buffer_ends_anywhere_give_the_same_events() {
        let inner = serde_json::to_string(STOP).unwrap();
        let texts = [
            format!("{{\"Records\":[{OTHER},{STOP},{OTHER},{STOP}], \"x\": [1, {{\"y\": \"z\"}}]}}"),
            format!("{{\"NextToken\": \"t\",\n \"Events\": [{{\"CloudTrailEvent\": {inner}}}, {{\"EventId\": \"2\", \"CloudTrailEvent\": {inner}}}]}}"),
        ];
        for text in &texts {
            let whole = read(text);
            assert!(whole.errors.is_empty(), "{:?}", whole.errors);
            for chunk in 1..48 {
                let out = read_stream_chunked(
                    "t.json",
                    text.as_bytes(),
                    Window::default(),
                    1 << 20,
                    &|_| None,
                    chunk,
                );
                assert!(out.errors.is_empty(), "chunk {chunk}: {:?}", out.errors);
                assert_eq!(out.events, whole.events, "chunk {chunk}");
                assert_eq!(out.records, whole.records);
            }
        }
    }

    #[test]
    fn denied_codes() {
        for c in [
            "UnauthorizedOperation",
            "Client.UnauthorizedOperation",
            "AccessDenied",
            "AccessDeniedException",
        ] {
            assert!(is_denied(c), "{c}");
        }
        assert!(!is_denied("InvalidInstanceID.NotFound"));
    }

    #[test]
    fn sniffs_first_key() {
        let p = Path::new("x.json");
        assert_eq!(kind_of(b" {\"Records\":[", p), Some(Kind::Records));
        assert_eq!(kind_of(b"{\n  \"Events\": [", p), Some(Kind::Lookup));
        assert_eq!(kind_of(b"{\"UserDetailList\":[", p), None);
        assert_eq!(
            kind_of(
                b"{\"awsAccountId\":\"1\"",
                Path::new("AWSLogs/1/CloudTrail-Digest/x.json.gz")
            ),
            Some(Kind::Digest)
        );
    }
}
