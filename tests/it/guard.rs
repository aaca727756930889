//! `blastwall guard -- terraform apply` end to end with the real terraform
//! binary on a `terraform_data` configuration (skipped without terraform):
//! what it wraps, what it refuses, the private copy it applies, the prompt
//! through a pseudo-terminal, and the audit log it keeps.

use std::path::{Path, PathBuf};
use std::process::Output;

use crate::common::{blastwall, root, transcript};
use crate::tf_env::{environment, has_terraform, on_path, terraform_in, write_config};

fn state(dir: &Path) -> String {
    terraform_in(dir, &["state", "list"])
}

/// A terraform working directory and a separate state home for the audit log.
struct Setup {
    env: tempfile::TempDir,
    home: tempfile::TempDir,
}

impl Setup {
    fn new() -> Self {
        Self {
            env: environment(),
            // Outside the temporary directories: approvals under a temporary
            // HOME are not trusted for an agent.
            home: crate::common::outside_any_repository(),
        }
    }

    fn dir(&self) -> &Path {
        self.env.path()
    }

    fn log(&self) -> PathBuf {
        self.home.path().join("state/blastwall/audit.jsonl")
    }

    fn command(&self) -> assert_cmd::Command {
        let mut command = blastwall();
        command
            .env("CHECKPOINT_DISABLE", "1")
            .env("HOME", self.home.path())
            .env("XDG_STATE_HOME", self.home.path().join("state"))
            .current_dir(self.dir());
        command
    }

    /// `blastwall guard OPTIONS -- COMMAND` with extra variables.
    fn guard(&self, vars: &[(&str, &str)], options: &[&str], command: &[&str]) -> Output {
        let mut run = self.command();
        for (name, value) in vars {
            run.env(name, value);
        }
        run.arg("guard")
            .args(options)
            .arg("--")
            .args(command)
            .output()
            .unwrap()
    }

    fn plan(&self, name: &str) {
        terraform_in(
            self.dir(),
            &["plan", "-input=false", "-no-color", &format!("-out={name}")],
        );
    }

    fn audit(&self, args: &[&str]) -> Output {
        self.command().arg("audit").args(args).output().unwrap()
    }

    fn audit_lines(&self) -> Vec<serde_json::Value> {
        std::fs::read_to_string(self.log())
            .unwrap_or_default()
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect()
    }
}

/// Variables, options or command, and the reason the refusal must give.
type Case<'a> = (&'a [(&'a str, &'a str)], &'a [&'a str], &'a str);
type OwnedCase<'a> = (Vec<(&'a str, &'a str)>, Vec<&'a str>, &'a str);

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn guard_refuses_a_plan_that_deletes_the_database_and_applies_a_safe_one() {
    if !has_terraform("the guard tests") {
        return;
    }
    let setup = Setup::new();
    let dir = setup.dir();
    let agent = ["--author", "agent"];

    // Risky: the database disappears from the configuration.
    write_config(dir, false, "v1");
    let before = std::fs::read(dir.join("terraform.tfstate")).unwrap();
    let refused = setup.guard(&[], &agent, &["terraform", "apply", "-auto-approve"]);
    assert_eq!(refused.status.code(), Some(3), "{}", transcript(&refused));
    assert!(stderr(&refused).contains("database-destroyed"));
    assert_eq!(
        std::fs::read(dir.join("terraform.tfstate")).unwrap(),
        before,
        "state untouched"
    );
    assert!(state(dir).contains("terraform_data.database"));

    // `terraform destroy` is covered too.
    let destroy = setup.guard(&[], &agent, &["terraform", "destroy", "-auto-approve"]);
    assert_eq!(destroy.status.code(), Some(3), "{}", transcript(&destroy));
    assert!(state(dir).contains("terraform_data.database"));

    // Safe: only the app's input changes; the guard applies that plan.
    write_config(dir, true, "v2");
    let applied = setup.guard(&[], &agent, &["terraform", "apply", "-auto-approve"]);
    assert_eq!(applied.status.code(), Some(0), "{}", transcript(&applied));
    assert!(terraform_in(dir, &["show", "-json"]).contains("\"v2\""));

    // A saved plan is checked and applied as given.
    write_config(dir, true, "v3");
    setup.plan("saved.tfplan");
    let saved = setup.guard(&[], &agent, &["terraform", "apply", "saved.tfplan"]);
    assert_eq!(saved.status.code(), Some(0), "{}", transcript(&saved));
    assert!(terraform_in(dir, &["show", "-json"]).contains("\"v3\""));
}

