//! An agent cannot talk its way past the gate (issue 12): every attempt an
//! agent could make to loosen an agent's run is refused (exit 2 with the
//! reason) or left out of the verdict and named in the report; loosening
//! from the user's configuration, outside the working tree, still applies;
//! approvals come from a person at a terminal.

use std::path::{Path, PathBuf};
use std::process::Output;

use crate::common::{blastwall, flat, root, transcript};

/// Destroy-first replace: the agent profile fails it, the human one warns.
const DOWNTIME: &str = "testdata/rules/replace-downtime/fires/plan.json";
/// Fails for an agent only because 3 of the 10 resources in state are
/// destroyed (30 % > 20 %): written by [`share_plan`], not a file.
const SHARE: &str = "<share>";

/// 10 `terraform_data` in state, 3 deleted (their blocks removed from the
/// configuration): no rule fires, only the agent profile's share-of-state
/// threshold (and no teardown: 30 % < 50 %).
fn share_plan() -> String {
    state_plan(10, 3)
}

/// `count` `terraform_data` in state, the first `deleted` of them deleted.
fn state_plan(count: usize, deleted: usize) -> String {
    let mut changes = Vec::new();
    let mut state = Vec::new();
    let mut blocks = Vec::new();
    for index in 0..count {
        let (action, after) = if index < deleted {
            ("delete", "null".to_owned())
        } else {
            ("no-op", format!(r#"{{"id":"id-{index}"}}"#))
        };
        let reason = if index < deleted {
            r#""action_reason":"delete_because_no_resource_config","#
        } else {
            ""
        };
        changes.push(format!(r#"{{"address":"terraform_data.r{index}","mode":"managed","type":"terraform_data","name":"r{index}",{reason}"change":{{"actions":["{action}"],"before":{{"id":"id-{index}"}},"after":{after}}}}}"#));
        state.push(format!(r#"{{"address":"terraform_data.r{index}","mode":"managed","type":"terraform_data","name":"r{index}","values":{{"id":"id-{index}"}}}}"#));
        if index >= deleted {
            blocks.push(format!(r#"{{"address":"terraform_data.r{index}","mode":"managed","type":"terraform_data","name":"r{index}"}}"#));
        }
    }
    crate::common::with_planned_values(&format!(
        r#"{{"format_version":"1.2","terraform_version":"1.11.4","resource_changes":[{}],"prior_state":{{"format_version":"1.0","values":{{"root_module":{{"resources":[{}]}}}}}},"configuration":{{"root_module":{{"resources":[{}]}}}}}}"#,
        changes.join(","),
        state.join(","),
        blocks.join(",")
    ))
}
/// A low finding: the agent profile warns.
const LOW: &str = "testdata/rules/drift-revert/fires/plan.json";
const TEARDOWN: &str = "testdata/rules/environment-teardown/fires/plan.json";

/// A git working tree (a `.git` directory) holding `plan.json` and, when
/// given, the `blastwall.toml` an agent wrote in it.
fn repo(plan: &str, config: Option<&str>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    if plan == SHARE {
        std::fs::write(dir.path().join("plan.json"), share_plan()).unwrap();
    } else {
        std::fs::copy(root().join(plan), dir.path().join("plan.json")).unwrap();
    }
    if let Some(config) = config {
        std::fs::write(dir.path().join("blastwall.toml"), config).unwrap();
    }
    dir
}

/// A user configuration directory outside every working tree and outside
/// the temporary directories: `$XDG_CONFIG_HOME` for the run.
fn user_config(config: Option<&str>) -> tempfile::TempDir {
    let dir = crate::common::outside_any_repository();
    std::fs::create_dir(dir.path().join("blastwall")).unwrap();
    if let Some(config) = config {
        std::fs::write(dir.path().join("blastwall/blastwall.toml"), config).unwrap();
    }
    dir
}

/// `blastwall check plan.json ARGS` in `dir`, as Claude Code would run it.
fn agent_check(dir: &Path, args: &[&str]) -> Output {
    blastwall()
        .current_dir(dir)
        .env("CLAUDECODE", "1")
        .args(["check", "plan.json"])
        .args(args)
        .output()
        .unwrap()
}

fn assert_refused(output: &Output, needles: &[&str]) {
    assert_eq!(output.status.code(), Some(2), "{}", transcript(output));
    let text = flat(&output.stderr);
    for needle in needles {
        assert!(text.contains(needle), "{needle:?} not in {text}");
    }
    // check says "this plan", the guard "this exact plan": both name the command.
    assert!(
        text.contains("a person approves this") && text.contains("`blastwall approve"),
        "{text}"
    );
}

/// Blocked, with the report naming what was not applied.
fn assert_blocked_and_named(output: &Output, needles: &[&str]) {
    assert_eq!(output.status.code(), Some(3), "{}", transcript(output));
    let text = flat(&output.stdout);
    for needle in needles {
        assert!(text.contains(needle), "{needle:?} not in {text}");
    }
}

#[test]
fn the_fixtures_pass_when_loosened_so_each_refusal_below_matters() {
    // A person's run of the same plans shows what each attempt would buy.
    let human = blastwall()
        .args(["check", DOWNTIME, "--author", "human"])
        .output()
        .unwrap();
    assert_eq!(human.status.code(), Some(0), "{}", transcript(&human));
    let dir = repo(SHARE, Some("[profiles.agent]\nmax_share_of_state = 1.0\n"));
    let loosened = blastwall()
        .current_dir(dir.path())
        .args([
            "check",
            "plan.json",
            "--author",
            "human",
            "--profile",
            "agent",
        ])
        .output()
        .unwrap();
    assert_eq!(loosened.status.code(), Some(0), "{}", transcript(&loosened));
}

#[test]
fn author_human_flag_in_an_agents_run_is_refused() {
    let dir = repo(DOWNTIME, None);
    let output = agent_check(dir.path(), &["--author", "human"]);
    assert_refused(
        &output,
        &[
            "refused in an agent's run (CLAUDECODE is set: Claude Code is running)",
            "an agent cannot choose the human profile (--author human)",
        ],
    );
}

#[test]
fn blastwall_author_human_in_an_agents_run_is_refused_for_check_and_guard() {
    let dir = repo(DOWNTIME, None);
    let check = blastwall()
        .current_dir(dir.path())
        .env("CLAUDECODE", "1")
        .env("BLASTWALL_AUTHOR", "human")
        .args(["check", "plan.json"])
        .output()
        .unwrap();
    assert_refused(
        &check,
        &["an agent cannot choose the human profile (BLASTWALL_AUTHOR=human)"],
    );
    // The guard decides the same before it runs anything.
    let guard = blastwall()
        .current_dir(dir.path())
        .env("CODEX_THREAD_ID", "t-1")
        .env("BLASTWALL_AUTHOR", "human")
        .args(["guard", "--", "terraform", "apply", "-auto-approve"])
        .output()
        .unwrap();
    assert_refused(&guard, &["CODEX_THREAD_ID", "BLASTWALL_AUTHOR=human"]);
}

#[test]
fn exit_zero_in_an_agents_run_is_refused() {
    let dir = repo(TEARDOWN, None);
    assert_refused(
        &agent_check(dir.path(), &["--exit-zero"]),
        &["an agent cannot turn the gate off (--exit-zero)"],
    );
    let guard = blastwall()
        .current_dir(dir.path())
        .env("GEMINI_CLI", "1")
        .args(["guard", "--exit-zero", "--", "terraform", "apply"])
        .output()
        .unwrap();
    // The guard refuses `--exit-zero` for everyone, before any author check.
    assert_eq!(guard.status.code(), Some(2), "{}", transcript(&guard));
    assert!(
        flat(&guard.stderr).contains("`--exit-zero` would apply a plan the check blocks"),
        "{}",
        transcript(&guard)
    );
}

#[test]
fn profile_human_in_an_agents_run_is_refused() {
    let dir = repo(DOWNTIME, None);
    assert_refused(
        &agent_check(dir.path(), &["--profile", "human"]),
        &[
            "an agent cannot choose a laxer profile (--profile human:",
            "fail_severity = critical (laxer than high)",
        ],
    );
    // The agent profile itself, or a stricter one, is fine.
    let agent = agent_check(dir.path(), &["--profile", "agent"]);
    assert_eq!(agent.status.code(), Some(3), "{}", transcript(&agent));
}

#[test]
fn fail_on_laxer_than_the_profile_is_refused_and_stricter_settings_apply() {
    // A stricter setting from the working tree is honoured for an agent.
    let dir = repo(LOW, Some("[profiles.agent]\nfail_on = \"warn\"\n"));
    let stricter = agent_check(dir.path(), &[]);
    assert_eq!(stricter.status.code(), Some(3), "{}", transcript(&stricter));
    assert_refused(
        &agent_check(dir.path(), &["--fail-on", "fail"]),
        &["an agent cannot relax the exit code (--fail-on fail: the agent profile fails on warn)"],
    );
    // --fail-on warn is stricter: always allowed.
    let plain = repo(LOW, None);
    let warn = agent_check(plain.path(), &["--fail-on", "warn"]);
    assert_eq!(warn.status.code(), Some(3), "{}", transcript(&warn));
    let default = agent_check(plain.path(), &[]);
    assert_eq!(default.status.code(), Some(0), "{}", transcript(&default));
    // A raised severity from the working tree is honoured too.
    let raised = repo(LOW, Some("[severity]\ndrift-revert = \"high\"\n"));
    let output = agent_check(raised.path(), &[]);
    assert_eq!(output.status.code(), Some(3), "{}", transcript(&output));
}

#[test]
fn an_unrelated_plan_of_a_large_state_does_not_dilute_the_share_of_state() {
    // Each plan has its own state. Summed over both, 3 of 10 destroyed
    // beside 2,000 kept read as 3 of 2,010, and the teardown passed.
    let dir = repo(SHARE, None);
    std::fs::write(dir.path().join("kept.json"), state_plan(2000, 0)).unwrap();
    let output = agent_check(dir.path(), &["kept.json", "--format", "human"]);
    assert_blocked_and_named(
        &output,
        &["share of state destroyed or disrupted 30% > 20% (3 of 10 resources in plan 1 of 2)"],
    );
    let alone = agent_check(dir.path(), &["--format", "human"]);
    assert_blocked_and_named(
        &alone,
        &["share of state destroyed or disrupted 30% > 20% (3 of 10 resources)"],
    );
}

#[test]
fn the_same_plan_given_twice_is_judged_once() {
    // A binary plan beside its `show -json` output in one directory is
    // the same plan twice: 3 deletes of 10 counted as 6 of 20 crossed the
    // agent's blast radius (6 > 5), which the plan alone does not.
    let dir = repo(SHARE, None);
    std::fs::write(dir.path().join("copy.json"), share_plan()).unwrap();
    let twice = agent_check(dir.path(), &["copy.json", "--format", "json"]);
    let alone = agent_check(dir.path(), &["--format", "json"]);
    let report =
        |output: &Output| -> serde_json::Value { serde_json::from_slice(&output.stdout).unwrap() };
    let (twice_report, alone_report) = (report(&twice), report(&alone));
    for key in ["verdict", "score", "reasons", "blast_radius"] {
        assert_eq!(twice_report[key], alone_report[key], "{key}");
    }
    assert_eq!(twice_report["plans"].as_array().unwrap().len(), 1);
    assert_eq!(twice_report["skipped"][0]["input"], "copy.json");
    assert!(
        twice_report["skipped"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("counted once")
    );
}

#[test]
fn a_threshold_lowered_in_the_repository_is_not_applied_to_an_agent() {
    let dir = repo(SHARE, Some("[profiles.agent]\nmax_share_of_state = 1.0\n"));
    assert_blocked_and_named(
        &agent_check(dir.path(), &["--format", "human"]),
        &[
            "refused: blastwall.toml would loosen the gate",
            "inside the working tree",
            "[profiles.agent] max_share_of_state = 1 (laxer than 0.2)",
            "share of state destroyed or disrupted 30% > 20%",
        ],
    );
    // Named in the JSON and agent formats too.
    let json = agent_check(dir.path(), &["--format", "json"]);
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert!(
        report["notes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|note| note.as_str().unwrap().contains("max_share_of_state = 1")),
        "{report:#}"
    );
    let agent = agent_check(dir.path(), &["--format", "agent"]);
    assert!(flat(&agent.stdout).contains("note text=\"refused: blastwall.toml would loosen"));
}

#[test]
fn a_rule_turned_off_in_the_repository_is_not_applied_to_an_agent() {
    let dir = repo(DOWNTIME, Some("[severity]\nreplace-downtime = \"off\"\n"));
    assert_blocked_and_named(
        &agent_check(dir.path(), &["--format", "human"]),
        &["[severity] replace-downtime = \"off\" (the rule is high)"],
    );
}

#[test]
fn an_ignore_in_the_repository_is_not_applied_to_an_agent() {
    let dir = repo(
        DOWNTIME,
        Some(
            "[[ignore]]\nrule = \"replace-downtime\"\naddress = \"*\"\nreason = \"agent says so\"\n",
        ),
    );
    assert_blocked_and_named(
        &agent_check(dir.path(), &["--format", "human"]),
        &["[[ignore]] at line 1 (replace-downtime on *)"],
    );
    // Nor to an unknown author: it may be an agent no variable names.
    let unknown = blastwall()
        .current_dir(dir.path())
        .args(["check", "plan.json"])
        .output()
        .unwrap();
    assert_blocked_and_named(&unknown, &["run whose author is unknown"]);
}

/// A record written by hand, as an agent would: the plan's fingerprint and
/// every finding accepted.
fn hand_written_approval(dir: &Path) -> String {
    let json = blastwall()
        .current_dir(dir)
        .args(["check", "plan.json", "--format", "json"])
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let accepts: Vec<serde_json::Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| serde_json::json!({"rule": f["rule"], "address": f["address"]}))
        .collect();
    serde_json::json!({
        "approval_version": 1,
        "fingerprint": report["plans"][0]["fingerprint"],
        "plan": "plan.json",
        "by": "alice",
        "reason": "looks fine",
        "accepts": accepts,
    })
    .to_string()
}

#[test]
fn a_trusted_approvals_path_in_the_repository_and_a_hand_written_record_do_not_pass() {
    let dir = repo(
        DOWNTIME,
        Some("[approvals]\ntrusted = [\".blastwall/approvals\"]\n"),
    );
    std::fs::create_dir_all(dir.path().join(".blastwall/approvals")).unwrap();
    let record = hand_written_approval(dir.path());
    std::fs::write(dir.path().join(".blastwall/approvals/a.json"), &record).unwrap();
    assert_blocked_and_named(
        &agent_check(dir.path(), &["--format", "human"]),
        &["[approvals] trusted = .blastwall/approvals"],
    );
    // Even when the user's own configuration trusts that directory, a
    // record inside the working tree is not honoured for an agent.
    let user = user_config(Some(&format!(
        "[approvals]\ntrusted = [{:?}]\n",
        dir.path()
            .join(".blastwall/approvals")
            .display()
            .to_string()
    )));
    let output = blastwall()
        .current_dir(dir.path())
        .env("CLAUDECODE", "1")
        .env("XDG_CONFIG_HOME", user.path())
        .args(["check", "plan.json", "--format", "human"])
        .output()
        .unwrap();
    assert_blocked_and_named(
        &output,
        &["was not applied", "it is inside the working tree"],
    );
    // The same record in the user's approvals directory is a person's.
    std::fs::create_dir_all(user.path().join("blastwall/approvals")).unwrap();
    std::fs::write(user.path().join("blastwall/approvals/a.json"), &record).unwrap();
    std::fs::remove_file(user.path().join("blastwall/blastwall.toml")).unwrap();
    let output = blastwall()
        .current_dir(dir.path())
        .env("CLAUDECODE", "1")
        .env("XDG_CONFIG_HOME", user.path())
        .args(["check", "plan.json", "--format", "human"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", transcript(&output));
}

#[test]
fn a_custom_profile_without_thresholds_does_not_pass_a_teardown() {
    let dir = repo(TEARDOWN, Some("profile = \"lax\"\n[profiles.lax]\n"));
    assert_refused(
        &agent_check(dir.path(), &["--profile", "lax"]),
        &[
            "an agent cannot choose a laxer profile (--profile lax: fail_severity = none (laxer than high)",
        ],
    );
    // Picked by the repository's configuration for an unknown author: the
    // agent floor applies.
    let unknown = blastwall()
        .current_dir(dir.path())
        .args(["check", "plan.json", "--format", "human"])
        .output()
        .unwrap();
    assert_blocked_and_named(
        &unknown,
        &[
            "profile: lax",
            "the agent profile's thresholds apply as a floor",
        ],
    );
    // Defined in the user's configuration, it still keeps the floor for an agent.
    let user = user_config(Some("[profiles.lax]\n"));
    let output = blastwall()
        .current_dir(dir.path())
        .env("CLAUDECODE", "1")
        .env("XDG_CONFIG_HOME", user.path())
        .args(["check", "plan.json", "--profile", "lax"])
        .output()
        .unwrap();
    assert_refused(
        &output,
        &["an agent cannot choose a laxer profile (--profile lax"],
    );
}

#[test]
fn a_configuration_in_a_temporary_directory_or_named_by_xdg_inside_the_tree_is_not_trusted() {
    let dir = repo(SHARE, None);
    let temporary = tempfile::NamedTempFile::new_in("/tmp").unwrap();
    std::fs::write(
        temporary.path(),
        "[profiles.agent]\nmax_share_of_state = 1.0\n",
    )
    .unwrap();
    let output = agent_check(
        dir.path(),
        &[
            "--format",
            "human",
            "--config",
            temporary.path().to_str().unwrap(),
        ],
    );
    assert_blocked_and_named(&output, &["in the temporary directory /tmp"]);
    std::fs::create_dir_all(dir.path().join("x/blastwall")).unwrap();
    std::fs::write(
        dir.path().join("x/blastwall/blastwall.toml"),
        "[profiles.agent]\nmax_share_of_state = 1.0\n",
    )
    .unwrap();
    let output = blastwall()
        .current_dir(dir.path())
        .env("CLAUDECODE", "1")
        .env("XDG_CONFIG_HOME", dir.path().join("x"))
        .args(["check", "plan.json", "--format", "human"])
        .output()
        .unwrap();
    assert_blocked_and_named(&output, &["inside the working tree"]);
}

/// An agent chooses its working directory: run from outside its
/// repository, with the plan on stdin, a configuration it wrote in the
/// repository (named by `--config` or by `XDG_CONFIG_HOME`) was trusted.
/// The workspace is outside the temporary directories here, as a real one is.
#[test]
fn a_configuration_in_a_repository_is_not_trusted_from_outside_it() {
    let base = crate::common::outside_any_repository();
    let workspace = base.path().join("workspace");
    std::fs::create_dir_all(workspace.join(".git")).unwrap();
    std::fs::create_dir_all(workspace.join("xdg/blastwall")).unwrap();
    let loose = "[profiles.agent]\nmax_share_of_state = 1.0\n";
    std::fs::write(workspace.join("loose.toml"), loose).unwrap();
    std::fs::write(workspace.join("xdg/blastwall/blastwall.toml"), loose).unwrap();
    let elsewhere = base.path().join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    let named = blastwall()
        .current_dir(&elsewhere)
        .env("CLAUDECODE", "1")
        .args(["check", "-", "--format", "human", "--config"])
        .arg(workspace.join("loose.toml"))
        .write_stdin(share_plan())
        .output()
        .unwrap();
    assert_blocked_and_named(&named, &["inside the git repository"]);
    let by_xdg = blastwall()
        .current_dir(&elsewhere)
        .env("CLAUDECODE", "1")
        .env("XDG_CONFIG_HOME", workspace.join("xdg"))
        .args(["check", "-", "--format", "human"])
        .write_stdin(share_plan())
        .output()
        .unwrap();
    assert_blocked_and_named(&by_xdg, &["inside the git repository"]);
}

/// `nan` compares with nothing: no share is greater than it, and an
/// untrusted file's `nan` did not read as laxer either, so it switched the
/// share limit off (exit 0). It is no number, and refused as such.
#[test]
fn a_share_limit_that_is_not_a_number_is_refused() {
    for value in ["nan", "+nan", "-nan", "inf"] {
        let dir = repo(
            SHARE,
            Some(&format!("[profiles.agent]\nmax_share_of_state = {value}\n")),
        );
        let output = agent_check(dir.path(), &[]);
        assert_eq!(
            output.status.code(),
            Some(1),
            "{value}: {}",
            transcript(&output)
        );
        assert!(
            flat(&output.stderr).contains("is not a share"),
            "{value}: {}",
            transcript(&output)
        );
    }
}

#[test]
fn loosening_from_the_users_configuration_is_honoured() {
    // For an agent's run: the person put it outside the working tree.
    let user = user_config(Some("[profiles.agent]\nmax_share_of_state = 1.0\n"));
    let dir = repo(SHARE, None);
    let output = blastwall()
        .current_dir(dir.path())
        .env("CLAUDECODE", "1")
        .env("XDG_CONFIG_HOME", user.path())
        .args(["check", "plan.json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", transcript(&output));
    // ~/.config/blastwall/blastwall.toml when XDG_CONFIG_HOME is unset.
    let home = crate::common::outside_any_repository();
    std::fs::create_dir_all(home.path().join(".config/blastwall")).unwrap();
    std::fs::write(
        home.path().join(".config/blastwall/blastwall.toml"),
        "[profiles.agent]\nmax_share_of_state = 1.0\n[[ignore]]\nrule = \"replace-downtime\"\naddress = \"*\"\nreason = \"known\"\n",
    )
    .unwrap();
    let downtime = repo(DOWNTIME, None);
    for agent in [true, false] {
        let mut command = blastwall();
        command
            .current_dir(downtime.path())
            .env("HOME", home.path())
            .args(["check", "plan.json", "--format", "human"]);
        if agent {
            command.env("CLAUDECODE", "1");
        } else {
            command.env("BLASTWALL_AUTHOR", "human");
        }
        let output = command.output().unwrap();
        assert_eq!(output.status.code(), Some(0), "{}", transcript(&output));
        assert!(
            flat(&output.stdout).contains("accepted: replace-downtime"),
            "{}",
            transcript(&output)
        );
    }
    // And a person's run honours the repository's own configuration.
    let repo_config = repo(
        DOWNTIME,
        Some("[[ignore]]\nrule = \"replace-downtime\"\naddress = \"*\"\nreason = \"known\"\n"),
    );
    let person = blastwall()
        .current_dir(repo_config.path())
        .args(["check", "plan.json", "--author", "human"])
        .output()
        .unwrap();
    assert_eq!(person.status.code(), Some(0), "{}", transcript(&person));
    assert!(flat(&person.stdout).contains("accepted: replace-downtime"));
}

#[test]
fn the_mcp_server_refuses_a_laxer_profile() {
    use std::io::{BufRead, BufReader, Write};
    let plan = root().join(DOWNTIME);
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("blastwall"))
        .arg("mcp")
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .current_dir(root())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let call = |id: u32, profile: &str| {
        serde_json::json!({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": {
            "name": "check_plan",
            "arguments": {"path": plan.display().to_string(), "profile": profile}}})
        .to_string()
    };
    let messages = [
        serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-03-26", "capabilities": {},
            "clientInfo": {"name": "test", "version": "0"}}})
        .to_string(),
        serde_json::json!({"jsonrpc": "2.0", "method": "notifications/initialized"}).to_string(),
        call(2, "human"),
        call(3, "agent"),
    ];
    for message in messages {
        writeln!(stdin, "{message}").unwrap();
    }
    stdin.flush().unwrap();
    let mut responses = std::collections::HashMap::new();
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let value: serde_json::Value = serde_json::from_str(&line.unwrap()).unwrap();
        if let Some(id) = value["id"].as_u64() {
            responses.insert(id, value);
        }
        if responses.contains_key(&2) && responses.contains_key(&3) {
            break;
        }
    }
    drop(stdin);
    let _ = child.kill();
    let _ = child.wait();
    let human = &responses[&2]["result"];
    assert_eq!(human["isError"], true, "{human:#}");
    let text = human["content"][0]["text"].as_str().unwrap();
    assert!(
        text.contains("an agent cannot choose a laxer profile (--profile human"),
        "{text}"
    );
    let agent = &responses[&3]["result"];
    assert!(
        agent["content"][0]["text"]
            .as_str()
            .unwrap()
            .contains("verdict=fail")
    );

    let laxer_server = blastwall()
        .args(["mcp", "--profile", "human"])
        .output()
        .unwrap();
    assert_refused(&laxer_server, &["an agent cannot choose a laxer profile"]);
}

#[test]
fn approve_without_a_terminal_is_refused_even_with_the_agent_variable_unset() {
    // `env -u CLAUDECODE blastwall approve …` from an agent: no terminal.
    let output = blastwall()
        .args(["approve", DOWNTIME, "--by", "alice"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", transcript(&output));
    assert!(
        flat(&output.stderr).contains("needs a person at an interactive terminal"),
        "{}",
        transcript(&output)
    );
    // Any other agent variable still names the agent.
    for variable in [
        "CODEX_THREAD_ID",
        "CURSOR_AGENT",
        "GEMINI_CLI",
        "CLAUDE_CODE_CHILD_SESSION",
    ] {
        let output = blastwall()
            .env(variable, "1")
            .args(["approve", DOWNTIME, "--by", "alice"])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{}", transcript(&output));
        assert!(
            flat(&output.stderr).contains(&format!(
                "an AI agent cannot approve a plan: {variable} is set"
            )),
            "{}",
            transcript(&output)
        );
    }
}

#[cfg(unix)]
mod terminal {
    use super::*;

    /// `blastwall approve` on a pseudo-terminal, as a person runs it.
    fn approve_on_a_terminal(
        dir: &Path,
        user: &Path,
        extra_env: &[(&str, &str)],
    ) -> rexpect::session::PtySession {
        let mut command = std::process::Command::new(assert_cmd::cargo::cargo_bin("blastwall"));
        command
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("NO_COLOR", "1")
            .env("XDG_CONFIG_HOME", user)
            .env("XDG_STATE_HOME", user.join("state"))
            .env("USER", "alice")
            .current_dir(dir)
            .args(["approve", "plan.json"]);
        for (name, value) in extra_env {
            command.env(name, value);
        }
        rexpect::session::spawn_command(command, Some(30_000)).unwrap()
    }

    fn exit_code(session: &rexpect::session::PtySession) -> i32 {
        match session.process().wait().unwrap() {
            rexpect::process::WaitStatus::Exited(_, code) => code,
            other => panic!("{other:?}"),
        }
    }

    /// Issue 14: `approve` resolves its options as `check` does. A
    /// `blastwall.toml` that raises an info rule to high makes the agent's
    /// check fail on it; the approval must accept that finding, so the
    /// approved plan then passes.
    #[test]
    fn approve_and_check_agree_on_what_a_configuration_changes() {
        let dir = repo(
            "testdata/rules/tainted-replace/fires/plan.json",
            Some("[severity]\ntainted-replace = \"high\"\n"),
        );
        let user = user_config(None);
        let agent_check = || {
            blastwall()
                .current_dir(dir.path())
                .env("XDG_CONFIG_HOME", user.path())
                .env("CLAUDECODE", "1")
                .args(["check", "plan.json"])
                .output()
                .unwrap()
        };
        let before = agent_check();
        assert_eq!(before.status.code(), Some(3), "{}", transcript(&before));
        assert!(flat(&before.stdout).contains("tainted-replace"));
        let mut session = approve_on_a_terminal(dir.path(), user.path(), &[]);
        let (_, fingerprint) = session.exp_regex("blake3:[0-9a-f]{64}").unwrap();
        session.exp_string("Type the first 8 characters").unwrap();
        session
            .send_line(&fingerprint["blake3:".len()..][..8])
            .unwrap();
        session.exp_eof().unwrap();
        assert_eq!(exit_code(&session), 0);
        let after = agent_check();
        assert_eq!(after.status.code(), Some(0), "{}", transcript(&after));
    }

    #[test]
    fn a_person_approves_at_a_terminal_and_the_agents_check_honours_it() {
        let dir = repo(DOWNTIME, None);
        let user = user_config(None);
        let mut session = approve_on_a_terminal(dir.path(), user.path(), &[]);
        session.exp_string("replace-downtime").unwrap();
        let (_, fingerprint) = session.exp_regex("blake3:[0-9a-f]{64}").unwrap();
        session.exp_string("Type the first 8 characters").unwrap();
        session
            .send_line(&fingerprint["blake3:".len()..][..8])
            .unwrap();
        let rest = session.exp_eof().unwrap();
        assert!(rest.contains("approved 1 finding(s)"), "{rest}");
        assert_eq!(exit_code(&session), 0);

        let approvals: Vec<PathBuf> = std::fs::read_dir(user.path().join("blastwall/approvals"))
            .unwrap()
            .flatten()
            .map(|entry| entry.path())
            .collect();
        assert_eq!(approvals.len(), 1);
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&approvals[0])
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        // The agent's run now passes this exact plan.
        let output = blastwall()
            .current_dir(dir.path())
            .env("CLAUDECODE", "1")
            .env("XDG_CONFIG_HOME", user.path())
            .args(["check", "plan.json", "--format", "human"])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(0), "{}", transcript(&output));
        assert!(
            flat(&output.stdout).contains("approved by alice"),
            "{}",
            transcript(&output)
        );
    }

    #[test]
    fn a_wrong_confirmation_approves_nothing() {
        let dir = repo(DOWNTIME, None);
        let user = user_config(None);
        let mut session = approve_on_a_terminal(dir.path(), user.path(), &[]);
        session.exp_string("Type the first 8 characters").unwrap();
        session.send_line("yes").unwrap();
        let rest = session.exp_eof().unwrap();
        assert!(rest.contains("nothing approved"), "{rest}");
        assert_eq!(exit_code(&session), 2);
        assert!(!user.path().join("blastwall/approvals").exists());
    }

    #[test]
    fn an_agent_variable_refuses_approve_even_at_a_terminal() {
        let dir = repo(DOWNTIME, None);
        let user = user_config(None);
        for variable in ["CODEX_SANDBOX", "COPILOT_CLI", "CLAUDE_CODE"] {
            let mut session = approve_on_a_terminal(dir.path(), user.path(), &[(variable, "1")]);
            let text = session.exp_eof().unwrap();
            assert!(
                text.contains(&format!("{variable} is set")) && text.contains("cannot approve"),
                "{text}"
            );
            assert_eq!(exit_code(&session), 2);
        }
        assert!(!user.path().join("blastwall/approvals").exists());
    }
}

#[test]
fn the_issues_first_attempt_with_real_terraform_destroys_nothing() {
    use crate::tf_env::{environment, has_terraform, terraform_in, write_config};
    if !has_terraform("the real-terraform refusal test") {
        return;
    }
    let env = environment();
    let dir = env.path();
    write_config(dir, false, "v1");
    let before = std::fs::read(dir.join("terraform.tfstate")).unwrap();
    for (flag, variable) in [
        (None, Some(("BLASTWALL_AUTHOR", "human"))),
        (Some("--exit-zero"), None),
        (Some("--author=human"), None),
        (Some("--profile=human"), None),
    ] {
        let mut command = blastwall();
        command
            .current_dir(dir)
            .env("CHECKPOINT_DISABLE", "1")
            .env("CLAUDECODE", "1")
            .arg("guard");
        if let Some(flag) = flag {
            command.arg(flag);
        }
        if let Some((name, value)) = variable {
            command.env(name, value);
        }
        let output = command
            .args(["--", "terraform", "apply", "-auto-approve"])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{}", transcript(&output));
        let stderr = flat(&output.stderr);
        assert!(
            stderr.contains("refused in an agent's run")
                || stderr.contains("blastwall guard refused"),
            "{stderr}"
        );
        assert_eq!(
            std::fs::read(dir.join("terraform.tfstate")).unwrap(),
            before
        );
        assert!(terraform_in(dir, &["state", "list"]).contains("terraform_data.database"));
    }
}

/// `check_plan` over MCP, the server started in `dir` as an agent's client
/// would start it: the text of the answer.
fn mcp_check_plan(dir: &Path, user: &Path) -> String {
    use std::io::{BufRead, BufReader, Write};
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("blastwall"))
        .arg("mcp")
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("XDG_CONFIG_HOME", user)
        .current_dir(dir)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    for message in [
        serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-03-26", "capabilities": {},
            "clientInfo": {"name": "test", "version": "0"}}}),
        serde_json::json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
        serde_json::json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {
            "name": "check_plan", "arguments": {"path": "plan.json"}}}),
    ] {
        writeln!(stdin, "{message}").unwrap();
    }
    stdin.flush().unwrap();
    let mut answer = None;
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let value: serde_json::Value = serde_json::from_str(&line.unwrap()).unwrap();
        if value["id"] == 2 {
            answer = Some(value);
            break;
        }
    }
    drop(stdin);
    let _ = child.kill();
    let _ = child.wait();
    let answer = answer.expect("an answer to check_plan");
    answer["result"]["content"][0]["text"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// Issue 14: one options resolver for every entry point. The same
/// `blastwall.toml` (raising an info rule to high) fails the plan for
/// `check` and for the MCP tool `check_plan` alike; without it, both pass
/// it. (`approve` is held to the same resolver by
/// `approve_and_check_agree_on_what_a_configuration_changes`.)
#[test]
fn check_and_the_mcp_tool_agree_on_one_configuration() {
    const PLAN: &str = "testdata/rules/tainted-replace/fires/plan.json";
    let user = user_config(None);
    for (config, verdict, exit) in [
        (
            Some("[severity]\ntainted-replace = \"high\"\n"),
            "verdict=fail",
            3,
        ),
        (None, "verdict=pass", 0),
    ] {
        let dir = repo(PLAN, config);
        let check = blastwall()
            .current_dir(dir.path())
            .env("XDG_CONFIG_HOME", user.path())
            .env("CLAUDECODE", "1")
            .args(["check", "plan.json", "--format", "agent"])
            .output()
            .unwrap();
        assert_eq!(check.status.code(), Some(exit), "{}", transcript(&check));
        assert!(
            flat(&check.stdout).contains(verdict),
            "{}",
            transcript(&check)
        );
        let mcp = mcp_check_plan(dir.path(), user.path());
        assert!(mcp.contains(verdict), "{config:?}: {mcp}");
        assert!(mcp.contains("tainted-replace"), "{mcp}");
    }
}
