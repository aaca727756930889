//! Profiles, author detection, config, ignores, approvals and exit codes,
//! as a user meets them on the command line.

use crate::common::{blastwall, flat, transcript};

/// Destroy-first replace of a load balancer target group: medium in general,
/// high for an agent.
const DOWNTIME: &str = "testdata/rules/replace-downtime/fires/plan.json";
const DB_DELETED: &str = "testdata/plans/db-deleted/plan.json";
const NO_CHANGES: &str = "testdata/plans/no-changes/plan.json";

#[test]
fn same_plan_fails_for_an_agent_and_warns_for_a_person() {
    let agent = blastwall()
        .args(["check", DOWNTIME, "--author", "agent"])
        .output()
        .unwrap();
    let human = blastwall()
        .args(["check", DOWNTIME, "--author", "human"])
        .output()
        .unwrap();
    assert_eq!(agent.status.code(), Some(3), "{}", transcript(&agent));
    assert_eq!(human.status.code(), Some(0), "{}", transcript(&human));
    // The verdict is the report's last line.
    assert!(
        String::from_utf8_lossy(&human.stdout)
            .lines()
            .last()
            .is_some_and(|line| line.starts_with("! WARN"))
    );
    insta::assert_snapshot!("policy-agent", transcript(&agent));
    insta::assert_snapshot!("policy-human", transcript(&human));
}

#[test]
fn a_plan_failing_on_a_finding_says_so_and_not_a_warning_limit() {
    // Score 10: under the agent's failing score (30), over its warning
    // score (1). The high finding fails the plan, and the summary said only
    // "limits crossed: score 10 ≥ 1", as if that had.
    let human = blastwall()
        .args(["check", DOWNTIME, "--author", "agent", "--format", "human"])
        .output()
        .unwrap();
    assert_eq!(human.status.code(), Some(3), "{}", transcript(&human));
    let stdout = String::from_utf8_lossy(&human.stdout);
    assert!(!stdout.contains("limits crossed"), "{stdout}");
    assert!(
        stdout.contains("findings: 1 high (above, each with its help) · high and above fail"),
        "{stdout}"
    );
    let json = blastwall()
        .args(["check", DOWNTIME, "--author", "agent", "--format", "json"])
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let effects: Vec<(&str, &str)> = report["verdict_reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|reason| {
            (
                reason["rule"].as_str().unwrap(),
                reason["effect"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        effects,
        [
            ("replace-downtime", "fail"),
            ("threshold/warn-score", "warn")
        ]
    );
}

#[test]
fn auto_detection_picks_the_profile_and_says_why() {
    let claude = blastwall()
        .args(["check", NO_CHANGES, "--format", "human"])
        .env("CLAUDECODE", "1")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&claude.stdout);
    assert!(
        text.contains(
            "profile: agent (author is an agent: CLAUDECODE is set: Claude Code is running)"
        ),
        "{text}"
    );

    let scrubbed = blastwall().args(["check", NO_CHANGES]).output().unwrap();
    let text = String::from_utf8_lossy(&scrubbed.stdout);
    assert!(
        text.contains("an unknown author is treated as possibly an agent"),
        "{text}"
    );

    // A claim decides when no agent signal is present…
    let explicit = blastwall()
        .args(["check", NO_CHANGES])
        .env("BLASTWALL_AUTHOR", "human")
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&explicit.stdout)
            .contains("profile: human (author is a person: BLASTWALL_AUTHOR=human)")
    );
    // …and is refused in an agent's run (issue 12).
    let overruled = blastwall()
        .args(["check", NO_CHANGES])
        .env("CLAUDECODE", "1")
        .env("BLASTWALL_AUTHOR", "human")
        .output()
        .unwrap();
    assert_eq!(
        overruled.status.code(),
        Some(2),
        "{}",
        transcript(&overruled)
    );
    assert!(
        flat(&overruled.stderr)
            .contains("an agent cannot choose the human profile (BLASTWALL_AUTHOR=human)")
    );
}

#[test]
fn every_agent_variable_in_the_data_file_is_detected() {
    let agents = blastwall::policy::authors::Agents::builtin().unwrap();
    assert!(agents.agent.len() >= 5);
    for agent in &agents.agent {
        for variable in &agent.env {
            let output = blastwall()
                .args(["check", NO_CHANGES, "--format", "json"])
                .env(variable, "1")
                .output()
                .unwrap();
            let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
            assert_eq!(
                report["author"]["kind"], "agent",
                "{variable} ({})",
                agent.name
            );
            assert_eq!(report["profile"], "agent");
        }
    }
}

