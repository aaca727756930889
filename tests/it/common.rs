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
