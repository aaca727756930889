//! The dependency graph checked against Terraform itself, and the blast
//! radius on the scenarios a reviewer would reason about.

use std::collections::{BTreeMap, BTreeSet};

use blastwall::graph::ResourceGraph;
use blastwall::model::{Address, parse_document};

use crate::common::{root, scenarios};

/// `terraform graph` edges as (dependency, dependent), configuration addresses.
fn terraform_edges(dot: &str) -> BTreeSet<(String, String)> {
    dot.lines()
        .filter_map(|line| {
            let (from, to) = line.trim().trim_end_matches(';').split_once(" -> ")?;
            let unquote = |text: &str| text.trim().trim_matches('"').to_owned();
            // `A -> B` in terraform graph: A depends on B.
            Some((unquote(to), unquote(from)))
        })
        .collect()
}

fn reachable(edges: &BTreeSet<(String, String)>, from: &str, to: &str) -> bool {
    let mut adjacency: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (dependency, dependent) in edges {
        adjacency.entry(dependency).or_default().push(dependent);
    }
    let mut stack = vec![from];
    let mut seen = BTreeSet::new();
    while let Some(node) = stack.pop() {
        if node == to {
            return true;
        }
        if seen.insert(node) {
            stack.extend(adjacency.get(node).into_iter().flatten().copied());
        }
    }
    false
}

fn config_address(address: &str) -> String {
    address
        .parse::<Address>()
        .map_or_else(|_| address.to_owned(), |parsed| parsed.config_address())
}

/// For every scenario: every edge Terraform reports is one of ours, and
/// every edge of ours Terraform does not report (even transitively, as its
/// output is transitively reduced) is explained in `graph-differences.txt`.
#[test]
fn graph_agrees_with_terraform_graph() {
    let mut compared = 0;
    let mut mismatches = Vec::new();
    for name in scenarios() {
        let dir = root().join("testdata/plans").join(&name);
        let Ok(dot) = std::fs::read_to_string(dir.join("graph.dot")) else {
            continue;
        };
        let theirs = terraform_edges(&dot);
        let configured: BTreeSet<String> = dot
            .lines()
            .filter(|line| line.contains("[label="))
            .filter_map(|line| line.trim().split('"').nth(1).map(str::to_owned))
            .collect();
        let text = std::fs::read_to_string(dir.join("plan.json")).unwrap();
        let plan = parse_document(&text).unwrap();
        let graph = ResourceGraph::build(&plan);
        let ours: BTreeSet<(String, String)> = graph
            .edges()
            .into_iter()
            .map(|(dependency, dependent, _)| {
                (config_address(dependency), config_address(dependent))
            })
            .filter(|(dependency, dependent)| dependency != dependent)
            .filter(|(dependency, dependent)| {
                configured.contains(dependency) && configured.contains(dependent)
            })
            .collect();
        let missing: Vec<_> = theirs.difference(&ours).collect();
        assert!(
            missing.is_empty(),
            "{name}: terraform graph edges blastwall lacks: {missing:#?}"
        );

        let unexplained: BTreeSet<String> = ours
            .iter()
            .filter(|(dependency, dependent)| !reachable(&theirs, dependency, dependent))
            .map(|(dependency, dependent)| format!("{dependency} -> {dependent}"))
            .collect();
        let explained: BTreeSet<String> =
            std::fs::read_to_string(dir.join("graph-differences.txt"))
                .unwrap_or_default()
                .lines()
                .filter(|line| !line.trim().is_empty() && !line.starts_with('#'))
                .filter_map(|line| line.split_once(':').map(|(edge, _)| edge.trim().to_owned()))
                .collect();
        if unexplained != explained {
            mismatches.push(format!(
                "{name}: to explain: {:#?}\n  stale: {:#?}",
                unexplained.difference(&explained).collect::<Vec<_>>(),
                explained.difference(&unexplained).collect::<Vec<_>>()
            ));
        }
        compared += 1;
    }
    assert!(
        mismatches.is_empty(),
        "edges of ours that terraform graph does not have must be listed, with why, in testdata/plans/<scenario>/graph-differences.txt:\n{}",
        mismatches.join("\n")
    );
    assert!(compared >= 5, "compared {compared} scenarios");
}