#[test]
fn only_terraform_apply_or_destroy_is_wrapped() {
    if !has_terraform("the guard tests") {
        return;
    }
    let setup = Setup::new();
    let dir = setup.dir();
    write_config(dir, false, "v1");
    let before = std::fs::read(dir.join("terraform.tfstate")).unwrap();
    // An agent-written "terraform" in the working tree.
    std::fs::write(dir.join("terraform"), "#!/bin/sh\nexec terraform \"$@\"\n").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(
            dir.join("terraform"),
            std::fs::Permissions::from_mode(0o755),
        )
        .unwrap();
    }
    let cases: &[Case] = &[
        (
            &[],
            &["bash", "-c", "terraform apply -auto-approve"],
            "`bash` is not terraform or tofu",
        ),
        (
            &[],
            &["sh", "-c", "terraform destroy -auto-approve"],
            "`sh` is not terraform or tofu",
        ),
        (
            &[],
            &[
                "python3",
                "-c",
                "import os; os.system('terraform apply -auto-approve')",
            ],
            "`python3` is not terraform or tofu",
        ),
        (
            &[],
            &["terraform", "state", "rm", "terraform_data.database"],
            "`terraform state` is not apply or destroy",
        ),
        (&[], &["terraform", "version"], "is not apply or destroy"),
        (
            &[],
            &["./terraform", "apply", "-auto-approve"],
            "is not the terraform on PATH",
        ),
        (
            &[],
            &[
                "terraform",
                "-chdir=.",
                "-verbose",
                "apply",
                "-auto-approve",
            ],
            "one `-chdir=DIR`",
        ),
        (
            &[("TF_CLI_ARGS_apply", "-destroy")],
            &["terraform", "apply", "-auto-approve"],
            "TF_CLI_ARGS_apply is set",
        ),
        (
            &[("TF_CLI_ARGS", "-destroy")],
            &["terraform", "apply", "-auto-approve"],
            "TF_CLI_ARGS is set",
        ),
    ];
    for (vars, command, reason) in cases {
        let output = setup.guard(vars, &[], command);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{command:?}: {}",
            transcript(&output)
        );
        assert!(
            crate::common::flat(&output.stderr).contains(reason),
            "{command:?}: {}",
            transcript(&output)
        );
        assert_eq!(
            std::fs::read(dir.join("terraform.tfstate")).unwrap(),
            before,
            "{command:?}: state untouched"
        );
    }
    assert!(state(dir).contains("terraform_data.database"));
    // Each refusal is on record.
    let refused = setup
        .audit_lines()
        .iter()
        .filter(|line| line["outcome"] == "refused")
        .count();
    assert_eq!(refused, cases.len());
}

