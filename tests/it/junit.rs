//! `--format junit`, validated against the Jenkins xUnit plugin's JUnit XSD
//! (tests/junit/junit-10.xsd) with xmllint, as CI systems would read it.

use std::process::Command as Process;

use crate::common::{blastwall, root, run, scenario, scenarios, write};

/// `xmllint`, or `None` outside CI when it is not installed (CI must have it:
/// `.ci/run` installs libxml2-utils).
fn xmllint() -> Option<&'static str> {
    let found = Process::new("xmllint")
        .arg("--version")
        .output()
        .is_ok_and(|output| output.status.success());
    if found {
        return Some("xmllint");
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "xmllint is missing in CI: `.ci/run` installs libxml2-utils"
    );
    eprintln!("SKIPPED: no xmllint (apt-get install libxml2-utils) to validate JUnit XML");
    None
}

fn validate(xml: &[u8], what: &str) {
    let Some(xmllint) = xmllint() else { return };
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "report.xml", xml);
    let output = Process::new(xmllint)
        .args(["--noout", "--schema"])
        .arg(root().join("tests/junit/junit-10.xsd"))
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{what}: not valid JUnit XML: {}\n{}",
        String::from_utf8_lossy(&output.stderr),
        String::from_utf8_lossy(xml)
    );
}

fn count(xml: &str, needle: &str) -> usize {
    xml.matches(needle).count()
}

#[test]
fn every_scenario_is_valid_junit_with_a_case_per_plan_and_per_warning() {
    for name in scenarios() {
        let path = scenario(&name);
        let output = run(&["check", "--format", "junit", &path]);
        assert!(
            matches!(output.status.code(), Some(0 | 3)),
            "{name}: {output:?}"
        );
        validate(&output.stdout, &name);
        let xml = String::from_utf8(output.stdout).unwrap();
        // One case per plan, one per finding at or above the agent profile's
        // warning severity (low): the JSON report says how many that is.
        let json = run(&["check", "--format", "json", &path]).stdout;
        let json: serde_json::Value = serde_json::from_slice(&json).unwrap();
        let warned = json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|finding| finding["severity"] != "info")
            .count();
        let plans = json["plans"].as_array().unwrap().len();
        assert_eq!(count(&xml, "<testcase "), plans + warned, "{name}: {xml}");
        let failed = count(&xml, "<failure ");
        assert!(
            xml.contains(&format!(
                "<testsuites name=\"blastwall\" tests=\"{}\" failures=\"{failed}\"",
                plans + warned
            )),
            "{name}: {xml}"
        );
        if json["verdict"] == "fail" {
            assert!(failed >= 1, "{name}: a failing plan has a failing case");
        } else {
            assert_eq!(failed, 0, "{name}: {xml}");
        }
    }
}

#[test]
fn a_blocked_plan_fails_its_case_and_the_finding_with_the_fix() {
    let output = run(&["check", "--format", "junit", &scenario("db-deleted")]);
    assert_eq!(output.status.code(), Some(3));
    let xml = String::from_utf8(output.stdout).unwrap();
    assert!(
        xml.contains(
            r#"<testcase name="data-loss aws_db_instance.orders" classname="blastwall.data-loss">"#
        ),
        "{xml}"
    );
    assert!(xml.contains(r#"<failure type="critical""#), "{xml}");
    assert!(
        xml.contains("help: Apply a plan that turns on retention first"),
        "{xml}"
    );
    assert!(
        xml.contains(r#"<property name="verdict" value="fail"/>"#),
        "{xml}"
    );
    // A plan without findings: one passing case.
    let output = run(&[
        "check",
        "--format",
        "junit",
        "--profile",
        "human",
        &scenario("no-changes"),
    ]);
    assert_eq!(output.status.code(), Some(0));
    let xml = String::from_utf8(output.stdout).unwrap();
    assert!(xml.contains(r#"tests="1" failures="0""#), "{xml}");
}

#[test]
fn each_plans_case_gives_the_reasons_about_that_plan() {
    // Two plans: a deleted database and a teardown. The database's case
    // does not repeat the teardown's reasons, nor the other way round (with
    // thousands of plans every case repeating every reason ran out of memory).
    let output = run(&[
        "check",
        "--format",
        "junit",
        &scenario("db-deleted"),
        &scenario("teardown"),
    ]);
    assert_eq!(output.status.code(), Some(3));
    let xml = String::from_utf8(output.stdout).unwrap();
    validate(xml.as_bytes(), "two plans");
    let suites: Vec<&str> = xml.split("<testsuite ").skip(1).collect();
    assert_eq!(suites.len(), 2, "{xml}");
    let verdict_case = |suite: &str| {
        let start = suite.find("<testcase").unwrap();
        let end = suite[start..].find("</testcase>").unwrap();
        suite[start..start + end].to_owned()
    };
    let (database, teardown) = (verdict_case(suites[0]), verdict_case(suites[1]));
    assert!(database.contains("aws_db_instance"), "{database}");
    assert!(
        !database.contains("aws_dynamodb_table.sessions"),
        "{database}"
    );
    assert!(!teardown.contains("aws_db_instance"), "{teardown}");
}

#[test]
fn hostile_plan_strings_stay_data_and_the_xml_stays_valid() {
    let plan = std::fs::read_to_string(root().join(scenario("db-deleted"))).unwrap();
    // Quotes escaped as Terraform's address quoting writes them: the reader
    // refuses an address whose key ends early.
    let hostile = r#"orders\\\"]]></failure><testcase name=\\\"x\\\"/>\u202e\u001b[31m"#;
    let plan = plan.replace(
        "aws_db_instance.orders",
        &format!("aws_db_instance.orders[\\\"{hostile}\\\"]"),
    );
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "plan.json", plan);
    let output = blastwall()
        .args(["check", "--format", "junit"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(3), "{output:?}");
    validate(&output.stdout, "hostile plan");
    let xml = String::from_utf8(output.stdout).unwrap();
    assert!(
        xml.contains("\\u{202e}"),
        "the override is shown, not obeyed: {xml}"
    );
    assert!(
        !xml.contains('\u{202e}') && !xml.contains('\u{1b}'),
        "{xml}"
    );
    assert_eq!(count(&xml, "<testcase "), count(&xml, "</testcase>"));
    assert_eq!(count(&xml, "<testcase "), 2, "{xml}");
}

#[test]
fn the_gitlab_example_writes_junit_beside_the_terminal_report() {
    // docs/ci.md: one analysis, the terminal report on stdout, JUnit and Markdown to files.
    let dir = tempfile::tempdir().unwrap();
    let junit = dir.path().join("blastwall.xml");
    let markdown = dir.path().join("blastwall.md");
    let output = blastwall()
        .args(["check", &scenario("db-deleted"), "--format", "human"])
        .arg(format!("--write=junit={}", junit.display()))
        .arg(format!("--write=markdown={}", markdown.display()))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(3));
    let written = std::fs::read(&junit).unwrap();
    validate(&written, "--write junit");
    assert_eq!(
        written,
        run(&["check", "--format", "junit", &scenario("db-deleted")]).stdout
    );
    assert!(
        std::fs::read_to_string(&markdown)
            .unwrap()
            .starts_with("<!-- blastwall-report -->")
    );
    let docs = std::fs::read_to_string(root().join("docs/ci.md")).unwrap();
    assert!(docs.contains("--write junit=blastwall.xml --write markdown=blastwall.md"));
    assert!(docs.contains("junit: blastwall.xml"));
}
