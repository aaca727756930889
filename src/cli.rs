//! The command line, exactly as typed. Defaults that depend on the
//! environment (colour, stdin) are decided in `lib.rs`, not here.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use crate::policy::authors::AuthorChoice;
use crate::policy::profiles::FailOn;

#[derive(Debug, Parser)]
#[command(
    name = "blastwall",
    version,
    about = "Stops risky Terraform/OpenTofu plans before they are applied",
    long_about = "blastwall reads a Terraform or OpenTofu plan, works out what it destroys and \
what depends on that, and fails the check when the plan is too risky to apply as it is.",
    after_help = "Exit codes: 0 pass or warn, 1 no verdict (bad input or tool failure), 2 usage error, 3 blocked by policy."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check one or more plans and decide whether they may be applied
    #[command(after_help = "Examples:
  terraform plan -out plan.out && terraform show -json plan.out > plan.json
  blastwall check plan.json
  blastwall check plan.out                  # binary plan: runs `terraform show -json` for you
  terraform show -json plan.out | blastwall check -
  blastwall check infra/live/ --format json  # every plan below a directory, one verdict

Exit codes: 0 pass or warn, 1 no verdict (bad input or tool failure), 2 usage error, 3 blocked by policy.")]
    Check(CheckArgs),
    /// List the rules (built-in and from --rules)
    Rules(RulesArgs),
    /// Print a rule's documentation: what it does, why it matters, an example, how to fix
    Explain(ExplainArgs),
    /// Accept the findings of one exact plan: writes an approval record bound to its fingerprint
    Approve(ApproveArgs),
    /// Serve the Model Context Protocol over stdio: tools check_plan, explain_rule, blast_radius
    Mcp(McpArgs),
    /// Check the plan, then apply exactly that plan only if it passes
    #[command(after_help = "Examples:
  blastwall guard -- terraform apply              # plans to a temporary file, checks it, applies that file
  blastwall guard -- terraform apply plan.out     # checks and applies the saved plan
  blastwall guard -- tofu destroy -auto-approve   # -auto-approve never skips the check

Only terraform or tofu running apply or destroy is wrapped; anything else is refused (exit 2).
At a terminal without -auto-approve it asks \"apply this plan? (yes)\" after the summary.
Every decision goes to the audit log first (`blastwall audit show`); no record, no apply.

Exit codes: 2 refused, 3 when the check blocks (nothing is applied; the plan is kept and the
commands to approve and apply it are printed); otherwise terraform's own exit code.")]
    Guard(GuardArgs),
    /// An agent's pre-tool hook: reads its JSON on stdin, checks every terraform/tofu apply in the command, answers allow, ask or deny
    #[command(after_help = "Examples (the agent runs it; see docs/agents.md):
  blastwall hook claude      # Claude Code PreToolUse on Bash
  blastwall hook cursor      # Cursor beforeShellExecution

Exit codes: those of the agent's protocol (2 blocks when the hook cannot decide).")]
    Hook(HookArgs),
    /// The audit log of decisions: verify its hash chain, or list them
    #[command(after_help = "Examples:
  blastwall audit verify                 # the default log (~/.local/state/blastwall/audit.jsonl)
  blastwall audit show --limit 20
  blastwall audit show audit.jsonl --format json

Exit codes: verify exits 1 when the chain is broken, naming the first broken line.")]
    Audit(AuditArgs),
    /// Write a commented starter blastwall.toml (every key, its default and why); never overwrites
    #[command(after_help = "Examples:
  blastwall init                     # ./blastwall.toml
  blastwall init infra/blastwall.toml

Exit codes: 2 when the file already exists (nothing is written).")]
    Init(InitArgs),
    /// Print a shell completion script: bash, zsh, fish, powershell (or elvish)
    #[command(after_help = "Examples:
  blastwall completions bash > ~/.local/share/bash-completion/completions/blastwall
  blastwall completions zsh > \"${fpath[1]}/_blastwall\"
  blastwall completions fish > ~/.config/fish/completions/blastwall.fish
  blastwall completions powershell >> $PROFILE")]
    Completions(CompletionsArgs),
    /// Print the man page (roff), or write one page per command to a directory
    #[command(after_help = "Examples:
  blastwall man | man -l -
  blastwall man --dir /usr/local/share/man/man1")]
    Man(ManArgs),
}

