//! Finding the elements of a JSON object's top-level lists without parsing them.
//!
//! [`listed`](super::listed) hands the elements of an IAM export's four long lists
//! to parsers on every core, so something has to find where each element lies
//! first, on one thread, before the parsers have anything to do. A JSON parser's
//! skipping pass does that at about 1.7 GB/s; this scanner classifies 64 bytes at
//! a time (AVX2 or SSE2 compares on x86-64, plain byte tests elsewhere) into bit
//! masks:
//!
//! - quotes that are not escaped, from which a prefix XOR gives the bytes inside
//!   strings (the mask carries into the next block);
//! - brackets (`[`, `{`, `]`, `}`) outside strings, the only bytes the scanner
//!   then visits one by one, to follow the nesting depth.
//!
//! The scanner trusts its input no further than it must. It does not validate
//! JSON: it reports only where each list element starts and ends and what lies
//! between (whitespace, one comma). The caller parses every element on its own,
//! and the rest of the document with the lists emptied; when all of those parse,
//! the whole text is valid JSON with the same meaning, since it is exactly those
//! pieces joined by the commas and brackets checked here. When anything does not
//! parse, the caller parses the whole text the ordinary way, whose error is then
//! the one reported.
use std::ops::Range;

/// Bit masks of one 64-byte block: bit `i` stands for byte `i`.
#[derive(Default)]
struct Block {
    quote: u64,
    backslash: u64,
    /// `[`, `{`, `]` and `}`: the scan tells openers from closers by the byte.
    bracket: u64,
    /// Bytes from 0x80 up: outside ASCII.
    high: u64,
}

/// `b'{' | 0x20 == b'{'` and `b'[' | 0x20 == b'{'`: one compare finds both openers,
/// and likewise `}` and `]`; no other byte maps to either.
const OPEN: u8 = b'{';
const CLOSE: u8 = b'}';

/// A block classified `$lanes` vectors of `$width` bytes at a time, with the
/// intrinsics of one instruction set: the same steps for SSE2 and AVX2. Expands
/// to code that needs an `unsafe` block (the loads read through a pointer).
#[cfg(target_arch = "x86_64")]
macro_rules! classify_lanes {
    ($bytes:expr, $vector:ty, $lanes:literal, $width:literal, $bits:ty,
     $load:ident, $splat:ident, $or:ident, $eq:ident, $movemask:ident) => {{
        let quote = $splat(b'"' as i8);
        let backslash = $splat(b'\\' as i8);
        let case = $splat(0x20);
        let open = $splat(OPEN as i8);
        let close = $splat(CLOSE as i8);
        let mut block = Block::default();
        for lane in 0..$lanes {
            // Inside the 64-byte array: `lane * $width + $width <= 64`.
            let v = $load($bytes.as_ptr().add(lane * $width).cast::<$vector>());
            let folded = $or(v, case);
            let mask = |m: $vector| u64::from($movemask(m) as $bits) << (lane * $width);
            block.quote |= mask($eq(v, quote));
            block.backslash |= mask($eq(v, backslash));
            block.bracket |= mask($or($eq(folded, open), $eq(folded, close)));
            // The top bit of each byte.
            block.high |= mask(v);
        }
        block
    }};
}

/// Classifies a block with SSE2, 16 bytes at a time. SSE2 is part of the x86-64
/// baseline, so this always runs; [`classify_avx2`] does the same work in half
/// the instructions where the CPU has AVX2.
#[cfg(target_arch = "x86_64")]
fn classify_sse2(bytes: &[u8; 64]) -> Block {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
    };
    // SAFETY: SSE2 is part of the x86-64 baseline, so these intrinsics are always
    // available; each load reads 16 bytes inside the 64-byte array.
    unsafe {
        classify_lanes!(
            bytes,
            __m128i,
            4,
            16,
            u16,
            _mm_loadu_si128,
            _mm_set1_epi8,
            _mm_or_si128,
            _mm_cmpeq_epi8,
            _mm_movemask_epi8
        )
    }
}

