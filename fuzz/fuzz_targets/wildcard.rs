//! The IAM wildcard matcher: `matches`, `intersects` and `covers` on patterns drawn
//! from a small alphabet (so `*`, `?`, case and multi-byte characters meet often),
//! checked against a reference matcher and against each other.
#![no_main]
use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use stopguard::iam::wildcard::{covers, intersects, matches};

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Sym {
    Star,
    One,
    A,
    UpperA,
    B,
    Colon,
    /// Two bytes in UTF-8.
    EAcute,
    /// Four bytes in UTF-8.
    Crab,
    Other(char),
}

impl Sym {
    fn ch(self) -> char {
        match self {
            Sym::Star => '*',
            Sym::One => '?',
            Sym::A => 'a',
            Sym::UpperA => 'A',
            Sym::B => 'b',
            Sym::Colon => ':',
            Sym::EAcute => 'é',
            Sym::Crab => '🦀',
            Sym::Other(c) => c,
        }
    }
}

#[derive(Arbitrary, Debug)]
struct Input {
    p: Vec<Sym>,
    q: Vec<Sym>,
    x: Vec<Sym>,
    ci: bool,
}

fn text(s: &[Sym]) -> String {
    s.iter().map(|s| s.ch()).collect()
}

/// Dynamic-programming glob over characters: slow, simple, obviously right.
fn reference(p: &str, v: &str, ci: bool) -> bool {
    let p: Vec<char> = p.chars().collect();
    let v: Vec<char> = v.chars().collect();
    // m[i][j]: does p[i..] match v[j..]?
    let mut m = vec![vec![false; v.len() + 1]; p.len() + 1];
    m[p.len()][v.len()] = true;
    for i in (0..p.len()).rev() {
        for j in (0..=v.len()).rev() {
            m[i][j] = match p[i] {
                '*' => m[i + 1][j] || (j < v.len() && m[i][j + 1]),
                '?' => j < v.len() && m[i + 1][j + 1],
                c => {
                    j < v.len()
                        && (c == v[j] || (ci && c.eq_ignore_ascii_case(&v[j])))
                        && m[i + 1][j + 1]
                }
            };
        }
    }
    m[0][0]
}

fn literal(s: &str) -> bool {
    !s.contains(['*', '?'])
}

fuzz_target!(|input: Input| {
    let (p, q, x) = (text(&input.p), text(&input.q), text(&input.x));
    let ci = input.ci;

    let px = matches(&p, &x, ci);
    let qx = matches(&q, &x, ci);
    assert_eq!(px, reference(&p, &x, ci), "matches({p:?}, {x:?}, {ci})");

    // A literal value a pattern matches is a pattern the pattern intersects.
    if px && literal(&x) {
        assert!(intersects(&p, &x, ci), "intersects({p:?}, {x:?}, {ci})");
        assert!(intersects(&x, &p, ci), "intersects({x:?}, {p:?}, {ci})");
    }
    // intersects is exact: a common witness means it must say yes; it is symmetric.
    let pq = intersects(&p, &q, ci);
    assert_eq!(
        pq,
        intersects(&q, &p, ci),
        "intersects symmetry {p:?} {q:?} {ci}"
    );
    if px && qx {
        assert!(
            pq,
            "{x:?} is matched by {p:?} and {q:?} but intersects says no ({ci})"
        );
    }
    // covers is sound: everything q matches, p matches.
    if covers(&p, &q, ci) && qx {
        assert!(px, "covers({p:?}, {q:?}, {ci}) but {x:?} matches only q");
    }
    // On a literal, covering is matching.
    if literal(&q) {
        assert_eq!(
            covers(&p, &q, ci),
            matches(&p, &q, ci),
            "covers/matches on literal {p:?} {q:?} {ci}"
        );
    }
});
