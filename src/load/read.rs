//! Turning paths into named texts: folders walked in a stable order, stdin, gzip,
//! size caps. Nothing here knows what AWS documents look like.
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::diag::{Error, Result};

/// One input after reading: its display name, format and decompressed text.
#[derive(Debug)]
pub struct RawInput {
    pub name: String,
    pub format: Format,
    pub text: Text,
}

/// An input's text: in memory, or (a large plain file) the file itself, mapped.
#[derive(Debug)]
pub enum Text {
    Owned(String),
    Mapped(Mapped),
}

impl Text {
    /// The text. A mapped file is checked on the first call (see [`Mapped`]);
    /// when the check fails, this is the longest valid UTF-8 prefix, and
    /// [`Text::check`] reports the failure.
    pub fn as_str(&self) -> &str {
        match self {
            Text::Owned(s) => s,
            Text::Mapped(m) => m.as_str(),
        }
    }

    /// The bytes, as read: a mapped file's may not have been checked to be text
    /// yet. A reader that turns them into `str` validates them itself.
    pub fn bytes(&self) -> &[u8] {
        match self {
            Text::Owned(s) => s.as_bytes(),
            Text::Mapped(m) => &m.map,
        }
    }

    /// Whether the input is text (not empty, not binary, UTF-8), with the error
    /// reading it whole would have given. A text read into memory was checked as
    /// it was read. A mapped file is checked now when `now` is set or when its
    /// text was asked for; else (its bytes were only read through
    /// [`Text::bytes`], by a reader that validated every byte it turned into
    /// `str`) it is taken as text: a reader that read it all without error saw
    /// no NUL byte (JSON has none outside an escape) and no invalid UTF-8.
    pub fn check(&self, name: &str, now: bool) -> Result<()> {
        let Text::Mapped(m) = self else { return Ok(()) };
        let checked = if now {
            Some(m.checked())
        } else {
            m.check.get().copied()
        };
        checked.map_or(Ok(()), |c| c.result(name))
    }

    /// Whether a mapped file's whole-file check has run.
    #[cfg(test)]
    pub(crate) fn was_checked(&self) -> bool {
        matches!(self, Text::Mapped(m) if m.check.get().is_some())
    }

    /// Tells the OS that the bytes in `range` have been read and are not needed
    /// again soon: for a mapped file, the whole pages inside the range leave this
    /// process's memory (they stay in the page cache and are mapped again if read).
    /// A 26 MB export is then not resident beside the model built from it while
    /// the IAM analysis and the evaluation grow it further. It is done on another
    /// core, without waiting ([`crate::par::detach`]): on the benchmark export it
    /// takes 1.4 ms, when the reading thread has the rest of the load to do and
    /// the other core nothing.
    pub fn done_with(&self, range: std::ops::Range<usize>) {
        let Text::Mapped(m) = self else { return };
        const PAGE: usize = 4096;
        let start = range.start.div_ceil(PAGE) * PAGE;
        let end = (range.end.min(m.map.len()) / PAGE) * PAGE;
        if end > start {
            // The job holds the mapping: it is unmapped only once both are done
            // with it, so the advice can only ever fall on this file's pages.
            let map = std::sync::Arc::clone(&m.map);
            crate::par::detach(move || {
                // SAFETY: MADV_DONTNEED on a shared, read-only mapping of a file
                // only drops this process's page-table entries; the next read of
                // those bytes maps the file's pages again, with the same contents
                // (the caveat of `Mapped::as_str`, the file changing meanwhile,
                // applies as before). Nothing is written through this mapping, so
                // nothing can be lost.
                let _ = unsafe {
                    map.unchecked_advise_range(
                        memmap2::UncheckedAdvice::DontNeed,
                        start,
                        end - start,
                    )
                };
            });
        }
    }
}

impl std::ops::Deref for Text {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl From<String> for Text {
    fn from(s: String) -> Self {
        Text::Owned(s)
    }
}

/// A file mapped read-only. Whether it is text (not empty, no NUL byte, UTF-8)
/// is checked when its text is first asked for, not when it is mapped: the
/// check is a pass over the whole file, before anything else could read it,
/// which an IAM export's reader ([`super::listed`]) does without, validating
/// each piece it parses instead, on every core (3 ms of the reading thread on
/// the benchmark export).
pub struct Mapped {
    map: std::sync::Arc<memmap2::Mmap>,
    check: std::sync::OnceLock<Checked>,
}

impl std::fmt::Debug for Mapped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Mapped({} bytes)", self.map.len())
    }
}

