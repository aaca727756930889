//! Binary plan files, converted by the real terraform binary. Skipped, with a
//! message, where terraform is not installed.

use crate::common::{blastwall, transcript};
use crate::tf_env::{has_terraform, terraform_in};

#[test]
fn binary_plan_is_converted_with_terraform_show() {
    if !has_terraform("the binary-plan tests") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("main.tf"),
        "resource \"terraform_data\" \"a\" { input = \"one\" }\nresource \"terraform_data\" \"b\" { input = terraform_data.a.output }\n",
    )
    .unwrap();
    terraform_in(dir.path(), &["init", "-input=false", "-no-color"]);
    terraform_in(
        dir.path(),
        &["plan", "-input=false", "-no-color", "-out", "plan.out"],
    );
    let output = blastwall()
        .env("PATH", std::env::var_os("PATH").unwrap())
        .arg("check")
        .arg(dir.path().join("plan.out"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", transcript(&output));
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("2 create"),
        "{}",
        transcript(&output)
    );

    // Without any terraform/tofu: a clear error saying what to install or run.
    let output = blastwall()
        .env("PATH", "/nonexistent")
        .arg("check")
        .arg(dir.path().join("plan.out"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = crate::common::flat(&output.stderr);
    assert!(
        stderr.contains("neither `terraform` nor `tofu` was found"),
        "{stderr}"
    );

    // A zip terraform cannot read as a plan: its own error is shown, and
    // there is no verdict.
    let broken = dir.path().join("broken.tfplan");
    let mut bytes = std::fs::read(dir.path().join("plan.out")).unwrap();
    bytes.truncate(bytes.len() / 2);
    std::fs::write(&broken, bytes).unwrap();
    let output = blastwall().arg("check").arg(&broken).output().unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", transcript(&output));
    let stderr = crate::common::flat(&output.stderr);
    assert!(
        stderr.contains("show -json") && stderr.contains("failed"),
        "{stderr}"
    );
    assert!(
        stderr.contains("it said"),
        "terraform's stderr is shown: {stderr}"
    );

    // Bytes written before the archive: terraform still reads it (Go finds
    // a zip by its end record), so in a directory it is checked, not
    // passed over beside a harmless plan.
    let listed = tempfile::tempdir().unwrap();
    let mut bytes = b"XXXX".to_vec();
    bytes.extend(std::fs::read(dir.path().join("plan.out")).unwrap());
    std::fs::write(listed.path().join("plan.out"), bytes).unwrap();
    std::fs::write(
        listed.path().join("main.tf"),
        std::fs::read(dir.path().join("main.tf")).unwrap(),
    )
    .unwrap();
    let output = blastwall()
        .env("PATH", std::env::var_os("PATH").unwrap())
        .arg("check")
        .arg(listed.path())
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("2 create"),
        "{}",
        transcript(&output)
    );
}
