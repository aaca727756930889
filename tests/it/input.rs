//! Every shape of input users really feed blastwall: refused ones say what
//! they are and what to run instead; polluted ones are read with a warning.

use crate::common::{root, run, transcript};

fn invalid_inputs() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(root().join("testdata/invalid"))
        .expect("testdata/invalid exists")
        .filter_map(Result::ok)
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| !name.ends_with(".md"))
        .collect();
    names.sort();
    names
}

/// Inputs blastwall reads despite their shape (with a warning where the
/// user should fix the source).
const READABLE: &[&str] = &[
    "utf8-bom.json",
    "utf16le-bom.json",
    "utf16be-bom.json",
    "wrapper-polluted.json",
    "ansi-terragrunt.json",
    "multi-plan.ndjson",
];

#[test]
fn each_class_of_bad_input_is_refused_with_a_diagnostic() {
    let names = invalid_inputs();
    assert!(names.len() >= 10, "{names:?}");
    for name in names {
        let path = format!("testdata/invalid/{name}");
        let output = run(&["check", &path]);
        if READABLE.contains(&name.as_str()) {
            assert!(
                matches!(output.status.code(), Some(0 | 3)),
                "{name} should be read:\n{}",
                transcript(&output)
            );
        } else {
            assert_eq!(
                output.status.code(),
                Some(1),
                "{name}:\n{}",
                transcript(&output)
            );
            let stderr = crate::common::flat(&output.stderr);
            assert!(
                stderr.contains(&path),
                "{name}: the diagnostic names the file:\n{stderr}"
            );
            assert!(
                stderr.contains("help:"),
                "{name}: the diagnostic says what to do:\n{stderr}"
            );
            assert!(!stderr.contains("panicked"), "{stderr}");
        }
        insta::assert_snapshot!(format!("input-{name}"), transcript(&output));
    }
}

#[test]
fn polluted_inputs_warn_and_say_how_to_avoid_it() {
    for (name, hint) in [
        ("wrapper-polluted.json", "terraform_wrapper: false"),
        ("ansi-terragrunt.json", "ANSI colour codes were removed"),
        ("utf16le-bom.json", "UTF-16"),
    ] {
        let path = format!("testdata/invalid/{name}");
        if !root().join(&path).exists() {
            continue;
        }
        let output = run(&["check", &path]);
        let stderr = crate::common::flat(&output.stderr);
        assert!(stderr.contains("warning"), "{name}:\n{stderr}");
        assert!(
            stderr.contains(hint),
            "{name}: expected {hint:?} in\n{stderr}"
        );
    }
}

#[test]
fn several_plans_in_one_stream_are_each_analysed() {
    let output = run(&["check", "testdata/invalid/multi-plan.ndjson"]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("(document 1 of 2)") && stdout.contains("(document 2 of 2)"),
        "{stdout}"
    );
}

