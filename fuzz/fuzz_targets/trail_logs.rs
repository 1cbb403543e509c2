//! Arbitrary bytes as a CloudTrail log (or lookup-events output), read by the
//! streaming reader: it must answer with events and errors, never panic or hang,
//! and never keep more events than it saw records.
#![no_main]
use libfuzzer_sys::fuzz_target;
use stopguard::load::trail_logs::{read_text, Window};

fuzz_target!(|data: &[u8]| {
    let out = read_text("fuzz.json", data, Window::default(), 1 << 20);
    assert!(out.events.len() as u64 <= out.records);
});
