//! IAM wildcard patterns (`*` and `?`), because every Action, Resource and `...Like` condition is one and the evaluator asks about them millions of times.
//!
//! AWS documents exactly two metacharacters: `*` matches any run of characters
//! (including none) and `?` matches exactly one character; everything else is
//! literal and there is no escape character (IAM JSON policy elements: Action /
//! Resource, <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html>,
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html>).
//! Action names compare case-insensitively, ARNs case-sensitively, so every
//! function takes the folding choice from the caller.

/// Width in bytes of the UTF-8 sequence that starts with `lead`.
///
/// `?` and a `*` that gives back a character must step over whole characters,
/// not bytes, or a `?` would match half of a multi-byte character.
#[inline(always)]
fn utf8_width(lead: u8) -> usize {
    if lead < 0x80 {
        1
    } else if lead >= 0xF0 {
        4
    } else if lead >= 0xE0 {
        3
    } else if lead >= 0xC0 {
        2
    } else {
        // A continuation byte never starts a step in valid UTF-8; stepping one
        // byte keeps the loop moving forward rather than trusting bad input.
        1
    }
}

#[inline(always)]
fn byte_eq(a: u8, b: u8, case_insensitive: bool) -> bool {
    a == b || (case_insensitive && a.eq_ignore_ascii_case(&b))
}