/// A text that starts with `{` and ends with `}` is first taken as one
/// document without a pass to find its end; when it is not one, it is split
/// and reported exactly as any other text.
#[test]
fn a_text_taken_whole_that_is_not_one_document_is_split_as_before() {
    let plan = std::fs::read_to_string("testdata/plans/no-changes/plan.json").unwrap();
    let plan = plan.trim();
    let dir = tempfile::tempdir().unwrap();
    let two = crate::common::write(dir.path(), "two.json", format!("{plan}\n{plan}\n"));
    let output = run(&["check", two.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("(document 1 of 2)") && stdout.contains("(document 2 of 2)"),
        "{}",
        transcript(&output)
    );
    let glued = crate::common::write(dir.path(), "glued.json", format!("{plan}\n}}"));
    let output = run(&["check", glued.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1), "{}", transcript(&output));
    let first = String::from_utf8_lossy(&output.stderr);
    let first = first.lines().next().unwrap_or_default();
    assert!(first.contains("glued.json"), "{first}");
}

#[test]
fn json_errors_carry_the_json_path() {
    let output = run(&["check", "testdata/invalid/unknown-action.json"]);
    let stderr = crate::common::flat(&output.stderr);
    assert!(
        stderr.contains("resource_changes[1].change.actions"),
        "{stderr}"
    );
    assert!(stderr.contains("unknown action list"), "{stderr}");
}

/// A real plan (`testdata/plans/<scenario>`) with something a damaged or
/// forged file would hold.
fn damaged_scenario(scenario: &str, edit: impl FnOnce(&mut serde_json::Value)) -> String {
    let path = root().join(format!("testdata/plans/{scenario}/plan.json"));
    let text = std::fs::read_to_string(&path).expect("a testdata plan");
    let mut plan: serde_json::Value = serde_json::from_str(&text).unwrap();
    edit(&mut plan);
    plan.to_string()
}

fn damaged(edit: impl FnOnce(&mut serde_json::Value)) -> String {
    damaged_scenario("db-deleted", edit)
}

/// Every change of a real plan given `actions`, then `edit`: what an agent
/// that wants its plan through would write.
fn relabelled(
    scenario: &str,
    actions: &[&str],
    edit: impl FnOnce(&mut serde_json::Value),
) -> String {
    damaged_scenario(scenario, |plan| {
        for change in plan["resource_changes"].as_array_mut().unwrap() {
            change["change"]["actions"] = serde_json::json!(actions);
        }
        edit(plan);
    })
}

/// Copies the prior-state object at `address` into `planned_values`, as a
/// plan that keeps it would list it.
fn planned_from_prior_state(plan: &mut serde_json::Value, address: &str) {
    let prior = plan["prior_state"]["values"]["root_module"]["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|resource| resource["address"] == address)
        .unwrap()
        .clone();
    plan["planned_values"]["root_module"]["resources"]
        .as_array_mut()
        .unwrap()
        .push(prior);
}

/// (name, text, what the first diagnostic line must say)
fn hostile_cases() -> Vec<(&'static str, String, Vec<&'static str>)> {
    let set_address = |address: &'static str| {
        damaged(move |plan| plan["resource_changes"][0]["address"] = address.into())
    };
    let mut cases = vec![
        (
            "resource-changes-null",
            damaged(|plan| plan["resource_changes"] = serde_json::Value::Null),
            vec![
                "invalid type: null, expected a sequence",
                "(at resource_changes)",
            ],
        ),
        (
            "prior-state-null",
            damaged(|plan| plan["prior_state"] = serde_json::Value::Null),
            vec!["invalid type: null", "(at prior_state)"],
        ),
        (
            "resource-drift-object",
            damaged(|plan| plan["resource_drift"] = serde_json::json!({})),
            vec!["expected a sequence", "(at resource_drift)"],
        ),
        (
            "address-unterminated-key",
            set_address("aws_db_instance.orders[\"k"),
            vec![
                "is not a Terraform resource address",
                "resource_changes[0].address",
            ],
        ),
        (
            "address-unterminated-index",
            set_address("aws_db_instance.orders[0"),
            vec![
                "is not a Terraform resource address",
                "resource_changes[0].address",
            ],
        ),
        (
            "address-empty-module",
            set_address("module..aws_db_instance.orders"),
            vec!["is not a Terraform resource address"],
        ),
        (
            "address-stray-space",
            set_address("aws_db_instance.orders x"),
            vec!["is not a Terraform resource address"],
        ),
        (
            "address-module-only",
            set_address("module.orders"),
            vec!["is not a Terraform resource address"],
        ),
        (
            "address-other-type",
            set_address("aws_s3_bucket.orders"),
            vec!["type `aws_db_instance` disagrees with the address `aws_s3_bucket.orders`"],
        ),
        (
            "address-escape-inside",
            set_address("aws_db_instance.orders\u{1b}[2J"),
            vec!["is not a Terraform resource address", "\\u{1b}[2J"],
        ),
        (
            "mode-unknown",
            damaged(|plan| plan["resource_changes"][0]["mode"] = "ephemeral".into()),
            vec![
                "unknown resource mode `ephemeral`",
                "resource_changes[0].mode",
            ],
        ),
        (
            "mode-null",
            damaged(|plan| plan["resource_changes"][0]["mode"] = serde_json::Value::Null),
            vec!["`mode` is null", "resource_changes[0].mode"],
        ),
        // The database's delete made to read as a leftover copy's, or as a
        // data source's: the analysis destroys no data with either.
        (
            "deposed-added",
            damaged(|plan| plan["resource_changes"][0]["deposed"] = "0000abcd".into()),
            vec!["is in the prior state but neither in planned_values nor in resource_changes"],
        ),
        (
            "mode-data-relabelled",
            damaged(|plan| {
                let change = &mut plan["resource_changes"][0];
                let address = format!("data.{}", change["address"].as_str().unwrap());
                change["address"] = address.into();
                change["mode"] = "data".into();
            }),
            vec!["(the plan is inconsistent)"],
        ),
        (
            "resource-changes-renamed",
            damaged(|plan| {
                let plan = plan.as_object_mut().unwrap();
                let changes = plan.remove("resource_changes").unwrap();
                plan.insert("Resource_Changes".to_owned(), changes);
            }),
            vec!["and the plan lists no changes"],
        ),
        (
            "duplicate-address",
            damaged(|plan| {
                let changes = plan["resource_changes"].as_array_mut().unwrap();
                let copy = changes[0].clone();
                changes.push(copy);
            }),
            vec!["appears twice in `resource_changes` without a `deposed` key"],
        ),
    ];
    // Two `actions` in one object, and two `format_version`: no JSON library
    // writes these, so they are made by text surgery.
    let plan = damaged(|_| {});
    cases.push((
        "duplicate-actions",
        plan.replacen(
            r#""actions":["delete"]"#,
            r#""actions":["delete"],"actions":["no-op"]"#,
            1,
        ),
        vec!["duplicate field `actions`"],
    ));
    cases.push((
        "duplicate-format-version",
        plan.replacen(
            r#""format_version":"1.2","#,
            r#""format_version":"1.2","format_version":"1.2","#,
            1,
        ),
        vec!["duplicate field `format_version`"],
    ));
    cases.push((
        "duplicate-payload-key",
        plan.replacen(
            r#""skip_final_snapshot":true"#,
            r#""skip_final_snapshot":false,"skip_final_snapshot":true"#,
            1,
        ),
        // A value's keys may be a sensitive map's: the path stops at it.
        vec!["duplicate object key", "change.before.…)"],
    ));
    cases.push((
        // Payload strings are kept raw, so only the duplicate-key scan
        // decodes their escapes: a lone surrogate must not slip through it.
        "lone-surrogate-in-payload",
        plan.replacen(
            r#""skip_final_snapshot":true"#,
            r#""skip_final_snapshot":true,"note":"\ud800""#,
            1,
        ),
        vec!["invalid JSON", "hex escape"],
    ));
    cases.push((
        "bel-inside-address",
        plan.replacen("aws_db_instance.orders", "aws_db_instance.orders\u{7}", 1),
        vec!["invalid JSON: control character"],
    ));
    cases.push((
        "esc-inside-address",
        plan.replacen(
            "aws_db_instance.orders",
            "aws_db_instance.orders\u{1b}[31m",
            1,
        ),
        vec!["invalid JSON: control character"],
    ));
    cases.push((
        "esc-between-tokens",
        plan.replacen(
            r#","resource_changes""#,
            "\u{1b}[0m,\"resource_changes\"",
            1,
        ),
        vec!["invalid JSON: control character (ESC) found inside the JSON document"],
    ));
    // A document closed early (a splice, a bad merge) with the rest of the
    // plan on the next line, starting mid-key: the part cut off holds the
    // state that makes the delete dangerous, so reading it as a log line
    // would pass a damaged plan.
    let cut = plan
        .find(",\"prior_state\"")
        .expect("prior_state in the plan");
    cases.push((
        "closed-early",
        format!("{}}}\n{}", &plan[..cut], &plan[cut + 4..]),
        vec!["unexpected data after the end of the JSON document"],
    ));
    // The same rest behind a prefix that is noise elsewhere: the wrapper's
    // echo (which must echo the document) and a bracketed log level.
    cases.push((
        "closed-early-behind-wrapper-echo",
        format!("{}}}\n::debug::stdout: {}", &plan[..cut], &plan[cut + 4..]),
        vec!["unexpected data after the end of the JSON document"],
    ));
    // A document that lost its opening brace, before one that did not (one
    // document per unit, as Terragrunt prints them).
    cases.push((
        "opening-brace-lost-before-another-document",
        format!("{}\n{plan}", &plan[1..]),
        vec!["JSON data before the first JSON document"],
    ));
    // A plan hidden beside a passing one: inside a terminal-title escape
    // (removed with it as a colour code), and written with `" : "`
    // separators on a log line (no `":` in it).
    let passing = std::fs::read_to_string(root().join("testdata/plans/no-changes/plan.json"))
        .expect("no-changes plan");
    let passing = passing.trim();
    cases.push((
        "plan-inside-a-title-escape",
        format!("{passing}\n\u{1b}]{plan}\n"),
        vec!["an escape sequence here would remove JSON text"],
    ));
    let spaced =
        serde_json::to_string_pretty(&serde_json::from_str::<serde_json::Value>(&plan).unwrap())
            .unwrap()
            .replace("\n", "")
            .replace("\": ", "\" : ");
    cases.push((
        "spaced-plan-on-a-log-line",
        format!("{passing}\nINFO {spaced}\n"),
        vec!["unexpected data after the end of the JSON document"],
    ));
    cases.push((
        "delete-cut-from-the-changes",
        damaged(|plan| {
            let changes = plan["resource_changes"].as_array_mut().unwrap();
            changes.retain(|change| change["change"]["actions"][0] == "no-op");
        }),
        vec!["is in the prior state but neither in planned_values nor in resource_changes"],
    ));
    cases.push((
        "delete-relabelled-no-op",
        damaged(|plan| {
            let changes = plan["resource_changes"].as_array_mut().unwrap();
            for change in changes {
                if change["change"]["actions"][0] == "delete" {
                    change["change"]["actions"] = serde_json::json!(["no-op"]);
                }
            }
        }),
        vec![
            "a no-op whose `after` is null while `before` holds the object",
            "resource_changes[0].change.after",
        ],
    ));
    cases.push((
        "delete-relabelled-create-forget",
        damaged(|plan| {
            let changes = plan["resource_changes"].as_array_mut().unwrap();
            for change in changes {
                if change["change"]["actions"][0] == "delete" {
                    change["change"]["actions"] = serde_json::json!(["create", "forget"]);
                }
            }
        }),
        vec![
            "a replace-forget whose `after` is null while `before` holds the object",
            "resource_changes[0].change.after",
        ],
    ));
    cases.push((
        "delete-relabelled-create-forget-with-after",
        damaged(|plan| {
            let changes = plan["resource_changes"].as_array_mut().unwrap();
            for change in changes {
                if change["change"]["actions"][0] == "delete" {
                    change["change"]["actions"] = serde_json::json!(["create", "forget"]);
                    change["change"]["after"] = change["change"]["before"].clone();
                }
            }
        }),
        vec!["a replace-forget with `delete_because_no_resource_config`"],
    ));
    let still_configured = vec![
        "a forget of `aws_dynamodb_table.sessions` whose resource block `aws_dynamodb_table.sessions` is still in the configuration",
        "(at resource_changes[0].change.actions)",
    ];
    let unverifiable = vec![
        "a forget of `aws_dynamodb_table.sessions` in a plan whose configuration is missing or unreadable",
        "(at resource_changes[0].change.actions)",
    ];
    cases.push((
        "teardown-relabelled-forget",
        relabelled("teardown", &["forget"], |_| {}),
        still_configured,
    ));
    cases.push((
        "teardown-relabelled-forget-configuration-dropped",
        relabelled("teardown", &["forget"], |plan| {
            plan.as_object_mut().unwrap().remove("configuration");
        }),
        unverifiable.clone(),
    ));
    cases.push((
        "teardown-relabelled-forget-configuration-unreadable",
        relabelled("teardown", &["forget"], |plan| {
            plan["configuration"]["root_module"]["module_calls"] = serde_json::json!([]);
        }),
        unverifiable,
    ));
    cases.push((
        "replace-relabelled-update",
        relabelled("replace-cascade", &["update"], |_| {}),
        vec![
            "an update with `replace_because_cannot_update`, which Terraform writes only on a replace",
            "(at resource_changes[1].action_reason)",
        ],
    ));
    cases.push((
        "replace-relabelled-update-reason-dropped",
        relabelled("replace-cascade", &["update"], |plan| {
            for change in plan["resource_changes"].as_array_mut().unwrap() {
                change.as_object_mut().unwrap().remove("action_reason");
            }
        }),
        vec![
            "an update with replace paths",
            "(at resource_changes[1].change.replace_paths)",
        ],
    ));
    // db-deleted's delete renamed into a move to a new address and relabelled
    // a no-op that keeps its object: what an agent would write to pass it.
    let disguised_as_move = |plan: &mut serde_json::Value| {
        let change = &mut plan["resource_changes"][0];
        change["change"]["actions"] = serde_json::json!(["no-op"]);
        change["change"]["after"] = change["change"]["before"].clone();
        change["previous_address"] = change["address"].clone();
        change["address"] = "aws_db_instance.orders_archive".into();
        change["name"] = "orders_archive".into();
    };
    cases.push((
        "delete-disguised-as-move",
        damaged(disguised_as_move),
        vec![
            "no-op moved from `aws_db_instance.orders` to `aws_db_instance.orders_archive`, whose resource block `aws_db_instance.orders_archive` is not in the configuration",
            "(at resource_changes[0].previous_address)",
        ],
    ));
    cases.push((
        "delete-disguised-as-move-with-its-block",
        damaged(|plan| {
            disguised_as_move(plan);
            plan["configuration"]["root_module"]["resources"]
                .as_array_mut()
                .unwrap()
                .push(serde_json::json!({"address": "aws_db_instance.orders_archive", "mode": "managed", "type": "aws_db_instance", "name": "orders_archive"}));
        }),
        vec![
            "to `aws_db_instance.orders_archive`, which is not in planned_values",
            "(at resource_changes[0].previous_address)",
        ],
    ));
    cases.push((
        "move-configuration-dropped",
        damaged_scenario("moved", |plan| {
            plan.as_object_mut().unwrap().remove("configuration");
        }),
        vec![
            "no-op moved from `terraform_data.worker` to `terraform_data.queue_worker` in a plan whose configuration is missing or unreadable",
            "(at resource_changes[0].previous_address)",
        ],
    ));
    cases.push((
        "delete-moved-into-the-drift",
        damaged(|plan| {
            let delete = plan["resource_changes"].as_array_mut().unwrap().remove(0);
            let drift = plan["resource_drift"].as_array_mut().unwrap();
            drift.retain(|entry| entry["address"] != delete["address"]);
            drift.push(delete);
        }),
        vec![
            "`aws_db_instance.orders` is deleted outside Terraform (resource_drift) yet still in the prior state",
            "(at resource_drift[1].change.actions)",
        ],
    ));
    // A delete relabelled as an object kept in place, its `after` copied
    // from `before` so that nothing seems to go.
    let kept_in_place = |actions: &'static str| {
        move |plan: &mut serde_json::Value| {
            for change in plan["resource_changes"].as_array_mut().unwrap() {
                if change["change"]["actions"] == serde_json::json!(["delete"]) {
                    change["change"]["actions"] = serde_json::json!([actions]);
                    change["change"]["after"] = change["change"]["before"].clone();
                    change.as_object_mut().unwrap().remove("action_reason");
                }
            }
        }
    };
    cases.push((
        "delete-relabelled-no-op-after-copied",
        damaged(kept_in_place("no-op")),
        vec![
            "a no-op of `aws_db_instance.orders`, which is in the prior state but not in planned_values",
            "(at resource_changes[0].change.actions)",
        ],
    ));
    cases.push((
        "delete-relabelled-no-op-after-copied-and-planned",
        damaged(|plan| {
            kept_in_place("no-op")(plan);
            planned_from_prior_state(plan, "aws_db_instance.orders");
        }),
        vec![
            "a no-op of `aws_db_instance.orders`, whose resource block `aws_db_instance.orders` is not in the configuration",
            "(at resource_changes[0].change.actions)",
        ],
    ));
    cases.push((
        "teardown-relabelled-update-after-copied",
        damaged_scenario("teardown", kept_in_place("update")),
        vec![
            "an update of `aws_dynamodb_table.sessions`, which is in the prior state but not in planned_values",
            "(at resource_changes[0].change.actions)",
        ],
    ));
    cases.push((
        "delete-cut-and-object-pasted-into-planned-values",
        damaged(|plan| {
            let delete = plan["resource_changes"].as_array_mut().unwrap().remove(0);
            planned_from_prior_state(plan, delete["address"].as_str().unwrap());
        }),
        vec![
            "`aws_db_instance.orders` is in the prior state and in planned_values but not in resource_changes",
            "(at resource_changes)",
        ],
    ));
    cases.push((
        "delete-cut-and-planned-values-dropped",
        damaged(|plan| {
            let changes = plan["resource_changes"].as_array_mut().unwrap();
            changes.retain(|change| change["change"]["actions"][0] == "no-op");
            plan.as_object_mut().unwrap().remove("planned_values");
        }),
        vec!["is in the prior state but neither in planned_values nor in resource_changes"],
    ));
    cases.push((
        "count-to-for-each-relabelled-count-index",
        {
            // A real `count` → `for_each` migration: read as a count cut
            // from a list, the deletes scored as a shifted index.
            let path = root().join("testdata/accuracy/ssm-count-to-foreach/plan.json");
            let mut plan: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
            for change in plan["resource_changes"].as_array_mut().unwrap() {
                if change["action_reason"] == "delete_because_wrong_repetition" {
                    change["action_reason"] = "delete_because_count_index".into();
                }
            }
            plan.to_string()
        },
        vec![
            "is deleted with `delete_because_count_index`, but its block uses `for_each`",
            ".action_reason)",
        ],
    ));
    cases.push((
        "closed-early-behind-log-level",
        format!("{}}}\n[INFO] {}", &plan[..cut], &plan[cut + 4..]),
        vec!["unexpected data after the end of the JSON document"],
    ));
    cases.push((
        "raw-newline-in-string",
        plan.replacen("aws_db_instance.orders", "aws_db_instance\n.orders", 1),
        vec!["invalid JSON: control character"],
    ));
    cases
}