#[test]
fn github_pull_requests_by_bots_or_with_agent_trailers_are_agents() {
    let dir = tempfile::tempdir().unwrap();
    let event = |login: &str, kind: &str| {
        let path = dir.path().join(format!("{kind}.json"));
        std::fs::write(
            &path,
            format!(r#"{{"pull_request":{{"number":12,"user":{{"login":"{login}","type":"{kind}"}},"base":{{"sha":"0000000"}},"head":{{"sha":"1111111"}}}}}}"#),
        )
        .unwrap();
        path
    };
    let bot = blastwall()
        .args(["check", NO_CHANGES, "--format", "json"])
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_EVENT_PATH", event("copilot-swe-agent[bot]", "Bot"))
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&bot.stdout).unwrap();
    assert_eq!(report["author"]["kind"], "agent");
    assert!(
        report["author"]["reason"]
            .as_str()
            .unwrap()
            .contains("copilot-swe-agent[bot]")
    );

    let person = blastwall()
        .args(["check", NO_CHANGES, "--format", "json"])
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_EVENT_PATH", event("alice", "User"))
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&person.stdout).unwrap();
    assert_eq!(report["author"]["kind"], "human", "{report:#}");
    assert_eq!(report["profile"], "human");
}

#[test]
fn config_errors_point_at_their_lines_all_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("blastwall.toml");
    std::fs::write(
        &config,
        "profile = \"agent\"\nthreshold = 3\n[targets]\naccount = [\"1\"]\n",
    )
    .unwrap();
    let output = blastwall()
        .args(["check", NO_CHANGES, "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("2 problem(s)"), "{stderr}");
    assert!(stderr.contains("unknown key `threshold`"), "{stderr}");
    assert!(stderr.contains("blastwall.toml:2:1"), "{stderr}");
}

/// The options and the plans are read side by side; a bad configuration is
/// still what a run with a bad plan reports, as when they were read in turn.
#[test]
fn a_config_error_wins_over_a_plan_that_cannot_be_read() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("blastwall.toml");
    std::fs::write(&config, "threshold = 3\n").unwrap();
    let plan = dir.path().join("broken.json");
    std::fs::write(&plan, "{\"format_version\": ").unwrap();
    let output = blastwall()
        .arg("check")
        .arg(&plan)
        .arg("--config")
        .arg(&config)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("unknown key `threshold`"), "{stderr}");
    assert!(!stderr.contains("broken.json"), "{stderr}");
}

