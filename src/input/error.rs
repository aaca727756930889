//! Why an input yields no plan: what happened, to which input, and what to do.

use miette::{Diagnostic, SourceSpan};
use thiserror::Error;

/// An input that yields no plan to analyse. Each variant says what the input
/// is and what to run instead.
#[derive(Debug, Error, Diagnostic)]
pub enum InputError {
    #[error("{input}: cannot read: {source}")]
    #[diagnostic(code(blastwall::input::io), help("check the path and its permissions"))]
    Io {
        input: String,
        #[source]
        source: std::io::Error,
    },

    #[error("{input}: {what}: blastwall cannot see what it holds, so no verdict is given")]
    #[diagnostic(code(blastwall::input::opaque), help("{help}"))]
    Opaque {
        input: String,
        what: String,
        help: String,
    },

    #[error("{input}: the input does not fit in memory")]
    #[diagnostic(
        code(blastwall::input::too_large),
        help(
            "a plan is read whole: check that this is the plan you meant (a device or a runaway stream is not one), or run the check where more memory is allowed"
        )
    )]
    TooLarge { input: String },

    #[error("{input}: no such file or directory")]
    #[diagnostic(
        code(blastwall::input::not_found),
        help("pass a plan JSON file, a binary plan file, a directory of plans, or `-` for stdin")
    )]
    NotFound { input: String },

    #[error("{input}: the input is empty")]
    #[diagnostic(
        code(blastwall::input::empty),
        help(
            "produce the plan JSON with `terraform plan -out plan.out && terraform show -json plan.out > plan.json`; an empty file often means the command before the redirect failed"
        )
    )]
    Empty { input: String },

    #[error("{input}: not valid text: {detail}")]
    #[diagnostic(
        code(blastwall::input::encoding),
        help(
            "plan JSON is UTF-8 (or UTF-16 with a byte-order mark when redirected by PowerShell); regenerate it with `terraform show -json plan.out > plan.json`"
        )
    )]
    Encoding { input: String, detail: String },

    #[error("{input}: this is Terraform's human-readable plan text, not plan JSON")]
    #[diagnostic(
        code(blastwall::input::text_plan),
        help(
            "save the plan and convert it: `terraform plan -out plan.out && terraform show -json plan.out > plan.json`, or pass the binary `plan.out` itself"
        )
    )]
    TextPlan { input: String },

    #[error(
        "{input}: this is the streaming log of `terraform plan -json` (UI messages), not a plan"
    )]
    #[diagnostic(
        code(blastwall::input::plan_log),
        help(
            "`terraform plan -json` prints progress messages; the plan itself comes from `terraform plan -out plan.out && terraform show -json plan.out > plan.json`"
        )
    )]
    PlanLog { input: String },

    #[error("{input}: this is a state (`terraform show -json` without a plan file), not a plan")]
    #[diagnostic(
        code(blastwall::input::state),
        help(
            "a state shows what exists, not what will change; run `terraform plan -out plan.out && terraform show -json plan.out > plan.json`"
        )
    )]
    State { input: String },

    #[error(
        "{input}: this is a raw Terraform state file (terraform.tfstate, version {version}), not a plan"
    )]
    #[diagnostic(
        code(blastwall::input::raw_state),
        help(
            "run `terraform plan -out plan.out && terraform show -json plan.out > plan.json` and check that file"
        )
    )]
    RawState { input: String, version: String },

    #[error("{input}: this is a provider schema (`terraform providers schema -json`), not a plan")]
    #[diagnostic(
        code(blastwall::input::provider_schema),
        help(
            "run `terraform plan -out plan.out && terraform show -json plan.out > plan.json` and check that file"
        )
    )]
    ProviderSchema { input: String },

    #[error("{input}: this is JSON but not a Terraform plan ({what})")]
    #[diagnostic(
        code(blastwall::input::not_a_plan),
        help(
            "blastwall reads the output of `terraform show -json plan.out` (or `tofu show -json plan.out`)"
        )
    )]
    OtherJson { input: String, what: String },

    #[error("{input}: not JSON: the input starts with {start}")]
    #[diagnostic(
        code(blastwall::input::not_json),
        help(
            "pass the output of `terraform show -json plan.out`, or the binary plan file `plan.out` itself"
        )
    )]
    NotJson { input: String, start: String },

    #[error(transparent)]
    #[diagnostic(transparent)]
    Json(Box<JsonError>),

    #[error("{input}: {problem} (at {json_path})")]
    #[diagnostic(
        code(blastwall::input::inconsistent),
        help(
            "Terraform never writes this: the plan was edited, damaged or made by another tool; regenerate it with `terraform show -json plan.out > plan.json`"
        )
    )]
    Inconsistent {
        input: String,
        json_path: String,
        problem: String,
    },

    #[error(
        "{input}: plan format_version {version} is not supported (this blastwall reads 0.x and 1.x)"
    )]
    #[diagnostic(
        code(blastwall::input::format_version),
        help(
            "a major format change can rename or remove fields blastwall relies on; upgrade blastwall, or produce the plan with a Terraform/OpenTofu version whose `show -json` writes format 1.x"
        )
    )]
    FormatVersion { input: String, version: String },

    #[error(
        "{input}: a binary plan file, and neither `terraform` nor `tofu` was found on PATH to convert it"
    )]
    #[diagnostic(
        code(blastwall::input::no_terraform),
        help(
            "install Terraform or OpenTofu, pass `--terraform-bin PATH`, or convert it yourself: `terraform show -json {input} > plan.json`"
        )
    )]
    NoTerraform { input: String },

    #[error("{input}: `{command}` failed ({status}){stderr}")]
    #[diagnostic(
        code(blastwall::input::show_failed),
        help(
            "run it in the directory where the plan was made, after `terraform init` (show needs the same providers and modules); or convert it there and pass the JSON"
        )
    )]
    ShowFailed {
        input: String,
        command: String,
        status: String,
        stderr: String,
    },

    #[error("{input}: no plan found in this directory")]
    #[diagnostic(
        code(blastwall::input::no_plans),
        help(
            "blastwall looks for plan JSON (`*.json` from `terraform show -json`) and binary plan files below the directory, skipping `.terraform/`; {skipped}"
        )
    )]
    NoPlans { input: String, skipped: String },

    #[error(
        "{input}: the file was opened for writing while it was checked; no verdict is given on bytes that may have changed"
    )]
    #[diagnostic(
        code(blastwall::input::changed),
        help(
            "check the plan again once nothing writes it (after `terraform show -json` has finished writing it)"
        )
    )]
    ChangedWhileChecked { input: String },
}

