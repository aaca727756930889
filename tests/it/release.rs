//! Release assets as the release workflow makes them (scripts/package-release.sh)
//! and as the Action installs them (action/install.sh), against a local
//! directory served as `file://`: the archive layout, the checksum files, and
//! an install that verifies them.

use std::path::Path;
use std::process::Command as Process;

use sha2::{Digest, Sha256};

use crate::common::root;

/// A stand-in binary: installing checks `--version`, not the analysis.
const FAKE: &str = "#!/bin/sh\necho 'blastwall 0.1.0'\n";

fn package(args: &[&str]) -> std::process::Output {
    Process::new("bash")
        .arg(root().join("scripts/package-release.sh"))
        .args(args)
        .output()
        .unwrap()
}

fn hex(path: &Path) -> String {
    let digest = Sha256::digest(std::fs::read(path).unwrap());
    digest.iter().map(|byte| format!("{byte:02x}")).collect()
}

fn tool(name: &str) -> bool {
    Process::new("sh")
        .args(["-c", &format!("command -v {name}")])
        .output()
        .is_ok_and(|output| output.status.success())
}

#[test]
fn the_release_workflow_builds_every_target_the_action_installs() {
    let workflow = std::fs::read_to_string(root().join(".github/workflows/release.yml")).unwrap();
    let install = std::fs::read_to_string(root().join("action/install.sh")).unwrap();
    let targets = [
        "x86_64-unknown-linux-musl",
        "aarch64-unknown-linux-musl",
        "x86_64-apple-darwin",
        "aarch64-apple-darwin",
        "x86_64-pc-windows-msvc",
        "aarch64-pc-windows-msvc",
    ];
    for target in targets {
        assert!(
            workflow.contains(&format!("target: {target},")),
            "release.yml does not build {target}"
        );
        assert!(
            install.contains(&format!("echo {target} ;;")),
            "install.sh does not map a runner to {target}"
        );
    }
    assert!(workflow.contains("scripts/package-release.sh asset"));
    assert!(workflow.contains("scripts/package-release.sh sums"));
}

