use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// blastwall with a scrubbed environment: no colour, no CI or agent
/// variables, so snapshots do not depend on who runs the tests.
pub fn blastwall() -> Command {
    let mut command = Command::cargo_bin("blastwall").expect("binary is built");
    command
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("NO_COLOR", "1")
        // The audit log of this test process, never the user's own.
        .env("XDG_STATE_HOME", test_state_home())
        .current_dir(root());
    command
}

/// A directory outside every git repository and temporary directory, under
/// the user's cache: where a person's own configuration and approvals live.
/// A file an agent may have written (in a repository, `/tmp`) only tightens
/// an agent's run, and the build directory is inside this repository, so a
/// test of what a trusted file loosens needs one.
pub fn outside_any_repository() -> tempfile::TempDir {
    let home = PathBuf::from(std::env::var_os("HOME").expect("HOME is set"));
    let base = home.join(".cache").join("blastwall-tests");
    std::fs::create_dir_all(&base).unwrap();
    let dir = tempfile::tempdir_in(&base).unwrap();
    assert!(
        dir.path()
            .ancestors()
            .all(|ancestor| !ancestor.join(".git").exists()),
        "{} is inside a git repository: a trusted file cannot be made there",
        base.display()
    );
    dir
}

/// A state directory for the audit log, one per test process.
pub fn test_state_home() -> PathBuf {
    std::env::temp_dir().join(format!("blastwall-it-state-{}", std::process::id()))
}

/// Stdout, stderr and the exit code as one text, for snapshots.
pub fn transcript(output: &Output) -> String {
    format!(
        "exit: {}\n--- stdout\n{}--- stderr\n{}",
        output
            .status
            .code()
            .map_or("signal".to_owned(), |code| code.to_string()),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

pub fn run(args: &[&str]) -> Output {
    blastwall().args(args).output().expect("blastwall runs")
}

pub fn scenario(name: &str) -> String {
    format!("testdata/plans/{name}/plan.json")
}

pub fn scenarios() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(root().join("testdata/plans"))
        .expect("testdata/plans exists")
        .filter_map(Result::ok)
        .filter(|entry| entry.path().join("plan.json").is_file())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

pub fn write(dir: &Path, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, contents).expect("temp file is writable");
    path
}

/// Diagnostic text with miette's line wrapping and frame characters removed,
/// so assertions read the sentence, not the layout.
pub fn flat(text: &[u8]) -> String {
    String::from_utf8_lossy(text)
        .replace(['│', '╭', '╰', '─', '·', '┬'], " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// `plan` (JSON built by a test from `resource_changes` and `prior_state`)
/// with the `planned_values` Terraform writes beside them: every object the
/// plan keeps in place (a no-op or an update) is there, in its module.
pub fn with_planned_values(plan: &str) -> String {
    let mut plan: serde_json::Value = serde_json::from_str(plan).expect("a test plan is JSON");
    let kept: std::collections::HashSet<String> = plan["resource_changes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|change| {
            let actions = &change["change"]["actions"];
            *actions == serde_json::json!(["no-op"]) || *actions == serde_json::json!(["update"])
        })
        .filter_map(|change| change["address"].as_str().map(str::to_owned))
        .collect();
    fn keep_only(module: &mut serde_json::Value, kept: &std::collections::HashSet<String>) {
        if let Some(resources) = module["resources"].as_array_mut() {
            resources.retain(|resource| {
                resource["address"]
                    .as_str()
                    .is_some_and(|address| kept.contains(address))
            });
        }
        if let Some(children) = module["child_modules"].as_array_mut() {
            for child in children {
                keep_only(child, kept);
            }
        }
    }
    let mut root = plan["prior_state"]["values"]["root_module"].clone();
    keep_only(&mut root, &kept);
    plan["planned_values"] = serde_json::json!({ "root_module": root });
    plan.to_string()
}
