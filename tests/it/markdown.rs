//! The pull-request comment (`--format markdown`) and GitHub annotations
//! (`--format github`): snapshots, hostile plans, and the length budget.

use blastwall::input::Source;
use blastwall::{CheckOptions, check};

use crate::common::{blastwall, run, scenario, scenarios, transcript, write};

#[test]
fn every_scenario_markdown_and_github_output() {
    let names = scenarios();
    assert!(
        names.len() >= 5,
        "testdata/plans holds the scenarios: {names:?}"
    );
    for name in names {
        let path = scenario(&name);
        let markdown = run(&["check", "--format", "markdown", &path]);
        let text = String::from_utf8_lossy(&markdown.stdout);
        assert!(
            text.starts_with(blastwall::render::markdown::MARKER),
            "{text}"
        );
        well_formed(&text);
        insta::assert_snapshot!(format!("markdown-{name}"), transcript(&markdown));
        let github = run(&["check", "--format", "github", &path]);
        for line in String::from_utf8_lossy(&github.stdout).lines() {
            assert!(
                line.starts_with("::") || line.starts_with("blastwall: "),
                "{line}"
            );
        }
        insta::assert_snapshot!(format!("github-{name}"), transcript(&github));
    }
}

/// What every comment must be, truncated or not: the `<details>` it opens
/// closed, its code fences paired.
fn well_formed(text: &str) {
    assert_eq!(
        text.matches("<details>").count(),
        text.matches("</details>").count(),
        "{text}"
    );
    assert_eq!(
        text.lines().filter(|line| line.starts_with("```")).count() % 2,
        0,
        "{text}"
    );
}

/// A plan whose addresses, for_each keys, action reason and version hold
/// everything that means something in Markdown, HTML or on GitHub: a bucket
/// and a policy depending on it (keys quoted as Terraform prints them, bidi
/// override raw), and a bucket whose key is raw, newline and escape included.
fn hostile_plan() -> String {
    let key = "a|b `x` <script>alert(1)</script> @org/team line\nbreak [link](javascript:x) \u{202e}gnp.exe *b* _i_ ~~s~~ #1 https://evil.example &amp; \u{1b}[2J";
    let quoted = serde_json::to_string(key).unwrap();
    let bucket = format!("aws_s3_bucket.b[{quoted}]");
    let policy = format!("aws_s3_bucket_policy.p[{quoted}]");
    // The reader refuses a raw line break or ESC in an address (Terraform
    // escapes them), so the raw key keeps every other character.
    let raw_key = key.replace('\n', " ").replace('\u{1b}', "");
    let raw = format!("aws_s3_bucket.raw[\"{raw_key}\"]");
    crate::common::with_planned_values(&serde_json::json!({
        "format_version": "1.2",
        "terraform_version": "1.11.4 <img src=x onerror=alert(1)> @admin\nline\nbreak",
        "resource_changes": [
            {
                "address": bucket, "mode": "managed", "type": "aws_s3_bucket", "name": "b",
                "index": key,
                "change": {"actions": ["delete"], "before": {"force_destroy": true}, "after": null},
                "action_reason": "delete_because_<b>|`@team`\nline\nbreak"
            },
            {
                "address": policy, "mode": "managed", "type": "aws_s3_bucket_policy", "name": "p",
                "index": key,
                "change": {"actions": ["no-op"], "before": {}, "after": {}}
            },
            {
                "address": raw, "mode": "managed", "type": "aws_s3_bucket", "name": "raw",
                "index": raw_key,
                "change": {"actions": ["delete"], "before": {"force_destroy": true}, "after": null}
            }
        ],
        "prior_state": {"values": {"root_module": {"resources": [
            {"address": bucket, "mode": "managed", "type": "aws_s3_bucket", "name": "b",
             "index": key, "values": {"force_destroy": true}},
            {"address": policy, "mode": "managed", "type": "aws_s3_bucket_policy", "name": "p",
             "index": key, "values": {}, "depends_on": ["aws_s3_bucket.b"]},
            {"address": raw, "mode": "managed", "type": "aws_s3_bucket", "name": "raw",
             "index": raw_key, "values": {"force_destroy": true}}
        ]}}}
    })
    .to_string())
}