impl Mapped {
    fn checked(&self) -> Checked {
        *self.check.get_or_init(|| check_mapped(&self.map))
    }

    fn as_str(&self) -> &str {
        let valid = self
            .map
            .get(..self.checked().valid_up_to)
            .unwrap_or_default();
        // SAFETY: `valid` is the part of the map that `check_mapped` found to be
        // UTF-8 (all of it, unless it found otherwise), and the map is read-only.
        // The one way it could stop being UTF-8 is another process rewriting the
        // file while it is read, the caveat of every mapped read (ripgrep's among
        // them); an export being judged is not being written.
        unsafe { std::str::from_utf8_unchecked(valid) }
    }
}

/// Files this large are mapped rather than read into a buffer.
const MAP_ABOVE: u64 = 4 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Yaml,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Json => "JSON",
            Format::Yaml => "YAML",
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Cap on one input's size, after decompression.
    pub max_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bytes: 1024 * 1024 * 1024,
        }
    }
}

/// Expands the command line's paths into the files to read, in a stable order.
/// Hidden files and folders (a leading dot) inside a walked folder are left out,
/// as `.git` should be; anything else with an unknown ending is an error.
pub fn expand(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            out.push(path.clone());
            continue;
        }
        let meta = std::fs::metadata(path).map_err(|source| Error::Io {
            path: path.clone(),
            source,
        })?;
        if !meta.is_dir() {
            out.push(path.clone());
            continue;
        }
        let walker = walkdir::WalkDir::new(path)
            .follow_links(false)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| e.depth() == 0 || !is_hidden(e.file_name()));
        for entry in walker {
            let entry = entry.map_err(|e| Error::Io {
                path: e
                    .path()
                    .map(Path::to_path_buf)
                    .unwrap_or_else(|| path.clone()),
                source: e
                    .into_io_error()
                    .unwrap_or_else(|| std::io::Error::other("walk failed")),
            })?;
            if !entry.file_type().is_file() {
                continue;
            }
            let p = entry.into_path();
            if format_of(&p).is_none() {
                errors.push(Error::UnknownExtension {
                    name: p.display().to_string(),
                });
            } else {
                out.push(p);
            }
        }
    }
    match Error::collect(errors) {
        Some(e) => Err(e),
        None => Ok(out),
    }
}

fn is_hidden(name: &std::ffi::OsStr) -> bool {
    name.to_str().is_some_and(|s| s.starts_with('.'))
}

fn strip_gz(name: &str) -> (&str, bool) {
    match name.strip_suffix(".gz") {
        Some(inner) => (inner, true),
        None => (name, false),
    }
}

/// The format a file name promises, if any.
pub fn format_of(path: &Path) -> Option<Format> {
    let name = path.file_name()?.to_str()?.to_ascii_lowercase();
    let (inner, _) = strip_gz(&name);
    if inner.ends_with(".json") {
        Some(Format::Json)
    } else if inner.ends_with(".yaml") || inner.ends_with(".yml") {
        Some(Format::Yaml)
    } else {
        None
    }
}

/// Reads one path ("-" is stdin), decompressing gzip by its magic bytes.
pub fn read(path: &Path, limits: &Limits) -> Result<RawInput> {
    let raw = read_deferred(path, limits)?;
    raw.text.check(&raw.name, true)?;
    Ok(raw)
}