#[test]
fn an_agent_cannot_loosen_the_guard() {
    if !has_terraform("the guard tests") {
        return;
    }
    let setup = Setup::new();
    let dir = setup.dir();
    write_config(dir, false, "v1");
    // A converter that would print a harmless plan.
    let fake = dir.join("fakeshow");
    std::fs::write(&fake, "#!/bin/sh\necho '{}'\n").unwrap();
    let fake = fake.display().to_string();
    let apply = ["terraform", "apply", "-auto-approve"];
    let claude = ("CLAUDECODE", "1");
    let cases: Vec<OwnedCase> = vec![
        (
            vec![claude],
            vec!["--terraform-bin", &fake],
            "--terraform-bin",
        ),
        (vec![claude], vec!["--author", "human"], "--author human"),
        (vec![claude], vec!["--profile", "human"], "--profile"),
        (vec![claude], vec!["--config", "other.toml"], "--config"),
        (
            vec![claude, ("BLASTWALL_AUTHOR", "human")],
            vec![],
            "BLASTWALL_AUTHOR=human",
        ),
    ];
    for (vars, options, reason) in &cases {
        let output = setup.guard(vars, options, &apply);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{options:?}: {}",
            transcript(&output)
        );
        let text = crate::common::flat(&output.stderr);
        assert!(
            text.contains(reason) && text.contains("in an agent's run (CLAUDECODE"),
            "{options:?}: {text}"
        );
        assert!(text.contains("blastwall approve"), "{text}");
    }
    // `--exit-zero` would apply a blocked plan: refused whoever runs it.
    for vars in [vec![claude], vec![]] {
        let output = setup.guard(&vars, &["--exit-zero"], &apply);
        assert_eq!(output.status.code(), Some(2), "{}", transcript(&output));
        assert!(crate::common::flat(&output.stderr).contains("`--exit-zero` would apply"));
    }
    assert!(state(dir).contains("terraform_data.database"));
    // Without options, the agent's run is checked with the agent profile and blocked.
    let checked = setup.guard(&[claude], &[], &apply);
    assert_eq!(checked.status.code(), Some(3), "{}", transcript(&checked));
    assert!(state(dir).contains("terraform_data.database"));
}

/// A `terraform` on PATH (outside the working tree) that, when asked to
/// `show` a plan, copies `$SWAP_FROM` over the original plan file or over
/// the file it was shown: a swap won exactly between check and apply.
fn swapping_terraform(bin: &Path) {
    let real = on_path("terraform").unwrap();
    std::fs::write(
        bin.join("terraform"),
        format!(
            r#"#!/bin/sh
for arg; do last=$arg; done
case " $* " in
  *" show "*)
    "{real}" "$@"; status=$?
    [ -n "$SWAP_ORIGINAL" ] && cp "$SWAP_FROM" "$SWAP_ORIGINAL"
    [ -n "$SWAP_SHOWN" ] && cp "$SWAP_FROM" "$last"
    exit $status ;;
esac
exec "{real}" "$@"
"#,
            real = real.display()
        ),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(
            bin.join("terraform"),
            std::fs::Permissions::from_mode(0o755),
        )
        .unwrap();
    }
}

