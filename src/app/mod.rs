//! The commands: each reads its options (`options.rs`, the one resolver),
//! runs the pipeline (`pipeline.rs`) and turns the verdict into an exit code.
//! One module per command; `run` only dispatches.

pub mod approve;
pub mod audit;
pub mod check;
pub mod error;
pub mod guard;
pub mod hook;
pub mod init;
pub mod mcp;
pub mod options;
pub mod pipeline;
pub mod rules;

pub use options::CheckOptions;
pub use pipeline::{check, check_labelled, for_each_plan};

use crate::app::error::RunError;
use crate::cli::{Cli, ColorChoice, Command, Format};
use crate::exit::Exit;
use crate::report::{self, Report};

pub fn run(cli: &Cli) -> Result<Exit, RunError> {
    match &cli.command {
        Command::Check(args) => check::command(args),
        Command::Audit(args) => audit::run_cli(args),
        Command::Approve(args) => approve::approve(args),
        Command::Mcp(args) => mcp::serve(args.profile.clone()).map(|()| Exit::Pass),
        Command::Guard(args) => guard::command(args),
        Command::Hook(args) => Ok(hook::run(args)),
        Command::Init(args) => init::write_starter(&args.path),
        Command::Completions(args) => init::completions(args.shell),
        Command::Man(args) => init::man(args.dir.as_deref()),
        Command::Rules(args) => rules::list(args),
        Command::Explain(args) => rules::explain(args),
    }
}

/// The format asked for; else, as oxlint does, the terse agent format when
/// an agent is detected and the human one otherwise.
pub(crate) fn chosen_format(requested: Option<Format>, report: &Report) -> Format {
    requested.unwrap_or(if report.author.kind == report::AuthorKind::Agent {
        Format::Agent
    } else {
        Format::Human
    })
}

/// `auto` colours a terminal unless NO_COLOR is set to anything non-empty
/// (no-color.org) or TERM is `dumb`.
pub(crate) fn use_color(choice: ColorChoice, is_terminal: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            is_terminal
                && std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty())
                && std::env::var_os("TERM").is_none_or(|term| term != "dumb")
        }
    }
}
