//! `--format sarif`: every scenario validates against the official SARIF
//! 2.1.0 schema (OASIS, errata 01: tests/data/sarif-schema-2.1.0.json),
//! findings are located on their `resource` blocks in the configuration
//! beside the plan, and blast radii become code flows.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::{blastwall, root, run, scenario, scenarios, write};

fn validator() -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("tests/data/sarif-schema-2.1.0.json")).unwrap(),
    )
    .unwrap();
    jsonschema::validator_for(&schema).expect("the SARIF schema itself is valid")
}

fn schema_errors(validator: &jsonschema::Validator, log: &Value) -> Vec<String> {
    validator
        .iter_errors(log)
        .map(|error| format!("{error} at {}", error.instance_path()))
        .collect()
}

fn parse(target: &str, stdout: &[u8]) -> Value {
    serde_json::from_slice(stdout)
        .unwrap_or_else(|error| panic!("{target}: stdout is JSON: {error}"))
}

fn sarif(target: &str) -> Value {
    let output = run(&["check", "--format", "sarif", target]);
    parse(target, &output.stdout)
}

fn results(log: &Value) -> &Vec<Value> {
    log["runs"][0]["results"].as_array().expect("results")
}

fn result<'l>(log: &'l Value, rule: &str, address: &str) -> &'l Value {
    results(log)
        .iter()
        .find(|result| result["ruleId"] == rule && result["properties"]["address"] == address)
        .unwrap_or_else(|| panic!("no {rule} result on {address}"))
}

/// (uri, startLine) of a location.
fn place(location: &Value) -> (String, u64) {
    let physical = &location["physicalLocation"];
    (
        physical["artifactLocation"]["uri"]
            .as_str()
            .expect("uri")
            .to_owned(),
        physical["region"]["startLine"].as_u64().expect("startLine"),
    )
}

/// The 1-based line of the first line of `file` that starts with `prefix`.
fn line_of(file: &Path, prefix: &str) -> u64 {
    let text = std::fs::read_to_string(file).unwrap();
    let index = text
        .lines()
        .position(|line| line.starts_with(prefix))
        .unwrap_or_else(|| panic!("{prefix} in {}", file.display()));
    index as u64 + 1
}

/// The log without what changes with every release: the tool's version, and
/// the rule descriptors (snapshotted once, in `sarif-rules`).
fn snapshot_view(mut log: Value) -> Value {
    let driver = &mut log["runs"][0]["tool"]["driver"];
    driver["version"] = "[version]".into();
    driver["semanticVersion"] = "[version]".into();
    let rules = driver["rules"].as_array().map_or(0, Vec::len);
    driver["rules"] = format!("[{rules} rules: see the sarif-rules snapshot]").into();
    log
}

#[test]
fn every_scenario_is_valid_sarif_and_matches_its_snapshot() {
    let validator = validator();
    let names = scenarios();
    assert!(names.len() >= 5, "{names:?}");
    for target in names
        .iter()
        .map(|name| scenario(name))
        .chain(["testdata/plans".to_owned()])
    {
        let output = run(&["check", "--format", "sarif", &target]);
        let text = String::from_utf8(output.stdout.clone()).expect("UTF-8");
        if let Some(character) = text
            .chars()
            .find(|c| *c != '\n' && blastwall::util::escape::needs_escape(*c))
        {
            panic!("{target}: raw {character:?} in the SARIF file");
        }
        let log = parse(&target, &output.stdout);
        let errors = schema_errors(&validator, &log);
        assert!(errors.is_empty(), "{target}: {errors:#?}");
        // GitHub rejects the whole file when one result has no artifact URI.
        for result in results(&log) {
            let (uri, line) = place(&result["locations"][0]);
            assert!(!uri.is_empty() && line >= 1, "{target}: {result:#}");
        }
        assert_uris_are_encoded(&log);
        if let Some(name) = target.strip_prefix("testdata/plans/") {
            let name = name.trim_end_matches("/plan.json");
            insta::assert_snapshot!(
                format!("sarif-{name}"),
                serde_json::to_string_pretty(&snapshot_view(log)).unwrap()
            );
        }
    }
}

