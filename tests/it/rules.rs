//! Every rule fires on its firing fixture and stays quiet on its quiet one;
//! docs come from one source and the generated reference is current.

use std::collections::BTreeMap;

use blastwall::input::Source;
use blastwall::rules::{RuleSet, kinds::Targets};
use blastwall::{CheckOptions, check};

use crate::common::{root, run};

fn findings_of(path: &std::path::Path, targets: Targets) -> Vec<blastwall::rules::Finding> {
    let mut options = CheckOptions::builtin().unwrap();
    options.targets = targets;
    let report = check(&[Source::Path(path.to_path_buf())], &options)
        .unwrap_or_else(|error| panic!("{}: {error:?}", path.display()));
    report
        .plans
        .into_iter()
        .flat_map(|plan| plan.findings)
        .collect()
}

/// The allow-list the wrong-target fixtures are checked against: the fixture
/// plan is in moto's account 123456789012, us-east-1.
fn targets_for(rule: &str, case: &str) -> Targets {
    if rule != "wrong-target" {
        return Targets::default();
    }
    match case {
        "fires" => Targets {
            accounts: vec!["111111111111".into()],
            regions: vec!["eu-west-1".into()],
            ..Targets::default()
        },
        _ => Targets {
            accounts: vec!["123456789012".into()],
            regions: vec!["us-east-1".into()],
            ..Targets::default()
        },
    }
}

#[test]
fn every_rule_fires_on_its_fixture_and_not_on_its_quiet_twin() {
    let rules = RuleSet::builtin().unwrap();
    let mut missing = Vec::new();
    for rule in &rules.rules {
        let dir = root().join("testdata/rules").join(&rule.id);
        for case in ["fires", "quiet"] {
            let plan = dir.join(case).join("plan.json");
            if !plan.is_file() {
                missing.push(format!("{}/{case}", rule.id));
                continue;
            }
            let findings = findings_of(&plan, targets_for(&rule.id, case));
            let own: Vec<_> = findings
                .iter()
                .filter(|finding| finding.rule == rule.id)
                .collect();
            match case {
                "fires" => assert!(
                    !own.is_empty(),
                    "{} does not fire on {}: {findings:#?}",
                    rule.id,
                    plan.display()
                ),
                _ => assert!(
                    own.is_empty(),
                    "{} fires on its quiet fixture {}: {own:#?}",
                    rule.id,
                    plan.display()
                ),
            }
            let shown: Vec<String> = findings
                .iter()
                .map(|finding| {
                    let mut line = format!(
                        "{} [{}] {} — {}",
                        finding.rule,
                        finding.severity.label(),
                        finding.address,
                        finding.message
                    );
                    for evidence in &finding.evidence {
                        line.push_str(&format!(
                            "\n    {}: {:?} → {:?}",
                            evidence.path, evidence.before, evidence.after
                        ));
                    }
                    if let Some(suggestion) = &finding.suggestion {
                        line.push_str(&format!("\n    suggestion:\n{suggestion}"));
                    }
                    line
                })
                .collect();
            insta::assert_snapshot!(format!("rule-{}-{case}", rule.id), shown.join("\n"));
        }
    }
    assert!(missing.is_empty(), "rules without fixtures: {missing:?}");
}

