//! What the engine derives from the built-in pack's text before it can run it:
//! each policy's METADATA and the parts of the input it reads, the pack's entry
//! points, and whether the VM can run it. `build.rs` computes them with this
//! code and writes them beside the compiled program; a check of the built-in
//! pack alone reads them back instead of parsing 31 METADATA blocks of YAML and
//! scanning every policy's text on every run (half the instructions of a check
//! of one small file). Shared by the engine and by `build.rs`, like
//! `entry_points`: no crate items beyond its sibling modules.
use serde::{Deserialize, Serialize};

use super::metadata::Metadata;

/// The facts of a pack of policies (tests left out).
#[derive(Debug, Serialize, Deserialize)]
pub struct PackFacts {
    pub policies: Vec<PolicyFacts>,
    /// `entry_point_names`.
    pub entry_points: Vec<String>,
    /// Whether some policy has a rule head the VM evaluates wrongly (`rvm_gaps`).
    pub rvm_gap: bool,
}

/// One policy's facts.
#[derive(Debug, Serialize, Deserialize)]
pub struct PolicyFacts {
    pub path: String,
    /// `metadata::parse`'s answer: the block with its offset and length, or none.
    pub metadata: Option<(Metadata, usize, usize)>,
    /// The input paths it reads (`InputReads::scan` of it alone).
    pub reads: Vec<Vec<String>>,
}

/// The facts of `policies` (path, text); None when a METADATA block does not
/// parse, which the engine then reports with its place in the file. The engine
/// itself only reads build.rs's answer; its tests compare the two.
#[cfg_attr(not(test), allow(dead_code))]
pub fn of(policies: &[(String, String)]) -> Option<PackFacts> {
    let mut out = Vec::with_capacity(policies.len());
    for (path, text) in policies {
        let metadata = super::metadata::parse(text)
            .ok()?
            .map(|(m, span)| (m, span.offset, span.len));
        out.push(PolicyFacts {
            path: path.clone(),
            metadata,
            reads: super::reads::InputReads::scan([text.as_str()])
                .paths()
                .to_vec(),
        });
    }
    let texts = || policies.iter().map(|(_, t)| t.as_str());
    Some(PackFacts {
        policies: out,
        entry_points: super::entry_points::entry_point_names(texts()),
        rvm_gap: texts().any(|t| super::rvm_gaps::first_bracketed_rule_head(t).is_some()),
    })
}