fn blast(name: &str) -> blastwall::analysis::PlanAnalysis {
    let text = std::fs::read_to_string(root().join("testdata/plans").join(name).join("plan.json"))
        .unwrap();
    let plan = parse_document(&text).unwrap();
    blastwall::analysis::analyse(
        name,
        &plan,
        &blastwall::rules::RuleSet::builtin().unwrap(),
        &Default::default(),
    )
}

#[test]
fn vpc_replace_reaches_everything_behind_it_across_the_module_boundary() {
    let analysis = blast("replace-cascade");
    let root = analysis
        .blast
        .roots
        .iter()
        .find(|root| root.address == "aws_vpc.main")
        .expect("the VPC is a root of the cascade");
    let reached: BTreeSet<&str> = analysis
        .blast
        .destroyed
        .iter()
        .chain(&analysis.blast.disrupted)
        .map(|address| &**address)
        .collect();
    for expected in [
        "aws_subnet.app[0]",
        "aws_subnet.app[1]",
        "aws_security_group.app",
        "aws_security_group.admin",
        "aws_route_table.main",
        "aws_internet_gateway.main",
        r#"module.app["web"].aws_network_interface.this"#,
        r#"module.app["api"].aws_network_interface.this"#,
        r#"module.app["web"].aws_instance.this"#,
        "aws_ssm_parameter.inventory",
    ] {
        assert!(
            reached.contains(expected),
            "{expected} is not in the blast radius: {reached:#?}"
        );
    }
    let eni = root
        .members
        .iter()
        .find(|member| &*member.address == r#"module.app["web"].aws_network_interface.this"#)
        .expect("the web ENI is explained by the VPC");
    let path = root.chain(eni).addresses;
    assert_eq!(
        path.first().map(|address| address.as_ref()),
        Some("aws_vpc.main")
    );
    assert!(
        path.len() >= 3,
        "a chain through a subnet or security group: {path:?}"
    );
}

#[test]
fn deleted_database_loses_data_and_disrupts_the_app_using_it_by_value() {
    let analysis = blast("db-deleted");
    assert_eq!(analysis.blast.data_loss, ["aws_db_instance.orders"]);
    assert!(
        analysis
            .blast
            .disrupted
            .iter()
            .any(|address| &**address == "aws_lambda_function.app"),
        "{:?}",
        analysis.blast.disrupted
    );
}

#[test]
fn an_object_the_plan_creates_is_not_disrupted_but_carries_the_chain() {
    // The container does not exist yet: nothing of it can be disrupted.
    // Counted, ministack's image replace beside two containers created on
    // it read as 3 of 6 resources in state torn down (a critical finding).
    let analysis = blast("new-dependency");
    assert_eq!(analysis.blast.destroyed.len(), 1);
    assert_eq!(
        analysis
            .blast
            .disrupted
            .iter()
            .map(|address| &**address)
            .collect::<Vec<_>>(),
        ["terraform_data.web", "terraform_data.worker"]
    );
    let root = &analysis.blast.roots[0];
    let web = root
        .members
        .iter()
        .find(|member| &*member.address == "terraform_data.web")
        .unwrap();
    assert_eq!(root.parent(web), "terraform_data.image");
    assert_eq!(root.unlisted_between(web), ["terraform_data.container"]);
    let chain = root.chain(web);
    let chain: Vec<&str> = chain.addresses.iter().map(|a| a.as_ref()).collect();
    assert_eq!(
        chain,
        [
            "terraform_data.image",
            "terraform_data.container",
            "terraform_data.web"
        ]
    );
}

#[test]
fn forget_and_moves_destroy_nothing() {
    let analysis = blast("prior-state");
    let forgotten: Vec<_> = analysis
        .changes
        .iter()
        .filter(|change| change.actions == blastwall::model::Actions::Forget)
        .collect();
    assert!(!forgotten.is_empty(), "the scenario has a forget");
    for change in forgotten.iter().chain(
        analysis
            .changes
            .iter()
            .filter(|change| change.previous_address.is_some())
            .collect::<Vec<_>>()
            .iter(),
    ) {
        assert!(
            !analysis
                .blast
                .destroyed
                .iter()
                .any(|destroyed| **destroyed == *change.address),
            "{} is not destroyed",
            change.address
        );
    }
}

/// `count` terraform_data in one chain (each depends on the one before in
/// prior_state), the first deleted: as `scripts/gen-chain-plan.py` writes.
fn chain_plan(count: usize) -> String {
    let changes: Vec<serde_json::Value> = (0..count)
        .map(|index| {
            let object = serde_json::json!({"id": format!("id-{index}")});
            let (action, after) = if index == 0 {
                ("delete", serde_json::Value::Null)
            } else {
                ("no-op", object.clone())
            };
            serde_json::json!({
                "address": format!("terraform_data.t{index}"), "mode": "managed",
                "type": "terraform_data", "name": format!("t{index}"),
                "change": {"actions": [action], "before": object, "after": after}
            })
        })
        .collect();
    let resources: Vec<serde_json::Value> = (0..count)
        .map(|index| {
            let mut resource = serde_json::json!({
                "address": format!("terraform_data.t{index}"), "mode": "managed",
                "type": "terraform_data", "name": format!("t{index}"),
                "values": {"id": format!("id-{index}")}
            });
            if index > 0 {
                resource["depends_on"] =
                    serde_json::json!([format!("terraform_data.t{}", index - 1)]);
            }
            resource
        })
        .collect();
    crate::common::with_planned_values(
        &serde_json::json!({
            "format_version": "1.2",
            "resource_changes": changes,
            "prior_state": {"values": {"root_module": {"resources": resources}}}
        })
        .to_string(),
    )
}

/// One long chain: every member is in the radius with its chain known, and
/// reports print at most the first and last links of a long chain, so the
/// output stays linear in the plan (a path per member would be quadratic).
#[test]
fn a_long_chain_keeps_one_parent_per_member_and_prints_bounded_paths() {
    let count = 3_000;
    let plan_text = chain_plan(count);
    let plan = blastwall::model::parse_document(&plan_text).unwrap();
    let rules = blastwall::CheckOptions::builtin().unwrap().rules;
    let analysis = blastwall::analysis::analyse("chain", &plan, &rules, &Default::default());
    let root = &analysis.blast.roots[0];
    assert_eq!(root.members.len(), count - 1);
    let last = root.members.last().unwrap();
    assert_eq!(&*last.address, format!("terraform_data.t{}", count - 1));
    assert_eq!(last.depth, count - 1);
    let whole = root.chain(last);
    assert_eq!(whole.addresses.len(), count);
    assert_eq!(root.parent(last), format!("terraform_data.t{}", count - 2));
    let printed = root.printed_chain(last);
    let expected: Vec<String> = ["t0", "t1", "t2", "t3"]
        .iter()
        .map(|name| format!("terraform_data.{name}"))
        .chain([format!("… {} more …", count - 7)])
        .chain((count - 3..count).map(|index| format!("terraform_data.t{index}")))
        .collect();
    assert_eq!(printed.addresses, expected);
    assert_eq!(printed.via.len(), printed.addresses.len() - 1);
    assert_eq!(printed.elided, Some(4));
    // Short chains are printed whole: existing reports do not change.
    for member in &root.members[..31] {
        assert_eq!(root.printed_chain(member), root.chain(member));
    }
    assert!(root.printed_chain(&root.members[31]).elided.is_some());

    let dir = tempfile::tempdir().unwrap();
    let path = crate::common::write(dir.path(), "chain.json", &plan_text);
    let output = crate::common::run(&["check", "--format", "json", path.to_str().unwrap()]);
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let members = report["blast_radius"]["roots"][0]["members"]
        .as_array()
        .unwrap();
    assert_eq!(members.len(), count - 1);
    assert!(
        members
            .iter()
            .all(|member| member["path"].as_array().unwrap().len() <= 32)
    );
    assert!(
        output.stdout.len() < 1_200 * count,
        "{} bytes",
        output.stdout.len()
    );
}

/// Destroyed pairs that depend on each other reach no one else: each pair
/// is a root of its own, found in turn (the search for the next one resumes
/// where the last stopped).
#[test]
fn every_destroyed_cycle_is_a_root() {
    // `a{i}` and `b{i}` depend on each other: the two of a pair lie far
    // apart in address order.
    let pairs = 200;
    let name = |index: usize| format!("{}{}", if index < pairs { "a" } else { "b" }, index % pairs);
    let partner = |index: usize| (index + pairs) % (2 * pairs);
    let resource = |index: usize| {
        serde_json::json!({
            "address": format!("terraform_data.{}", name(index)), "mode": "managed",
            "type": "terraform_data", "name": name(index),
            "values": {"id": format!("id-{index}")},
            "depends_on": [format!("terraform_data.{}", name(partner(index)))]
        })
    };
    let changes: Vec<serde_json::Value> = (0..2 * pairs)
        .map(|index| {
            serde_json::json!({
                "address": format!("terraform_data.{}", name(index)), "mode": "managed",
                "type": "terraform_data", "name": name(index),
                "change": {"actions": ["delete"], "before": {"id": format!("id-{index}")}, "after": null}
            })
        })
        .collect();
    let text = serde_json::json!({
        "format_version": "1.2",
        "resource_changes": changes,
        "prior_state": {"values": {"root_module": {"resources": (0..2 * pairs).map(resource).collect::<Vec<_>>()}}}
    })
    .to_string();
    let plan = blastwall::model::parse_document(&text).unwrap();
    let rules = blastwall::CheckOptions::builtin().unwrap().rules;
    let analysis = blastwall::analysis::analyse("cycles", &plan, &rules, &Default::default());
    assert_eq!(analysis.blast.roots.len(), pairs);
    assert_eq!(analysis.blast.destroyed.len(), 2 * pairs);
    assert!(
        analysis
            .blast
            .roots
            .iter()
            .all(|root| root.members.len() == 1)
    );
}

/// Module arguments and outputs that feed each other cannot come from
/// Terraform (it refuses the cycle), but a hand-made plan had one branch
/// twice a level and the check never ended. Each is checked in seconds,
/// and the delete still fails the plan.
#[test]
fn module_argument_and_output_cycles_end() {
    let text = std::fs::read_to_string(root().join("testdata/plans/db-deleted/plan.json")).unwrap();
    let module = |argument: &[&str]| {
        serde_json::json!({
            "source": "./m",
            "expressions": {"v": {"references": argument}},
            "module": {
                "outputs": {"out": {"expression": {"references": ["var.v"]}}},
                "variables": {"v": {}}
            }
        })
    };
    let cycles = [
        serde_json::json!({"a": module(&["module.a.out", "module.a"])}),
        serde_json::json!({
            "a": module(&["module.b.out", "module.b"]),
            "b": module(&["module.a.out", "module.a"])
        }),
    ];
    let dir = tempfile::tempdir().unwrap();
    for (index, module_calls) in cycles.into_iter().enumerate() {
        let mut plan: serde_json::Value = serde_json::from_str(&text).unwrap();
        let root_module = &mut plan["configuration"]["root_module"];
        root_module["module_calls"] = module_calls;
        for resource in root_module["resources"].as_array_mut().unwrap() {
            if let Some(expressions) = resource["expressions"].as_object_mut() {
                expressions.insert(
                    "description".to_owned(),
                    serde_json::json!({"references": ["module.a.out", "module.a"]}),
                );
            }
        }
        let path = dir.path().join(format!("cycle-{index}.json"));
        std::fs::write(&path, plan.to_string()).unwrap();
        let output = crate::common::blastwall()
            .args(["check", "--format", "json"])
            .arg(&path)
            .timeout(std::time::Duration::from_secs(60))
            .output()
            .unwrap();
        assert_eq!(
            output.status.code(),
            Some(3),
            "cycle {index}: {}",
            crate::common::transcript(&output)
        );
    }
}
