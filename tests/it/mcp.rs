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

#[test]
fn a_real_mcp_client_lists_the_tools_and_checks_a_plan() {
    let Some(python) = python_with_mcp() else {
        return;
    };
    let output = std::process::Command::new(python)
        .arg(root().join("tests/mcp/client.py"))
        .arg(assert_cmd::cargo::cargo_bin("blastwall"))
        .arg(root().join("testdata/plans/db-deleted/plan.json"))
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
        serde_json::json!(["blast_radius", "check_plan", "explain_rule"])
    );
    assert!(
        seen["descriptions"]["check_plan"]
            .as_str()
            .unwrap()
            .contains("BEFORE any terraform/tofu apply or destroy")
    );
    assert_eq!(seen["verdict"], "fail");
    assert_eq!(seen["inline_verdict"], "fail");
    assert_eq!(seen["profile"], "agent");
    // The caller is an agent: the human profile is refused (issue 12).
    assert_eq!(seen["human_refused"], true);
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
    assert_eq!(seen["broken_is_error"], true);
}
