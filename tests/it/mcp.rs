//! `blastwall mcp` driven by a real MCP client: the official Python SDK
//! (`pip install mcp`; `.ci/run` installs it and sets BLASTWALL_MCP_PYTHON).

use crate::common::root;

fn python_with_mcp() -> Option<String> {
    let candidates = std::env::var("BLASTWALL_MCP_PYTHON")
        .into_iter()
        .chain(["python3".to_owned()]);
    for python in candidates {
        let works = std::process::Command::new(&python)
            .args(["-c", "import mcp"])
            .output()
            .is_ok_and(|output| output.status.success());
        if works {
            return Some(python);
        }
    }
    eprintln!(
        "SKIPPED: no Python with the `mcp` SDK (set BLASTWALL_MCP_PYTHON, or `pip install mcp`)"
    );
    None
}

/// The 1k-resource plan: `../shared/tools/synth/synth_plan.py --resources
/// 1000 --seed 1` (as scripts/bench.sh makes it), else 1000 instances with
/// a delete every tenth when the synth tool is not beside the repository.
fn plan_1k(dir: &std::path::Path, python: &str) -> std::path::PathBuf {
    let out = dir.join("plan-1k.json");
    let synth = root().join("../shared/tools/synth/synth_plan.py");
    if synth.is_file() {
        let status = std::process::Command::new(python)
            .arg(&synth)
            .args(["--resources", "1000", "--seed", "1", "--out"])
            .arg(&out)
            .status()
            .unwrap();
        assert!(status.success());
    } else {
        eprintln!("../shared/tools/synth is absent: a simpler 1k plan instead");
        std::fs::write(&out, crate::cli::synthetic_plan(1000, "aws_db_instance")).unwrap();
    }
    out
}

#[test]
fn a_real_mcp_client_lists_the_tools_and_checks_a_plan() {
    let Some(python) = python_with_mcp() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let large = plan_1k(dir.path(), &python);
    let output = std::process::Command::new(&python)
        .arg(root().join("tests/mcp/client.py"))
        .arg(assert_cmd::cargo::cargo_bin("blastwall"))
        .arg(root().join("testdata/plans/db-deleted/plan.json"))
        .arg(&large)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let seen: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(seen["server"], "blastwall");
    assert_eq!(
        seen["tools"],
        serde_json::json!(["blast_radius", "check_plan", "explain_rule", "findings"])
    );
    assert!(
        seen["descriptions"]["check_plan"]
            .as_str()
            .unwrap()
            .contains("BEFORE any terraform/tofu apply or destroy")
    );
    // Every tool only reads, gives the same answer twice, and stays local.
    for tool in ["blast_radius", "check_plan", "explain_rule", "findings"] {
        assert_eq!(
            seen["annotations"][tool],
            serde_json::json!({
                "readOnlyHint": true,
                "destructiveHint": false,
                "idempotentHint": true,
                "openWorldHint": false
            }),
            "{tool}"
        );
    }
    // The SDK validated each structuredContent against these schemas.
    assert_eq!(
        seen["output_schemas"],
        serde_json::json!(["blast_radius", "check_plan", "findings"])
    );
    assert_eq!(seen["verdict"], "fail");
    assert_eq!(seen["inline_verdict"], "fail");
    assert_eq!(seen["profile"], "agent");
    let answer = &seen["answer"];
    assert_eq!(answer["score"], 40);
    assert_eq!(answer["counts"]["findings"], 1);
    assert_eq!(answer["counts"]["data_loss"], 1);
    assert_eq!(answer["findings"]["items"][0]["rule"], "data-loss");
    assert!(
        answer["findings"]["items"][0]["fix"]
            .as_str()
            .unwrap()
            .contains("skip_final_snapshot = false")
    );
    assert_eq!(
        answer["reasons"],
        serde_json::json!([
            "1 finding(s) at or above high fail the plan",
            "data loss on 1 resource(s) > 0",
            "score 40 ≥ 30"
        ])
    );
    // A plan given inline is named so, never by a temporary file.
    assert_eq!(seen["inline_label"], "inline plan");
    for text in [&seen["inline_text"], &seen["broken_text"]] {
        assert!(!text.as_str().unwrap().contains("/tmp"), "{text}");
    }
    assert!(
        seen["broken_text"]
            .as_str()
            .unwrap()
            .contains("inline plan: the JSON ends early")
    );
    // The caller is an agent: the human profile is refused (issue 12).
    assert_eq!(seen["human_refused"], true);
    assert_eq!(seen["human_page_refused"], true);
    assert!(
        seen["human_text"]
            .as_str()
            .unwrap()
            .contains("an agent cannot choose a laxer profile")
    );
    assert!(
        seen["verdict_text"]
            .as_str()
            .unwrap()
            .contains("rule=data-loss address=\"aws_db_instance.orders\"")
    );
    assert!(
        seen["blast_radius"]
            .as_str()
            .unwrap()
            .contains("would disrupt 1 resource(s)")
    );
    assert_eq!(seen["blast_answer"]["total"], 1);
    assert_eq!(
        seen["blast_answer"]["reached"][0]["address"],
        "aws_lambda_function.app"
    );
    assert_eq!(seen["broken_is_error"], true);

    // A 1k-resource plan: the answer an agent reads stays under 20 kB (the
    // whole JSON report of it is over 100 kB), and the rest is paged.
    let large = &seen["large"];
    assert_eq!(large["is_error"], false);
    let bytes = large["bytes"].as_u64().unwrap();
    assert!(bytes < 20_000, "check_plan answered {bytes} bytes");
    let total = large["findings"]["total"].as_u64().unwrap();
    assert_eq!(large["counts"]["findings"].as_u64().unwrap(), total);
    assert!(large["findings"]["items"].as_array().unwrap().len() <= 10);
    if total > 10 {
        assert_eq!(large["findings"]["next_offset"], 10);
        assert_eq!(large["page"]["offset"], 10);
        assert_eq!(
            large["page"]["items"].as_array().unwrap().len() as u64,
            (total - 10).min(10)
        );
        assert!(
            large["text"]
                .as_str()
                .unwrap()
                .contains("call `findings` with offset=10")
        );
    }
    assert!(large["page_bytes"].as_u64().unwrap() < 20_000);
    assert_eq!(large["last_page"]["items"], serde_json::json!([]));
    assert!(large["radius_bytes"].as_u64().unwrap() < 20_000);
    assert!(large["radius"]["reached"].as_array().unwrap().len() <= 5);
}