#[test]
fn hostile_plans_are_refused_naming_the_json_path_on_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let mut transcripts = String::new();
    for (name, text, expected) in hostile_cases() {
        let path = crate::common::write(dir.path(), &format!("{name}.json"), &text);
        let output = run(&["check", path.to_str().unwrap()]);
        assert_eq!(
            output.status.code(),
            Some(1),
            "{name}:\n{}",
            transcript(&output)
        );
        let stderr = String::from_utf8_lossy(&output.stderr);
        // The first line holds it all: a script reading `head -1` gets the
        // input, the problem, its JSON path and the diagnostic's code.
        let message = stderr.lines().next().unwrap_or_default();
        assert!(
            message.trim_start().starts_with('×') && message.contains(" [blastwall::input::"),
            "{name}: the first line is not self-contained: {message:?}"
        );
        for needle in expected {
            assert!(
                message.contains(needle),
                "{name}: {needle:?} not in {message:?}\n{stderr}"
            );
        }
        assert!(
            message.contains(&format!("{name}.json")),
            "{name}: {message}"
        );
        assert!(stderr.contains("help:"), "{name}: {stderr}");
        assert!(
            !output
                .stderr
                .iter()
                .any(|byte| *byte < 0x20 && *byte != b'\n'),
            "{name}: a raw control byte reached stderr: {stderr:?}"
        );
        transcripts.push_str(&format!(
            "== {name}\n{}\n",
            stderr.replace(&dir.path().display().to_string(), "<dir>")
        ));
    }
    insta::assert_snapshot!("hostile-derived", transcripts);
}

