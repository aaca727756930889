//! One integration-test binary: the CLI as users run it, and the library's
//! pipeline on real plans.

mod cli;
mod common;
mod corpus;
mod graph;
mod input;
mod policy;
mod rules;
mod schema;
mod terraform;