#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// Where to write it
    #[arg(value_name = "FILE", default_value = "blastwall.toml")]
    pub path: PathBuf,
}

#[derive(Debug, clap::Args)]
pub struct CompletionsArgs {
    /// The shell
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, clap::Args)]
pub struct ManArgs {
    /// Write blastwall.1 and blastwall-COMMAND.1 for every command here instead of printing blastwall(1)
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct AuditArgs {
    #[command(subcommand)]
    pub command: AuditCommand,
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check the hash chain; exit 1 and name the first broken line when it does not hold
    Verify {
        /// The log [default: where blastwall writes it, see docs/security.md]
        path: Option<PathBuf>,
    },
    /// List the recorded decisions, oldest first
    Show {
        /// The log [default: where blastwall writes it, see docs/security.md]
        path: Option<PathBuf>,
        /// Only the last N decisions
        #[arg(long, value_name = "N")]
        limit: Option<usize>,
        #[arg(long, value_enum, default_value_t = AuditFormat::Human)]
        format: AuditFormat,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AuditFormat {
    /// One line per decision
    Human,
    /// The records as JSON lines
    Json,
}

#[derive(Debug, clap::Args)]
pub struct RulesArgs {
    #[arg(long, value_enum, default_value_t = RulesFormat::Human)]
    pub format: RulesFormat,
    /// A directory of extra rule files (`*.toml`)
    #[arg(long, value_name = "DIR")]
    pub rules: Vec<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RulesFormat {
    /// One line per rule
    Human,
    /// The rules reference (docs/rules.md)
    Markdown,
}

#[derive(Debug, clap::Args)]
pub struct ExplainArgs {
    /// The rule id, e.g. data-loss
    pub id: String,
    /// A directory of extra rule files (`*.toml`)
    #[arg(long, value_name = "DIR")]
    pub rules: Vec<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Plan JSON files, binary plan files, directories, or `-` for stdin
    #[arg(value_name = "PATH")]
    pub paths: Vec<String>,

    /// Output format [default: agent when an AI agent is detected, else human]
    #[arg(long, value_enum)]
    pub format: Option<Format>,

    /// Terraform or OpenTofu binary used to convert binary plan files
    /// [default: `terraform` on PATH, else `tofu`]
    #[arg(long, value_name = "PATH")]
    pub terraform_bin: Option<PathBuf>,

    /// When to colour the output (NO_COLOR is honoured by `auto`)
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    /// A directory of extra rule files (`*.toml`), added to the built-in rules
    #[arg(long, value_name = "DIR")]
    pub rules: Vec<PathBuf>,

    /// Who wrote the plan; `auto` detects AI agents from the environment and the pull request
    #[arg(long, value_enum, default_value_t = AuthorArg::Auto)]
    pub author: AuthorArg,

    /// Use this profile whoever the author is (built-in: agent, human)
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,

    /// Configuration file, instead of the nearest blastwall.toml from here up to the repository root
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Approval records (files or directories) made with `blastwall approve`
    #[arg(long, value_name = "PATH")]
    pub approvals: Vec<PathBuf>,

    /// Exit 3 on this verdict or worse [default: the profile's `fail_on`, else fail]
    #[arg(long, value_enum)]
    pub fail_on: Option<FailOnArg>,

    /// Report the verdict but always exit 0 (unless the input is unreadable; refused in an agent's run)
    #[arg(long)]
    pub exit_zero: bool,

    /// Also write FORMAT to PATH, from the same analysis (repeatable), e.g. `--write markdown=comment.md --write sarif=report.sarif`
    #[arg(long, value_name = "FORMAT=PATH", value_parser = parse_write)]
    pub write: Vec<(Format, PathBuf)>,

    /// Terminal report: only the verdict line and the findings that fail the plan
    #[arg(long, short)]
    pub quiet: bool,

    /// Longest Markdown report, in characters (GitHub 65536, Azure DevOps 150000, Bitbucket 32000)
    #[arg(long, value_name = "CHARS", default_value_t = 65_536)]
    pub max_length: usize,
}

fn parse_write(text: &str) -> Result<(Format, PathBuf), String> {
    let (format, path) = text
        .split_once('=')
        .ok_or_else(|| format!("expected FORMAT=PATH, e.g. markdown=comment.md, not `{text}`"))?;
    let format = Format::from_str(format, true)
        .map_err(|error| format!("unknown format `{format}`: {error}"))?;
    if path.is_empty() {
        return Err("the path after `=` is empty".to_owned());
    }
    Ok((format, PathBuf::from(path)))
}

#[derive(Debug, clap::Args)]
pub struct GuardArgs {
    #[command(flatten)]
    pub check: CheckArgs,
    /// The terraform or tofu command to run, after `--`
    #[arg(last = true, required = true, value_name = "COMMAND")]
    pub command: Vec<String>,
}

#[derive(Debug, clap::Args)]
pub struct McpArgs {
    /// Profile for every check [default: agent]; the caller is an agent, so a laxer profile is refused
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct ApproveArgs {
    /// The plan to approve (plan JSON or binary plan)
    pub plan: String,
    /// Who approves (a name or handle; recorded in the approval) [default: $USER]
    #[arg(long)]
    pub by: Option<String>,
    /// Why the risk is accepted
    #[arg(long)]
    pub reason: Option<String>,
    /// Where to write the record [default: ~/.config/blastwall/approvals/<fingerprint>.json, where an agent's run trusts it]
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    #[arg(long, value_name = "PATH")]
    pub terraform_bin: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A verdict line, the change summary and what is destroyed
    Human,
    /// The versioned report object (schema_version 1)
    Json,
    /// Terse and stable, for AI agents: one line per finding, the verdict last
    Agent,
    /// A pull-request comment (GitHub, GitLab, Azure DevOps, Bitbucket)
    Markdown,
    /// SARIF 2.1.0 for code scanning
    Sarif,
    /// GitHub Actions annotations; the Markdown report goes to $GITHUB_STEP_SUMMARY
    Github,
    /// JUnit XML for GitLab, Jenkins, Azure DevOps, CircleCI: a test case per plan and per finding at or above the warning severity
    Junit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// `--author`: clap's face of [`AuthorChoice`], so the library needs no clap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AuthorArg {
    Agent,
    Human,
    Auto,
}

impl From<AuthorArg> for AuthorChoice {
    fn from(arg: AuthorArg) -> Self {
        match arg {
            AuthorArg::Agent => Self::Agent,
            AuthorArg::Human => Self::Human,
            AuthorArg::Auto => Self::Auto,
        }
    }
}

/// `--fail-on`: clap's face of [`FailOn`], so the library needs no clap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOnArg {
    Warn,
    Fail,
}

impl From<FailOnArg> for FailOn {
    fn from(arg: FailOnArg) -> Self {
        match arg {
            FailOnArg::Warn => Self::Warn,
            FailOnArg::Fail => Self::Fail,
        }
    }
}

/// `blastwall hook AGENT`.
#[derive(Debug, clap::Args)]
pub struct HookArgs {
    /// Whose hook protocol to speak
    #[arg(value_enum)]
    pub agent: AgentArg,
    /// The hook's configuration [default: $XDG_CONFIG_HOME/blastwall/hook.toml]
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The terraform binary to plan with (overrides the configuration)
    #[arg(long, value_name = "PATH")]
    pub terraform: Option<PathBuf>,
    /// The tofu binary to plan with (overrides the configuration)
    #[arg(long, value_name = "PATH")]
    pub tofu: Option<PathBuf>,
    /// Longest run of the hook, in seconds, planning included [default: 45]
    #[arg(long, value_name = "SECONDS")]
    pub timeout: Option<u64>,
}

/// The agents `blastwall hook` speaks to (`app::hook`'s `Agent`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AgentArg {
    Claude,
    Codex,
    Cursor,
    Kiro,
}