#[test]
fn ansi_colour_around_the_document_is_still_removed() {
    let plan = damaged(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let text = format!("\u{1b}[36m12:00 INFO\u{1b}[0m show \"plan\n{plan}\u{1b}[0m\n");
    let path = crate::common::write(dir.path(), "coloured.json", text);
    let output = run(&["check", path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(3), "{}", transcript(&output));
    assert!(crate::common::flat(&output.stderr).contains("ANSI colour codes were removed"));
}

#[test]
fn a_bom_alone_is_an_empty_input() {
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in [
        ("bom.json", &b"\xEF\xBB\xBF"[..]),
        ("bom-space.json", &b"\xEF\xBB\xBF \n"[..]),
        ("bom16.json", &b"\xFF\xFE"[..]),
    ] {
        let path = crate::common::write(dir.path(), name, bytes);
        let output = run(&["check", path.to_str().unwrap()]);
        assert_eq!(output.status.code(), Some(1));
        let stderr = String::from_utf8_lossy(&output.stderr);
        let first = stderr.lines().next().unwrap_or_default();
        assert!(
            first.contains(name)
                && first.contains("the input is empty")
                && first.ends_with("[blastwall::input::empty]"),
            "{name}: {stderr}"
        );
    }
}

#[test]
fn diagnostics_are_not_wrapped_when_stderr_is_not_a_terminal() {
    let output = run(&["check", "testdata/invalid/text-plan.txt"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let message = stderr.lines().find(|line| line.contains('×')).unwrap();
    assert!(
        message.contains("human-readable plan text, not plan JSON"),
        "{stderr}"
    );
    let help = stderr.lines().find(|line| line.contains("help:")).unwrap();
    assert!(
        help.contains("pass the binary `plan.out` itself"),
        "{stderr}"
    );
}

/// Checks `scenario` damaged by `damage` in a section read leniently: the
/// plan is analysed, the health issues name `reported` (each piece), and
/// the verdict is no laxer than the undamaged plan's and never a pass.
fn assert_unreadable_section_is_stricter(
    dir: &std::path::Path,
    scenario: &str,
    damage: impl FnOnce(&mut serde_json::Value),
    reported: &[&str],
) {
    let text = std::fs::read_to_string(root().join(crate::common::scenario(scenario))).unwrap();
    let mut plan: serde_json::Value = serde_json::from_str(&text).unwrap();
    damage(&mut plan);
    let name = format!(
        "{scenario}-{}.json",
        reported.join("-").replace(['.', ' ', '[', ']'], "_")
    );
    let path = crate::common::write(dir, &name, plan.to_string());
    let verdict = |file: &str| {
        let output = run(&["check", "--format", "json", file]);
        assert!(
            matches!(output.status.code(), Some(0 | 3)),
            "{}",
            transcript(&output)
        );
        let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        (report["verdict"].as_str().unwrap().to_owned(), report)
    };
    let rank = |verdict: &str| ["pass", "warn", "fail"].iter().position(|v| *v == verdict);
    let (original, _) = verdict(&crate::common::scenario(scenario));
    let (damaged, report) = verdict(path.to_str().unwrap());
    assert!(
        rank(&damaged) >= rank(&original),
        "{scenario}: {original} → {damaged}"
    );
    assert_ne!(
        damaged, "pass",
        "{scenario}: an unreadable section never passes"
    );
    let health = report["plans"][0]["health"].to_string();
    assert!(
        reported.iter().all(|piece| health.contains(piece)),
        "{scenario}: {health}"
    );
}

/// `module_calls` as a list (a pre-release Terraform's shape): the plan is
/// analysed, the section is reported with its path, and the verdict is no
/// laxer than with the section read.
#[test]
fn an_unreadable_auxiliary_section_is_reported_and_never_loosens_the_verdict() {
    let dir = tempfile::tempdir().unwrap();
    for scenario in ["replace-cascade", "db-deleted", "no-changes"] {
        let as_list = |plan: &mut serde_json::Value| {
            let calls = plan["configuration"]["root_module"]["module_calls"].take();
            let as_list: Vec<serde_json::Value> = calls
                .as_object()
                .map(|calls| calls.values().cloned().collect())
                .unwrap_or_default();
            plan["configuration"]["root_module"]["module_calls"] = as_list.into();
        };
        assert_unreadable_section_is_stricter(
            dir.path(),
            scenario,
            as_list,
            &[
                "configuration.root_module.module_calls",
                "could not be read",
            ],
        );
    }
}

/// A configuration expression of another shape (a string where Terraform
/// writes an object) used to read as "no references", dropping the
/// dependencies it declares without a word: now the configuration is
/// reported unreadable, and the verdict is never laxer and never a pass.
#[test]
fn an_expression_of_another_shape_is_reported_not_read_as_no_references() {
    let dir = tempfile::tempdir().unwrap();
    for (scenario, field, value) in [
        ("replace-cascade", "expressions", serde_json::json!("x")),
        ("replace-cascade", "count_expression", serde_json::json!([])),
        ("db-deleted", "expressions", serde_json::json!(1)),
    ] {
        let path = format!("configuration.root_module.resources[0].{field}");
        assert_unreadable_section_is_stricter(
            dir.path(),
            scenario,
            |plan| plan["configuration"]["root_module"]["resources"][0][field] = value,
            &[&path, "expected an expression object"],
        );
    }
}

/// Nesting far past any parser's default limit, and a 1 MB number, inside
/// and beside the plan: analysed (or refused) without a crash.
#[test]
fn deep_nesting_and_huge_numbers_neither_crash_nor_hang() {
    let plan = damaged(|_| {});
    let depth = 200_000;
    let deep = "[".repeat(depth) + &"]".repeat(depth);
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in [
        (
            "deep-payload",
            plan.replacen(r#""before":{"#, &format!(r#""before":{{"deep":{deep},"#), 1),
        ),
        (
            "deep-top",
            plan.replacen('{', &format!(r#"{{"zz":{deep},"#), 1),
        ),
        (
            "deep-objects",
            plan.replacen(
                '{',
                &format!(
                    r#"{{"zz":{}1{},"#,
                    r#"{"a":"#.repeat(depth),
                    "}".repeat(depth)
                ),
                1,
            ),
        ),
        (
            "huge-number",
            plan.replacen(
                r#""before":{"#,
                &format!(r#""before":{{"n":{},"#, "9".repeat(1 << 20)),
                1,
            ),
        ),
    ] {
        let path = crate::common::write(dir.path(), &format!("{name}.json"), text);
        let output = run(&["check", path.to_str().unwrap()]);
        // Nesting no plan has is refused, wherever it is; a huge number is read.
        let expected = if name == "huge-number" { 3 } else { 1 };
        assert_eq!(
            output.status.code(),
            Some(expected),
            "{name}: {}",
            transcript(&output)
        );
        if expected == 1 {
            let stderr = crate::common::flat(&output.stderr);
            assert!(
                stderr.contains("nests more than 512 levels deep here"),
                "{name}: {stderr}"
            );
        }
    }
}

/// serde quotes the value it met: a sensitive variable written flat, or a
/// 5 MB string where a boolean belongs, went to stderr whole.
#[test]
fn a_value_of_the_wrong_shape_is_not_quoted_in_the_diagnostic() {
    let secret = "hunter2-SECRET";
    let dir = tempfile::tempdir().unwrap();
    for (name, plan) in [
        (
            "variable",
            damaged(|plan| plan["variables"] = serde_json::json!({ "db_password": secret })),
        ),
        (
            "errored",
            damaged(|plan| plan["errored"] = serde_json::json!("A".repeat(5_000_000) + secret)),
        ),
    ] {
        let path = crate::common::write(dir.path(), &format!("{name}.json"), plan);
        let output = run(&["check", path.to_str().unwrap(), "--format", "json"]);
        assert_eq!(
            output.status.code(),
            Some(1),
            "{name}: {}",
            transcript(&output)
        );
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!stderr.contains(secret), "{name}: {stderr}");
        assert!(stderr.len() < 4_000, "{name}: {} bytes", stderr.len());
        assert!(
            stderr.contains("invalid type: a string, expected"),
            "{name}: {stderr}"
        );
    }
}

/// `check` of a plan whose prior state nests modules `depth` deep, with a
/// wrong value (`"resources": 5`) in the innermost.
fn check_with_a_wrong_value_in_modules_nested(depth: usize) -> std::process::Output {
    let plan = damaged(|plan| {
        plan["prior_state"]["values"]["root_module"]["child_modules"] =
            serde_json::json!(["NESTED"]);
    });
    let nested = r#"{"child_modules":["#.repeat(depth) + r#"{"resources":5}"# + &"]}".repeat(depth);
    let plan = plan.replacen(r#""NESTED""#, &nested, 1);
    let dir = tempfile::tempdir().unwrap();
    let path = crate::common::write(dir.path(), "deep-modules.json", &plan);
    run(&["check", path.to_str().unwrap()])
}

/// A wrong value at the bottom of modules nested 200,000 deep: serde_json
/// works out a position at every open level on the way out of a failed
/// read, each a scan back through the text, and this plan had no verdict
/// after two minutes. The depth is refused before any read goes down.
#[test]
fn a_malformed_plan_nested_far_past_any_module_tree_is_refused_at_the_limit() {
    let output = check_with_a_wrong_value_in_modules_nested(200_000);
    assert_eq!(output.status.code(), Some(1), "{}", transcript(&output));
    let stderr = crate::common::flat(&output.stderr);
    assert!(
        stderr.contains(
            "the document nests more than 512 levels deep here; Terraform writes nothing this deep"
        ),
        "{stderr}"
    );
}

/// A wrong value 200 modules deep: its path is 3.4 KB, and the
/// diagnostic's first line keeps only the section and the field at fault.
#[test]
fn a_problem_deep_in_nested_modules_is_named_on_a_short_line() {
    let output = check_with_a_wrong_value_in_modules_nested(200);
    assert_eq!(output.status.code(), Some(1), "{}", transcript(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    let message = stderr.lines().next().unwrap_or_default();
    assert!(
        message.contains("(at prior_state.values.root_module.child_modules[0].child_modules[0]"),
        "{message}"
    );
    assert!(
        message.contains("characters left out)…")
            && message.ends_with(".child_modules[0].resources) [blastwall::input::json]"),
        "{message}"
    );
    assert!(
        stderr.len() < 4_000,
        "{} bytes of diagnostics",
        stderr.len()
    );
}

#[test]
fn an_update_whose_values_are_not_objects_is_refused_not_passed() {
    // Blocked as Terraform writes it (deletion protection turned off); with
    // `after` of another shape no rule could read it, and the plan passed.
    let plan = |after: &str| {
        format!(
            r#"{{"format_version":"1.2","resource_changes":[{{"address":"aws_db_instance.main","mode":"managed","type":"aws_db_instance","name":"main","change":{{"actions":["update"],"before":{{"identifier":"main-db","deletion_protection":true}}{after},"after_unknown":{{}},"before_sensitive":{{}},"after_sensitive":{{}}}}}}]}}"#
        )
    };
    let dir = tempfile::tempdir().unwrap();
    let honest = crate::common::write(
        dir.path(),
        "honest.json",
        plan(r#","after":{"identifier":"main-db","deletion_protection":false}"#),
    );
    let output = run(&["check", honest.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(3), "{}", transcript(&output));
    for (name, after) in [
        ("null", r#","after":null"#),
        ("absent", ""),
        ("string", r#","after":"main-db""#),
        ("list", r#","after":[]"#),
        ("number", r#","after":0"#),
    ] {
        let path = crate::common::write(dir.path(), &format!("{name}.json"), plan(after));
        let output = run(&["check", path.to_str().unwrap()]);
        assert_eq!(
            output.status.code(),
            Some(1),
            "{name}: {}",
            transcript(&output)
        );
        let stderr = crate::common::flat(&output.stderr);
        assert!(
            stderr.contains("resource_changes[0].change.after"),
            "{name}: {stderr}"
        );
    }
}

#[test]
fn padding_a_payload_with_deep_nesting_does_not_switch_a_rule_off() {
    // The only finding is a payload rule (deletion protection turned off).
    let plan = |padding: &str| {
        format!(
            r#"{{"format_version":"1.2","resource_changes":[{{"address":"aws_db_instance.main","mode":"managed","type":"aws_db_instance","name":"main","change":{{"actions":["update"],"before":{{"identifier":"main-db","deletion_protection":true}},"after":{{"identifier":"main-db","deletion_protection":false{padding}}},"after_unknown":{{}},"before_sensitive":{{}},"after_sensitive":{{}}}}}}]}}"#
        )
    };
    let dir = tempfile::tempdir().unwrap();
    let plain = crate::common::write(dir.path(), "plain.json", plan(""));
    let output = run(&["check", plain.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(3), "{}", transcript(&output));
    let deep = "[".repeat(200) + &"]".repeat(200);
    let padded = crate::common::write(dir.path(), "padded.json", plan(&format!(r#","x":{deep}"#)));
    let output = run(&["check", padded.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1), "{}", transcript(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("resource_changes[0].change.after"),
        "{stderr}"
    );
    assert!(stderr.contains("levels deep"), "{stderr}");
}

/// A plan over the size from which a file is mapped (32 MiB): `db-deleted`
/// with a variable holding `padding` bytes of text, which no rule reads.
fn large_plan(padding: usize) -> String {
    let text = std::fs::read_to_string(root().join(crate::common::scenario("db-deleted"))).unwrap();
    let mut plan: serde_json::Value = serde_json::from_str(&text).unwrap();
    plan["variables"]["padding"] = serde_json::json!({ "value": "x".repeat(padding) });
    serde_json::to_string(&plan).unwrap()
}

/// A large file is mapped, not read (where the system grants a lease): the
/// verdict and report are those of the same plan piped in and read.
#[test]
fn a_large_plan_file_is_judged_as_the_same_plan_piped_in() {
    let directory = tempfile::tempdir().unwrap();
    let plan = large_plan(40 << 20);
    let path = crate::common::write(directory.path(), "plan.json", &plan);
    let from_file = run(&["check", "--format", "json", path.to_str().unwrap()]);
    let piped = crate::common::blastwall()
        .args(["check", "--format", "json", "-"])
        .write_stdin(plan)
        .output()
        .unwrap();
    assert_eq!(
        from_file.status.code(),
        Some(3),
        "{}",
        transcript(&from_file)
    );
    assert_eq!(piped.status.code(), from_file.status.code());
    let report = |output: &std::process::Output| {
        let mut report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        report["plans"][0]["path"] = serde_json::Value::Null;
        report
    };
    assert_eq!(report(&from_file), report(&piped));
}

/// Whether `/proc/locks` shows a lease on the file with inode `inode`.
#[cfg(target_os = "linux")]
fn leased(inode: u64) -> bool {
    std::fs::read_to_string("/proc/locks").is_ok_and(|locks| {
        locks
            .lines()
            .any(|line| line.contains("LEASE") && line.contains(&format!(":{inode} ")))
    })
}

/// An agent that rewrites its plan while the check reads it gets no
/// verdict: the writer waits for the check, and the check, seeing that a
/// writer asked, refuses the input instead of judging bytes that changed.
#[cfg(target_os = "linux")]
#[test]
fn a_plan_file_opened_for_writing_during_the_check_gets_no_verdict() {
    use std::io::Write;
    use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
    let directory = tempfile::tempdir().unwrap();
    let path = crate::common::write(directory.path(), "plan.json", large_plan(200 << 20));
    let inode = std::fs::metadata(&path).unwrap().ino();
    let check = std::process::Command::new(assert_cmd::cargo::cargo_bin("blastwall"))
        .env_clear()
        .env("NO_COLOR", "1")
        .env("XDG_STATE_HOME", crate::common::test_state_home())
        .args(["check", path.to_str().unwrap()])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let inconclusive = |check: std::process::Child, why: &str| {
        // The check read the file, or ended before a writer came: it was
        // judged as any plan is.
        let output = check.wait_with_output().unwrap();
        assert_eq!(output.status.code(), Some(3), "{}", transcript(&output));
        eprintln!("{why}: the lease was not tested here");
    };
    let waited = std::time::Instant::now();
    while !leased(inode) {
        if waited.elapsed() > std::time::Duration::from_secs(10) {
            return inconclusive(check, "no lease was seen");
        }
        std::thread::yield_now();
    }
    // Non-blocking, an open for writing fails while the lease is held, and
    // starts the lease break all the same.
    let opened = std::fs::OpenOptions::new()
        .append(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(&path);
    match opened {
        Err(error) if error.kind() == std::io::ErrorKind::WouldBlock => {}
        Ok(_) => return inconclusive(check, "the check let go of the file first"),
        Err(error) => panic!("{error}"),
    }
    let output = check.wait_with_output().unwrap();
    let stderr = crate::common::flat(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{}", transcript(&output));
    assert!(
        stderr.contains("the file was opened for writing while it was checked"),
        "{stderr}"
    );
    assert!(
        output.stdout.is_empty(),
        "no report: {}",
        transcript(&output)
    );
    // Once the check has let go, a writer gets the file at once.
    let mut writer = std::fs::OpenOptions::new()
        .append(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(&path)
        .unwrap();
    writer.write_all(b" ").unwrap();
}

/// A device that never ends was read to the end: `/dev/zero` filled 23 GB
/// before the kernel killed the check.
#[cfg(target_os = "linux")]
#[test]
fn an_endless_device_is_refused_after_its_first_piece() {
    let output = run(&["check", "/dev/zero"]);
    assert_eq!(output.status.code(), Some(1), "{}", transcript(&output));
    assert!(
        crate::common::flat(&output.stderr).contains("/dev/zero: not JSON"),
        "{}",
        transcript(&output)
    );
}

/// A plan whose changes were cut out, with the sections that show there
/// were some: each passed as "no changes" (hostile hunt). A real
/// refresh-only plan, which has no changes either, still passes; a destroy
/// plan with the `resource_changes` key removed reads as one, and does too.
#[test]
fn a_plan_whose_changes_were_cut_out_is_refused() {
    let cases: Vec<(&str, String)> = vec![
        (
            "changes and prior state cut, planned values kept",
            damaged(|plan| {
                let object = plan.as_object_mut().unwrap();
                object.remove("resource_changes");
                object.remove("prior_state");
            }),
        ),
        (
            "a destroy plan's changes emptied",
            damaged_scenario("teardown", |plan| {
                plan["resource_changes"] = serde_json::json!([]);
            }),
        ),
    ];
    let dir = tempfile::tempdir().unwrap();
    for (index, (name, plan)) in cases.into_iter().enumerate() {
        let path = crate::common::write(dir.path(), &format!("cut-{index}.json"), plan);
        let output = run(&["check", path.to_str().unwrap()]);
        assert_eq!(
            output.status.code(),
            Some(1),
            "{name}: {}",
            transcript(&output)
        );
        assert!(
            crate::common::flat(&output.stderr).contains("the plan is inconsistent"),
            "{name}: {}",
            transcript(&output)
        );
    }
    for fixture in ["refresh-only", "refresh-only-dependency", "no-changes"] {
        let output = run(&["check", &format!("testdata/plans/{fixture}/plan.json")]);
        assert_ne!(
            output.status.code(),
            Some(1),
            "{fixture}: {}",
            transcript(&output)
        );
    }
}