#[test]
fn explain_prints_every_rule_and_refuses_unknown_ids() {
    let rules = RuleSet::builtin().unwrap();
    for rule in &rules.rules {
        let output = run(&["explain", &rule.id]);
        assert_eq!(output.status.code(), Some(0));
        let text = String::from_utf8_lossy(&output.stdout);
        for section in ["What it does", "Why it matters", "Example", "How to fix"] {
            assert!(text.contains(section), "{}: {section} missing", rule.id);
        }
    }
    let output = run(&["explain", "no-such-rule"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(crate::common::flat(&output.stderr).contains("known rules: data-loss"));
}

#[test]
fn rules_reference_is_generated_and_current() {
    let output = run(&["rules", "--format", "markdown"]);
    let generated = String::from_utf8(output.stdout).unwrap();
    let committed = std::fs::read_to_string(root().join("docs/rules.md")).unwrap_or_default();
    assert!(
        generated == committed,
        "docs/rules.md is stale; regenerate it with `{}`",
        blastwall::render::rules_doc::REGENERATE
    );
}

#[test]
fn malformed_user_rule_file_is_a_diagnostic_pointing_at_the_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("mine.toml"),
        "id = \"my-rule\"\nkind = \"change-matches\"\nseverity = \"high\"\npoints = 5\nsummary = \"s\"\n[params]\nactions = [\"obliterate\"]\nmessage = \"m\"\n[docs]\nwhat = \"w\"\nwhy = \"w\"\nexample = \"e\"\nfix = \"f\"\n",
    )
    .unwrap();
    let output = crate::common::blastwall()
        .args(["check", "testdata/plans/no-changes/plan.json", "--rules"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("mine.toml:7:"), "{stderr}");
    assert!(stderr.contains("obliterate"), "{stderr}");
}

#[test]
fn user_rules_are_added() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("no-terraform-data-delete.toml"),
        "id = \"no-terraform-data-delete\"\nkind = \"destroy-of-class\"\nseverity = \"high\"\npoints = 5\nsummary = \"s\"\n[params]\nclasses = [\"ephemeral\"]\nactions = [\"delete\"]\n[docs]\nwhat = \"w\"\nwhy = \"w\"\nexample = \"e\"\nfix = \"f\"\n",
    )
    .unwrap();
    let output = crate::common::blastwall()
        .args([
            "check",
            "testdata/plans/module-keys/plan.json",
            "--format",
            "json",
            "--rules",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let rules: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["rule"].as_str())
        .collect();
    assert!(rules.contains(&"no-terraform-data-delete"), "{rules:?}");
    assert_eq!(output.status.code(), Some(3));
}

#[test]
fn no_op_and_tag_only_plans_raise_nothing_above_info() {
    // No changes, drift only (a retag adopted by the configuration, a
    // refresh-only plan of a retag), and a tag added to a VPC (tag-only update).
    for plan in [
        "testdata/plans/no-changes/plan.json",
        "testdata/rules/drift-revert/quiet/plan.json",
        "testdata/rules/deleted-outside-terraform/quiet/plan.json",
        "testdata/rules/shared-dependency-replaced/quiet/plan.json",
    ] {
        let findings = findings_of(&root().join(plan), Targets::default());
        let loud: Vec<_> = findings
            .iter()
            .filter(|finding| finding.severity > blastwall::rules::Severity::Info)
            .collect();
        assert!(loud.is_empty(), "{plan}: {loud:#?}");
    }
}

/// Providers that exist only in test suites (Terraform's own `test`,
/// `tfcoremock`, HashiCorp's `fakewebservices`…): not worth classes.
const TEST_PROVIDERS: &[&str] = &[
    "test_",
    "tfcoremock_",
    "fakewebservices_",
    "mock_",
    "corner_",
    "example_",
    "mnptu_",
    "infracost_",
];

/// Corpus resource types that fall into the `unknown` class: a snapshot so
/// the list stays short and reviewed.
#[test]
fn corpus_types_in_the_unknown_class() {
    let dir = root().join("../shared/corpus/public");
    if !dir.is_dir() {
        eprintln!("SKIPPED: ../shared/corpus is not present");
        return;
    }
    let rules = RuleSet::builtin().unwrap();
    let mut unknown: BTreeMap<String, usize> = BTreeMap::new();
    let (mut instances, mut unknown_instances) = (0, 0);
    for entry in walkdir::WalkDir::new(&dir)
        .sort_by_file_name()
        .into_iter()
        .flatten()
    {
        if !entry.file_type().is_file() {
            continue;
        }
        let Ok(report) = check(
            &[Source::Path(entry.path().to_path_buf())],
            &CheckOptions::builtin().unwrap(),
        ) else {
            continue;
        };
        for plan in report.plans {
            for change in plan.changes {
                if change.is_data_source {
                    continue;
                }
                if TEST_PROVIDERS
                    .iter()
                    .any(|prefix| change.resource_type.starts_with(prefix))
                {
                    continue;
                }
                instances += 1;
                if rules.classes.class_of(&change.resource_type) == "unknown" {
                    unknown_instances += 1;
                    *unknown.entry(change.resource_type).or_default() += 1;
                }
            }
        }
    }
    let share = unknown_instances as f64 / instances.max(1) as f64;
    let listing: Vec<String> = unknown
        .iter()
        .map(|(name, count)| format!("{count:>4} {name}"))
        .collect();
    insta::assert_snapshot!(
        "corpus-unknown-types",
        format!(
            "{unknown_instances} of {instances} changed resource instances of real providers ({:.1}%) have an unknown type\n{}",
            share * 100.0,
            listing.join("\n")
        )
    );
    assert!(
        share < 0.05,
        "{:.1}% of corpus resources are unclassified",
        share * 100.0
    );
}