/// [`classify_sse2`] with AVX2, 32 bytes at a time: a check of the benchmark
/// export took 22 million fewer instructions (2.5%) than with SSE2 alone.
///
/// # Safety
///
/// Only where the CPU has AVX2 ([`has_avx2`]). `unsafe fn` rather than a safe
/// `#[target_feature]` function, which needs Rust 1.86, above this crate's
/// `rust-version`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn classify_avx2(bytes: &[u8; 64]) -> Block {
    use std::arch::x86_64::{
        __m256i, _mm256_cmpeq_epi8, _mm256_loadu_si256, _mm256_movemask_epi8, _mm256_or_si256,
        _mm256_set1_epi8,
    };
    // SAFETY: each load reads 32 bytes inside the 64-byte array (unaligned loads
    // need no alignment); AVX2 is enabled for this function.
    unsafe {
        classify_lanes!(
            bytes,
            __m256i,
            2,
            32,
            u32,
            _mm256_loadu_si256,
            _mm256_set1_epi8,
            _mm256_or_si256,
            _mm256_cmpeq_epi8,
            _mm256_movemask_epi8
        )
    }
}

/// Whether [`classify_avx2`] may run here (the answer is cached by the standard
/// library after the first ask).
#[cfg(target_arch = "x86_64")]
fn has_avx2() -> bool {
    std::arch::is_x86_feature_detected!("avx2")
}

/// The portable classification, byte by byte: what the SIMD versions must agree
/// with, and what runs on other architectures.
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
fn classify_bytes(bytes: &[u8; 64]) -> Block {
    let mut block = Block::default();
    for (i, &b) in bytes.iter().enumerate() {
        let bit = 1u64 << i;
        let folded = b | 0x20;
        block.quote |= if b == b'"' { bit } else { 0 };
        block.backslash |= if b == b'\\' { bit } else { 0 };
        block.bracket |= if folded == OPEN || folded == CLOSE {
            bit
        } else {
            0
        };
        block.high |= if b >= 0x80 { bit } else { 0 };
    }
    block
}

/// Classifies a block with the widest instructions this CPU has.
#[inline]
fn classify(bytes: &[u8; 64], avx2: bool) -> Block {
    #[cfg(target_arch = "x86_64")]
    {
        if avx2 {
            // SAFETY: `avx2` is true only where `has_avx2` said the CPU has it
            // (`Brackets::new`).
            return unsafe { classify_avx2(bytes) };
        }
        classify_sse2(bytes)
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = avx2;
        classify_bytes(bytes)
    }
}

/// The bytes of a block that a backslash escapes. `carry` says whether the block's
/// first byte is escaped (an unescaped backslash ended the previous block) and is
/// set for the next one. Backslashes are rare in an export, so they are walked one
/// by one: each backslash not itself escaped escapes the byte after it.
fn escaped(backslash: u64, carry: &mut bool) -> u64 {
    let mut escaped = u64::from(std::mem::take(carry));
    let mut rest = backslash;
    while rest != 0 {
        let i = rest.trailing_zeros();
        rest &= rest - 1;
        if escaped & (1 << i) != 0 {
            continue;
        }
        if i == 63 {
            *carry = true;
        } else {
            escaped |= 1 << (i + 1);
        }
    }
    escaped
}

/// Bit `i` of the result is the XOR of bits `0..=i` of `x`: set from an opening
/// quote up to (not including) its closing quote.
fn prefix_xor(mut x: u64) -> u64 {
    x ^= x << 1;
    x ^= x << 2;
    x ^= x << 4;
    x ^= x << 8;
    x ^= x << 16;
    x ^= x << 32;
    x
}