/// Every `uri` is a percent-encoded URI reference (the schema's
/// `uri-reference` format is not checked by a draft-04 validator).
fn assert_uris_are_encoded(value: &Value) {
    match value {
        Value::Object(map) => {
            for (key, value) in map {
                if key == "uri" {
                    let uri = value.as_str().unwrap();
                    assert!(
                        uri.chars()
                            .all(|c| c.is_ascii_alphanumeric() || "-._~%/:".contains(c)),
                        "{uri}"
                    );
                }
                assert_uris_are_encoded(value);
            }
        }
        Value::Array(items) => items.iter().for_each(assert_uris_are_encoded),
        _ => {}
    }
}

#[test]
fn rules_are_reporting_descriptors_with_github_severities() {
    let log = sarif(&scenario("no-changes"));
    let rules = &log["runs"][0]["tool"]["driver"]["rules"];
    insta::assert_snapshot!("sarif-rules", serde_json::to_string_pretty(rules).unwrap());
    let builtin = blastwall::rules::RuleSet::builtin().unwrap();
    let rules = rules.as_array().unwrap();
    // Every rule, then the profile thresholds (`threshold/…`).
    let thresholds = rules.len() - builtin.rules.len();
    assert_eq!(thresholds, 5);
    assert!(
        rules[builtin.rules.len()..]
            .iter()
            .all(|descriptor| descriptor["id"].as_str().unwrap().starts_with("threshold/"))
    );
    for (descriptor, rule) in rules.iter().zip(&builtin.rules) {
        assert_eq!(descriptor["id"], rule.id.as_str());
        assert_eq!(
            descriptor["shortDescription"]["text"],
            rule.summary.as_str()
        );
        let (level, score) = match rule.severity.label() {
            "critical" => ("error", "9.5"),
            "high" => ("error", "8.0"),
            "medium" => ("warning", "5.5"),
            "low" => ("warning", "3.0"),
            _ => ("note", "1.0"),
        };
        assert_eq!(
            descriptor["defaultConfiguration"]["level"], level,
            "{}",
            rule.id
        );
        assert_eq!(descriptor["properties"]["security-severity"], score);
        assert!(
            descriptor["properties"]["tags"]
                .as_array()
                .unwrap()
                .contains(&"security".into()),
            "GitHub reads security-severity only with the security tag"
        );
        let markdown = descriptor["help"]["markdown"].as_str().unwrap();
        for section in ["What it does", "Why it matters", "Example", "How to fix"] {
            assert!(markdown.contains(&format!("## {section}")), "{markdown}");
        }
    }
    let data_loss = rules.iter().find(|rule| rule["id"] == "data-loss").unwrap();
    assert_eq!(data_loss["name"], "DataLoss");
}

#[test]
fn results_point_at_their_rules() {
    let log = sarif(&scenario("replace-cascade"));
    let rules = log["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    assert!(!results(&log).is_empty());
    for result in results(&log) {
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], result["ruleId"]);
        assert_eq!(
            result["properties"]["ruleQualifiedId"],
            format!("blastwall/{}", result["ruleId"].as_str().unwrap()).as_str()
        );
    }
}

