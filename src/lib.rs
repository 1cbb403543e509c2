//! stopguard: who may stop an EC2 instance, and would anyone notice?
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]
// Diagnostics carry their source text for miette; they are built only on the cold
// path that ends the run, so their size is no cost worth boxing for.
#![allow(clippy::result_large_err)]
pub mod app;
pub mod cli;
#[cfg(feature = "aws")]
pub mod collect;
pub mod commands;
pub mod diag;
pub mod engine;
pub mod exit;
pub mod findings;
pub mod heap;
pub mod iam;
pub mod input;
pub mod load;
pub mod model;
pub mod monitoring;
pub mod par;
pub mod patterns;
pub mod rego_value;
pub mod report;
pub mod severity;
pub mod triage;
