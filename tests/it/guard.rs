//! `blastwall guard -- terraform apply` end to end with the real terraform
//! binary on a `terraform_data` configuration (skipped without terraform).

use std::path::Path;

use crate::common::{blastwall, transcript};
use crate::tf_env::{environment, has_terraform, terraform_in, write_config};

fn state(dir: &Path) -> String {
    terraform_in(dir, &["state", "list"])
}

fn guard(dir: &Path, command: &[&str]) -> std::process::Output {
    blastwall()
        .env("PATH", std::env::var_os("PATH").unwrap())
        .env("CHECKPOINT_DISABLE", "1")
        .current_dir(dir)
        .args(["guard", "--author", "agent", "--"])
        .args(command)
        .output()
        .unwrap()
}

#[test]
fn guard_refuses_a_plan_that_deletes_the_database_and_applies_a_safe_one() {
    if !has_terraform("the guard tests") {
        return;
    }
    let env = environment();
    let dir = env.path();

    // Risky: the database disappears from the configuration.
    write_config(dir, false, "v1");
    let before = std::fs::read(dir.join("terraform.tfstate")).unwrap();
    let refused = guard(dir, &["terraform", "apply", "-auto-approve"]);
    assert_eq!(refused.status.code(), Some(3), "{}", transcript(&refused));
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("database-destroyed"),
        "{}",
        transcript(&refused)
    );
    assert_eq!(
        std::fs::read(dir.join("terraform.tfstate")).unwrap(),
        before,
        "state untouched"
    );
    assert!(state(dir).contains("terraform_data.database"));
    let leftovers: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .filter(|entry| {
            entry
                .file_name()
                .to_string_lossy()
                .starts_with(".blastwall-guard-")
        })
        .collect();
    assert!(leftovers.is_empty(), "the temporary plan is removed");

    // `terraform destroy` is covered too.
    let destroy = guard(dir, &["terraform", "destroy", "-auto-approve"]);
    assert_eq!(destroy.status.code(), Some(3), "{}", transcript(&destroy));
    assert!(state(dir).contains("terraform_data.database"));

    // Safe: only the app's input changes; the guard applies that plan.
    write_config(dir, true, "v2");
    let applied = guard(dir, &["terraform", "apply", "-auto-approve"]);
    assert_eq!(applied.status.code(), Some(0), "{}", transcript(&applied));
    let shown = terraform_in(dir, &["show", "-json"]);
    assert!(shown.contains("\"v2\""), "the new input is applied");

    // A saved plan is checked and applied as given.
    write_config(dir, true, "v3");
    terraform_in(
        dir,
        &["plan", "-input=false", "-no-color", "-out=saved.tfplan"],
    );
    let saved = guard(dir, &["terraform", "apply", "saved.tfplan"]);
    assert_eq!(saved.status.code(), Some(0), "{}", transcript(&saved));
    assert!(terraform_in(dir, &["show", "-json"]).contains("\"v3\""));
}
