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
