//! The public accuracy scorecard: every labelled real plan under
//! `testdata/accuracy/` (made by `scripts/regen-accuracy.sh` with terraform
//! and moto) is checked as a user would, for each profile, and compared with
//! its `expect.toml`. The figures are snapshotted (the README quotes them), so
//! any change shows in review; verdict accuracy must stay at 100 %.

use std::collections::BTreeSet;
use std::fmt::Write;
use std::path::Path;

use serde::Deserialize;
use serde_json::Value;

use crate::common::{blastwall, root};

#[derive(Deserialize)]
struct Scenario {
    #[allow(dead_code)]
    description: String,
    expect: Expect,
}

#[derive(Deserialize)]
struct Expect {
    human: String,
    agent: String,
    destroyed: BTreeSet<String>,
    data_loss: BTreeSet<String>,
    quiet: bool,
}

const PROFILES: [&str; 2] = ["human", "agent"];

fn report(plan: &Path, author: &str) -> Value {
    let output = blastwall()
        .args(["check", "--format", "json", "--author", author])
        .arg(plan)
        .output()
        .unwrap();
    assert!(
        matches!(output.status.code(), Some(0 | 3)),
        "{} ({author}): exit {:?}\n{}",
        plan.display(),
        output.status.code(),
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

fn strings(value: &Value) -> BTreeSet<String> {
    value
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect()
}

fn loud(report: &Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|finding| finding["severity"] != "info")
        .map(|finding| format!("{} {}", finding["rule"], finding["address"]))
        .collect()
}

fn percent(part: usize, whole: usize) -> String {
    if whole == 0 {
        return "n/a".to_owned();
    }
    format!(
        "{:.1}% ({part}/{whole})",
        part as f64 * 100.0 / whole as f64
    )
}

#[test]
fn scorecard_on_the_labelled_real_plans() {
    let base = root().join("testdata/accuracy");
    let mut dirs: Vec<_> = std::fs::read_dir(&base)
        .unwrap()
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.join("expect.toml").is_file())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 40, "{} labelled plans", dirs.len());

    let mut verdict_right = [0usize; 2];
    let (mut true_positive, mut false_positive, mut false_negative) = (0, 0, 0);
    let mut destroyed_exact = 0;
    let (mut quiet_total, mut quiet_kept) = (0, 0);
    let mut misses = Vec::new();
    for dir in &dirs {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let scenario: Scenario =
            toml::from_str(&std::fs::read_to_string(dir.join("expect.toml")).unwrap())
                .unwrap_or_else(|error| panic!("{name}/expect.toml: {error}"));
        let plan = dir.join("plan.json");
        let mut noisy = Vec::new();
        for (index, profile) in PROFILES.iter().enumerate() {
            let report = report(&plan, profile);
            let expected = if index == 0 {
                &scenario.expect.human
            } else {
                &scenario.expect.agent
            };
            let verdict = report["verdict"].as_str().unwrap_or_default();
            if verdict == expected {
                verdict_right[index] += 1;
            } else {
                misses.push(format!(
                    "{name}: {profile} verdict {verdict}, expected {expected}; reasons: {}",
                    report["reasons"]
                ));
            }
            noisy.extend(loud(&report));
            if index == 0 {
                let radius = &report["blast_radius"];
                let destroyed = strings(&radius["destroyed"]);
                if destroyed == scenario.expect.destroyed {
                    destroyed_exact += 1;
                } else {
                    misses.push(format!(
                        "{name}: destroyed {destroyed:?}, expected {:?}",
                        scenario.expect.destroyed
                    ));
                }
                let lost = strings(&radius["data_loss"]);
                true_positive += lost.intersection(&scenario.expect.data_loss).count();
                false_positive += lost.difference(&scenario.expect.data_loss).count();
                false_negative += scenario.expect.data_loss.difference(&lost).count();
                if lost != scenario.expect.data_loss {
                    misses.push(format!(
                        "{name}: data loss {lost:?}, expected {:?}",
                        scenario.expect.data_loss
                    ));
                }
            }
        }
        if scenario.expect.quiet {
            quiet_total += 1;
            noisy.sort();
            noisy.dedup();
            if noisy.is_empty() {
                quiet_kept += 1;
            } else {
                misses.push(format!("{name}: expected quiet, raised {noisy:?}"));
            }
        }
    }
    let total = dirs.len();
    let mut card = String::new();
    writeln!(card, "labelled real plans: {total}").unwrap();
    for (index, profile) in PROFILES.iter().enumerate() {
        writeln!(
            card,
            "verdict accuracy, {profile} profile: {}",
            percent(verdict_right[index], total)
        )
        .unwrap();
    }
    writeln!(
        card,
        "data-loss precision: {}",
        percent(true_positive, true_positive + false_positive)
    )
    .unwrap();
    writeln!(
        card,
        "data-loss recall: {}",
        percent(true_positive, true_positive + false_negative)
    )
    .unwrap();
    writeln!(
        card,
        "exact destroyed set: {}",
        percent(destroyed_exact, total)
    )
    .unwrap();
    writeln!(
        card,
        "quiet plans that stay quiet: {}",
        percent(quiet_kept, quiet_total)
    )
    .unwrap();
    if !misses.is_empty() {
        writeln!(card, "misses:").unwrap();
        for miss in &misses {
            writeln!(card, "  {miss}").unwrap();
        }
    }
    insta::assert_snapshot!("scorecard", card);
    assert!(
        verdict_right.iter().all(|right| *right == total),
        "verdict accuracy below 100 %:\n{card}"
    );
}

