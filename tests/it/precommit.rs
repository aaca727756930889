//! `.pre-commit-hooks.yaml`, run by the real pre-commit (PyPI) with
//! `try-repo` on a repository holding plan JSON files: a safe plan passes,
//! a blocked one fails the commit with the finding, other JSON is left alone.

use std::path::{Path, PathBuf};
use std::process::Command as Process;

use crate::common::root;

/// `pre-commit` from the CI virtualenv (`.ci/run` installs it beside the
/// MCP SDK), else on PATH; `None` outside CI when there is none.
fn pre_commit() -> Option<PathBuf> {
    let candidates = std::env::var_os("BLASTWALL_MCP_PYTHON")
        .map(|python| PathBuf::from(python).with_file_name("pre-commit"))
        .into_iter()
        .chain([
            root().join("target/ci-venv/bin/pre-commit"),
            PathBuf::from("pre-commit"),
        ]);
    for candidate in candidates {
        let works = Process::new(&candidate)
            .arg("--version")
            .output()
            .is_ok_and(|output| output.status.success());
        if works {
            return Some(candidate);
        }
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "pre-commit is missing in CI: `.ci/run` installs it"
    );
    eprintln!("SKIPPED: no pre-commit (pip install pre-commit)");
    None
}

fn git(dir: &Path, args: &[&str]) {
    let status = Process::new("git")
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.com",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(status.status.success(), "git {args:?}: {status:?}");
}

#[test]
fn the_system_hook_passes_a_safe_plan_and_blocks_a_risky_one() {
    let Some(pre_commit) = pre_commit() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("infra");
    std::fs::create_dir_all(repo.join("prod")).unwrap();
    std::fs::create_dir_all(repo.join("dev")).unwrap();
    git(&repo, &["init", "-q"]);
    std::fs::copy(
        root().join("testdata/plans/no-changes/plan.json"),
        repo.join("dev/plan.json"),
    )
    .unwrap();
    std::fs::copy(
        root().join("testdata/plans/db-deleted/plan.json"),
        repo.join("prod/tfplan.json"),
    )
    .unwrap();
    std::fs::write(repo.join("package.json"), "{\"name\": \"not a plan\"}\n").unwrap();
    git(&repo, &["add", "."]);
    let binary = assert_cmd::cargo::cargo_bin("blastwall");
    let path = format!(
        "{}:{}",
        binary.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let run = |files: &[&str]| {
        let output = Process::new(&pre_commit)
            .args([
                "try-repo",
                root().to_str().unwrap(),
                "blastwall-system",
                "--files",
            ])
            .args(files)
            .current_dir(&repo)
            .env("PATH", &path)
            .env("PRE_COMMIT_HOME", dir.path().join("cache"))
            .env("NO_COLOR", "1")
            .env_remove("BLASTWALL_AUTHOR")
            .output()
            .unwrap();
        (
            output.status.code(),
            format!(
                "{}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            ),
        )
    };
    let (code, text) = run(&["dev/plan.json", "package.json"]);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("Passed"), "{text}");
    let (code, text) = run(&["dev/plan.json", "prod/tfplan.json"]);
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.contains("Failed") && text.contains("exit code: 3"),
        "{text}"
    );
    assert!(text.contains("data-loss"), "{text}");
    // A file that is not a plan by name is not handed to blastwall at all.
    let (code, text) = run(&["package.json"]);
    assert_eq!(code, Some(0), "{text}");
    assert!(
        text.contains("no files to check") || text.contains("Skipped"),
        "{text}"
    );
}
