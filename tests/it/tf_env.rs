//! A terraform working directory for the guard and hook tests: state holding
//! `terraform_data.database` and `terraform_data.app`, and a `blastwall.toml`
//! that loads a rule firing when the database is destroyed.

use std::path::{Path, PathBuf};

/// `name` found on PATH.
pub fn on_path(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|dir| dir.join(name))
            .find(|candidate| candidate.is_file())
    })
}

/// Whether terraform is installed; says which tests skip when it is not.
pub fn has_terraform(tests: &str) -> bool {
    let found = on_path("terraform").is_some();
    if !found {
        eprintln!("SKIPPED: terraform is not on PATH; {tests} need it");
    }
    found
}

pub fn terraform_in(dir: &Path, args: &[&str]) -> String {
    let output = std::process::Command::new("terraform")
        .args(args)
        .current_dir(dir)
        .env("CHECKPOINT_DISABLE", "1")
        .env("TF_IN_AUTOMATION", "1")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "terraform {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub const DATABASE_RULE: &str = r#"id = "database-destroyed"
kind = "destroy-of-class"
severity = "critical"
points = 40
summary = "A database is destroyed"
[params]
addresses = ["*database*"]
actions = ["delete", "replace"]
[docs]
what = "A resource named like a database is destroyed."
why = "Its data is lost."
example = "terraform_data.database removed"
fix = "Keep the database."
"#;

/// A directory with state for `database` and `app`, and a config that
/// loads the rule above.
pub fn environment() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("policies")).unwrap();
    std::fs::write(
        dir.path().join("policies/database-destroyed.toml"),
        DATABASE_RULE,
    )
    .unwrap();
    std::fs::write(
        dir.path().join("blastwall.toml"),
        "rules = [\"policies\"]\n",
    )
    .unwrap();
    write_config(dir.path(), true, "v1");
    terraform_in(dir.path(), &["init", "-input=false", "-no-color"]);
    terraform_in(
        dir.path(),
        &["apply", "-auto-approve", "-input=false", "-no-color"],
    );
    dir
}

pub fn write_config(dir: &Path, with_database: bool, version: &str) {
    let database = if with_database {
        "resource \"terraform_data\" \"database\" { input = \"orders\" }\n"
    } else {
        ""
    };
    std::fs::write(
        dir.join("main.tf"),
        format!("{database}resource \"terraform_data\" \"app\" {{ input = \"{version}\" }}\n"),
    )
    .unwrap();
}
