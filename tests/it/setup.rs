//! Getting set up as a new user does: `blastwall init`, shell completions,
//! the man page, and where `check` finds its configuration.

use std::process::Command as Process;

use crate::common::{blastwall, root, run};

#[test]
fn init_writes_a_commented_starter_that_check_reads_and_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    let output = blastwall()
        .current_dir(dir.path())
        .arg("init")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let written = std::fs::read_to_string(dir.path().join("blastwall.toml")).unwrap();
    assert_eq!(written, blastwall::app::init::STARTER);
    assert!(written.contains("#max_blast_radius = 5"), "{written}");
    // check reads it without complaint (every setting is commented out).
    let plan = root().join("testdata/plans/no-changes/plan.json");
    let check = blastwall()
        .current_dir(dir.path())
        .args(["check", "--format", "json"])
        .arg(&plan)
        .output()
        .unwrap();
    assert_eq!(check.status.code(), Some(0), "{check:?}");

    // A second init, or one over any existing file, changes nothing: exit 2.
    std::fs::write(dir.path().join("blastwall.toml"), "profile = \"human\"\n").unwrap();
    let again = blastwall()
        .current_dir(dir.path())
        .arg("init")
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(2), "{again:?}");
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert!(stderr.contains("already exists"), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("blastwall.toml")).unwrap(),
        "profile = \"human\"\n"
    );
    // An explicit path is honoured.
    let other = blastwall()
        .current_dir(dir.path())
        .args(["init", "infra.toml"])
        .output()
        .unwrap();
    assert_eq!(other.status.code(), Some(0), "{other:?}");
    assert!(dir.path().join("infra.toml").is_file());
}