#[test]
fn assets_have_one_directory_with_the_binary_readme_and_licences_and_their_checksums() {
    let dir = tempfile::tempdir().unwrap();
    let fake = dir.path().join("blastwall");
    std::fs::write(&fake, FAKE).unwrap();
    let out = dir.path().join("out");
    let target = "x86_64-unknown-linux-musl";
    let output = package(&[
        "asset",
        target,
        fake.to_str().unwrap(),
        out.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{output:?}");
    let asset = out.join(format!("blastwall-{target}.tar.gz"));

    let listing = Process::new("tar")
        .arg("-tzf")
        .arg(&asset)
        .output()
        .unwrap();
    let mut entries: Vec<String> = String::from_utf8(listing.stdout)
        .unwrap()
        .lines()
        .map(|line| line.trim_end_matches('/').to_owned())
        .collect();
    entries.sort();
    let name = format!("blastwall-{target}");
    assert_eq!(
        entries,
        [
            name.clone(),
            format!("{name}/LICENSE-APACHE"),
            format!("{name}/LICENSE-MIT"),
            format!("{name}/README.md"),
            format!("{name}/blastwall"),
        ]
    );
    // The binary stays executable in the archive.
    let verbose = Process::new("tar")
        .arg("-tvzf")
        .arg(&asset)
        .output()
        .unwrap();
    let verbose = String::from_utf8(verbose.stdout).unwrap();
    let line = verbose
        .lines()
        .find(|line| line.ends_with("/blastwall"))
        .unwrap();
    assert!(line.starts_with("-rwx"), "{line}");

    let checksum = std::fs::read_to_string(out.join(format!("{name}.tar.gz.sha256"))).unwrap();
    assert_eq!(checksum, format!("{}  {name}.tar.gz\n", hex(&asset)));

    // Windows: a zip, with blastwall.exe.
    if tool("zip") || tool("7z") {
        let target = "x86_64-pc-windows-msvc";
        let output = package(&[
            "asset",
            target,
            fake.to_str().unwrap(),
            out.to_str().unwrap(),
        ]);
        assert!(output.status.success(), "{output:?}");
        let zip = out.join(format!("blastwall-{target}.zip"));
        assert_eq!(&std::fs::read(&zip).unwrap()[..2], b"PK");
        if tool("unzip") {
            let listing = Process::new("unzip").arg("-Z1").arg(&zip).output().unwrap();
            let listing = String::from_utf8(listing.stdout).unwrap();
            assert!(
                listing
                    .lines()
                    .any(|line| line == format!("blastwall-{target}/blastwall.exe")),
                "{listing}"
            );
        }
    }

    // SHA256SUMS: every asset's line, and sha256sum -c agrees.
    let output = package(&["sums", out.to_str().unwrap()]);
    assert!(output.status.success(), "{output:?}");
    let sums = std::fs::read_to_string(out.join("SHA256SUMS")).unwrap();
    assert!(sums.contains(&checksum), "{sums}");
    if tool("sha256sum") {
        let check = Process::new("sha256sum")
            .args(["-c", "SHA256SUMS"])
            .current_dir(&out)
            .output()
            .unwrap();
        assert!(check.status.success(), "{check:?}");
    }
    // Bad arguments are refused.
    assert_eq!(package(&["asset", "x y", "a", "b"]).status.code(), Some(2));
}

/// action/install.sh with the release published under `base`.
fn install(base: &Path, temp: &Path) -> (std::process::Output, String) {
    let outputs = temp.join("outputs");
    std::fs::write(&outputs, "").unwrap();
    let output = Process::new("bash")
        .arg(root().join("action/install.sh"))
        .env_remove("GITHUB_ACTIONS")
        .env(
            "BLASTWALL_DOWNLOAD_BASE",
            format!("file://{}", base.display()),
        )
        .env("ACTION_REPOSITORY", "owner/name")
        .env("VERSION", "v0.1.0")
        .env("RUNNER_OS", "Linux")
        .env("RUNNER_ARCH", "X64")
        .env("RUNNER_TEMP", temp)
        .env("GITHUB_OUTPUT", &outputs)
        .output()
        .unwrap();
    (output, std::fs::read_to_string(&outputs).unwrap())
}

#[test]
fn the_action_installs_a_packaged_release_from_a_local_directory_and_refuses_a_bad_checksum() {
    if !tool("curl") {
        assert!(std::env::var_os("CI").is_none(), "curl is missing in CI");
        eprintln!("SKIPPED: no curl for action/install.sh");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let fake = dir.path().join("blastwall");
    std::fs::write(&fake, FAKE).unwrap();
    let base = dir.path().join("releases");
    let release = base.join("owner/name/releases/download/v0.1.0");
    let output = package(&[
        "asset",
        "x86_64-unknown-linux-musl",
        fake.to_str().unwrap(),
        release.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{output:?}");

    let temp = dir.path().join("runner-temp");
    std::fs::create_dir_all(&temp).unwrap();
    let (output, outputs) = install(&base, &temp);
    let log = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{output:?}");
    assert!(log.contains("SHA-256 verified"), "{log}");
    assert!(outputs.contains("version=0.1.0"), "{outputs}");
    let bin = outputs
        .lines()
        .find_map(|line| line.strip_prefix("bin="))
        .unwrap();
    let version = Process::new(bin).arg("--version").output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&version.stdout),
        "blastwall 0.1.0\n"
    );

    // The same archive with one byte changed: nothing is installed.
    let asset = release.join("blastwall-x86_64-unknown-linux-musl.tar.gz");
    let mut bytes = std::fs::read(&asset).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(&asset, bytes).unwrap();
    let temp = dir.path().join("runner-temp-2");
    std::fs::create_dir_all(&temp).unwrap();
    let (output, outputs) = install(&base, &temp);
    assert!(!output.status.success());
    let log = String::from_utf8_lossy(&output.stdout);
    assert!(log.contains("checksum mismatch"), "{log}");
    assert!(!outputs.contains("bin="), "{outputs}");
}
