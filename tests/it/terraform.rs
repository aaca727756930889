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

/// A binary plan saved outside the working directory (`terraform plan
/// -out=$RUNNER_TEMP/tfplan`, as CI does) and checked from it is converted
/// there, where the providers' schemas are; one saved inside its working
/// directory is converted in it, wherever the check runs. The converter
/// here, like `terraform show` for a plan with providers, works only in an
/// initialised directory.
#[cfg(unix)]
#[test]
fn binary_plan_is_converted_in_its_working_directory() {
    use std::os::unix::fs::PermissionsExt;
    let plan_json =
        std::fs::read_to_string(crate::common::root().join("testdata/plans/db-deleted/plan.json"))
            .unwrap();
    let tools = tempfile::tempdir().unwrap();
    std::fs::write(tools.path().join("plan.json"), plan_json).unwrap();
    let converter = tools.path().join("terraform");
    std::fs::write(
        &converter,
        format!(
            "#!/bin/sh\n[ -d .terraform ] || {{ echo 'Error: Failed to load plugin schemas' >&2; exit 1; }}\ncat '{}'\n",
            tools.path().join("plan.json").display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&converter, std::fs::Permissions::from_mode(0o755)).unwrap();
    let working = tempfile::tempdir().unwrap();
    std::fs::create_dir(working.path().join(".terraform")).unwrap();
    let zip = b"PK\x03\x04tfplan and the rest of a plan archive".to_vec();
    let elsewhere = tempfile::tempdir().unwrap();
    std::fs::write(elsewhere.path().join("tfplan"), &zip).unwrap();
    std::fs::write(working.path().join("plan.out"), &zip).unwrap();
    let outside = tempfile::tempdir().unwrap();
    for (from, plan) in [
        (working.path(), elsewhere.path().join("tfplan")),
        (outside.path(), working.path().join("plan.out")),
    ] {
        let output = blastwall()
            .current_dir(from)
            .arg("check")
            .arg("--terraform-bin")
            .arg(&converter)
            .arg(&plan)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(3), "{}", transcript(&output));
        assert!(
            String::from_utf8_lossy(&output.stdout).contains("aws_db_instance.orders"),
            "{}",
            transcript(&output)
        );
    }
    // Neither directory initialised: the converter's own error, no verdict.
    let output = blastwall()
        .current_dir(outside.path())
        .arg("check")
        .arg("--terraform-bin")
        .arg(&converter)
        .arg(elsewhere.path().join("tfplan"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", transcript(&output));
    assert!(
        crate::common::flat(&output.stderr).contains("Failed to load plugin schemas"),
        "{}",
        transcript(&output)
    );
}
