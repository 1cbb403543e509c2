//! Arbitrary text as a Rego file's `# METADATA` block (and what surrounds it).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Ok(Some((_, span))) = stopguard::engine::metadata::parse(text) {
        // The span names a real slice of the text.
        assert!(span.offset + span.len <= text.len());
        assert!(text.is_char_boundary(span.offset));
    }
});
