//! CloudWatch Logs filter patterns and EventBridge event patterns come from the
//! account under audit: any text must be judged (true or false), never panic or
//! exhaust the stack.
#![no_main]
use libfuzzer_sys::fuzz_target;
use stopguard::patterns::{event_pattern_matches_stop_instances, filter_matches_stop_instances};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = filter_matches_stop_instances(text);
    let _ = filter_matches_stop_instances(&format!("{{ {text} }}"));
    let _ = event_pattern_matches_stop_instances(text);
});
