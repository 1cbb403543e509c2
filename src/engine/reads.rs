//! Which parts of `input` the loaded policies can read.
//!
//! The Rego input of a large account is mostly lists that the built-in pack never
//! reads (every user and role, say). Building them, converting them into regorus
//! values and holding them costs a third of a `check` on a 10,000-principal export.
//! So the engine scans the policies' source for references to `input` and the input
//! builder leaves out a section no reference can reach.
//!
//! The scan is conservative: a reference is the token `input` (outside comments and
//! strings, not a field of something else) followed by `.name` and `["name"]`
//! segments; the path ends at the first segment that is anything else (a variable
//! index `input.iam[k]`, a call argument `f(input)`, a `with input as ...`), and a
//! section is needed when some path is a prefix of it or it is a prefix of some path.
//! A policy that passes `input` whole somewhere therefore makes every section needed.
//! Test files are left out: a test's `with input.x as ...` replaces input, it does
//! not read the real one.

/// The input paths that the scanned policies reference.
#[derive(Debug, Clone, Default)]
pub struct InputReads {
    paths: Vec<Vec<String>>,
    /// Build everything, whatever the references (`stopguard input`).
    everything: bool,
}

impl InputReads {
    /// Every section needed.
    pub fn everything() -> Self {
        InputReads {
            paths: vec![],
            everything: true,
        }
    }

    /// The references in these Rego sources.
    pub fn scan<'a>(sources: impl IntoIterator<Item = &'a str>) -> Self {
        let mut paths = Vec::new();
        for text in sources {
            scan_source(text, &mut paths);
        }
        Self::from_paths(paths)
    }

    /// References found before, in any order and repeated: the union of several
    /// scans' [`Self::paths`], say.
    pub fn from_paths(mut paths: Vec<Vec<String>>) -> Self {
        paths.sort();
        paths.dedup();
        InputReads {
            paths,
            everything: false,
        }
    }

    /// The paths referenced, each a list of field names from `input`.
    pub fn paths(&self) -> &[Vec<String>] {
        &self.paths
    }

    /// Whether a policy may read the section at `path` (e.g. `["iam", "users"]`).
    pub fn needs(&self, path: &[&str]) -> bool {
        self.everything
            || self
                .paths
                .iter()
                .any(|p| p.iter().zip(path.iter()).all(|(a, b)| a.as_str() == *b))
    }
}

fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// Skips a string starting at `i` (at its opening quote); returns the index after it
/// and, for a plain string without escapes, its contents.
fn skip_string(b: &[u8], i: usize) -> (usize, Option<&str>) {
    let quote = b.get(i).copied().unwrap_or(b'"');
    let mut j = i + 1;
    let mut escaped = false;
    while let Some(&c) = b.get(j) {
        if quote == b'"' && c == b'\\' {
            escaped = true;
            j += 2;
            continue;
        }
        if c == quote {
            let text = b
                .get(i + 1..j)
                .and_then(|s| std::str::from_utf8(s).ok())
                .filter(|_| !escaped);
            return (j + 1, text);
        }
        j += 1;
    }
    (b.len(), None)
}

fn scan_source(text: &str, out: &mut Vec<Vec<String>>) {
    let b = text.as_bytes();
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        match c {
            b'#' => {
                while b.get(i).is_some_and(|&c| c != b'\n') {
                    i += 1;
                }
            }
            b'"' | b'`' => i = skip_string(b, i).0,
            _ if is_ident(c) => {
                let start = i;
                while b.get(i).copied().is_some_and(is_ident) {
                    i += 1;
                }
                let after_dot = start > 0 && b.get(start - 1) == Some(&b'.');
                if !after_dot && b.get(start..i) == Some(b"input".as_slice()) {
                    let (path, end) = path_after(b, i);
                    out.push(path);
                    i = end;
                }
            }
            _ => i += 1,
        }
    }
}

/// The `.name` / `["name"]` segments from `i`, and where they end.
fn path_after(b: &[u8], mut i: usize) -> (Vec<String>, usize) {
    let mut path = Vec::new();
    loop {
        match b.get(i) {
            Some(b'.') if b.get(i + 1).copied().is_some_and(is_ident) => {
                let start = i + 1;
                let mut j = start;
                while b.get(j).copied().is_some_and(is_ident) {
                    j += 1;
                }
                match b.get(start..j).and_then(|s| std::str::from_utf8(s).ok()) {
                    Some(name) => path.push(name.to_string()),
                    None => return (path, j),
                }
                i = j;
            }
            Some(b'[') if b.get(i + 1) == Some(&b'"') => {
                let (end, text) = skip_string(b, i + 1);
                match (text, b.get(end)) {
                    (Some(name), Some(b']')) => {
                        path.push(name.to_string());
                        i = end + 1;
                    }
                    _ => return (path, i),
                }
            }
            _ => return (path, i),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reads(src: &str) -> InputReads {
        InputReads::scan([src])
    }

    #[test]
    fn dotted_and_bracketed_paths_are_read() {
        let r = reads(
            "deny contains x if { some u in input.iam.users; x := input[\"ec2\"].instances }",
        );
        assert!(r.needs(&["iam", "users"]));
        assert!(r.needs(&["ec2", "instances"]));
        assert!(!r.needs(&["iam", "roles"]));
        assert!(!r.needs(&["cloudtrail", "trails"]));
    }

    #[test]
    fn a_shorter_path_reads_everything_below_it() {
        let r = reads("x := input.iam[k]");
        assert!(r.needs(&["iam", "users"]));
        assert!(r.needs(&["iam", "roles"]));
        assert!(!r.needs(&["ec2", "instances"]));
        let whole = reads("allow if f(input)");
        assert!(whole.needs(&["iam", "users"]));
        assert!(whole.needs(&["ec2"]));
    }

    #[test]
    fn comments_strings_and_other_fields_are_not_references() {
        let r = reads(
            "# input.iam.users\nmsg := \"input is everything\"\nraw := `input`\ny := data.input.z\nx := input.ec2.instances",
        );
        assert!(!r.needs(&["iam", "users"]));
        assert!(!r.needs(&["cloudtrail"]));
        assert!(r.needs(&["ec2", "instances"]));
    }

    #[test]
    fn an_escaped_or_computed_key_stops_the_path_conservatively() {
        let r = reads("x := input[\"i\\u0061m\"].users");
        assert!(r.needs(&["iam", "users"]));
        assert!(r.needs(&["ec2"]));
    }

    #[test]
    fn everything_needs_everything() {
        assert!(InputReads::everything().needs(&["iam", "users"]));
        assert!(!InputReads::scan(Vec::<&str>::new()).needs(&["iam", "users"]));
    }
}

#[cfg(test)]
mod pack {
    /// The built-in pack must not read the per-principal lists: on a large account
    /// they are most of the input, and a policy that passes `input` whole to a
    /// function (instead of the part it needs) silently makes every check build
    /// them again.
    #[test]
    fn the_builtin_pack_leaves_users_and_roles_out() {
        let sources = crate::engine::builtin_sources();
        let reads = super::InputReads::scan(
            sources
                .iter()
                .filter(|s| s.is_rego() && !s.is_test())
                .map(|s| s.text.as_str()),
        );
        assert!(!reads.needs(&["iam", "users"]), "{reads:?}");
        assert!(!reads.needs(&["iam", "roles"]), "{reads:?}");
        assert!(reads.needs(&["iam", "stop_access"]));
        assert!(reads.needs(&["ec2", "instances"]));
    }
}