#[test]
fn completions_cover_every_shell_and_every_command() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let output = run(&["completions", shell]);
        assert_eq!(output.status.code(), Some(0), "{shell}: {output:?}");
        let script = String::from_utf8(output.stdout).unwrap();
        for word in ["check", "guard", "init", "completions", "format", "config"] {
            assert!(script.contains(word), "{shell} completion lacks `{word}`");
        }
        // Shells that complete values offer the formats too.
        if ["bash", "zsh", "fish"].contains(&shell) {
            assert!(
                script.contains("junit"),
                "{shell} completion lacks the formats"
            );
        }
    }
    let unknown = run(&["completions", "tcsh"]);
    assert_eq!(unknown.status.code(), Some(2));
    // The bash script is valid bash, and completes `check --format`.
    let script = run(&["completions", "bash"]).stdout;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("blastwall.bash");
    std::fs::write(&path, script).unwrap();
    let probe = format!(
        "source {}; COMP_WORDS=(blastwall check --format ''); COMP_CWORD=3; COMP_LINE='blastwall check --format '; COMP_POINT=${{#COMP_LINE}}; _blastwall blastwall '' --format; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        path.display()
    );
    let output = Process::new("bash").args(["-c", &probe]).output().unwrap();
    let offered = String::from_utf8_lossy(&output.stdout);
    for format in ["human", "json", "sarif", "github", "junit"] {
        assert!(
            offered.lines().any(|line| line == format),
            "bash completion of --format lacks {format}: {offered:?} {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

#[test]
fn the_man_page_is_generated_from_the_cli_and_renders() {
    let output = run(&["man"]);
    assert_eq!(output.status.code(), Some(0));
    let page = String::from_utf8(output.stdout).unwrap();
    assert!(page.contains(".TH blastwall 1"), "{page}");
    for word in ["check", "guard", "completions", "init", "Exit codes"] {
        assert!(page.contains(word), "man page lacks `{word}`");
    }
    // One page per command with --dir.
    let dir = tempfile::tempdir().unwrap();
    let pages = dir.path().join("man1");
    let output = blastwall()
        .args(["man", "--dir"])
        .arg(&pages)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    for name in ["blastwall.1", "blastwall-check.1", "blastwall-init.1"] {
        assert!(pages.join(name).is_file(), "{name} was not written");
    }
    // groff (man-db's formatter) reads it without a warning, when installed.
    if let Ok(rendered) = Process::new("groff")
        .args(["-man", "-Tutf8", "-ww", "-z"])
        .arg(pages.join("blastwall-check.1"))
        .output()
    {
        assert!(rendered.status.success(), "{rendered:?}");
        assert_eq!(String::from_utf8_lossy(&rendered.stderr), "");
    }
}

/// A repository with the db-deleted plan two directories down.
fn repository() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    let deep = repo.join("infra").join("prod");
    std::fs::create_dir_all(&deep).unwrap();
    std::fs::create_dir_all(repo.join(".git")).unwrap();
    std::fs::copy(
        root().join("testdata/plans/db-deleted/plan.json"),
        deep.join("plan.json"),
    )
    .unwrap();
    (dir, deep)
}

fn check_json(dir: &std::path::Path, extra: &[&str], author: &str) -> serde_json::Value {
    let output = blastwall()
        .current_dir(dir)
        .env("BLASTWALL_AUTHOR", author)
        .args(["check", "--format", "json", "plan.json"])
        .args(extra)
        .output()
        .unwrap();
    assert!(matches!(output.status.code(), Some(0 | 3)), "{output:?}");
    serde_json::from_slice(&output.stdout).unwrap()
}

#[test]
fn the_nearest_configuration_up_to_the_repository_root_is_used_and_named() {
    let (dir, deep) = repository();
    let repo = deep.parent().unwrap().parent().unwrap();
    // Above the repository: never read from inside it.
    std::fs::write(dir.path().join("blastwall.toml"), "profile = \"human\"\n").unwrap();
    let report = check_json(&deep, &[], "human");
    assert!(report.get("config_files").is_none(), "{report:#}");
    assert_eq!(report["verdict"], "fail");

    // At the repository root: found from two directories down, and named.
    let ignore = "[[ignore]]\nrule = \"data-loss\"\naddress = \"aws_db_instance.orders\"\nreason = \"migrated\"\n";
    std::fs::write(repo.join("blastwall.toml"), ignore).unwrap();
    let report = check_json(&deep, &[], "human");
    assert_eq!(
        report["config_files"],
        serde_json::json!(["../../blastwall.toml (nearest)"])
    );
    assert_eq!(report["accepted"][0]["rule"], "data-loss", "{report:#}");
    assert_eq!(
        report["notes"][0],
        "configuration: ../../blastwall.toml (nearest)"
    );
    let human = blastwall()
        .current_dir(&deep)
        .env("BLASTWALL_AUTHOR", "human")
        .args(["check", "plan.json"])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&human.stdout)
            .contains("configuration: ../../blastwall.toml (nearest)"),
        "{}",
        String::from_utf8_lossy(&human.stdout)
    );

    // The same file cannot loosen an agent's run, wherever it was found.
    let report = check_json(&deep, &[], "agent");
    assert_eq!(report["verdict"], "fail", "{report:#}");
    assert!(report["accepted"].as_array().unwrap().is_empty());
    let notes = report["notes"].to_string();
    assert!(
        notes.contains("refused") && notes.contains("[[ignore]]"),
        "{notes}"
    );

    // A nearer file wins; --config replaces the discovered one.
    std::fs::write(deep.parent().unwrap().join("blastwall.toml"), "").unwrap();
    let report = check_json(&deep, &[], "human");
    assert_eq!(
        report["config_files"],
        serde_json::json!(["../blastwall.toml (nearest)"])
    );
    assert!(report["accepted"].as_array().unwrap().is_empty());
    let report = check_json(&deep, &["--config", "../../blastwall.toml"], "human");
    assert_eq!(
        report["config_files"],
        serde_json::json!(["../../blastwall.toml (--config)"])
    );
    assert_eq!(report["accepted"][0]["rule"], "data-loss");
}

#[test]
fn the_user_configuration_applies_under_the_repository_one() {
    let (dir, deep) = repository();
    let home = dir.path().join("home");
    let user = home.join(".config").join("blastwall");
    std::fs::create_dir_all(&user).unwrap();
    std::fs::write(
        user.join("blastwall.toml"),
        "[profiles.human]\nmax_data_loss = 5\n",
    )
    .unwrap();
    let output = blastwall()
        .current_dir(&deep)
        .env("HOME", &home)
        .env("BLASTWALL_AUTHOR", "human")
        .args(["check", "--format", "json", "plan.json"])
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let files = report["config_files"].as_array().unwrap();
    assert_eq!(files.len(), 1, "{report:#}");
    assert!(
        files[0]
            .as_str()
            .unwrap()
            .ends_with("home/.config/blastwall/blastwall.toml (user)"),
        "{files:?}"
    );
}
