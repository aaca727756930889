//! Conformance on ~380 real plan and state files from public repositories
//! (`../shared/corpus`, when present). Each must yield a report or a precise
//! diagnostic — never a panic, never a silent pass — and the outcome table is
//! a snapshot, so any behaviour change shows up in review.

use std::path::{Path, PathBuf};

use blastwall::input::Source;
use miette::Diagnostic;

fn corpus_dir() -> Option<PathBuf> {
    let dir = crate::common::root().join("../shared/corpus");
    if dir.join("public").is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "SKIPPED: {} is not present; the corpus conformance test needs it",
            dir.display()
        );
        None
    }
}

fn files_below(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|entry| entry.file_type().is_file())
        .map(|entry| entry.into_path())
        .collect();
    files.sort();
    files
}

fn options() -> blastwall::CheckOptions {
    blastwall::CheckOptions::builtin().expect("built-in rules load")
}

/// One line per file: what blastwall made of it.
fn outcome(path: &Path) -> String {
    let result = std::panic::catch_unwind(|| {
        blastwall::check(&[Source::Path(path.to_path_buf())], &options())
    });
    match result {
        Err(_) => "PANIC".to_owned(),
        Ok(Ok(report)) => {
            let summary = &report.summary;
            let warned = if report.warnings.is_empty() {
                ""
            } else {
                " +warning"
            };
            format!(
                "{}{warned} plans={} c={} u={} d={} r={} read={} noop={} forget={} import={} move={} state={}",
                report.decision.verdict.label(),
                report.plans.len(),
                summary.create,
                summary.update,
                summary.delete,
                summary.replace,
                summary.read,
                summary.no_op,
                summary.forget,
                summary.import,
                summary.moved,
                summary.resources_in_state
            )
        }
        Ok(Err(blastwall::app::error::RunError::Inputs(inputs))) => {
            let codes: Vec<String> = inputs
                .errors
                .iter()
                .map(|error| {
                    error
                        .code()
                        .map_or("no-code".to_owned(), |code| code.to_string())
                })
                .collect();
            format!("refused {}", codes.join(","))
        }
        Ok(Err(other)) => format!("error {other}"),
    }
}

#[test]
fn every_corpus_file_yields_a_report_or_a_precise_diagnostic() {
    let Some(dir) = corpus_dir() else { return };
    let mut table = String::new();
    let mut panics = Vec::new();
    let mut counts = std::collections::BTreeMap::<String, usize>::new();
    for subdir in ["public", "public-malformed"] {
        for file in files_below(&dir.join(subdir)) {
            let name = file.strip_prefix(&dir).unwrap().display().to_string();
            if name.ends_with(".md") || name.ends_with(".tsv") {
                continue;
            }
            let outcome = outcome(&file);
            if outcome == "PANIC" {
                panics.push(name.clone());
            }
            let kind = outcome.split(' ').next().unwrap_or_default().to_owned();
            let kind = if outcome.starts_with("refused") {
                outcome.clone()
            } else {
                kind
            };
            *counts.entry(kind).or_default() += 1;
            table.push_str(&format!("{name}\t{outcome}\n"));
        }
    }
    assert!(panics.is_empty(), "panics on: {panics:#?}");
    let totals: Vec<String> = counts
        .iter()
        .map(|(kind, count)| format!("{count:>4} {kind}"))
        .collect();
    insta::assert_snapshot!(
        "corpus-outcomes",
        format!("{}\n\n{table}", totals.join("\n"))
    );
}

#[test]
fn malformed_corpus_files_are_refused_or_read_with_a_warning() {
    let Some(dir) = corpus_dir() else { return };
    for file in files_below(&dir.join("public-malformed")) {
        let outcome = outcome(&file);
        let name = file.display().to_string();
        if name.contains("wrapper") {
            assert!(outcome.contains("+warning"), "{name}: {outcome}");
        } else {
            assert!(outcome.starts_with("refused"), "{name}: {outcome}");
        }
    }
}

#[test]
fn corpus_state_files_are_never_analysed_as_plans() {
    let Some(dir) = corpus_dir() else { return };
    let mut states = 0;
    for file in files_below(&dir.join("public")) {
        let text = std::fs::read(&file).unwrap();
        let Ok(value) = serde_json::from_slice::<serde_json::Value>(&text) else {
            continue;
        };
        let is_state = value.get("values").is_some()
            && value.get("planned_values").is_none()
            && value.get("resource_changes").is_none();
        if is_state {
            states += 1;
            let outcome = outcome(&file);
            assert!(
                outcome.contains("input::state"),
                "{}: {outcome}",
                file.display()
            );
        }
    }
    assert!(states > 10, "found {states} state files");
}
