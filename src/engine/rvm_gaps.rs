//! Rule forms that regorus's bytecode VM (RVM, in the pinned 0.14.1) gets wrong,
//! so that a policy set using them runs on the interpreter instead.
//!
//! The RVM compiles a rule whose head has a bracketed key as if it were a flat set
//! or a one-level object: `groups[k] contains v` loses its keys (microsoft/regorus
//! PR #665, "Partial object rules like foo[a] contains v were being compiled and
//! executed like flat sets"), and constant or multi-level keys, `p["x"] := 1` and
//! `p[a][b] if ...`, are open gaps (issue #719, issue #662 for bracketed defaults).
//! The interpreter, which `stopguard test` uses, evaluates them as OPA does, so a
//! policy could pass its tests and then give wrong findings under `check`.
//!
//! The check is textual and errs towards the interpreter (slower, never wrong): a
//! line that starts, after optional `default`, with a reference followed by one or
//! more `[...]` and then a rule-head keyword (`contains`, `if`, `:=`, `=`, `{`).
//!
//! Two gaps in comprehensions are not detected here (no textual test tells them
//! apart from correct uses): a comprehension with no iteration whose body fails
//! (`[s | count(via) > 1; s := ...]`) makes the enclosing rule body fail, where
//! OPA yields an empty collection; and an undefined value bound in a
//! comprehension (`[s | s := xs[9]]`) is collected as undefined rather than
//! skipped. The built-in pack avoids both forms; `tests/engine.rs` compares its
//! findings on the VM and on the interpreter over the examples.

/// The 1-based line of the first rule head with a bracketed key, if any.
pub fn first_bracketed_rule_head(text: &str) -> Option<usize> {
    text.lines().position(is_bracketed_rule_head).map(|i| i + 1)
}

fn is_bracketed_rule_head(line: &str) -> bool {
    let mut rest = line.trim_start();
    if let Some(r) = rest.strip_prefix("default") {
        if r.starts_with(char::is_whitespace) {
            rest = r.trim_start();
        }
    }
    // The rule's name: an identifier, possibly dotted.
    let name_len = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
        .unwrap_or(rest.len());
    let Some(name) = rest.get(..name_len) else {
        return false;
    };
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit() || c == '.') {
        return false;
    }
    rest = rest.get(name_len..).unwrap_or_default().trim_start();
    if !rest.starts_with('[') {
        return false;
    }
    // One or more bracketed keys (balanced, strings skipped), with dotted parts between.
    while rest.starts_with('[') {
        let Some(end) = closing_bracket(rest) else {
            return false;
        };
        rest = rest.get(end + 1..).unwrap_or_default();
        while let Some(r) = rest.strip_prefix('.') {
            let n = r
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(r.len());
            rest = r.get(n..).unwrap_or_default();
        }
    }
    let rest = rest.trim_start();
    let word = |w: &str| {
        rest.strip_prefix(w).is_some_and(|r| {
            r.is_empty() || r.starts_with(|c: char| !c.is_ascii_alphanumeric() && c != '_')
        })
    };
    word("contains")
        || word("if")
        || rest.starts_with(":=")
        || (rest.starts_with('=') && !rest.starts_with("=="))
        || rest.starts_with('{')
}

/// The index of the `]` closing the `[` at the start of `s`.
fn closing_bracket(s: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        if in_string {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '[' => depth += 1,
            ']' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bracketed_heads_are_found() {
        for head in [
            "groups[k] contains v if {",
            "groups[k] contains v",
            "p[\"fixed\"] := 1",
            "default config[\"timeout\"] := 30",
            "p[a][b] if {",
            "a.b[k] = v if {",
            "p[x] {",
            "  p[k] := v if {",
            "p[\"a]b\"] := 1",
        ] {
            assert!(is_bracketed_rule_head(head), "{head}");
        }
    }

    #[test]
    fn bodies_and_plain_heads_are_not() {
        for line in [
            "deny contains finding if {",
            "\tpair[0] == instance.id",
            "\te[actor[0]] == actor[1]",
            "\tallowed[x]",
            "x := y[0]",
            "default allow := false",
            "# groups[k] contains v",
            "f(x) := x[0] if {",
            "\tcalls[i + n - 1][0] - calls[i][0] <= window",
            "",
        ] {
            assert!(!is_bracketed_rule_head(line), "{line}");
        }
    }

    #[test]
    fn the_line_is_reported() {
        assert_eq!(
            first_bracketed_rule_head("package p\n\nimport rego.v1\n\ng[k] contains v if {\n}\n"),
            Some(5)
        );
        assert_eq!(first_bracketed_rule_head("package p\n"), None);
    }

    /// The built-in pack must stay on the VM.
    #[test]
    fn the_builtin_pack_has_none() {
        for s in crate::engine::builtin_sources() {
            if s.is_rego() && !s.is_test() {
                assert_eq!(first_bracketed_rule_head(&s.text), None, "{}", s.path);
            }
        }
    }
}