/// As [`read`], except that a large file, mapped, is not yet checked to be text
/// (not empty, not binary, UTF-8): that is left to the first use of its text,
/// and the caller asks [`Text::check`] for the error once it has read it.
pub fn read_deferred(path: &Path, limits: &Limits) -> Result<RawInput> {
    let name = if path.as_os_str() == "-" {
        "<stdin>".to_string()
    } else {
        path.display().to_string()
    };
    let io_err = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    if path.as_os_str() != "-" {
        if let Some(mapped) = map_file(path, limits)? {
            // Sniffing looks at the text, so an unnamed format checks it now.
            let format = format_of(path).unwrap_or_else(|| sniff(&mapped));
            return Ok(RawInput {
                name,
                format,
                text: mapped,
            });
        }
    }
    let mut raw = Vec::new();
    if path.as_os_str() == "-" {
        std::io::stdin()
            .lock()
            .take(limits.max_bytes.saturating_add(1))
            .read_to_end(&mut raw)
            .map_err(io_err)?;
    } else {
        let file = std::fs::File::open(path).map_err(io_err)?;
        if let Ok(meta) = file.metadata() {
            raw.reserve(usize::try_from(meta.len().min(limits.max_bytes)).unwrap_or(0));
        }
        file.take(limits.max_bytes.saturating_add(1))
            .read_to_end(&mut raw)
            .map_err(io_err)?;
    }
    let too_large = || Error::TooLarge {
        name: name.clone(),
        limit_mib: limits.max_bytes / (1024 * 1024),
    };
    if raw.len() as u64 > limits.max_bytes {
        return Err(too_large());
    }
    if raw.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        flate2::read::MultiGzDecoder::new(raw.as_slice())
            .take(limits.max_bytes.saturating_add(1))
            .read_to_end(&mut out)
            .map_err(|e| Error::Parse {
                name: name.clone(),
                format: "gzip",
                message: e.to_string(),
                src: None,
                span: None,
            })?;
        if out.len() as u64 > limits.max_bytes {
            return Err(too_large());
        }
        raw = out;
    }
    // A byte-order mark is accepted and dropped, as editors on Windows write one.
    if raw.starts_with(&[0xef, 0xbb, 0xbf]) {
        raw.drain(..3);
    }
    check_bytes(&raw, &name)?;
    let text = String::from_utf8(raw).map_err(|e| not_utf8(&name, e.utf8_error().valid_up_to()))?;
    let format = if path.as_os_str() == "-" {
        sniff(&text)
    } else {
        format_of(path).unwrap_or_else(|| sniff(&text))
    };
    Ok(RawInput {
        name,
        format,
        text: Text::Owned(text),
    })
}

/// Whether `bytes` hold a NUL byte: the memchr crate's search, many bytes at a
/// time with the CPU's vector instructions (the standard library's
/// `contains(&0)` reads a word at a time: 30 million instructions for a 26 MB
/// export, against 3 million).
fn has_nul(bytes: &[u8]) -> bool {
    memchr::memchr(0, bytes).is_some()
}

/// An input that is empty (or only whitespace), or binary (has a NUL byte), is an
/// error whichever way it was read.
fn check_bytes(bytes: &[u8], name: &str) -> Result<()> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(Error::Empty {
            name: name.to_string(),
        });
    }
    if has_nul(bytes) {
        return Err(Error::Binary {
            name: name.to_string(),
        });
    }
    Ok(())
}

/// What a mapped file's check found: its first problem, if any, in the order a
/// buffer read whole is checked in (empty, then binary, then not UTF-8), and
/// how much of it, from the start, is valid UTF-8.
#[derive(Debug, Clone, Copy)]
struct Checked {
    problem: Option<Problem>,
    valid_up_to: usize,
}

#[derive(Debug, Clone, Copy)]
enum Problem {
    Empty,
    Binary,
    NotUtf8,
}

impl Checked {
    fn result(self, name: &str) -> Result<()> {
        let name = name.to_string();
        match self.problem {
            None => Ok(()),
            Some(Problem::Empty) => Err(Error::Empty { name }),
            Some(Problem::Binary) => Err(Error::Binary { name }),
            Some(Problem::NotUtf8) => Err(not_utf8(&name, self.valid_up_to)),
        }
    }
}

/// [`check_bytes`] and UTF-8 validation of a mapped file. A large one is checked
/// in two halves on two cores: the first read of each page of a mapping is the
/// kernel's work (about 5 ms of a 26 MB file on one core). The problem found is
/// the one one pass finds: an empty input, a NUL byte anywhere, then the first
/// invalid UTF-8.
fn check_mapped(bytes: &[u8]) -> Checked {
    const SPLIT_ABOVE: usize = 4 << 20;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        // Stops at the first other byte: only an empty file reads it all.
        return Checked {
            problem: Some(Problem::Empty),
            valid_up_to: bytes.len(),
        };
    }
    let check = |part: &[u8]| (has_nul(part), std::str::from_utf8(part).err());
    let (nul, bad) = if bytes.len() < SPLIT_ABOVE || crate::par::cores() < 2 {
        let (nul, bad) = check(bytes);
        (nul, bad.map(|e| e.valid_up_to()))
    } else {
        // Split where a character starts (not at a continuation byte): then the
        // whole is valid UTF-8 exactly when both halves are.
        let mid = (bytes.len() / 2..bytes.len())
            .find(|&i| bytes.get(i).is_some_and(|b| b & 0xC0 != 0x80))
            .unwrap_or(bytes.len());
        let (first, second) = bytes.split_at(mid);
        let ((nul_first, bad_first), (nul_second, bad_second)) = crate::par::scope(|scope| {
            let other = scope.spawn(|| check(second));
            let mine = check(first);
            let theirs = other
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (mine, theirs)
        });
        let bad = match (bad_first, bad_second) {
            (Some(e), _) => Some(e.valid_up_to()),
            (None, Some(e)) => Some(mid + e.valid_up_to()),
            (None, None) => None,
        };
        (nul_first || nul_second, bad)
    };
    let problem = if nul {
        Some(Problem::Binary)
    } else {
        bad.map(|_| Problem::NotUtf8)
    };
    Checked {
        problem,
        valid_up_to: bad.unwrap_or(bytes.len()),
    }
}