#[test]
fn a_plan_swapped_after_the_check_is_never_applied() {
    if !has_terraform("the guard tests") {
        return;
    }
    let setup = Setup::new();
    let dir = setup.dir();
    write_config(dir, false, "v1");
    setup.plan("teardown.tfplan");
    write_config(dir, true, "v2");
    setup.plan("safe.tfplan");
    let bin = tempfile::tempdir().unwrap();
    swapping_terraform(bin.path());
    let path = std::env::join_paths(
        std::iter::once(bin.path().to_path_buf())
            .chain(std::env::split_paths(&std::env::var_os("PATH").unwrap())),
    )
    .unwrap();
    let path = path.to_str().unwrap();
    let teardown = dir.join("teardown.tfplan").display().to_string();
    let original = dir.join("safe.tfplan").display().to_string();

    // The original path is swapped while the guard checks it: the guard
    // applies its private copy of the checked bytes, not the path.
    let swapped = setup.guard(
        &[
            ("PATH", path),
            ("SWAP_FROM", &teardown),
            ("SWAP_ORIGINAL", &original),
        ],
        &["--author", "agent"],
        &["terraform", "apply", "safe.tfplan"],
    );
    assert_eq!(swapped.status.code(), Some(0), "{}", transcript(&swapped));
    assert_eq!(
        std::fs::read(dir.join("safe.tfplan")).unwrap(),
        std::fs::read(dir.join("teardown.tfplan")).unwrap(),
        "the swap happened"
    );
    assert!(
        state(dir).contains("terraform_data.database"),
        "nothing destroyed"
    );
    assert!(
        terraform_in(dir, &["show", "-json"]).contains("\"v2\""),
        "the checked plan applied"
    );

    // The private copy itself is swapped after the check: the hash no longer
    // matches and nothing is applied.
    write_config(dir, true, "v3");
    setup.plan("safe.tfplan");
    let copy_swapped = setup.guard(
        &[
            ("PATH", path),
            ("SWAP_FROM", &teardown),
            ("SWAP_SHOWN", "1"),
        ],
        &["--author", "agent"],
        &["terraform", "apply", "safe.tfplan"],
    );
    assert_eq!(
        copy_swapped.status.code(),
        Some(1),
        "{}",
        transcript(&copy_swapped)
    );
    assert!(stderr(&copy_swapped).contains("changed before it could be applied"));
    assert!(
        state(dir).contains("terraform_data.database"),
        "nothing destroyed"
    );
    assert!(
        terraform_in(dir, &["show", "-json"]).contains("\"v2\""),
        "nothing applied"
    );
    assert_eq!(setup.audit_lines().last().unwrap()["outcome"], "changed");
}

