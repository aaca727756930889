//! Helpers every stage may use: escaping plan-supplied text, progress feedback.

pub mod escape;
pub mod glob;
pub mod progress;