fn not_utf8(name: &str, valid_up_to: usize) -> Error {
    Error::Parse {
        name: name.to_string(),
        format: "UTF-8 text",
        message: format!("invalid UTF-8 at byte {valid_up_to}"),
        src: None,
        span: None,
    }
}

/// A large, plain (not gzipped) regular file, mapped (and checked as `read`
/// checks a buffer when its text is first asked for: see [`Mapped`]); None for
/// anything else, which `read` then reads whole.
fn map_file(path: &Path, limits: &Limits) -> Result<Option<Text>> {
    let io_err = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io_err)?;
    let meta = file.metadata().map_err(io_err)?;
    if !meta.is_file() || meta.len() < MAP_ABOVE || meta.len() > limits.max_bytes {
        return Ok(None);
    }
    // SAFETY: a read-only mapping of a regular file; see `Mapped::as_str` for the
    // one caveat (the file changing while it is read).
    let Ok(map) = (unsafe { memmap2::Mmap::map(&file) }) else {
        return Ok(None);
    };
    // Read front to back, once: ask the kernel to read ahead.
    let _ = map.advise(memmap2::Advice::Sequential);
    let bytes: &[u8] = &map;
    if bytes.starts_with(&[0x1f, 0x8b]) || bytes.starts_with(&[0xef, 0xbb, 0xbf]) {
        // gzip, or a byte-order mark to drop: the buffered path handles both.
        return Ok(None);
    }
    Ok(Some(Text::Mapped(Mapped {
        map: std::sync::Arc::new(map),
        check: std::sync::OnceLock::new(),
    })))
}

/// Guess for stdin and unnamed inputs: JSON starts with a brace or bracket.
fn sniff(text: &str) -> Format {
    match text.trim_start().as_bytes().first() {
        Some(b'{') | Some(b'[') => Format::Json,
        _ => Format::Yaml,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What one pass over the bytes says: the answer `check_mapped` must give.
    fn one_pass(bytes: &[u8]) -> String {
        match check_bytes(bytes, "f.json").and_then(|()| {
            std::str::from_utf8(bytes)
                .map(drop)
                .map_err(|e| not_utf8("f.json", e.valid_up_to()))
        }) {
            Ok(()) => "ok".into(),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn a_large_file_checked_in_halves_fails_as_in_one_pass() {
        let size = 5 << 20;
        let mid = size / 2;
        let text = |fill: u8| vec![fill; size];
        let mut cases: Vec<(&str, Vec<u8>)> =
            vec![("plain", text(b'a')), ("whitespace only", text(b' '))];
        let mut nul = text(b'a');
        nul[size - 10] = 0;
        cases.push(("a NUL in the second half", nul));
        let mut late = text(b'a');
        late[size - 10] = 0xff;
        late[size - 5] = 0;
        cases.push(("bad UTF-8 and a NUL after it", late));
        let mut bad = text(b'a');
        bad[mid + 1000] = 0xff;
        cases.push(("bad UTF-8 in the second half", bad));
        let mut both = text(b'a');
        both[10] = 0xc3;
        both[mid + 10] = 0xff;
        cases.push(("bad UTF-8 in both halves", both));
        // A two- and a three-byte character across the middle, whole and cut.
        for start in [mid - 2, mid - 1, mid] {
            let mut across = text(b'a');
            across[start..start + 3].copy_from_slice("€".as_bytes());
            cases.push(("a character across the middle", across.clone()));
            across[start + 1] = b'a';
            cases.push(("a cut character across the middle", across));
        }
        let mut leading = text(b' ');
        leading[size - 1] = b'{';
        cases.push(("whitespace, then text", leading));
        for (what, bytes) in cases {
            let halves = match check_mapped(&bytes).result("f.json") {
                Ok(()) => "ok".into(),
                Err(e) => e.to_string(),
            };
            assert_eq!(halves, one_pass(&bytes), "{what}");
        }
    }
}