#[test]
fn findings_are_located_on_their_resource_blocks() {
    let dir = root().join("testdata/plans/replace-cascade");
    let log = sarif(&scenario("replace-cascade"));

    let vpc = result(&log, "shared-dependency-replaced", "aws_vpc.main");
    assert_eq!(
        place(&vpc["locations"][0]),
        (
            "testdata/plans/replace-cascade/main.tf".to_owned(),
            line_of(&dir.join("main.tf"), r#"resource "aws_vpc" "main""#)
        )
    );
    assert_eq!(
        vpc["locations"][0]["logicalLocations"][0]["fullyQualifiedName"],
        "aws_vpc.main"
    );

    // Through `module "app" { source = "./modules/app" }`, for_each key and all.
    let instance = result(
        &log,
        "replace-downtime",
        r#"module.app["web"].aws_instance.this"#,
    );
    assert_eq!(
        place(&instance["locations"][0]),
        (
            "testdata/plans/replace-cascade/modules/app/main.tf".to_owned(),
            line_of(
                &dir.join("modules/app/main.tf"),
                r#"resource "aws_instance" "this""#
            )
        )
    );

    // A finding about the whole plan is located on the plan.
    let teardown = result(&log, "environment-teardown", "(plan)");
    assert_eq!(
        place(&teardown["locations"][0]),
        ("testdata/plans/replace-cascade/plan.json".to_owned(), 1)
    );
}

#[test]
fn a_resource_removed_from_the_configuration_is_located_on_the_plan() {
    // db-deleted: the aws_db_instance.orders block was removed.
    let log = sarif(&scenario("db-deleted"));
    let finding = result(&log, "data-loss", "aws_db_instance.orders");
    assert_eq!(
        place(&finding["locations"][0]),
        ("testdata/plans/db-deleted/plan.json".to_owned(), 1)
    );
}

#[test]
fn nested_local_modules_are_followed() {
    // module-keys has no findings; ask the locator directly.
    use blastwall::report::locate::Locator;
    let dir = root().join("testdata/plans/module-keys");
    let mut locator = Locator::new();
    let site = locator.plan("testdata/plans/module-keys/plan.json");
    assert_eq!(site.root(), Some(Path::new("testdata/plans/module-keys")));
    let place = locator.place(
        &site,
        r#"module.outer["plain"].module.inner["with space"].terraform_data.rev"#,
    );
    assert_eq!(
        place.uri,
        "testdata/plans/module-keys/modules/inner/main.tf"
    );
    assert_eq!(
        place.line as u64,
        line_of(
            &dir.join("modules/inner/main.tf"),
            r#"resource "terraform_data" "rev""#
        )
    );
    // A module call that is not in the configuration: the plan.
    let place = locator.place(&site, "module.gone.terraform_data.rev");
    assert_eq!(
        (place.uri.as_str(), place.line),
        ("testdata/plans/module-keys/plan.json", 1)
    );
}

/// A copy of replace-cascade's plan and configuration in a temporary
/// directory, outside any repository.
fn cascade_copy(config_dir: &str, plan_dir: &str) -> (tempfile::TempDir, PathBuf, PathBuf) {
    let temp = tempfile::tempdir().unwrap();
    let source = root().join("testdata/plans/replace-cascade");
    let config = temp.path().join(config_dir);
    std::fs::create_dir_all(config.join("modules/app")).unwrap();
    std::fs::copy(source.join("main.tf"), config.join("main.tf")).unwrap();
    std::fs::copy(
        source.join("modules/app/main.tf"),
        config.join("modules/app/main.tf"),
    )
    .unwrap();
    let plans = temp.path().join(plan_dir);
    std::fs::create_dir_all(&plans).unwrap();
    let plan = plans.join("plan.json");
    std::fs::copy(source.join("plan.json"), &plan).unwrap();
    (temp, config, plan)
}

#[test]
fn outside_a_repository_uris_are_absolute_or_relative_to_the_working_directory() {
    let (_temp, config, plan) = cascade_copy("infra", "infra/plans");
    let canonical = config.canonicalize().unwrap();
    // The plan sits in infra/plans/; its configuration is the parent directory.
    let log = sarif(plan.to_str().unwrap());
    let vpc = result(&log, "shared-dependency-replaced", "aws_vpc.main");
    let (uri, line) = place(&vpc["locations"][0]);
    assert_eq!(uri, format!("file://{}/main.tf", canonical.display()));
    assert_uris_are_encoded(&log);
    assert_eq!(
        line,
        line_of(&config.join("main.tf"), r#"resource "aws_vpc" "main""#)
    );
    assert!(
        validator().is_valid(&log),
        "{:#?}",
        schema_errors(&validator(), &log)
    );

    // From standard input, the working directory holds the configuration.
    let output = blastwall()
        .current_dir(&config)
        .args(["check", "--format", "sarif", "-"])
        .pipe_stdin(&plan)
        .unwrap()
        .output()
        .unwrap();
    let log = parse("<stdin>", &output.stdout);
    let instance = result(
        &log,
        "replace-downtime",
        r#"module.app["api"].aws_instance.this"#,
    );
    assert_eq!(
        place(&instance["locations"][0]),
        (
            "modules/app/main.tf".to_owned(),
            line_of(
                &config.join("modules/app/main.tf"),
                r#"resource "aws_instance" "this""#
            )
        )
    );
    // A finding about the whole plan: the root module's main file.
    let teardown = result(&log, "environment-teardown", "(plan)");
    assert_eq!(place(&teardown["locations"][0]), ("main.tf".to_owned(), 1));
}

#[test]
fn a_registry_module_is_located_on_its_module_block() {
    let (_temp, config, plan) = cascade_copy(".", ".");
    let main = config.join("main.tf");
    let text = std::fs::read_to_string(&main)
        .unwrap()
        .replace(r#""./modules/app""#, r#""terraform-aws-modules/app/aws""#);
    write(&config, "main.tf", text);
    let log = sarif(plan.to_str().unwrap());
    let instance = result(
        &log,
        "replace-downtime",
        r#"module.app["web"].aws_instance.this"#,
    );
    let (uri, line) = place(&instance["locations"][0]);
    assert!(
        uri.starts_with("file://") && uri.ends_with("/main.tf"),
        "{uri}"
    );
    assert_eq!(line, line_of(&main, r#"module "app""#));
}

#[test]
fn a_root_finding_carries_its_blast_radius_as_code_flows() {
    let log = sarif(&scenario("replace-cascade"));
    let vpc = result(&log, "shared-dependency-replaced", "aws_vpc.main");
    let flows = vpc["codeFlows"].as_array().unwrap();
    assert_eq!(flows.len(), 1);
    let threads = flows[0]["threadFlows"].as_array().unwrap();
    let json = run(&["check", "--format", "json", &scenario("replace-cascade")]);
    let report: Value = serde_json::from_slice(&json.stdout).unwrap();
    let root = report["blast_radius"]["roots"]
        .as_array()
        .unwrap()
        .iter()
        .find(|root| root["address"] == "aws_vpc.main")
        .unwrap();
    let members = root["members"].as_array().unwrap();
    assert_eq!(threads.len(), members.len());
    for (thread, member) in threads.iter().zip(members) {
        let steps = thread["locations"].as_array().unwrap();
        let names: Vec<&Value> = steps
            .iter()
            .map(|step| &step["location"]["logicalLocations"][0]["fullyQualifiedName"])
            .collect();
        let path: Vec<&Value> = member["path"].as_array().unwrap().iter().collect();
        assert_eq!(names, path);
        assert_eq!(
            steps[0]["location"]["message"]["text"], "root: replace",
            "{thread:#}"
        );
        let last = &steps.last().unwrap()["location"];
        assert!(
            last["message"]["text"]
                .as_str()
                .unwrap()
                .starts_with(member["role"].as_str().unwrap()),
            "{thread:#}"
        );
        assert_eq!(
            last["logicalLocations"][0]["kind"], "resource",
            "{thread:#}"
        );
    }
    // A member in a module is located in the module's file.
    let text = serde_json::to_string(&flows).unwrap();
    assert!(text.contains("testdata/plans/replace-cascade/modules/app/main.tf"));
}

#[test]
fn a_member_finding_shows_the_chain_that_reaches_it() {
    let log = sarif(&scenario("replace-cascade"));
    let instance = result(
        &log,
        "replace-downtime",
        r#"module.app["web"].aws_instance.this"#,
    );
    let flows = instance["codeFlows"].as_array().unwrap();
    let threads = flows[0]["threadFlows"].as_array().unwrap();
    assert_eq!(threads.len(), 1);
    let steps = threads[0]["locations"].as_array().unwrap();
    let name = |step: &Value| {
        step["location"]["logicalLocations"][0]["fullyQualifiedName"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let names: Vec<String> = steps.iter().map(name).collect();
    // The chain is the member's path in the JSON report's blast radius.
    let json = run(&["check", "--format", "json", &scenario("replace-cascade")]);
    let report: Value = serde_json::from_slice(&json.stdout).unwrap();
    let path: Vec<String> = report["blast_radius"]["roots"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|root| root["members"].as_array().unwrap())
        .find(|member| member["address"] == r#"module.app["web"].aws_instance.this"#)
        .unwrap()["path"]
        .as_array()
        .unwrap()
        .iter()
        .map(|address| address.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, path);
    assert!(names.len() >= 2, "{names:?}");
    assert!(
        flows[0]["message"]["text"]
            .as_str()
            .unwrap()
            // SARIF reads brackets as a link's: literal ones are escaped.
            .starts_with(r#"how module.app\["web"\].aws_instance.this is reached from "#)
    );
}

#[test]
fn code_flows_are_bounded() {
    // aws_vpc.main replaced; 25 subnets depend on it through state.
    let temp = tempfile::tempdir().unwrap();
    let mut changes = vec![
        r#"{"address":"aws_vpc.main","mode":"managed","type":"aws_vpc","name":"main","change":{"actions":["delete","create"],"before":{"id":"vpc-1"},"after":{}},"action_reason":"replace_because_cannot_update"}"#.to_owned(),
    ];
    let mut state =
        vec![r#"{"address":"aws_vpc.main","mode":"managed","type":"aws_vpc","name":"main","values":{"id":"vpc-1"}}"#.to_owned()];
    for index in 0..25 {
        changes.push(format!(
            r#"{{"address":"aws_subnet.s[{index}]","mode":"managed","type":"aws_subnet","name":"s","index":{index},"change":{{"actions":["no-op"],"before":{{}},"after":{{}}}}}}"#
        ));
        state.push(format!(
            r#"{{"address":"aws_subnet.s[{index}]","mode":"managed","type":"aws_subnet","name":"s","index":{index},"values":{{}},"depends_on":["aws_vpc.main"]}}"#
        ));
    }
    let plan = write(
        temp.path(),
        "plan.json",
        crate::common::with_planned_values(&format!(
            r#"{{"format_version":"1.2","terraform_version":"1.11.4","resource_changes":[{}],"prior_state":{{"format_version":"1.0","values":{{"root_module":{{"resources":[{}]}}}}}},"configuration":{{"root_module":{{"resources":[{{"address":"aws_vpc.main","mode":"managed","type":"aws_vpc","name":"main"}},{{"address":"aws_subnet.s","mode":"managed","type":"aws_subnet","name":"s"}}]}}}}}}"#,
            changes.join(","),
            state.join(",")
        )),
    );
    let log = sarif(plan.to_str().unwrap());
    let vpc = result(&log, "shared-dependency-replaced", "aws_vpc.main");
    let flow = &vpc["codeFlows"][0];
    assert_eq!(
        flow["threadFlows"].as_array().unwrap().len(),
        blastwall::render::sarif::MAX_FLOW_MEMBERS
    );
    assert_eq!(
        flow["message"]["text"],
        "blast radius of aws_vpc.main: 25 affected resource(s); the first 20 are shown"
    );
    assert!(validator().is_valid(&log));
}

#[test]
fn fingerprints_depend_on_rule_and_address_only() {
    let (_temp, config, plan) = cascade_copy(".", ".");
    let here = sarif(&scenario("replace-cascade"));
    let there = sarif(plan.to_str().unwrap());
    assert!(config.exists());
    let fingerprint = |log: &Value, rule: &str, address: &str| {
        result(log, rule, address)["partialFingerprints"]["blastwall/v1"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let vpc = fingerprint(&here, "shared-dependency-replaced", "aws_vpc.main");
    assert_eq!(vpc.len(), 64);
    assert_eq!(
        vpc,
        fingerprint(&there, "shared-dependency-replaced", "aws_vpc.main")
    );
    assert_ne!(
        vpc,
        fingerprint(&here, "shared-dependency-replaced", "aws_iam_role.app")
    );
}

#[test]
fn accepted_findings_are_suppressed_with_the_reason() {
    let temp = tempfile::tempdir().unwrap();
    let config = write(
        temp.path(),
        "blastwall.toml",
        "[[ignore]]\nrule = \"shared-dependency-replaced\"\naddress = \"aws_vpc.main\"\nreason = \"planned VPC migration\"\n",
    );
    // A person's run: an unknown author's ignores count only from a
    // configuration outside the working tree (issue 12).
    let output = run(&[
        "check",
        "--format",
        "sarif",
        "--author",
        "human",
        "--config",
        config.to_str().unwrap(),
        &scenario("replace-cascade"),
    ]);
    let log = parse("replace-cascade", &output.stdout);
    let vpc = result(&log, "shared-dependency-replaced", "aws_vpc.main");
    let suppression = &vpc["suppressions"][0];
    assert_eq!(suppression["kind"], "external");
    assert_eq!(suppression["status"], "accepted");
    assert!(
        suppression["justification"]
            .as_str()
            .unwrap()
            .contains("planned VPC migration"),
        "{suppression:#}"
    );
    let role = result(&log, "shared-dependency-replaced", "aws_iam_role.app");
    assert!(role.get("suppressions").is_none());
    assert!(validator().is_valid(&log));
}

#[test]
fn the_schema_rejects_broken_sarif() {
    let validator = validator();
    let log = sarif(&scenario("replace-cascade"));
    assert!(validator.is_valid(&log));
    let mut broken = log.clone();
    broken["runs"][0]["results"][0]["level"] = "fatal".into();
    assert!(!validator.is_valid(&broken), "level is an enum");
    let mut broken = log.clone();
    broken["runs"][0]["results"][0]
        .as_object_mut()
        .unwrap()
        .remove("message");
    assert!(!validator.is_valid(&broken), "a result needs a message");
    let mut broken = log;
    broken["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] =
        0.into();
    assert!(!validator.is_valid(&broken), "lines start at 1");
}

/// Issue 14: a plan failed by a profile threshold is a SARIF result with a
/// rule id, and the JSON report says the threshold, the value and the limit.
#[test]
fn a_threshold_that_fails_the_plan_is_a_result_and_a_structured_reason() {
    let plan = "testdata/accuracy/tfdata-teardown-by-removal/plan.json";
    let output = crate::common::blastwall()
        .args(["check", "--author", "agent", "--format", "sarif", plan])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(3));
    let log: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let run = &log["runs"][0];
    let result = run["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|result| result["ruleId"] == "threshold/max-blast-radius")
        .expect("a result for the blast-radius threshold");
    assert_eq!(result["level"], "error");
    let index = result["ruleIndex"].as_u64().unwrap() as usize;
    assert_eq!(
        run["tool"]["driver"]["rules"][index]["id"],
        "threshold/max-blast-radius"
    );
    let output = crate::common::blastwall()
        .args(["check", "--author", "agent", "--format", "json", plan])
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let reason = report["verdict_reasons"]
        .as_array()
        .unwrap()
        .iter()
        .find(|reason| reason["rule"] == "threshold/max-blast-radius")
        .unwrap();
    assert_eq!(reason["effect"], "fail");
    assert_eq!(reason["limit"], 5.0);
    assert!(reason["measured"].as_f64().unwrap() > 5.0, "{reason}");
}