#[test]
fn a_saved_plan_is_read_where_terraform_reads_it_under_chdir() {
    if !has_terraform("the guard tests") {
        return;
    }
    let setup = Setup::new();
    let dir = setup.dir();
    let name = dir.file_name().unwrap().to_str().unwrap().to_owned();
    write_config(dir, false, "v1");
    setup.plan("teardown.tfplan");
    write_config(dir, true, "v2");
    setup.plan("safe.tfplan");
    // `-chdir=DIR apply safe.tfplan` reads DIR/safe.tfplan; a guard that
    // passed `DIR/safe.tfplan` on would make terraform read DIR/DIR/safe.tfplan.
    std::fs::create_dir(dir.join(&name)).unwrap();
    std::fs::copy(
        dir.join("teardown.tfplan"),
        dir.join(&name).join("safe.tfplan"),
    )
    .unwrap();
    let output = setup
        .command()
        .current_dir(dir.parent().unwrap())
        .args(["guard", "--author", "agent", "--", "terraform"])
        .arg(format!("-chdir={name}"))
        .args(["apply", "safe.tfplan"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", transcript(&output));
    assert!(
        state(dir).contains("terraform_data.database"),
        "nothing destroyed"
    );
    assert!(terraform_in(dir, &["show", "-json"]).contains("\"v2\""));
}

#[test]
fn a_blocked_plan_is_kept_and_a_person_approves_then_applies_it() {
    if !has_terraform("the guard tests") {
        return;
    }
    let setup = Setup::new();
    let dir = setup.dir();
    std::fs::write(
        dir.join("blastwall.toml"),
        "rules = [\"policies\"]\n[approvals]\ntrusted = [\".blastwall/approvals\"]\n",
    )
    .unwrap();
    write_config(dir, false, "v1");
    let blocked = setup.guard(
        &[],
        &["--author", "agent"],
        &["terraform", "apply", "-auto-approve"],
    );
    assert_eq!(blocked.status.code(), Some(3), "{}", transcript(&blocked));
    let text = stderr(&blocked);
    let kept = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .find(|name| name.starts_with("blastwall-") && name.ends_with(".tfplan"))
        .expect("the blocked plan is kept");
    assert!(text.contains(&format!("kept at {kept}")), "{text}");
    assert!(text.contains("Its fingerprint is blake3:"), "{text}");
    assert!(
        text.contains(&format!("blastwall approve {kept} --by YOUR_NAME")),
        "{text}"
    );
    assert!(
        text.contains(&format!("blastwall guard -- terraform apply {kept}")),
        "{text}"
    );
    assert!(state(dir).contains("terraform_data.database"));

    // A person at a terminal: approve (typing the fingerprint's start), then
    // the guard applies that exact plan.
    let mut approve = std::process::Command::new(assert_cmd::cargo::cargo_bin("blastwall"));
    approve
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("NO_COLOR", "1")
        .env("CHECKPOINT_DISABLE", "1")
        .env("HOME", setup.home.path())
        .env("XDG_STATE_HOME", setup.home.path().join("state"))
        .current_dir(setup.dir())
        .args(["approve", &kept, "--by", "alice"]);
    let mut session = rexpect::session::spawn_command(approve, Some(60_000)).unwrap();
    let (_, fingerprint) = session.exp_regex("blake3:[0-9a-f]{64}").unwrap();
    session.exp_string("Type the first 8 characters").unwrap();
    session
        .send_line(&fingerprint["blake3:".len()..][..8])
        .unwrap();
    let rest = session.exp_eof().unwrap();
    assert!(rest.contains("approved"), "{rest}");
    let applied = setup.guard(&[], &["--author", "agent"], &["terraform", "apply", &kept]);
    assert_eq!(applied.status.code(), Some(0), "{}", transcript(&applied));
    assert!(
        !state(dir).contains("terraform_data.database"),
        "the approved delete applied"
    );

    let lines = setup.audit_lines();
    let outcomes: Vec<&str> = lines
        .iter()
        .map(|line| line["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, ["blocked", "approved", "applying", "applied"]);
    assert_eq!(lines[1]["approvals"][0]["by"], "alice");
    assert_eq!(lines[3]["approvals"][0]["by"], "alice");
    assert_eq!(lines[3]["terraform_exit"], 0);
    assert_eq!(
        lines[0]["plans"][0]["fingerprint"],
        lines[3]["plans"][0]["fingerprint"]
    );
}

/// Runs `args` in a pseudo-terminal (python's `pty` module: no crate, and
/// the same module terraform's own acceptance scripts reach for), answers
/// the guard's question with `answer`, and returns the exit code and output.
fn in_pty(setup: &Setup, answer: &str, args: &[&str]) -> Option<(i32, String)> {
    let python = on_path("python3")?;
    let script = r#"
import os, pty, select, sys, time
answer, argv = sys.argv[1], sys.argv[2:]
pid, fd = pty.fork()
if pid == 0:
    os.execvp(argv[0], argv)
out, sent, deadline = b"", False, time.time() + 180
while time.time() < deadline:
    ready, _, _ = select.select([fd], [], [], 1)
    if fd in ready:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
        asked = out.split(b"apply this plan? (yes)")
        if not sent and len(asked) > 1 and b"Enter a value:" in asked[-1]:
            os.write(fd, answer.encode() + b"\n")
            sent = True
_, status = os.waitpid(pid, 0)
sys.stdout.buffer.write(out)
sys.exit(os.waitstatus_to_exitcode(status))
"#;
    let binary = assert_cmd::cargo::cargo_bin("blastwall");
    let output = std::process::Command::new(python)
        .arg("-c")
        .arg(script)
        .arg(answer)
        .args(["env", "-i"])
        .arg(format!("PATH={}", std::env::var("PATH").unwrap()))
        .arg(format!("HOME={}", setup.home.path().display()))
        .arg(format!(
            "XDG_STATE_HOME={}",
            setup.home.path().join("state").display()
        ))
        .args(["NO_COLOR=1", "CHECKPOINT_DISABLE=1", "TERM=dumb"])
        .arg(binary)
        .args(args)
        .current_dir(setup.dir())
        .output()
        .unwrap();
    Some((
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    ))
}

#[test]
fn at_a_terminal_the_guard_asks_and_applies_only_on_yes() {
    if !has_terraform("the guard tests") {
        return;
    }
    let setup = Setup::new();
    let dir = setup.dir();
    write_config(dir, true, "v2");
    setup.plan("saved.tfplan");
    let guard = [
        "guard",
        "--author",
        "human",
        "--",
        "terraform",
        "apply",
        "saved.tfplan",
    ];
    let Some((code, output)) = in_pty(&setup, "no", &guard) else {
        eprintln!("SKIPPED: python3 is not on PATH; the pseudo-terminal test needs it");
        return;
    };
    assert_eq!(code, 1, "{output}");
    assert!(output.contains("apply this plan? (yes)"), "{output}");
    assert!(output.contains("PASS"), "the summary comes first: {output}");
    assert!(
        output.contains("apply cancelled; nothing was applied"),
        "{output}"
    );
    assert!(
        !terraform_in(dir, &["show", "-json"]).contains("\"v2\""),
        "nothing applied"
    );

    let (code, output) = in_pty(&setup, "yes", &guard).unwrap();
    assert_eq!(code, 0, "{output}");
    assert!(
        terraform_in(dir, &["show", "-json"]).contains("\"v2\""),
        "applied on yes"
    );

    // `-auto-approve` does not ask.
    write_config(dir, true, "v3");
    let auto = [
        "guard",
        "--author",
        "human",
        "--",
        "terraform",
        "apply",
        "-auto-approve",
    ];
    let (code, output) = in_pty(&setup, "no", &auto).unwrap();
    assert_eq!(code, 0, "{output}");
    assert!(!output.contains("apply this plan?"), "{output}");
    assert!(terraform_in(dir, &["show", "-json"]).contains("\"v3\""));
}

#[test]
fn every_decision_is_on_a_hash_chain_that_shows_tampering() {
    if !has_terraform("the guard tests") {
        return;
    }
    let setup = Setup::new();
    let dir = setup.dir();
    let agent = ["--author", "agent"];
    write_config(dir, false, "v1");
    let blocked = setup.guard(&[], &agent, &["terraform", "apply", "-auto-approve"]);
    assert_eq!(blocked.status.code(), Some(3));
    write_config(dir, true, "v2");
    let applied = setup.guard(&[], &agent, &["terraform", "apply", "-auto-approve"]);
    assert_eq!(applied.status.code(), Some(0), "{}", transcript(&applied));

    let lines = setup.audit_lines();
    assert_eq!(lines.len(), 3, "blocked, applying, applied");
    let first = &lines[0];
    assert_eq!(first["command"], "guard");
    assert_eq!(first["action"], "terraform apply");
    assert_eq!(first["verdict"], "fail");
    assert_eq!(first["outcome"], "blocked");
    assert_eq!(first["author"]["kind"], "agent");
    assert_eq!(first["author"]["reason"], "--author agent");
    assert_eq!(first["profile"], "agent");
    assert_eq!(first["reasons"], serde_json::json!(["database-destroyed"]));
    assert!(
        first["plans"][0]["fingerprint"]
            .as_str()
            .unwrap()
            .starts_with("blake3:")
    );
    assert_eq!(first["plans"][0]["sha256"].as_str().unwrap().len(), 64);
    assert!(first["time"].as_str().unwrap().ends_with('Z'));
    assert_eq!(
        first["cwd"],
        std::fs::canonicalize(dir).unwrap().display().to_string()
    );
    assert_eq!(lines[2]["terraform_exit"], 0);

    let verified = setup.audit(&["verify"]);
    assert_eq!(verified.status.code(), Some(0), "{}", transcript(&verified));
    assert!(String::from_utf8_lossy(&verified.stdout).contains("3 record(s), the chain is intact"));
    let shown = setup.audit(&["show"]);
    let text = String::from_utf8_lossy(&shown.stdout);
    assert_eq!(text.lines().count(), 3, "{text}");
    assert!(
        text.lines()
            .next()
            .unwrap()
            .contains("guard (terraform apply): blocked"),
        "{text}"
    );
    assert!(text.contains("reasons database-destroyed"), "{text}");
    let last = setup.audit(&["show", "--limit", "1", "--format", "json"]);
    let last: serde_json::Value = serde_json::from_slice(&last.stdout).unwrap();
    assert_eq!(last["outcome"], "applied");

    // Tamper with the middle line: verify names it.
    let log = setup.log();
    let original = std::fs::read_to_string(&log).unwrap();
    std::fs::write(&log, original.replacen("\"applying\"", "\"cancelled\"", 1)).unwrap();
    let broken = setup.audit(&["verify", log.to_str().unwrap()]);
    assert_eq!(broken.status.code(), Some(1), "{}", transcript(&broken));
    assert!(
        String::from_utf8_lossy(&broken.stdout).contains("broken at line 2"),
        "{}",
        transcript(&broken)
    );
}

#[test]
fn no_record_no_apply() {
    if !has_terraform("the guard tests") {
        return;
    }
    let setup = Setup::new();
    let dir = setup.dir();
    write_config(dir, true, "v2");
    std::fs::create_dir_all(setup.log().parent().unwrap()).unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink("/dev/null", setup.log()).unwrap();
    let output = setup.guard(
        &[],
        &["--author", "agent"],
        &["terraform", "apply", "-auto-approve"],
    );
    assert_eq!(output.status.code(), Some(1), "{}", transcript(&output));
    assert!(crate::common::flat(&output.stderr).contains("cannot record the decision"));
    assert!(
        !terraform_in(dir, &["show", "-json"]).contains("\"v2\""),
        "nothing applied"
    );

    // An agent's run may not keep its log inside the tree it writes.
    std::fs::remove_file(setup.log()).unwrap();
    let inside = setup.guard(
        &[
            ("CLAUDECODE", "1"),
            ("XDG_STATE_HOME", dir.join("state").to_str().unwrap()),
        ],
        &[],
        &["terraform", "apply", "-auto-approve"],
    );
    assert_eq!(inside.status.code(), Some(1), "{}", transcript(&inside));
    assert!(crate::common::flat(&inside.stderr).contains("lies inside the working directory"));
    assert!(
        !terraform_in(dir, &["show", "-json"]).contains("\"v2\""),
        "nothing applied"
    );
}

#[test]
fn a_check_in_ci_is_recorded_without_sensitive_values() {
    let home = tempfile::tempdir().unwrap();
    let run = |vars: &[(&str, &str)]| {
        let mut command = blastwall();
        command.env("XDG_STATE_HOME", home.path());
        for (name, value) in vars {
            command.env(name, value);
        }
        command
            .args(["check", "testdata/rules/sensitive-change/fires/plan.json"])
            .current_dir(root())
            .output()
            .unwrap()
    };
    let log = home.path().join("blastwall/audit.jsonl");
    run(&[]);
    assert!(!log.exists(), "a local check is not recorded");
    let output = run(&[("CI", "true")]);
    assert!(
        output
            .status
            .code()
            .is_some_and(|code| code == 0 || code == 3)
    );
    let text = std::fs::read_to_string(&log).unwrap();
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(text.contains("\"command\":\"check\""), "{text}");
    assert!(text.contains("sensitive-change"), "{text}");
    assert!(!text.contains("s3cr3t"), "no sensitive value: {text}");
}

#[test]
fn guard_refuses_the_ci_formats_instead_of_printing_another() {
    // No terraform is needed: the format is refused before anything runs.
    for format in ["sarif", "markdown", "github", "junit"] {
        let output = blastwall()
            .args(["guard", "--format", format, "--", "terraform", "apply"])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{}", transcript(&output));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains(&format!("`guard` does not write `--format {format}`"))
                && stderr.contains("blastwall check --format"),
            "{stderr}"
        );
    }
}