#[test]
fn hostile_strings_from_the_plan_are_inert_in_markdown() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "hostile.json", hostile_plan());
    let output = blastwall()
        .args(["check", "--format", "markdown"])
        .arg(&path)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(3), "{}", transcript(&output));
    // The plan reached every section that shows addresses.
    for section in [
        "#### Findings",
        "```mermaid",
        "<details><summary>",
        "#### Plan",
    ] {
        assert!(text.contains(section), "no {section}:\n{text}");
    }
    let outside_graph: String = {
        let start = text.find("```mermaid").unwrap();
        let end = start + 3 + text[start + 3..].find("```").unwrap();
        format!("{}{}", &text[..start], &text[end..])
    };
    for raw in [
        "<script",
        "<img",
        "<b>",
        "a|b",
        "`x`",
        "`@team`",
        "@org",
        "@admin",
        "@team",
        "line\nbreak",
        "[link]",
        "](javascript",
        "*b*",
        "_i_",
        "~~s~~",
        "#1 ",
        "https://evil",
        "&amp; ",
        "\u{202e}",
        "\u{1b}",
    ] {
        assert!(
            !outside_graph.contains(raw),
            "the comment holds {raw:?} unescaped:\n{text}"
        );
    }
    // The escaped key is still there for a reviewer to read.
    assert!(
        text.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{text}"
    );
    assert!(text.contains("&#64;&#8203;org/team"), "{text}");
    // Table rows keep their four cells: no `|` from the plan splits one.
    let rows: Vec<&str> = text
        .lines()
        .skip_while(|line| !line.starts_with("#### Findings"))
        .skip(2)
        .take_while(|line| line.starts_with('|'))
        .collect();
    assert!(rows.len() >= 3, "{text}");
    for row in rows {
        assert_eq!(row.matches('|').count(), 5, "{row}");
    }
    // Mermaid labels: quoted, no quote or backtick from the plan inside.
    let graph: Vec<&str> = text
        .lines()
        .skip_while(|line| *line != "```mermaid")
        .skip(1)
        .take_while(|line| *line != "```")
        .collect();
    for line in graph.iter().filter(|line| line.contains("[\"")) {
        let label = &line[line.find("[\"").unwrap() + 2..line.rfind("\"]").unwrap()];
        assert!(!label.contains('"') && !label.contains('`'), "{line}");
        assert!(!label.contains("%%") && !label.contains('<'), "{line}");
        assert!(!label.contains(['\u{202e}', '\u{1b}']), "{line}");
    }
    well_formed(&text);
}