#[test]
fn ignores_accept_findings_and_stale_or_expired_ones_are_noted() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("blastwall.toml");
    std::fs::write(
        &config,
        r#"[[ignore]]
rule = "data-loss"
address = "aws_db_instance.*"
reason = "the orders database is being retired"

[[ignore]]
rule = "index-shift"
address = "module.nothing.*"
reason = "stale"

[[ignore]]
rule = "data-loss"
address = "*"
reason = "too old"
expires = "2020-01-01"
"#,
    )
    .unwrap();
    let output = blastwall()
        .args(["check", DB_DELETED, "--author", "human", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    let text = flat(&output.stdout);
    assert!(
        text.contains("accepted: data-loss on aws_db_instance.orders (ignored at"),
        "{text}"
    );
    assert!(
        text.contains("blastwall.toml:6 (index-shift on module.nothing.*) matched nothing"),
        "{text}"
    );
    assert!(
        text.contains("blastwall.toml:11 (data-loss on *) expired on 2020-01-01"),
        "{text}"
    );
}

/// The record `blastwall approve` writes for DB_DELETED (approve itself
/// needs a terminal: tests/it/integrity.rs drives it through one).
fn approval_of_db_deleted(dir: &std::path::Path) -> std::path::PathBuf {
    let json = blastwall()
        .args(["check", DB_DELETED, "--format", "json"])
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let path = dir.join("approval.json");
    std::fs::write(
        &path,
        serde_json::json!({
            "approval_version": 1,
            "fingerprint": report["plans"][0]["fingerprint"],
            "plan": DB_DELETED,
            "by": "alice",
            "reason": "retiring orders",
            "accepts": [{"rule": "data-loss", "address": "aws_db_instance.orders"}],
        })
        .to_string(),
    )
    .unwrap();
    path
}

#[test]
fn approvals_cover_exactly_one_plan_and_never_from_an_agent_flag() {
    let dir = tempfile::tempdir().unwrap();
    let approval = approval_of_db_deleted(dir.path());

    // A person's run honours the approval given on the command line.
    let human = blastwall()
        .args(["check", DB_DELETED, "--author", "human", "--approvals"])
        .arg(&approval)
        .output()
        .unwrap();
    assert_eq!(human.status.code(), Some(0), "{}", transcript(&human));
    assert!(flat(&human.stdout).contains("approved by alice: retiring orders"));

    // Another plan is not covered.
    let other = blastwall()
        .args([
            "check",
            "testdata/rules/data-loss/fires/plan.json",
            "--author",
            "human",
            "--approvals",
        ])
        .arg(&approval)
        .output()
        .unwrap();
    assert_eq!(other.status.code(), Some(3), "{}", transcript(&other));
    assert!(flat(&other.stdout).contains("it is for another plan"));

    // The agent profile ignores approvals from a flag…
    let agent = blastwall()
        .args(["check", DB_DELETED, "--author", "agent", "--approvals"])
        .arg(&approval)
        .output()
        .unwrap();
    assert_eq!(agent.status.code(), Some(3), "{}", transcript(&agent));
    assert!(
        flat(&agent.stdout).contains("honours only approvals from paths blastwall.toml trusts")
    );

    // …and from a path a configuration in a temporary directory trusts
    // (an agent could have written both; issue 12)…
    let config = dir.path().join("blastwall.toml");
    std::fs::write(
        &config,
        format!(
            "[approvals]\ntrusted = [{:?}]\n",
            approval.display().to_string()
        ),
    )
    .unwrap();
    let untrusted = blastwall()
        .args(["check", DB_DELETED, "--author", "agent", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert_eq!(
        untrusted.status.code(),
        Some(3),
        "{}",
        transcript(&untrusted)
    );
    assert!(flat(&untrusted.stdout).contains("in the temporary directory"));

    // …but honours them from a path the user's configuration trusts,
    // outside the working tree.
    let user = crate::common::outside_any_repository();
    std::fs::create_dir_all(user.path().join("blastwall")).unwrap();
    let kept = approval_of_db_deleted(user.path());
    std::fs::write(
        user.path().join("blastwall/blastwall.toml"),
        format!(
            "[approvals]\ntrusted = [{:?}]\n",
            kept.display().to_string()
        ),
    )
    .unwrap();
    std::fs::copy(
        crate::common::root().join(DB_DELETED),
        dir.path().join("plan.json"),
    )
    .unwrap();
    let trusted = blastwall()
        .current_dir(dir.path())
        .env("XDG_CONFIG_HOME", user.path())
        .args(["check", "plan.json", "--author", "agent"])
        .output()
        .unwrap();
    assert_eq!(trusted.status.code(), Some(0), "{}", transcript(&trusted));

    // An agent cannot approve its own plan.
    let by_agent = blastwall()
        .args(["approve", DB_DELETED, "--by", "bot"])
        .env("CLAUDECODE", "1")
        .output()
        .unwrap();
    assert_eq!(by_agent.status.code(), Some(2));
    assert!(flat(&by_agent.stderr).contains("an AI agent cannot approve a plan"));
}

#[test]
fn fail_on_warn_and_exit_zero() {
    let warn = blastwall()
        .args(["check", DOWNTIME, "--author", "human"])
        .output()
        .unwrap();
    assert_eq!(warn.status.code(), Some(0));
    let strict = blastwall()
        .args(["check", DOWNTIME, "--author", "human", "--fail-on", "warn"])
        .output()
        .unwrap();
    assert_eq!(strict.status.code(), Some(3));
    let report_only = blastwall()
        .args(["check", DB_DELETED, "--exit-zero"])
        .output()
        .unwrap();
    assert_eq!(report_only.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&report_only.stdout)
            .lines()
            .last()
            .is_some_and(|line| line.starts_with("✖ FAIL"))
    );
    let unknown_profile = blastwall()
        .args(["check", NO_CHANGES, "--profile", "lenient"])
        .output()
        .unwrap();
    assert_eq!(unknown_profile.status.code(), Some(2));
}

#[test]
fn a_profile_defined_in_the_config_can_be_chosen() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("blastwall.toml");
    std::fs::write(
        &config,
        "profile = \"prod\"\n[profiles.prod]\nfail_severity = \"medium\"\n",
    )
    .unwrap();
    // replace-downtime is medium: the human profile warns, this one fails.
    let output = blastwall()
        .args(["check", DOWNTIME, "--format", "human", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(3), "{}", transcript(&output));
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("profile: prod (author unknown"),
        "{}",
        transcript(&output)
    );
    let chosen = blastwall()
        .args(["check", DOWNTIME, "--profile", "prod", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert_eq!(chosen.status.code(), Some(3));
}

#[test]
fn approve_without_a_terminal_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let plan = crate::common::root().join(DB_DELETED);
    let output = blastwall()
        .current_dir(dir.path())
        .env("HOME", dir.path())
        .args(["approve", "--by", "alice"])
        .arg(&plan)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", transcript(&output));
    assert!(!dir.path().join(".blastwall").exists());
    assert!(!dir.path().join(".config").exists());
}

#[test]
fn the_config_allow_list_drives_wrong_target() {
    let dir = tempfile::tempdir().unwrap();
    let plan = crate::common::root().join("testdata/rules/wrong-target/fires/plan.json");
    let config = dir.path().join("blastwall.toml");
    std::fs::write(&config, "[targets]\naccounts = [\"111111111111\"]\n").unwrap();
    let output = blastwall()
        .args(["check", "--format", "json", "--author", "human", "--config"])
        .arg(&config)
        .arg(&plan)
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let rules: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["rule"].as_str())
        .collect();
    assert!(rules.contains(&"wrong-target"), "{rules:?}");
    assert_eq!(output.status.code(), Some(3));
    std::fs::write(&config, "[targets]\naccounts = [\"123456789012\"]\n").unwrap();
    let allowed = blastwall()
        .args(["check", "--format", "json", "--author", "human", "--config"])
        .arg(&config)
        .arg(&plan)
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&allowed.stdout).unwrap();
    assert!(
        !report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "wrong-target")
    );
}
