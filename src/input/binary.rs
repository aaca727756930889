//! Binary plan files (zip archives written by `terraform plan -out`) are
//! converted by the Terraform or OpenTofu binary that made them: only it
//! knows the provider schemas needed to render the values.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::input::error::InputError;
use crate::util::escape;

const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
const STDERR_LINES_SHOWN: usize = 30;

/// A zip archive. Go's archive/zip, and so Terraform, finds an archive by
/// its end record, so bytes written before it do not stop Terraform reading
/// (and applying) it: such a file is a zip here too.
pub fn is_zip(bytes: &[u8]) -> bool {
    const END_RECORD: &[u8] = b"PK\x05\x06";
    /// The end record and the longest comment that may follow it.
    const END_RECORD_SEARCH: usize = 22 + 65_535;
    bytes.starts_with(ZIP_MAGIC)
        || memchr::memmem::rfind(
            &bytes[bytes.len().saturating_sub(END_RECORD_SEARCH)..],
            END_RECORD,
        )
        .is_some()
}

/// A zip whose entries include Terraform's `tfplan`, as opposed to any other
/// zip (a Lambda bundle) lying in the same directory.
pub fn looks_like_plan_zip(bytes: &[u8]) -> bool {
    is_zip(bytes) && bytes.windows(6).any(|window| window == b"tfplan")
}

/// The binary to run: `--terraform-bin`, else `terraform` on PATH, else `tofu`.
pub fn find_binary(explicit: Option<&Path>) -> Option<PathBuf> {
    if let Some(path) = explicit {
        return Some(path.to_path_buf());
    }
    which::which("terraform")
        .or_else(|_| which::which("tofu"))
        .ok()
}

/// Runs `BIN show -json PLAN` in the Terraform working directory the plan
/// belongs to (where `.terraform/` with the providers lives) and returns
/// its stdout. That is the plan's own directory when it holds a working
/// directory, and otherwise the current one: CI writes the plan elsewhere
/// (`-out=$RUNNER_TEMP/tfplan`) and checks it from the working directory.
/// When the first fails, the other is tried; the first's error is reported.
pub fn show_json(
    input: &str,
    plan: &Path,
    explicit_binary: Option<&Path>,
) -> Result<Vec<u8>, InputError> {
    let binary = find_binary(explicit_binary).ok_or_else(|| InputError::NoTerraform {
        input: input.to_owned(),
    })?;
    let plan = std::path::absolute(plan).map_err(|source| InputError::io(input, source))?;
    let plan_directory = plan
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    let current = std::env::current_dir().ok();
    let mut directories = vec![plan_directory.clone()];
    if let Some(current) = current.filter(|current| !same_directory(current, &plan_directory)) {
        if is_working_directory(&plan_directory) {
            directories.push(current);
        } else {
            directories.insert(0, current);
        }
    }
    let mut first_failure = None;
    for directory in &directories {
        match show_json_in(input, &binary, &plan, directory) {
            Ok(json) => return Ok(json),
            Err(failure) => {
                first_failure.get_or_insert(failure);
            }
        }
    }
    Err(first_failure.unwrap_or_else(|| InputError::NoTerraform {
        input: input.to_owned(),
    }))
}

/// Whether `directory` holds a Terraform working directory: an initialised
/// one, or a configuration.
fn is_working_directory(directory: &Path) -> bool {
    if directory.join(".terraform").is_dir() || directory.join(".terraform.lock.hcl").is_file() {
        return true;
    }
    std::fs::read_dir(directory).is_ok_and(|entries| {
        entries.flatten().any(|entry| {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            name.ends_with(".tf") || name.ends_with(".tf.json") || name.ends_with(".tofu")
        })
    })
}

fn same_directory(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

fn show_json_in(
    input: &str,
    binary: &Path,
    plan: &Path,
    directory: &Path,
) -> Result<Vec<u8>, InputError> {
    let command_text = format!(
        "{} show -json {} (in {})",
        binary.display(),
        plan.display(),
        directory.display()
    );
    let output = Command::new(binary)
        .args(["show", "-json", "-no-color"])
        .arg(plan)
        .current_dir(directory)
        .env("TF_IN_AUTOMATION", "1")
        .output()
        .map_err(|error| InputError::ShowFailed {
            input: input.to_owned(),
            command: escape::for_terminal(&command_text).into_owned(),
            status: format!("could not start it: {error}"),
            stderr: String::new(),
        })?;
    if output.status.success() && !output.stdout.is_empty() {
        return Ok(output.stdout);
    }
    Err(InputError::ShowFailed {
        input: input.to_owned(),
        command: escape::for_terminal(&command_text).into_owned(),
        status: output.status.to_string(),
        stderr: stderr_excerpt(&output.stderr),
    })
}

fn stderr_excerpt(stderr: &[u8]) -> String {
    let plain = strip_ansi_escapes::strip(stderr);
    let text = String::from_utf8_lossy(&plain);
    let lines: Vec<&str> = text
        .lines()
        .filter(|line| !line.trim().is_empty())
        .collect();
    if lines.is_empty() {
        return String::new();
    }
    let mut excerpt = String::from("; it said:");
    for line in lines.iter().take(STDERR_LINES_SHOWN) {
        excerpt.push_str("\n    ");
        excerpt.push_str(&escape::for_terminal(&escape::bounded(line, 200)));
    }
    if lines.len() > STDERR_LINES_SHOWN {
        excerpt.push_str(&format!(
            "\n    … {} more lines",
            lines.len() - STDERR_LINES_SHOWN
        ));
    }
    excerpt
}
