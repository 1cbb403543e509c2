//! Arbitrary bytes as a JSON input file: every document shape the loader accepts
//! (authorization details, EC2, CloudTrail, policy documents, snapshots) goes
//! through `load_texts`, which must answer Ok or Err, never panic or hang.
#![no_main]
use libfuzzer_sys::fuzz_target;
use stopguard::load::{load_texts, Format, RawInput};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = load_texts(vec![RawInput {
        name: "fuzz.json".into(),
        format: Format::Json,
        text: text.to_string(),
    }]);
});
