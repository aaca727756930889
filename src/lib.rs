//! blastwall: the seatbelt between a Terraform/OpenTofu plan and its apply.
//!
//! The modules are the pipeline, in the order a plan flows through them:
//! input → model → graph → blast → analysis → rules → policy → report →
//! render, driven by `app` (one module per command), which turns the verdict
//! into an exit code. `app::run` is the whole program, so it can be tested
//! without a process.

pub mod analysis;
pub mod app;
pub mod blast;
pub mod cli;
pub mod exit;
pub mod graph;
pub mod input;
pub mod model;
pub mod policy;
pub mod render;
pub mod report;
pub mod rules;
pub mod util;

pub use app::{CheckOptions, check, check_labelled, for_each_plan, run};
