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
    pub fn as_str(&self) -> &str {
        match self {
            Text::Owned(s) => s,
            Text::Mapped(m) => m.as_str(),
        }
    }
}

impl Text {
    /// Tells the OS that the bytes in `range` have been read and are not needed
    /// again soon: for a mapped file, the whole pages inside the range leave this
    /// process's memory (they stay in the page cache and are mapped again if read).
    /// A 26 MB export is then not resident beside the model built from it while
    /// the IAM analysis and the evaluation grow it further.
    pub fn done_with(&self, range: std::ops::Range<usize>) {
        let Text::Mapped(m) = self else { return };
        const PAGE: usize = 4096;
        let start = range.start.div_ceil(PAGE) * PAGE;
        let end = (range.end.min(m.map.len()) / PAGE) * PAGE;
        if end > start {
            // SAFETY: MADV_DONTNEED on a shared, read-only mapping of a file only
            // drops this process's page-table entries; the next read of those bytes
            // maps the file's pages again, with the same contents (the caveat of
            // `Mapped::as_str`, the file changing meanwhile, applies as before).
            // Nothing is written through this mapping, so nothing can be lost.
            let _ = unsafe {
                m.map
                    .unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, start, end - start)
            };
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

/// A file mapped read-only, checked once to be UTF-8 text.
pub struct Mapped {
    map: memmap2::Mmap,
}

impl std::fmt::Debug for Mapped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Mapped({} bytes)", self.map.len())
    }
}

impl Mapped {
    fn as_str(&self) -> &str {
        // SAFETY: `map` was checked to be UTF-8 when this value was made (`map_file`)
        // and is mapped read-only. The one way it could stop being UTF-8 is another
        // process rewriting the file while it is read, the caveat of every mapped
        // read (ripgrep's among them); an export being judged is not being written.
        unsafe { std::str::from_utf8_unchecked(&self.map) }
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
        if let Some(mapped) = map_file(path, &name, limits)? {
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

/// An input that is empty (or only whitespace), or binary (has a NUL byte), is an
/// error whichever way it was read.
/// Whether `bytes` hold a NUL byte: the memchr crate's search, many bytes at a
/// time with the CPU's vector instructions (the standard library's
/// `contains(&0)` reads a word at a time: 30 million instructions for a 26 MB
/// export, against 3 million).
fn has_nul(bytes: &[u8]) -> bool {
    memchr::memchr(0, bytes).is_some()
}

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

/// [`check_bytes`] and UTF-8 validation of a mapped file. A large one is checked
/// in two halves on two cores: the first read of each page of a mapping is the
/// kernel's work (about 5 ms of a 26 MB file on one core), and serial, before
/// anything else can read the file. The errors are the same as one pass gives:
/// an empty input, a NUL byte anywhere, then the first invalid UTF-8.
fn check_mapped(bytes: &[u8], name: &str) -> Result<()> {
    const SPLIT_ABOVE: usize = 4 << 20;
    let cores = crate::par::cores();
    if bytes.len() < SPLIT_ABOVE || cores < 2 {
        check_bytes(bytes, name)?;
        return std::str::from_utf8(bytes)
            .map(drop)
            .map_err(|e| not_utf8(name, e.valid_up_to()));
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        // Stops at the first other byte: only an empty file reads it all.
        return check_bytes(bytes, name);
    }
    // Split where a character starts (not at a continuation byte): then the whole
    // is valid UTF-8 exactly when both halves are.
    let mid = (bytes.len() / 2..bytes.len())
        .find(|&i| bytes.get(i).is_some_and(|b| b & 0xC0 != 0x80))
        .unwrap_or(bytes.len());
    let (first, second) = bytes.split_at(mid);
    let check = |half: &[u8]| (has_nul(half), std::str::from_utf8(half).err());
    let ((nul_first, bad_first), (nul_second, bad_second)) = crate::par::scope(|scope| {
        let other = scope.spawn(|| check(second));
        let mine = check(first);
        let theirs = other
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (mine, theirs)
    });
    if nul_first || nul_second {
        return Err(Error::Binary {
            name: name.to_string(),
        });
    }
    match (bad_first, bad_second) {
        (Some(e), _) => Err(not_utf8(name, e.valid_up_to())),
        (None, Some(e)) => Err(not_utf8(name, mid + e.valid_up_to())),
        (None, None) => Ok(()),
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

/// A large, plain (not gzipped) regular file, mapped and checked as `read` checks
/// a buffer; None for anything else, which `read` then reads whole.
fn map_file(path: &Path, name: &str, limits: &Limits) -> Result<Option<Text>> {
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
    check_mapped(bytes, name)?;
    Ok(Some(Text::Mapped(Mapped { map })))
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
            let halves = match check_mapped(&bytes, "f.json") {
                Ok(()) => "ok".into(),
                Err(e) => e.to_string(),
            };
            assert_eq!(halves, one_pass(&bytes), "{what}");
        }
    }
}