/// The brackets outside strings, block by block: `(offset of the block, mask)`.
struct Brackets<'a> {
    text: &'a [u8],
    at: usize,
    in_string: u64,
    escape_carry: bool,
    /// Whether the CPU has AVX2 ([`classify`]).
    avx2: bool,
    /// Where the last block read that held a byte outside ASCII ends (0 when
    /// none did).
    high_end: usize,
}

impl<'a> Brackets<'a> {
    fn new(text: &'a [u8]) -> Self {
        Brackets {
            text,
            at: 0,
            in_string: 0,
            escape_carry: false,
            high_end: 0,
            #[cfg(target_arch = "x86_64")]
            avx2: has_avx2(),
            #[cfg(not(target_arch = "x86_64"))]
            avx2: false,
        }
    }

    /// The next block: its offset, and its brackets outside strings.
    fn next_block(&mut self) -> Option<(usize, u64)> {
        let start = self.at;
        let rest = self.text.get(start..).filter(|r| !r.is_empty())?;
        let block = match rest.first_chunk::<64>() {
            Some(chunk) => classify(chunk, self.avx2),
            None => {
                // The tail, padded with spaces (which are nothing to the scan).
                let mut chunk = [b' '; 64];
                chunk.get_mut(..rest.len())?.copy_from_slice(rest);
                classify(&chunk, self.avx2)
            }
        };
        self.at = start + 64;
        let escaped = if block.backslash == 0 && !self.escape_carry {
            0
        } else {
            escaped(block.backslash, &mut self.escape_carry)
        };
        let inside = prefix_xor(block.quote & !escaped) ^ self.in_string;
        // All ones when the block ends inside a string, else zero.
        self.in_string = ((inside as i64) >> 63) as u64;
        if block.high != 0 {
            self.high_end = start + 64;
        }
        Some((start, block.bracket & !inside))
    }
}

/// What a scan found: each split list's key (as given to [`split_lists`]) and the
/// bytes between its brackets, in file order.
pub(super) struct Split<K> {
    pub lists: Vec<(K, Range<usize>)>,
}