/// Does `value` match `pattern`?
///
/// The classic two-pointer glob algorithm: walk both strings, remember the
/// last `*` seen and where in `value` it started, and on a mismatch let that
/// `*` swallow one more character. Only the most recent `*` ever needs
/// revisiting, because a later `*` can absorb anything an earlier one could, so
/// there is no exponential backtracking and no allocation. Literal bytes are
/// compared directly (UTF-8 is self-synchronising, so byte equality of a whole
/// literal character is character equality); `?` and the `*` retreat step over
/// whole characters.
pub fn matches(pattern: &str, value: &str, case_insensitive: bool) -> bool {
    let p = pattern.as_bytes();
    let v = value.as_bytes();
    let mut pi = 0usize;
    let mut vi = 0usize;
    // (pattern index just after the last `*`, value index that `*` has reached)
    let mut star: Option<(usize, usize)> = None;

    while let Some(&vb) = v.get(vi) {
        match p.get(pi) {
            Some(b'*') => {
                pi += 1;
                if pi == p.len() {
                    // A `*` that ends the pattern takes whatever is left, the
                    // commonest case (`arn:aws:iam::123456789012:role/ops-*`):
                    // no need to walk the rest of the value a character at a time.
                    return true;
                }
                star = Some((pi, vi));
                continue;
            }
            Some(b'?') => {
                pi += 1;
                vi += utf8_width(vb);
                continue;
            }
            Some(&pb) if byte_eq(pb, vb, case_insensitive) => {
                pi += 1;
                vi += 1;
                continue;
            }
            _ => {}
        }
        match star {
            Some((sp, sv)) => {
                let next = sv + v.get(sv).map_or(1, |&b| utf8_width(b));
                star = Some((sp, next));
                pi = sp;
                vi = next;
            }
            None => return false,
        }
    }
    // Value consumed: what is left of the pattern must be able to match "".
    p.get(pi..)
        .is_some_and(|rest| rest.iter().all(|&b| b == b'*'))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok {
    Star,
    One,
    Lit(char),
}

fn tokens(pattern: &str) -> Vec<Tok> {
    pattern
        .chars()
        .map(|c| match c {
            '*' => Tok::Star,
            '?' => Tok::One,
            other => Tok::Lit(other),
        })
        .collect()
}

#[inline]
fn char_eq(a: char, b: char, case_insensitive: bool) -> bool {
    a == b || (case_insensitive && a.eq_ignore_ascii_case(&b))
}

/// Is there at least one string matched by both `a` and `b`?
///
/// Exact: a reachability search over pairs of positions (one in each pattern)
/// that builds a common string one character at a time. A `*` may end (an
/// epsilon step) or absorb the character the other pattern emits; two `*`s
/// facing each other add nothing, since either can end first. Patterns are
/// policy-sized, so the (|a|+1)·(|b|+1) table is small.
pub fn intersects(a: &str, b: &str, case_insensitive: bool) -> bool {
    // Fast paths for the overwhelmingly common shapes.
    if a == "*" || b == "*" || a == b {
        return true;
    }
    if !a.contains(['*', '?']) {
        return matches(b, a, case_insensitive);
    }
    if !b.contains(['*', '?']) {
        return matches(a, b, case_insensitive);
    }
    let ta = tokens(a);
    let tb = tokens(b);
    let width = tb.len() + 1;
    let mut seen = vec![false; (ta.len() + 1) * width];
    let mut stack = vec![(0usize, 0usize)];
    while let Some((i, j)) = stack.pop() {
        let Some(slot) = seen.get_mut(i * width + j) else {
            continue;
        };
        if *slot {
            continue;
        }
        *slot = true;
        let x = ta.get(i).copied();
        let y = tb.get(j).copied();
        if x.is_none() && y.is_none() {
            return true;
        }
        if x == Some(Tok::Star) {
            stack.push((i + 1, j));
        }
        if y == Some(Tok::Star) {
            stack.push((i, j + 1));
        }
        match (x, y) {
            (Some(Tok::Lit(c)), Some(Tok::Lit(d))) if !char_eq(c, d, case_insensitive) => {}
            (Some(Tok::Lit(_) | Tok::One), Some(Tok::Lit(_) | Tok::One)) => {
                stack.push((i + 1, j + 1));
            }
            (Some(Tok::Lit(_) | Tok::One), Some(Tok::Star)) => stack.push((i + 1, j)),
            (Some(Tok::Star), Some(Tok::Lit(_) | Tok::One)) => stack.push((i, j + 1)),
            _ => {}
        }
    }
    false
}

/// Is every string matched by `specific` also matched by `general`?
///
/// Sound but incomplete: `specific`'s own `*` and `?` are treated as opaque
/// symbols that only `general`'s `*` (for `*`) or `*`/`?` (for `?`) may absorb,
/// and `general` is then glob-matched against that symbol string. A `true` is
/// always right; a `false` may be wrong for inclusions that need reasoning
/// about lengths across several wildcards, e.g. `?*` really does cover `*?`
/// but this says `false`. That direction is the safe one for its use: a Deny
/// that is not *known* to cover a query is reported as "may not apply".
pub fn covers(general: &str, specific: &str, case_insensitive: bool) -> bool {
    if general == "*" || general == specific {
        return true;
    }
    if !specific.contains(['*', '?']) {
        return matches(general, specific, case_insensitive);
    }
    // Both ASCII (every ARN and action in practice): the symbols are the bytes,
    // read in place. This runs for every statement a principal's access is
    // decided on, and the two token vectors were most of its cost.
    if general.is_ascii() && specific.is_ascii() {
        return covers_symbols(
            general.as_bytes(),
            specific.as_bytes(),
            ascii_tok,
            case_insensitive,
        );
    }
    covers_symbols(
        &tokens(general),
        &tokens(specific),
        |t: &Tok| *t,
        case_insensitive,
    )
}

fn ascii_tok(b: &u8) -> Tok {
    match b {
        b'*' => Tok::Star,
        b'?' => Tok::One,
        other => Tok::Lit(char::from(*other)),
    }
}

/// [`covers`] over two symbol strings, each symbol read as a [`Tok`] by `tok`.
fn covers_symbols<T>(g: &[T], s: &[T], tok: impl Fn(&T) -> Tok, case_insensitive: bool) -> bool {
    let absorbs = |gt: Tok, st: Tok| match (gt, st) {
        (Tok::Lit(c), Tok::Lit(d)) => char_eq(c, d, case_insensitive),
        (Tok::One, Tok::Lit(_) | Tok::One) => true,
        _ => false,
    };
    // The same greedy single-backtrack glob as `matches`, over symbols.
    let mut gi = 0usize;
    let mut si = 0usize;
    let mut star: Option<(usize, usize)> = None;
    while let Some(st) = s.get(si).map(&tok) {
        match g.get(gi).map(&tok) {
            Some(Tok::Star) => {
                gi += 1;
                star = Some((gi, si));
                continue;
            }
            Some(gt) if absorbs(gt, st) => {
                gi += 1;
                si += 1;
                continue;
            }
            _ => {}
        }
        match star {
            Some((sg, ss)) => {
                star = Some((sg, ss + 1));
                gi = sg;
                si = ss + 1;
            }
            None => return false,
        }
    }
    g.get(gi..)
        .is_some_and(|rest| rest.iter().all(|t| tok(t) == Tok::Star))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Naive exponential reference matcher over characters: obviously right,
    /// hopelessly slow, which is what a reference should be.
    fn reference(p: &[char], v: &[char], ci: bool) -> bool {
        match p.split_first() {
            None => v.is_empty(),
            Some((&'*', rest)) => (0..=v.len()).any(|k| reference(rest, &v[k..], ci)),
            Some((&'?', rest)) => !v.is_empty() && reference(rest, &v[1..], ci),
            Some((&c, rest)) => {
                !v.is_empty() && char_eq(c, v[0], ci) && reference(rest, &v[1..], ci)
            }
        }
    }

    fn reference_str(p: &str, v: &str, ci: bool) -> bool {
        let p: Vec<char> = p.chars().collect();
        let v: Vec<char> = v.chars().collect();
        reference(&p, &v, ci)
    }

    // --- matches: AWS "IAM JSON policy elements: Action" / "Resource" wildcard rules ---

    #[test]
    fn star_matches_any_sequence_including_empty() {
        // reference_policies_elements_action.html: "ec2:*" / "iam:*AccessKey*"
        assert!(matches("ec2:*", "ec2:StopInstances", false));
        assert!(matches("ec2:*", "ec2:", false));
        assert!(matches("*", "", false));
        assert!(matches("iam:*AccessKey*", "iam:CreateAccessKey", false));
        assert!(matches("iam:*AccessKey*", "iam:ListAccessKeys", false));
        assert!(!matches("iam:*AccessKey*", "iam:ListUsers", false));
    }

    #[test]
    fn question_mark_matches_exactly_one_character() {
        assert!(matches("ec2:?topInstances", "ec2:StopInstances", false));
        assert!(!matches("ec2:?topInstances", "ec2:topInstances", false));
        assert!(!matches("a?", "a", false));
        assert!(matches("a?", "ab", false));
        // A multi-byte character is one character.
        assert!(matches("?", "é", false));
        assert!(matches("a?c", "a€c", false));
        assert!(!matches("??", "é", false));
    }

    #[test]
    fn no_other_metacharacters() {
        // Brackets, dots and backslashes are literal in IAM patterns.
        assert!(matches("a.b[c]\\", "a.b[c]\\", false));
        assert!(!matches("a.b", "axb", false));
        assert!(!matches("[ab]", "a", false));
    }

    #[test]
    fn case_folding_is_callers_choice() {
        // Action names are case-insensitive (reference_policies_elements_action.html),
        // resource ARNs are case-sensitive (reference_policies_elements_resource.html).
        assert!(matches("EC2:stopinstances", "ec2:StopInstances", true));
        assert!(!matches("EC2:stopinstances", "ec2:StopInstances", false));
        assert!(matches("ec2:stop*", "EC2:StopInstances", true));
        assert!(!matches(
            "arn:aws:ec2:*:*:instance/I-*",
            "arn:aws:ec2:us-east-1:111122223333:instance/i-0abc",
            false
        ));
    }

    #[test]
    fn arn_patterns() {
        let arn = "arn:aws:ec2:us-east-1:111122223333:instance/i-0123456789abcdef0";
        assert!(matches("arn:aws:ec2:*:111122223333:instance/*", arn, false));
        assert!(matches("arn:aws:ec2:*", arn, false));
        assert!(matches("*", arn, false));
        assert!(!matches(
            "arn:aws:ec2:*:444455556666:instance/*",
            arn,
            false
        ));
        assert!(matches("arn:aws:ec2:us-east-?:*:instance/i-*", arn, false));
    }

    #[test]
    fn backtracking_cases() {
        assert!(matches("*a*b", "xxaxxab", false));
        assert!(matches("a*b*c", "abbbbc", false));
        assert!(!matches("a*b*c", "abbbb", false));
        assert!(matches("**", "", false));
        assert!(matches("*?*", "x", false));
        assert!(!matches("*?*", "", false));
        assert!(matches("*aab", "aaab", false));
    }

    #[test]
    fn pathological_input_is_fast() {
        let value = "a".repeat(10_000);
        let pattern = format!("{}b", "*a".repeat(50));
        let start = std::time::Instant::now();
        assert!(!matches(&pattern, &value, false));
        assert!(start.elapsed() < std::time::Duration::from_secs(2));
    }

    // --- intersects ---

    #[test]
    fn intersects_examples() {
        assert!(intersects("ec2:Stop*", "ec2:*Instances", false));
        assert!(intersects("ec2:Stop*", "EC2:STOPINSTANCES", true));
        assert!(!intersects("ec2:Stop*", "ec2:Start*", false));
        assert!(intersects("a?c", "*c", false));
        assert!(!intersects("a?c", "*d", false));
        assert!(intersects(
            "arn:aws:ec2:*:111122223333:instance/*",
            "arn:aws:ec2:us-east-1:*:instance/i-1",
            false
        ));
        assert!(!intersects("ab", "a", false));
        assert!(intersects("", "*", false));
        assert!(!intersects("", "?", false));
        assert!(!intersects("a*", "b*", false));
        assert!(intersects("*a", "b*", false));
    }

    // --- covers ---

    #[test]
    fn covers_the_deny_on_service_prefix() {
        // A Deny on arn:aws:ec2:* covers every EC2 instance ARN the query can name.
        assert!(covers(
            "arn:aws:ec2:*",
            "arn:aws:ec2:*:111122223333:instance/*",
            false
        ));
        assert!(covers("*", "anything*?", false));
        assert!(!covers(
            "arn:aws:ec2:*:111122223333:instance/*",
            "arn:aws:ec2:*",
            false
        ));
        assert!(!covers(
            "arn:aws:ec2:us-east-1:*",
            "arn:aws:ec2:*:111122223333:instance/*",
            false
        ));
    }

    #[test]
    fn covers_question_marks() {
        assert!(covers("a?c", "a?c", false));
        assert!(covers("a*", "a?c", false));
        assert!(covers("???", "a?c", false));
        assert!(!covers("abc", "a?c", false));
        assert!(!covers("a?", "a*", false));
    }

    #[test]
    fn covers_steps_over_whole_characters() {
        // Not ASCII: read as characters, so a `?` stands for the whole `é`.
        assert!(covers("x?y*", "x\u{e9}y*", false));
        assert!(covers("x\u{e9}*", "x\u{e9}?*", false));
        assert!(!covers("x??y*", "x\u{e9}y*", false));
    }

    #[test]
    fn covers_case_folding() {
        assert!(covers("EC2:Stop*", "ec2:stopinstances", true));
        assert!(!covers("EC2:Stop*", "ec2:stopinstances", false));
        assert!(covers("ec2:*", "EC2:Stop*", true));
    }

    #[test]
    fn covers_is_incomplete_in_a_documented_way() {
        // "?*" and "*?" both mean "at least one character", so each covers the
        // other, but the sound approximation cannot see it because a `*` in
        // `specific` would have to be split across `general`'s `?` and `*`.
        // Pinned so a change is deliberate.
        assert!(!covers("?*", "*?", false));
        assert!(!covers("*?", "?*", false));
        assert!(!covers("*?", "a*", false));
        assert!(covers("?*", "a*", false));
    }

    // --- properties ---

    fn pat(alphabet: &'static str, max: usize) -> impl Strategy<Value = String> {
        let chars: Vec<char> = alphabet.chars().collect();
        proptest::collection::vec(proptest::sample::select(chars), 0..=max)
            .prop_map(|v| v.into_iter().collect())
    }

    fn all_strings(alphabet: &[char], max_len: usize) -> Vec<String> {
        let mut out = vec![String::new()];
        let mut frontier = vec![String::new()];
        for _ in 0..max_len {
            let mut next = Vec::new();
            for s in &frontier {
                for &c in alphabet {
                    let mut t = s.clone();
                    t.push(c);
                    next.push(t);
                }
            }
            out.extend(next.iter().cloned());
            frontier = next;
        }
        out
    }

    /// Replace each `*` and `?` in `pattern` with concrete text chosen by `seed`,
    /// giving strings that `pattern` certainly matches.
    fn instantiate(pattern: &str, seed: &[u8]) -> String {
        let fill = ['a', 'b', ':', 'A', 'é'];
        let mut k = 0usize;
        let mut next = || {
            let b = seed.get(k % seed.len().max(1)).copied().unwrap_or(0);
            k += 1;
            b as usize
        };
        let mut out = String::new();
        for c in pattern.chars() {
            match c {
                '*' => {
                    let n = next() % 3;
                    for _ in 0..n {
                        out.push(fill[next() % fill.len()]);
                    }
                }
                '?' => out.push(fill[next() % fill.len()]),
                other => out.push(other),
            }
        }
        out
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn matches_agrees_with_reference(p in pat("ab*?:", 8), v in pat("ab:", 10), ci in any::<bool>()) {
            prop_assert_eq!(matches(&p, &v, ci), reference_str(&p, &v, ci));
        }

        #[test]
        fn matches_agrees_with_reference_unicode_and_case(p in pat("aAé*?", 6), v in pat("aAé€", 8), ci in any::<bool>()) {
            prop_assert_eq!(matches(&p, &v, ci), reference_str(&p, &v, ci));
        }

        #[test]
        fn instantiated_patterns_match(p in pat("ab*?:", 8), seed in proptest::collection::vec(any::<u8>(), 1..8)) {
            let v = instantiate(&p, &seed);
            prop_assert!(matches(&p, &v, false), "pattern {:?} value {:?}", p, v);
        }

        #[test]
        fn common_match_implies_intersects(a in pat("ab*?:", 6), b in pat("ab*?:", 6), v in pat("ab:", 8)) {
            if matches(&a, &v, false) && matches(&b, &v, false) {
                prop_assert!(intersects(&a, &b, false));
            }
        }

        #[test]
        fn intersects_is_symmetric(a in pat("ab*?", 6), b in pat("ab*?", 6), ci in any::<bool>()) {
            prop_assert_eq!(intersects(&a, &b, ci), intersects(&b, &a, ci));
        }

        #[test]
        fn intersects_is_exact(a in pat("ab*?", 4), b in pat("ab*?", 4)) {
            // Any witness needs at most |a|+|b| characters, all from "ab".
            let alphabet = ['a', 'b'];
            let witness = all_strings(&alphabet, a.chars().count() + b.chars().count())
                .into_iter()
                .any(|s| matches(&a, &s, false) && matches(&b, &s, false));
            prop_assert_eq!(intersects(&a, &b, false), witness);
        }

        #[test]
        fn intersects_is_exact_with_case_and_multibyte_characters(a in pat("aAé*?", 4), b in pat("aé*?", 4), ci in any::<bool>()) {
            // `?` takes a whole character, and case folds in ASCII only.
            let alphabet = ['a', 'A', 'é'];
            let witness = all_strings(&alphabet, a.chars().count() + b.chars().count())
                .into_iter()
                .any(|s| matches(&a, &s, ci) && matches(&b, &s, ci));
            prop_assert_eq!(intersects(&a, &b, ci), witness);
        }

        #[test]
        fn covers_is_sound(g in pat("ab*?:", 6), s in pat("ab*?:", 6), seed in proptest::collection::vec(any::<u8>(), 1..8), x in pat("ab:", 8)) {
            if covers(&g, &s, false) {
                let inst = instantiate(&s, &seed);
                prop_assert!(matches(&g, &inst, false), "{:?} covers {:?} but misses {:?}", g, s, inst);
                if matches(&s, &x, false) {
                    prop_assert!(matches(&g, &x, false), "{:?} covers {:?} but misses {:?}", g, s, x);
                }
            }
        }

        #[test]
        fn covers_on_literal_is_matches(g in pat("ab*?:", 6), s in pat("ab:", 6), ci in any::<bool>()) {
            prop_assert_eq!(covers(&g, &s, ci), matches(&g, &s, ci));
        }

        #[test]
        fn covers_reads_ascii_as_its_tokens(g in pat("aB*?:", 8), s in pat("ab*?:", 8), ci in any::<bool>()) {
            prop_assert_eq!(
                covers_symbols(g.as_bytes(), s.as_bytes(), ascii_tok, ci),
                covers_symbols(&tokens(&g), &tokens(&s), |t: &Tok| *t, ci)
            );
        }

        #[test]
        fn covers_is_reflexive(p in pat("ab*?:", 8)) {
            prop_assert!(covers(&p, &p, false));
        }

        #[test]
        fn covers_implies_intersects(g in pat("ab*?", 5), s in pat("ab*?", 5)) {
            if covers(&g, &s, false) {
                prop_assert!(intersects(&g, &s, false));
            }
        }
    }
}
