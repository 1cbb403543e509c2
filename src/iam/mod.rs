//! AWS IAM policy semantics, implemented once: documents, matching, conditions and the access decision.
pub mod access;
pub mod condition;
pub mod context;
pub mod escalation;
pub mod eval;
pub mod policy;
pub mod tri;
pub mod wildcard;