/// Whether `bytes` holds only JSON whitespace.
fn blank(bytes: &[u8]) -> bool {
    bytes
        .iter()
        .all(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
}

/// Whether `bytes` is JSON whitespace, one comma, JSON whitespace.
fn separator(bytes: &[u8]) -> bool {
    let mut parts = bytes.splitn(2, |&b| b == b',');
    match (parts.next(), parts.next()) {
        (Some(before), Some(after)) => blank(before) && blank(after),
        _ => false,
    }
}

/// Whether `text[range]` is there and holds only JSON whitespace.
fn blank_at(text: &[u8], range: Range<usize>) -> bool {
    text.get(range).is_some_and(blank)
}

/// Which of `keys` names the member whose value opens at `open` (a `[` one level
/// inside the top-level object): the text before it must read `"KEY"`, then `:`,
/// with whitespace allowed around the colon. A key written with escapes is not
/// recognised (its list is then parsed in place, as any other member).
fn key_before<K: Copy>(text: &[u8], open: usize, keys: &[(&str, K)]) -> Option<K> {
    let before = text.get(..open)?;
    let trimmed = before.trim_ascii_end().strip_suffix(b":")?.trim_ascii_end();
    let quoted = trimmed.strip_suffix(b"\"")?;
    keys.iter().find_map(|&(key, k)| {
        quoted
            .strip_suffix(key.as_bytes())
            .and_then(|b| b.strip_suffix(b"\""))
            // The opening quote must not be escaped: then it starts the key.
            .is_some_and(|b| !b.ends_with(b"\\"))
            .then_some(k)
    })
}

/// Scans `text`, a JSON object, for top-level members named in `keys` whose values
/// are lists of objects or lists, and calls `element(list, key, range, ascii)` for
/// each element of those lists, in file order; `list` counts the lists found
/// before (it indexes [`Split::lists`]), and `ascii` is true only when every byte
/// of the element is ASCII (so the element is UTF-8 without a check). It is
/// decided by 64-byte blocks: an element that shares a block with a byte outside
/// ASCII gets false, as one that holds such a byte does. None when the text is not shaped so (not an
/// object, unbalanced brackets, something other than an object or list in such a
/// list, anything but one comma between elements): the caller then parses the
/// whole text the ordinary way, and the elements already reported go unused.
pub(super) fn split_lists<K: Copy>(
    text: &[u8],
    keys: &[(&str, K)],
    mut element: impl FnMut(usize, K, Range<usize>, bool),
) -> Option<Split<K>> {
    let first = text.iter().position(|&b| !blank(&[b]))?;
    if text.get(first) != Some(&b'{') {
        return None;
    }
    let mut depth = 0usize;
    // The list being split: its key, and where its last element ended (or just
    // after its `[`).
    let mut list: Option<(K, usize)> = None;
    let mut list_start = 0;
    let mut element_start = 0;
    let mut lists = Vec::new();
    let mut brackets = Brackets::new(text);
    while let Some((base, mut mask)) = brackets.next_block() {
        while mask != 0 {
            let at = base + mask.trailing_zeros() as usize;
            mask &= mask - 1;
            let byte = *text.get(at)?;
            if byte | 0x20 == OPEN {
                depth += 1;
                match depth {
                    2 if byte == b'[' => {
                        list = key_before(text, at, keys).map(|key| (key, at + 1));
                        list_start = at + 1;
                    }
                    3 => {
                        if let Some((_, after)) = list {
                            let gap_ok = if after == list_start {
                                blank_at(text, after..at)
                            } else {
                                text.get(after..at).is_some_and(separator)
                            };
                            if !gap_ok {
                                return None;
                            }
                            element_start = at;
                        }
                    }
                    _ => {}
                }
            } else {
                depth = depth.checked_sub(1)?;
                match depth {
                    2 => {
                        if let Some((key, after)) = list.as_mut() {
                            *after = at + 1;
                            // No such byte in the blocks from the element's
                            // first to this one.
                            let ascii = brackets.high_end <= element_start;
                            element(lists.len(), *key, element_start..at + 1, ascii);
                        }
                    }
                    1 => {
                        if let Some((key, after)) = list.take() {
                            if !blank_at(text, after..at) {
                                return None;
                            }
                            lists.push((key, list_start..at));
                        }
                    }
                    // The object's end: only whitespace may follow.
                    0 => return blank_at(text, at + 1..text.len()).then_some(Split { lists }),
                    _ => {}
                }
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEYS: &[(&str, usize)] = &[("Users", 0), ("Roles", 1)];

    /// Elements as (key, text), and lists as (key, interior).
    type Found = (Vec<(usize, String)>, Vec<(usize, String)>);

    fn split(text: &str) -> Option<Found> {
        let mut elements = Vec::new();
        let split = split_lists(text.as_bytes(), KEYS, |list, key, r, ascii| {
            // Said ASCII only when it is; and an ASCII element far from any
            // other byte is said to be.
            assert!(
                !ascii || text[r.clone()].is_ascii(),
                "{:?}",
                &text[r.clone()]
            );
            if text.is_ascii() {
                assert!(ascii, "{:?}", &text[r.clone()]);
            }
            elements.push((list, key, text[r].to_string()))
        })?;
        // An element's list, by its place among the lists found, has its key.
        for (list, key, _) in &elements {
            assert_eq!(split.lists[*list].0, *key);
        }
        let elements = elements.into_iter().map(|(_, k, e)| (k, e)).collect();
        let lists = split
            .lists
            .into_iter()
            .map(|(k, r)| (k, text[r].to_string()))
            .collect();
        Some((elements, lists))
    }

    /// The elements serde_json finds in each of `KEYS`' lists, as written.
    fn expected(text: &str) -> Vec<(usize, String)> {
        #[derive(serde::Deserialize)]
        struct Doc<'a> {
            #[serde(borrow, rename = "Users")]
            users: Option<Vec<&'a serde_json::value::RawValue>>,
            #[serde(borrow, rename = "Roles")]
            roles: Option<Vec<&'a serde_json::value::RawValue>>,
        }
        let doc: Doc = serde_json::from_str(text).expect("test text is valid");
        // Each element with where it starts (it is borrowed from `text`), to put
        // them in file order, as the scanner reports them.
        let mut out: Vec<(usize, usize, String)> = Vec::new();
        for (k, list) in [(0, doc.users), (1, doc.roles)] {
            out.extend(list.into_iter().flatten().map(|e| {
                let at = e.get().as_ptr() as usize - text.as_ptr() as usize;
                (at, k, e.get().to_string())
            }));
        }
        out.sort();
        out.into_iter().map(|(_, k, e)| (k, e)).collect()
    }

    #[test]
    fn finds_each_element_of_the_named_lists() {
        let text = r#"{"Other": [{"a": 1}], "Users": [ {"n": "x"}, {"n": [1, {"b": "]}"}]} ,[2]],
            "Roles":[], "Tail": {"Users": [{"nested": true}]}}"#;
        let (elements, lists) = split(text).expect("splits");
        assert_eq!(
            elements,
            vec![
                (0, r#"{"n": "x"}"#.to_string()),
                (0, r#"{"n": [1, {"b": "]}"}]}"#.to_string()),
                (0, "[2]".to_string()),
            ]
        );
        assert_eq!(lists.len(), 2);
        assert_eq!(lists[0].0, 0);
        assert_eq!(lists[1], (1, String::new()));
        assert_eq!(elements, expected(text));
    }

    #[test]
    fn strings_hide_brackets_quotes_and_backslashes_across_blocks() {
        // Escaped quotes and backslash runs placed at every offset of a 64-byte
        // block, so that escapes and strings cross block boundaries.
        let mut text = String::from(r#"{"Users": ["#);
        for pad in 0..130 {
            if pad > 0 {
                text.push(',');
            }
            let filler = "x".repeat(pad);
            let runs = "\\\\".repeat(pad % 5);
            text.push_str(&format!(
                r#"{{"s": "{filler}\"]}}{runs}", "t": "{runs}\\\"[{{", "u": ["{filler}\\"]}}"#
            ));
        }
        text.push_str(r#"], "Roles": [{"r": "\\"}, {"r": "\"\\\""}]}"#);
        let (elements, _) = split(&text).expect("splits");
        assert_eq!(elements.len(), 132);
        assert_eq!(elements, expected(&text));
    }

    #[test]
    fn only_elements_away_from_bytes_outside_ascii_are_said_to_be_ascii() {
        // Two blocks of spaces between elements, so that each starts in a block
        // of its own; the last follows a `é` in the same block.
        let gap = " ".repeat(128);
        let text = format!(
            r#"{{"Users": [{{"n": "a"}},{gap}{{"n": "é"}},{gap}{{"n": "b"}},{gap}{{"n": "cé"}},{{"n": "d"}}]}}"#
        );
        let mut flags = Vec::new();
        split_lists(text.as_bytes(), KEYS, |_, _, _, ascii| flags.push(ascii)).unwrap();
        assert_eq!(flags, vec![true, false, true, false, false]);
    }

    #[test]
    fn refuses_what_is_not_a_list_of_objects_in_an_object() {
        for text in [
            r#"[{"Users": [{}]}]"#,
            r#"{"Users": [{}, "x", {}]}"#,
            r#"{"Users": [{} {}]}"#,
            r#"{"Users": [{},, {}]}"#,
            r#"{"Users": [{},]}"#,
            r#"{"Users": [, {}]}"#,
            r#"{"Users": [{}]"#,
            r#"{"Users": [{}]}}"#,
            r#"{"Users": [{}]} x"#,
            "",
            "   ",
        ] {
            assert!(split(text).is_none(), "{text}");
        }
    }

    #[test]
    fn a_key_is_recognised_only_as_written_plainly() {
        // An escaped quote before the name: the member is `"x\"Users"`.
        let (elements, lists) = split(r#"{"x\"Users": [{}], "Roles" : [ {} ] }"#).unwrap();
        assert_eq!(elements, vec![(1, "{}".to_string())]);
        assert_eq!(lists, vec![(1, " {} ".to_string())]);
        let (elements, _) = split(r#"{"AUsers": [{}], "Users\n": [{}]}"#).unwrap();
        assert!(elements.is_empty());
    }

    mod generated {
        use super::*;
        use proptest::prelude::*;

        /// Strings made mostly of the bytes the scanner cares about, so that quotes,
        /// backslash runs and brackets land at every offset of a block.
        fn text() -> impl Strategy<Value = String> {
            let chars = vec!['"', '\\', '[', ']', '{', '}', ',', ':', ' ', 'a', 'é', '\n'];
            proptest::collection::vec(proptest::sample::select(chars), 0..40)
                .prop_map(|v| v.into_iter().collect())
        }

        fn value() -> impl Strategy<Value = serde_json::Value> {
            let leaf = prop_oneof![
                text().prop_map(serde_json::Value::from),
                any::<i32>().prop_map(serde_json::Value::from),
                Just(serde_json::Value::Null),
            ];
            leaf.prop_recursive(4, 40, 6, |inner| {
                prop_oneof![
                    proptest::collection::vec(inner.clone(), 0..6)
                        .prop_map(serde_json::Value::from),
                    proptest::collection::btree_map(text(), inner, 0..6)
                        .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
                ]
            })
        }

        /// A list element: an object or a list, as the scanner accepts them.
        fn element() -> impl Strategy<Value = serde_json::Value> {
            prop_oneof![
                proptest::collection::btree_map(text(), value(), 0..6)
                    .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
                proptest::collection::vec(value(), 0..4).prop_map(serde_json::Value::from),
            ]
        }

        /// The masks of a block, as numbers to compare.
        fn masks(b: &Block) -> (u64, u64, u64, u64) {
            (b.quote, b.backslash, b.bracket, b.high)
        }

        proptest! {
            /// Each classification this CPU can run agrees with the byte-by-byte
            /// one, on blocks dense with the bytes it looks for and their
            /// neighbours under `| 0x20` (`;`, `=`, `|`, `~`...).
            #[test]
            fn every_classification_agrees_with_the_bytewise_one(
                bytes in proptest::collection::vec(
                    prop_oneof![
                        proptest::sample::select(b"\"\\[]{}|;=~ {a\xff\x80\x1b".to_vec()),
                        any::<u8>(),
                    ],
                    64,
                ),
            ) {
                let block: [u8; 64] = bytes.try_into().unwrap();
                let expected = masks(&classify_bytes(&block));
                #[cfg(target_arch = "x86_64")]
                {
                    prop_assert_eq!(masks(&classify_sse2(&block)), expected);
                    if has_avx2() {
                        prop_assert_eq!(masks(&classify(&block, true)), expected);
                    }
                }
                prop_assert_eq!(masks(&classify(&block, false)), expected);
            }
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(400))]

            /// Whatever the strings hold, the scanner finds exactly the elements
            /// serde_json finds, written compactly or indented.
            #[test]
            fn finds_what_serde_json_finds(
                users in proptest::collection::vec(element(), 0..8),
                roles in proptest::collection::vec(element(), 0..8),
                other in value(),
                pretty in any::<bool>(),
            ) {
                let doc = serde_json::json!({"Other": other, "Users": users, "Roles": roles});
                let text = if pretty {
                    serde_json::to_string_pretty(&doc).unwrap()
                } else {
                    serde_json::to_string(&doc).unwrap()
                };
                let (elements, lists) = split(&text).expect("a valid export splits");
                prop_assert_eq!(elements, expected(&text));
                prop_assert_eq!(lists.len(), 2);
            }
        }
    }
}
