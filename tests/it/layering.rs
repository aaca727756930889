//! The modules under `src/` are the pipeline, and dependencies point one way,
//! down it: each top-level module may use only the modules before it here.
//! Read from the source (`crate::…` paths), so a new upward `use` fails this
//! test instead of growing a cycle. Test code (`#[cfg(test)] mod …`, files
//! named `tests.rs`) may reach upward to build its inputs, and is skipped.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::common::root;

/// The stages in order; a module may depend on any module before it.
/// `util` and `exit` are shared helpers at the bottom. `model` comes before
/// `input`: input turns bytes into model documents. `rules` come before
/// `analysis`: analysis runs the rules over the facts it computes. `cli` (clap
/// types) comes just before `app`, the only module that reads it.
const STAGES: &[&[&str]] = &[
    &["util", "exit"],
    &["model"],
    &["input"],
    &["graph"],
    &["blast"],
    &["rules"],
    &["analysis"],
    &["policy"],
    &["report"],
    &["render"],
    &["cli"],
    &["app"],
];

fn stage_of(module: &str) -> Option<usize> {
    STAGES.iter().position(|stage| stage.contains(&module))
}

/// The source without comments and without trailing test modules.
fn library_code(text: &str) -> String {
    let code: String = text
        .lines()
        .map(|line| match line.find("//") {
            Some(at) => &line[..at],
            None => line,
        })
        .collect::<Vec<_>>()
        .join("\n");
    let test_module = ["#[cfg(test)]\nmod ", "#[cfg(test)]\npub(crate) mod "]
        .iter()
        .filter_map(|marker| code.find(marker))
        .min();
    match test_module {
        Some(at) => code[..at].to_owned(),
        None => code,
    }
}

/// The top-level modules named by `crate::x` and `crate::{x, y::z}`.
fn used_modules(code: &str) -> BTreeSet<String> {
    let mut used = BTreeSet::new();
    for (at, _) in code.match_indices("crate::") {
        let rest = &code[at + "crate::".len()..];
        let names: Vec<&str> = if let Some(group) = rest.strip_prefix('{') {
            group[..group.find('}').unwrap_or(group.len())]
                .split(',')
                .collect()
        } else {
            vec![rest]
        };
        for name in names {
            let name: String = name
                .trim()
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_')
                .collect();
            if !name.is_empty() {
                used.insert(name);
            }
        }
    }
    used
}

fn visit(dir: &Path, files: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            visit(&path, files);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            files.push(path);
        }
    }
}

#[test]
fn dependencies_point_down_the_pipeline() {
    let src = root().join("src");
    let mut files = Vec::new();
    visit(&src, &mut files);
    let mut upward: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut seen = BTreeSet::new();
    for file in files {
        let relative = file.strip_prefix(&src).unwrap();
        let first = relative.components().next().unwrap().as_os_str();
        let module = first.to_string_lossy().trim_end_matches(".rs").to_owned();
        if module == "lib" || module == "main" || file.file_name().unwrap() == "tests.rs" {
            continue;
        }
        let stage = stage_of(&module)
            .unwrap_or_else(|| panic!("src/{module} is in no stage of STAGES: add it"));
        seen.insert(module.clone());
        let code = library_code(&std::fs::read_to_string(&file).unwrap());
        for used in used_modules(&code) {
            // Crate-root items (`lib.rs` re-exports `app`'s entry points) are `app`.
            let used_stage = stage_of(&used).unwrap_or(STAGES.len() - 1);
            if used_stage > stage {
                upward
                    .entry(format!("{module} → {used}"))
                    .or_default()
                    .insert(relative.display().to_string());
            }
        }
    }
    assert!(
        upward.is_empty(),
        "dependencies that point up the pipeline (or sideways): {upward:#?}"
    );
    // The test reads what exists: every stage is still there.
    for stage in STAGES.iter().flat_map(|stage| stage.iter()) {
        assert!(seen.contains(*stage), "no src/{stage}: update STAGES");
    }
}

#[test]
fn only_the_app_layer_knows_clap() {
    let src = root().join("src");
    let mut files = Vec::new();
    visit(&src, &mut files);
    for file in files {
        let relative = file
            .strip_prefix(&src)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        if relative == "cli.rs" || relative == "main.rs" || relative.starts_with("app/") {
            continue;
        }
        let code = library_code(&std::fs::read_to_string(&file).unwrap());
        assert!(
            !code.contains("clap") && !code.contains("crate::cli"),
            "src/{relative} uses clap or crate::cli; only cli.rs, main.rs and app/ may"
        );
    }
}
