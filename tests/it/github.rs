//! `--format github`: annotations land on the `.tf` file and line the SARIF
//! report resolves (so they show in the pull request's diff), and outside
//! GitHub Actions it says where the job summary went.

use crate::common::{blastwall, run, scenario, scenarios};

/// `(rule, address) → (file, line)` of every SARIF result located in a `.tf` file.
fn sarif_places(path: &str) -> Vec<(String, String, String, u64)> {
    let sarif: serde_json::Value =
        serde_json::from_slice(&run(&["check", "--format", "sarif", path]).stdout).unwrap();
    sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|result| {
            let location = &result["locations"][0];
            let uri = location["physicalLocation"]["artifactLocation"]["uri"].as_str()?;
            uri.ends_with(".tf").then(|| {
                (
                    result["ruleId"].as_str().unwrap().to_owned(),
                    location["logicalLocations"][0]["fullyQualifiedName"]
                        .as_str()
                        .unwrap()
                        .to_owned(),
                    uri.to_owned(),
                    location["physicalLocation"]["region"]["startLine"]
                        .as_u64()
                        .unwrap(),
                )
            })
        })
        .collect()
}

#[test]
fn annotations_point_at_the_tf_line_that_sarif_resolves() {
    let mut located = 0;
    for name in scenarios() {
        let path = scenario(&name);
        let places = sarif_places(&path);
        let annotations =
            String::from_utf8(run(&["check", "--format", "github", &path]).stdout).unwrap();
        for (rule, address, uri, line) in places {
            let title = format!("title={rule} (");
            let wanted = format!("file={uri},line={line},");
            let annotation = annotations
                .lines()
                .find(|text| text.contains(&title) && text.contains(&format!("%3A {address}::")));
            // Findings past GitHub's 10 per kind are plain log lines.
            if let Some(annotation) = annotation {
                assert!(
                    annotation.contains(&wanted),
                    "{name}: {rule} on {address}: SARIF says {uri}:{line}, the annotation: {annotation}"
                );
                located += 1;
            }
        }
        // What SARIF cannot place in a .tf file stays on the plan file, without a line.
        for annotation in annotations
            .lines()
            .filter(|text| text.contains("plan.json"))
        {
            assert!(!annotation.contains(",line="), "{annotation}");
        }
    }
    assert!(
        located >= 10,
        "only {located} annotations were on a .tf line"
    );
}

#[test]
fn outside_actions_the_github_format_says_where_the_summary_went() {
    let output = run(&["check", "--format", "github", &scenario("no-changes")]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("GITHUB_STEP_SUMMARY is not set") && stderr.contains("--format markdown"),
        "{stderr}"
    );
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("summary.md");
    let output = blastwall()
        .env("GITHUB_STEP_SUMMARY", &summary)
        .args(["check", "--format", "github", &scenario("no-changes")])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&output.stderr), "");
    assert!(
        std::fs::read_to_string(&summary)
            .unwrap()
            .starts_with("<!-- blastwall-report -->")
    );
}

#[test]
fn the_job_summary_is_written_for_a_github_output_to_a_file_too() {
    // The app writes the summary whichever output asked for `github`: the
    // renderer only renders.
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("summary.md");
    let annotations = dir.path().join("annotations.txt");
    let output = blastwall()
        .env("GITHUB_STEP_SUMMARY", &summary)
        .args(["check", "--format", "json", "--write"])
        .arg(format!("github={}", annotations.display()))
        .arg(scenario("no-changes"))
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&output.stderr), "");
    assert!(
        std::fs::read_to_string(&annotations)
            .unwrap()
            .contains("::notice")
    );
    let summary = std::fs::read_to_string(&summary).unwrap();
    assert_eq!(summary.matches("<!-- blastwall-report -->").count(), 1);
}