fn human_text(scenario: &str, author: &str) -> String {
    let plan = root()
        .join("testdata/accuracy")
        .join(scenario)
        .join("plan.json");
    let output = blastwall()
        .args(["check", "--author", author])
        .arg(plan)
        .output()
        .unwrap();
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Defect 1: configuration-valued resources deleted or replaced are not data loss.
#[test]
fn configuration_values_are_never_data_loss() {
    for scenario in [
        "ssm-count-to-foreach",
        "module-key-removed-ssm",
        "secret-version-rotation",
    ] {
        let plan = root()
            .join("testdata/accuracy")
            .join(scenario)
            .join("plan.json");
        for author in PROFILES {
            let report = report(&plan, author);
            assert!(
                strings(&report["blast_radius"]["data_loss"]).is_empty(),
                "{scenario}: {}",
                report["blast_radius"]["data_loss"]
            );
            assert!(
                !loud(&report)
                    .iter()
                    .any(|finding| finding.contains("data-")),
                "{scenario}: {:?}",
                loud(&report)
            );
        }
    }
}

/// Defect 2: a role's computed `inline_policy` does not make the role depend
/// on its own policy, so a `-replace` of one service's launch template
/// reaches no other service.
#[test]
fn a_replaced_launch_template_reaches_only_its_own_service() {
    let plan = root().join("testdata/accuracy/services-lt-replace-requested/plan.json");
    let report = report(&plan, "agent");
    let radius = &report["blast_radius"];
    assert_eq!(
        strings(&radius["destroyed"]),
        BTreeSet::from(["aws_launch_template.svc[\"api\"]".to_owned()])
    );
    let reached: Vec<String> = strings(&radius["disrupted"]).into_iter().collect();
    assert!(
        reached
            .iter()
            .all(|address| !address.contains("web") && !address.contains("worker")),
        "{reached:?}"
    );
    assert_ne!(report["verdict"], "fail");
}

/// Defects 3 and 4: a database replaced with a final snapshot warns a
/// person; a VPC replace that takes most of the state with it fails one.
#[test]
fn a_snapshot_is_not_the_database_and_a_network_teardown_fails_a_person() {
    let text = human_text("db-replace-final-snapshot", "human");
    // The verdict is the report's last line.
    assert!(
        text.lines().last().unwrap_or_default().contains("WARN"),
        "{text}"
    );
    assert!(text.contains("data-store-destroyed"), "{text}");
    let text = human_text("vpc-cidr-replace", "human");
    assert!(
        text.lines().last().unwrap_or_default().contains("FAIL"),
        "{text}"
    );
    assert!(text.contains("environment-teardown"), "{text}");
}

/// Defects 5 and 6: a refresh-only drop is a finding; one delete in a
/// 3-resource state is not a teardown.
#[test]
fn refresh_only_drops_are_findings_and_small_states_pass() {
    let plan = root().join("testdata/accuracy/refresh-only-deleted-oob/plan.json");
    let report = report(&plan, "agent");
    assert_eq!(report["verdict"], "warn");
    assert!(
        loud(&report)
            .iter()
            .any(|finding| finding.contains("deleted-outside-terraform")),
        "{:?}",
        loud(&report)
    );
    let plan = root().join("testdata/accuracy/tfdata-small-delete-one/plan.json");
    for author in PROFILES {
        assert_eq!(report_verdict(&plan, author), "pass", "{author}");
    }
}

fn report_verdict(plan: &Path, author: &str) -> String {
    report(plan, author)["verdict"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// Defect 7: `tags` null → `{}` right after an apply is no drift.
#[test]
fn provider_normalisation_is_not_drift() {
    let text = human_text("ssm-value-update", "human");
    assert!(!text.contains("drift:"), "{text}");
}

/// An RDS instance's `latest_restorable_time` moves between any two plans.
/// Terraform 1.2 and later show a normal plan's drift only where the changes
/// depend on it (`relevant_attributes`, left out when empty): the database
/// delete's plan showed "drift: 1 changed outside Terraform" that Terraform
/// itself does not. A refresh-only plan still shows all of it.
#[test]
fn drift_no_change_depends_on_is_not_reported() {
    let delete = report(&root().join("testdata/plans/db-deleted/plan.json"), "human");
    assert_eq!(
        delete["plans"][0]["drift"],
        serde_json::json!([]),
        "{delete}"
    );
    let refresh = report(
        &root().join("testdata/plans/refresh-only/plan.json"),
        "human",
    );
    assert_eq!(
        refresh["plans"][0]["drift"].as_array().map(Vec::len),
        Some(3),
        "{refresh}"
    );
}

/// Defect 8: each type's own fix, never a final snapshot for a bucket or a table.
#[test]
fn the_data_loss_fix_is_the_types_own() {
    for (scenario, wanted) in [
        ("s3-delete-force-destroy", "force_destroy"),
        ("dynamodb-delete-unprotected", "deletion_protection_enabled"),
    ] {
        let text = human_text(scenario, "human");
        // The fix is the `help:` line under the data-loss finding.
        let fix = text
            .lines()
            .skip_while(|line| !line.contains("[data-loss]:"))
            .find(|line| line.trim_start().starts_with("help:"))
            .unwrap_or_else(|| panic!("{scenario}: no data-loss fix in {text}"));
        assert!(fix.contains(wanted), "{scenario}: {fix}");
        assert!(!fix.contains("final_snapshot"), "{scenario}: {fix}");
    }
}
