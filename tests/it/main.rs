//! One integration-test binary: the CLI as users run it, and the library's
//! pipeline on real plans.

mod accuracy;
mod cli;
mod common;
mod corpus;
mod fuzz;
mod github;
mod graph;
mod guard;
mod hooks;
mod input;
mod integrity;
mod junit;
mod layering;
mod markdown;
mod mcp;
mod policy;
mod precommit;
mod release;
mod rules;
mod sarif;
mod schema;
mod setup;
mod terraform;
mod tf_env;