/// A JSON text that is broken or does not match the plan format, located by
/// line, column and JSON path, with a redacted excerpt.
#[derive(Debug, Error, Diagnostic)]
#[error("{input}: {problem} at line {line}, column {column}{at_path}")]
#[diagnostic(code(blastwall::input::json), help("{help}"))]
pub struct JsonError {
    pub input: String,
    pub problem: String,
    pub line: usize,
    pub column: usize,
    pub at_path: String,
    pub help: String,
    #[source_code]
    pub excerpt: crate::input::excerpt::ExcerptSource,
    #[label("here (excerpt; values redacted)")]
    pub span: SourceSpan,
}

impl InputError {
    pub fn io(input: impl Into<String>, source: std::io::Error) -> Self {
        let input = input.into();
        match source.kind() {
            std::io::ErrorKind::NotFound => Self::NotFound { input },
            std::io::ErrorKind::OutOfMemory => Self::TooLarge { input },
            _ => Self::Io { input, source },
        }
    }
}

/// Several inputs failed: each is its own diagnostic, reported together so a
/// directory with three broken plans needs one run, not three.
#[derive(Debug, Error, Diagnostic)]
#[error("{count} input(s) could not be analysed; no verdict was produced", count = errors.len())]
#[diagnostic(code(blastwall::no_verdict))]
pub struct InputErrors {
    #[related]
    pub errors: Vec<InputError>,
}