#[test]
fn a_rule_directory_named_by_the_config_and_a_flag_is_loaded_once() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("policies")).unwrap();
    std::fs::write(
        dir.path().join("policies/mine.toml"),
        "id = \"mine\"\nkind = \"destroy-of-class\"\nseverity = \"low\"\npoints = 1\nsummary = \"s\"\n[params]\nactions = [\"delete\"]\n[docs]\nwhat = \"w\"\nwhy = \"w\"\nexample = \"e\"\nfix = \"f\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("blastwall.toml"),
        "rules = [\"policies\"]\n",
    )
    .unwrap();
    let plan = root().join("testdata/plans/no-changes/plan.json");
    let output = crate::common::blastwall()
        .current_dir(dir.path())
        .args(["check", "--rules", "policies"])
        .arg(&plan)
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        crate::common::transcript(&output)
    );
    let listed = crate::common::blastwall()
        .current_dir(dir.path())
        .args(["rules"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&listed.stdout).contains("mine "));
}

/// An agent may add rules (they only add findings), and a rule may give up
/// to u32::MAX points: the score saturates at its cap instead of wrapping,
/// which turned two plans failing on their score (30 points) into a pass.
#[test]
fn points_from_an_added_rule_never_wrap_the_score_around() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("note.toml"),
        format!(
            "id = \"team-note\"\nkind = \"change-matches\"\nseverity = \"info\"\npoints = {}\nsummary = \"s\"\n[params]\nactions = [\"delete\"]\nmessage = \"{{address}} is deleted\"\n[docs]\nwhat = \"w\"\nwhy = \"w\"\nexample = \"e\"\nfix = \"f\"\n",
            u32::MAX - 29
        ),
    )
    .unwrap();
    let plans = [
        "testdata/accuracy/refresh-only-deleted-oob/plan.json",
        "testdata/accuracy/count-middle-element-removed/plan.json",
    ];
    let verdict = |extra_rules: bool| {
        let mut command = crate::common::blastwall();
        command
            .env("CLAUDECODE", "1")
            .args(["check", "--format", "json"]);
        command.args(plans);
        if extra_rules {
            command.arg("--rules").arg(dir.path());
        }
        let output = command.output().unwrap();
        let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        (
            output.status.code(),
            report["verdict"].as_str().map(str::to_owned),
            report["score"].as_u64(),
        )
    };
    let (code, verdict_alone, _) = verdict(false);
    assert_eq!(code, Some(3), "{verdict_alone:?}");
    let (code, verdict_with_note, score) = verdict(true);
    assert_eq!(code, Some(3), "{verdict_with_note:?}");
    assert_eq!(verdict_with_note.as_deref(), Some("fail"));
    assert_eq!(score, Some(100));
}

/// A rule's sentence quotes values too (`skip_final_snapshot = true`, a
/// policy ARN, an account): one the change's masks mark is never read to
/// write one (the data counts as lost) nor quoted, in every format.
#[test]
fn a_marked_value_is_never_quoted_in_a_finding_s_message() {
    let text = std::fs::read_to_string(root().join("testdata/plans/db-deleted/plan.json")).unwrap();
    let mut plan: serde_json::Value = serde_json::from_str(&text).unwrap();
    for change in plan["resource_changes"].as_array_mut().unwrap() {
        if change["type"] == "aws_db_instance" {
            change["change"]["before_sensitive"] = serde_json::json!({"skip_final_snapshot": true});
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plan.json");
    std::fs::write(&path, plan.to_string()).unwrap();
    for format in [
        "human", "json", "markdown", "sarif", "agent", "github", "junit",
    ] {
        let output = crate::common::blastwall()
            .args(["check", "--format", format])
            .arg(&path)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(3), "{format}");
        let stdout = String::from_utf8_lossy(&output.stdout);
        // (The rule's own documentation, in SARIF, has an example with
        // `skip_final_snapshot = true`: the sentence about this object is
        // what must not say it.)
        assert!(
            !stdout.contains("skip_final_snapshot = true: no final snapshot"),
            "{format}: {stdout}"
        );
        assert!(
            stdout.contains("skip_final_snapshot")
                && stdout.contains("is marked sensitive, so blastwall does not read it"),
            "{format}: {stdout}"
        );
    }
}
