//! The JSON report validates against the committed schema.

use crate::common::{root, run, scenario, scenarios};

#[test]
fn json_output_of_every_scenario_matches_the_schema() {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("docs/report.schema.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the schema itself is valid");
    let mut checked = 0;
    for target in scenarios()
        .iter()
        .map(|name| scenario(name))
        .chain(["testdata/plans".to_owned()])
    {
        let output = run(&["check", "--format", "json", &target]);
        let report: serde_json::Value = serde_json::from_slice(&output.stdout)
            .unwrap_or_else(|error| panic!("{target}: stdout is JSON: {error}"));
        let errors: Vec<String> = validator
            .iter_errors(&report)
            .map(|error| format!("{} at {}", error, error.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{target}: {errors:#?}");
        checked += 1;
    }
    assert!(checked > 5);
}

#[test]
fn the_schema_rejects_a_report_missing_its_verdict() {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("docs/report.schema.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let output = run(&["check", "--format", "json", &scenario("no-changes")]);
    let mut report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(validator.is_valid(&report));
    report.as_object_mut().unwrap().remove("verdict");
    assert!(!validator.is_valid(&report));
}
