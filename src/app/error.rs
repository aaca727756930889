//! Every user-facing failure of a command that is not about one input
//! (those are `input::error`): what happened and what to do.

use std::path::PathBuf;

use miette::Diagnostic;
use thiserror::Error;

use crate::input::error::InputErrors;

/// A failure of blastwall's own that is not about one input.
#[derive(Debug, Error, Diagnostic)]
pub enum RunError {
    #[error(transparent)]
    #[diagnostic(transparent)]
    Inputs(#[from] InputErrors),

    #[error("cannot write the report: {0}")]
    #[diagnostic(code(blastwall::output))]
    Output(#[source] std::io::Error),

    #[error(transparent)]
    #[diagnostic(transparent)]
    Rules(#[from] crate::rules::RuleError),

    #[error(transparent)]
    #[diagnostic(transparent)]
    Config(#[from] Box<crate::policy::config::ConfigError>),

    #[error(
        "`guard` does not write `--format {format}`: its report goes to standard error, for the person or agent running terraform"
    )]
    #[diagnostic(
        code(blastwall::usage),
        help(
            "use human, agent or json with guard; for CI formats save the plan and run `blastwall check --format {format}` on it"
        )
    )]
    GuardFormat { format: String },

    #[error("no profile `{name}`")]
    #[diagnostic(code(blastwall::usage), help("known profiles: {known}"))]
    UnknownProfile { name: String, known: String },

    #[error("an AI agent cannot approve a plan: {reason}")]
    #[diagnostic(
        code(blastwall::approve::agent),
        help(
            "approvals exist so a person can knowingly accept a risky plan; ask a person to run `blastwall approve`"
        )
    )]
    AgentApproval { reason: String },

    #[error("{message}")]
    #[diagnostic(
        code(blastwall::refused),
        help(
            "then `blastwall guard -- terraform apply PLAN` (or `blastwall check PLAN`) honours the approval; docs/security.md says what an agent's run may and may not change"
        )
    )]
    Refused { message: String },

    #[error(
        "`blastwall approve` needs a person at an interactive terminal, and {missing} is not a terminal"
    )]
    #[diagnostic(
        code(blastwall::approve::terminal),
        help(
            "agents run commands without a terminal; a person runs `blastwall approve PLAN` in their own terminal and types the first 8 characters of the plan's fingerprint"
        )
    )]
    ApproveNeedsTerminal { missing: String },

    #[error("nothing approved: `{typed}` is not the start of the plan's fingerprint")]
    #[diagnostic(
        code(blastwall::approve::not_confirmed),
        help(
            "run `blastwall approve PLAN` again and type the first 8 characters shown after `fingerprint blake3:`"
        )
    )]
    ApproveNotConfirmed { typed: String },

    #[error("`blastwall approve` takes exactly one plan, and the input holds {count}")]
    #[diagnostic(code(blastwall::usage), help("approve each plan file on its own"))]
    ApproveOnePlan { count: usize },

    #[error(
        "guard needs the command to wrap after `--`, e.g. `blastwall guard -- terraform apply`"
    )]
    #[diagnostic(code(blastwall::usage))]
    GuardUsage,

    #[error("cannot run `{binary}`: {message}")]
    #[diagnostic(
        code(blastwall::guard::spawn),
        help("check that terraform or tofu is installed and on PATH")
    )]
    GuardSpawn { binary: String, message: String },

    #[error(transparent)]
    #[diagnostic(transparent)]
    Guard(#[from] crate::app::guard::Refused),

    #[error(transparent)]
    #[diagnostic(transparent)]
    Audit(#[from] crate::app::audit::AuditError),

    #[error("no rule `{id}`")]
    #[diagnostic(code(blastwall::usage), help("known rules: {known}"))]
    UnknownRule { id: String, known: String },

    #[error("no plan given, and standard input is a terminal")]
    #[diagnostic(
        code(blastwall::usage),
        help(
            "pass a plan: `blastwall check plan.json`, or pipe one: `terraform show -json plan.out | blastwall check -`"
        )
    )]
    NoInput,

    #[error("cannot read standard input: {0}")]
    #[diagnostic(code(blastwall::stdin))]
    Stdin(#[source] std::io::Error),

    #[error("{path} already exists; `blastwall init` never overwrites a configuration")]
    #[diagnostic(
        code(blastwall::init::exists),
        help("edit it, or write the starter elsewhere: `blastwall init other.toml`")
    )]
    InitExists { path: PathBuf },

    #[error("cannot write {path}: {source}")]
    #[diagnostic(code(blastwall::output))]
    WriteFile {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl RunError {
    pub fn exit(&self) -> crate::exit::Exit {
        match self {
            Self::NoInput
            | Self::UnknownRule { .. }
            | Self::UnknownProfile { .. }
            | Self::GuardFormat { .. }
            | Self::Refused { .. }
            | Self::AgentApproval { .. }
            | Self::ApproveNeedsTerminal { .. }
            | Self::ApproveNotConfirmed { .. }
            | Self::ApproveOnePlan { .. }
            | Self::InitExists { .. }
            | Self::Guard(_) => crate::exit::Exit::Usage,
            _ => crate::exit::Exit::NoVerdict,
        }
    }

    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, Self::Output(error) if error.kind() == std::io::ErrorKind::BrokenPipe)
    }
}
/// A diagnostic shown with its code at the end of its first line
/// (`× plan.json: the input is empty [blastwall::input::empty]`) instead of
/// on a line of its own above it: off a terminal, scripts and CI log
/// searches read the first line, which must say what failed, where, and
/// which code it is.
pub struct CodeOnFirstLine<D>(pub D);

impl<D: Diagnostic> CodeOnFirstLine<D> {
    fn code_suffix(&self) -> String {
        self.0
            .code()
            .map(|code| format!(" [{code}]"))
            .unwrap_or_default()
    }
}

impl<D: Diagnostic> std::fmt::Display for CodeOnFirstLine<D> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}{}", self.0, self.code_suffix())
    }
}

impl<D: Diagnostic> std::fmt::Debug for CodeOnFirstLine<D> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&self.0, f)
    }
}

impl<D: Diagnostic> std::error::Error for CodeOnFirstLine<D> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source()
    }
}

impl<D: Diagnostic> Diagnostic for CodeOnFirstLine<D> {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        None
    }
    fn severity(&self) -> Option<miette::Severity> {
        self.0.severity()
    }
    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.0.help()
    }
    fn url<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.0.url()
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.0.source_code()
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        self.0.labels()
    }
    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
        self.0.related()
    }
    fn diagnostic_source(&self) -> Option<&dyn Diagnostic> {
        self.0.diagnostic_source()
    }
}