/// A plan with `count` resources in 20 module instances: `aws_vpc.main`
/// deleted, half of the rest depending on it (in state), every 10th resource
/// deleted and every 1000th a database (99 of them deleted, with data loss).
/// Deterministic, and cheap to analyse (no configuration, empty values).
fn large_plan(count: usize) -> String {
    let mut changes = String::with_capacity(count * 200);
    let mut modules: Vec<String> = vec![String::new(); 20];
    changes.push_str(r#"{"address":"aws_vpc.main","mode":"managed","type":"aws_vpc","name":"main","change":{"actions":["delete"],"before":{},"after":null}}"#);
    for index in 1..count {
        let module = index % 20;
        let resource_type = if index % 1000 == 0 {
            "aws_db_instance"
        } else if index % 7 == 0 {
            "aws_security_group"
        } else {
            "aws_instance"
        };
        let action = if index % 10 == 0 { "delete" } else { "no-op" };
        let address = format!(r#"module.svc[\"k{module}\"].{resource_type}.r[{index}]"#);
        changes.push_str(&format!(
            r#",{{"address":"{address}","module_address":"module.svc[\"k{module}\"]","mode":"managed","type":"{resource_type}","name":"r","index":{index},"change":{{"actions":["{action}"],"before":{{}},"after":{{}}}}}}"#
        ));
        // Every changed object is in the prior state, as Terraform writes
        // it; half of them depend on the VPC.
        let state = &mut modules[module];
        if !state.is_empty() {
            state.push(',');
        }
        let depends_on = if index < count / 2 {
            r#","depends_on":["aws_vpc.main"]"#
        } else {
            ""
        };
        state.push_str(&format!(
            r#"{{"address":"{address}","mode":"managed","type":"{resource_type}","name":"r","index":{index},"values":{{}}{depends_on}}}"#
        ));
    }
    let children: Vec<String> = modules
        .iter()
        .enumerate()
        .map(|(module, resources)| {
            format!(r#"{{"address":"module.svc[\"k{module}\"]","resources":[{resources}]}}"#)
        })
        .collect();
    crate::common::with_planned_values(&format!(
        r#"{{"format_version":"1.2","resource_changes":[{changes}],"prior_state":{{"values":{{"root_module":{{"resources":[{{"address":"aws_vpc.main","mode":"managed","type":"aws_vpc","name":"main","values":{{}}}}],"child_modules":[{}]}}}}}}}}"#,
        children.join(",")
    ))
}

fn markdown(report: &blastwall::report::Report, max_length: usize) -> String {
    let mut out = Vec::new();
    blastwall::render::markdown::render(report, &mut out, max_length).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn a_hundred_thousand_resources_fit_in_one_comment() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "large.json", large_plan(100_000));
    let report = check(&[Source::Path(path)], &CheckOptions::builtin().unwrap()).unwrap();
    assert_eq!(report.summary.resources_in_state, 100_000);
    let headline = "### ❌ blastwall: fail — score";
    let counts = "**10000 destroyed · 45000 disrupted · 99 with data loss**";
    let changes = "changes: 10000 delete, 90000 no-op · 100000 in state";
    for max_length in [65_536, 32_000] {
        let text = markdown(&report, max_length);
        let chars = text.chars().count();
        assert!(chars < max_length, "{chars} characters");
        for kept in [
            headline,
            counts,
            changes,
            "```mermaid",
            // One of them plan-incomplete: the synthetic plan destroys
            // without a `configuration`.
            "#### Findings (102)",
        ] {
            assert!(text.contains(kept), "no {kept:?} in:\n{text}");
        }
        well_formed(&text);
    }
    // However small the budget, the verdict and the destroy counts stay,
    // and the comment says it was cut.
    let text = markdown(&report, 1_500);
    assert!(text.chars().count() < 1_500, "{text}");
    for kept in [headline, counts, changes, "Report truncated"] {
        assert!(text.contains(kept), "no {kept:?} in:\n{text}");
    }
    well_formed(&text);
}

#[test]
fn max_length_truncates_between_sections_and_says_so() {
    let path = scenario("replace-cascade");
    let full = run(&["check", "--format", "markdown", &path]);
    let full = String::from_utf8_lossy(&full.stdout).into_owned();
    assert!(!full.contains("Report truncated"));
    let limit = full.chars().count() / 2;
    let cut = run(&[
        "check",
        "--format",
        "markdown",
        "--max-length",
        &limit.to_string(),
        &path,
    ]);
    assert_eq!(cut.status.code(), Some(3));
    let text = String::from_utf8_lossy(&cut.stdout);
    assert!(text.chars().count() < limit, "{text}");
    assert!(
        text.contains(&format!("Report truncated** to fit {limit} characters")),
        "{text}"
    );
    assert!(text.contains("**13 destroyed · 3 disrupted · 0 with data loss**"));
    well_formed(&text);
    // What was kept comes from the full comment, in the same order.
    let kept = &text[..text.find("\n---\n> ✂️").unwrap()];
    let mut rest = full.as_str();
    for line in kept.lines().filter(|line| !line.is_empty()) {
        let at = rest
            .find(line)
            .unwrap_or_else(|| panic!("{line:?} is not in the full comment, or out of order"));
        rest = &rest[at + line.len()..];
    }
}

#[test]
fn github_annotations_escape_percent_newlines_colons_and_commas() {
    let dir = tempfile::tempdir().unwrap();
    let key = "50%,\nnext: a,b\r";
    let address = format!("aws_s3_bucket.b[{}]", serde_json::to_string(key).unwrap());
    let plan = serde_json::json!({
        "format_version": "1.2",
        "resource_changes": [{
            "address": address, "mode": "managed", "type": "aws_s3_bucket", "name": "b",
            "index": key,
            "change": {"actions": ["delete"], "before": {"force_destroy": true}, "after": null}
        }]
    });
    let path = write(dir.path(), "plan, with: 100%.json", plan.to_string());
    let output = blastwall()
        .args(["check", "--format", "github"])
        .arg(&path)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(3), "{}", transcript(&output));
    let commands: Vec<&str> = text.lines().filter(|line| line.starts_with("::")).collect();
    assert!(commands.len() >= 2, "{text}");
    // Every line is a whole command or a plain log line: nothing from the
    // plan starts a line of its own.
    for line in text.lines() {
        assert!(
            line.starts_with("::") || line.starts_with("blastwall: "),
            "{text}"
        );
    }
    for command in &commands {
        let rest = command.strip_prefix("::").unwrap();
        let (name_and_properties, data) = rest.split_once("::").expect("`::` ends the properties");
        let (name, properties) = name_and_properties.split_once(' ').unwrap();
        assert!(["error", "warning", "notice"].contains(&name), "{command}");
        for property in properties.split(',') {
            let (key, value) = property.split_once('=').unwrap();
            assert!(["file", "title"].contains(&key), "{command}");
            assert!(!value.contains(':') && !value.contains('\r'), "{command}");
        }
        assert!(
            properties.contains("file=") && properties.contains("plan%2C with%3A 100%25.json"),
            "{command}"
        );
        assert!(!data.contains('\r'), "{command}");
        // Every `%` in the data starts one of the escapes.
        for (at, _) in data.match_indices('%') {
            let escape = &data[at..(at + 3).min(data.len())];
            assert!(
                ["%25", "%0A", "%0D"].contains(&escape),
                "{escape} in {command}"
            );
        }
    }
    let annotation = commands
        .iter()
        .find(|command| command.contains("aws_s3_bucket.b"))
        .expect("the bucket's finding is annotated");
    // In the title (a property) `%`, `,` and `:` are escaped; the plan's
    // newline was made visible (`\n`) before GitHub's escaping.
    assert!(
        annotation.contains(r"50%25%2C\nnext%3A a%2Cb\r"),
        "{annotation}"
    );
    // In the message (data) only `%` and line breaks are.
    assert!(annotation.contains(r"50%25,\nnext: a,b\r"), "{annotation}");
    assert!(commands.last().unwrap().starts_with("::error "), "{text}");
    assert!(
        commands
            .last()
            .unwrap()
            .contains("title=blastwall::verdict fail"),
        "{text}"
    );
}

#[test]
fn github_annotations_stay_within_the_per_step_limits() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "large.json", large_plan(30_000));
    let output = blastwall()
        .args(["check", "--format", "github"])
        .arg(&path)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(3));
    for kind in ["error", "warning", "notice"] {
        let count = text
            .lines()
            .filter(|line| line.starts_with(&format!("::{kind} ")))
            .count();
        assert!(count <= 10, "{count} {kind} annotations");
    }
    let last = text.lines().last().unwrap();
    assert!(
        last.starts_with("::error title=blastwall") || last.starts_with("::error file="),
        "{last}"
    );
    assert!(last.contains("more finding(s) are in the log"), "{last}");
    assert!(
        text.lines()
            .any(|line| line.starts_with("blastwall: critical data-loss on "))
    );
}
