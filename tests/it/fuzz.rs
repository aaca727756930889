//! The reader fuzzer: real plans (`testdata/`, and `../shared/corpus` when
//! present) damaged by `fuzz/mutate.rs`, each run through the binary as a
//! user would. Invariants: no panic, no abort, no hang, exit 0/1/3 only,
//! nothing raw (control bytes) from the input on stderr, and a verdict never
//! laxer than the unmutated plan's while the mutated plan's `resource_changes`
//! are what they were (a mutation there can legitimately remove or defuse a
//! dangerous change: a port 22 that becomes 7).
//!
//! `fuzz_in_process` runs 3,000 cases through the library and `fuzz_short`
//! 300 through the binary in `cargo test`; `scripts/fuzz.sh
//! SECONDS` runs `fuzz_long` for as long as asked. A failing case is written
//! to `target/fuzz-failures/` with what was done to it.

#[path = "../../fuzz/mutate.rs"]
mod mutate;

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use mutate::Rng;

const HANG_SECONDS: &str = "60";

fn seeds(with_corpus: bool) -> Vec<(String, Vec<u8>)> {
    let root = crate::common::root();
    let mut paths: Vec<PathBuf> = Vec::new();
    for dir in ["testdata/plans", "testdata/accuracy"] {
        if let Ok(entries) = std::fs::read_dir(root.join(dir)) {
            for entry in entries.flatten() {
                let plan = entry.path().join("plan.json");
                if plan.is_file() {
                    paths.push(plan);
                }
            }
        }
    }
    let corpus = root.join("../shared/corpus/public");
    if with_corpus && corpus.is_dir() {
        for entry in walkdir::WalkDir::new(&corpus).into_iter().flatten() {
            let is_small_json = entry.path().extension().is_some_and(|e| e == "json")
                && entry.metadata().is_ok_and(|m| m.len() < 600_000);
            if entry.file_type().is_file() && is_small_json {
                paths.push(entry.into_path());
            }
        }
    }
    paths.sort();
    paths
        .into_iter()
        .filter_map(|path| {
            let bytes = std::fs::read(&path).ok()?;
            Some((path.display().to_string(), bytes))
        })
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Outcome {
    Pass,
    Warn,
    Fail,
}

struct Run {
    code: Option<i32>,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
    elapsed: Duration,
}

/// The authors a case is checked as: each profile has its own thresholds,
/// and a lost section that the agent profile still failed passed in the
/// human one (a teardown whose configuration was dropped).
const AUTHORS: [&str; 2] = ["human", "agent"];

fn run_file(path: &std::path::Path, state: &std::path::Path, author: &str) -> Run {
    let started = Instant::now();
    let output = Command::new("timeout")
        .args(["-s", "KILL", HANG_SECONDS])
        // A fixed copy for long runs while the tree is rebuilt.
        .arg(
            std::env::var_os("BLASTWALL_FUZZ_BIN")
                .unwrap_or_else(|| env!("CARGO_BIN_EXE_blastwall").into()),
        )
        .args(["check", "--format", "json", "--author", author])
        .arg(path)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("NO_COLOR", "1")
        .env("XDG_STATE_HOME", state)
        .current_dir(crate::common::root())
        .output()
        .expect("timeout and blastwall run");
    Run {
        code: output.status.code(),
        stdout: output.stdout,
        stderr: output.stderr,
        elapsed: started.elapsed(),
    }
}

fn verdict(run: &Run) -> Option<Outcome> {
    let report: serde_json::Value = serde_json::from_slice(&run.stdout).ok()?;
    match report.get("verdict")?.as_str()? {
        "pass" => Some(Outcome::Pass),
        "warn" => Some(Outcome::Warn),
        "fail" => Some(Outcome::Fail),
        _ => None,
    }
}

/// `resource_changes` and `resource_drift` (both lists of changes; drift
/// holds deletes made outside Terraform) of the first document in `bytes`,
/// when it parses. Case 1304-6764: removing `resource_drift` legitimately
/// removes "deleted outside Terraform" findings.
fn resource_changes(bytes: &[u8]) -> Option<serde_json::Value> {
    let text = std::str::from_utf8(bytes).ok()?;
    let start = text.find('{')?;
    let mut stream =
        serde_json::Deserializer::from_str(&text[start..]).into_iter::<serde_json::Value>();
    let mut document = stream.next()?.ok()?;
    let changes = document.get_mut("resource_changes")?.take();
    let drift = document
        .get_mut("resource_drift")
        .map(serde_json::Value::take);
    Some(serde_json::json!([changes, drift]))
}

/// A problem with one case, or None when every invariant holds.
/// Whether the report names an auxiliary section it could not read: such a
/// plan is held at `warn` by design, and a mutation that makes the section
/// readable may lift that (case 1303-18253: `module_calls` as a list, the
/// shape issue 13 names, swapped into an object).
fn has_unreadable_section(run: &Run) -> bool {
    serde_json::from_slice::<serde_json::Value>(&run.stdout).is_ok_and(|report| {
        report["plans"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|plan| plan["health"].to_string().contains("could not be read"))
    })
}

fn check_case(
    run: &Run,
    baseline: Option<Outcome>,
    baseline_unreadable: bool,
    seed: &[u8],
    mutant: &[u8],
) -> Option<String> {
    let stderr = String::from_utf8_lossy(&run.stderr);
    let Some(code) = run.code else {
        return Some("killed by a signal (abort)".into());
    };
    if code == 137 || code == 124 {
        return Some(format!("hang: no result in {HANG_SECONDS} s"));
    }
    if !matches!(code, 0 | 1 | 3) {
        return Some(format!("exit {code}"));
    }
    if stderr.contains("panicked") {
        return Some("panic".into());
    }
    if let Some(byte) = run
        .stderr
        .iter()
        .find(|byte| (**byte < 0x20 && **byte != b'\n') || **byte == 0x7f)
    {
        return Some(format!("raw control byte {byte:#04x} on stderr"));
    }
    if code == 1 && !stderr.contains("help:") {
        return Some("a refusal without a help line".into());
    }
    if code != 1 {
        let outcome = verdict(run)?;
        if let Some(baseline) = baseline
            && outcome < baseline
            && (!baseline_unreadable || has_unreadable_section(run))
            && let (Some(before), Some(after)) = (resource_changes(seed), resource_changes(mutant))
            && before == after
        {
            return Some(format!(
                "verdict {outcome:?} laxer than {baseline:?} with resource_changes untouched"
            ));
        }
    }
    None
}

/// A seed's verdict (none when refused) and whether a section was unreadable.
type Baseline = (Option<Outcome>, bool);

struct Stats {
    cases: usize,
    refused: usize,
    failures: Vec<String>,
}

/// On a thread with a large stack: mutations nest values thousands deep,
/// and writing or dropping them recurses.
fn fuzz(budget: Duration, max_cases: usize, with_corpus: bool, run_seed: u64) -> Stats {
    std::thread::Builder::new()
        .stack_size(1 << 30)
        .spawn(move || fuzz_here(budget, max_cases, with_corpus, run_seed))
        .expect("fuzz thread starts")
        .join()
        .expect("the fuzzer itself does not panic")
}

fn fuzz_here(budget: Duration, max_cases: usize, with_corpus: bool, run_seed: u64) -> Stats {
    let seeds = seeds(with_corpus);
    assert!(!seeds.is_empty());
    let work = tempfile::tempdir().expect("temp dir");
    let state = work.path().join("state");
    let failures_dir = crate::common::root().join("target/fuzz-failures");
    let mut baselines: Vec<[Option<Baseline>; 2]> = vec![[None; 2]; seeds.len()];
    let others: Vec<&[u8]> = seeds.iter().map(|(_, bytes)| bytes.as_slice()).collect();
    let mut rng = Rng::new(run_seed);
    let started = Instant::now();
    let mut stats = Stats {
        cases: 0,
        refused: 0,
        failures: Vec::new(),
    };
    while stats.cases < max_cases && started.elapsed() < budget {
        let index = rng.below(seeds.len());
        let (label, seed) = &seeds[index];
        let author_index = rng.below(AUTHORS.len());
        let author = AUTHORS[author_index];
        let (baseline, baseline_unreadable) =
            *baselines[index][author_index].get_or_insert_with(|| {
                let path = work.path().join("seed.json");
                std::fs::write(&path, seed).expect("write seed");
                let run = run_file(&path, &state, author);
                if run.code == Some(1) {
                    (None, false)
                } else {
                    (verdict(&run), has_unreadable_section(&run))
                }
            });
        let mutant = mutate::mutate(seed, &others, &mut rng);
        let path = work.path().join("case.json");
        std::fs::write(&path, &mutant.bytes).expect("write case");
        let run = run_file(&path, &state, author);
        stats.cases += 1;
        if stats.cases.is_multiple_of(500) {
            eprintln!(
                "fuzz: {} cases, {} refused, {} failure(s), {:?}",
                stats.cases,
                stats.refused,
                stats.failures.len(),
                started.elapsed()
            );
        }
        if run.code == Some(1) {
            stats.refused += 1;
        }
        if let Some(problem) = check_case(&run, baseline, baseline_unreadable, seed, &mutant.bytes)
        {
            std::fs::create_dir_all(&failures_dir).ok();
            let name = format!("case-{run_seed}-{}", stats.cases);
            std::fs::write(failures_dir.join(format!("{name}.json")), &mutant.bytes).ok();
            let note = format!(
                "{name}: {problem}\n  seed {label}, --author {author}\n  mutations {:?}\n  took {:?}\n  stderr: {}\n",
                mutant.what,
                run.elapsed,
                String::from_utf8_lossy(&run.stderr)
                    .chars()
                    .take(600)
                    .collect::<String>()
            );
            std::fs::write(failures_dir.join(format!("{name}.txt")), &note).ok();
            eprintln!("{note}");
            stats.failures.push(note);
        }
    }
    eprintln!(
        "fuzz: {} cases ({} refused with exit 1) in {:?}, {} failure(s), run seed {run_seed}",
        stats.cases,
        stats.refused,
        started.elapsed(),
        stats.failures.len()
    );
    stats
}

#[test]
fn fuzz_short() {
    let cases = std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(300);
    let stats = fuzz(Duration::from_secs(600), cases, false, 13);
    assert!(stats.failures.is_empty(), "{}", stats.failures.join("\n"));
}

#[test]
#[ignore = "long: run by scripts/fuzz.sh"]
fn fuzz_long() {
    let seconds = std::env::var("FUZZ_SECONDS")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(1800);
    let run_seed = std::env::var("FUZZ_SEED")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(1, |since| since.as_secs())
        });
    let stats = fuzz(Duration::from_secs(seconds), usize::MAX, true, run_seed);
    assert!(stats.failures.is_empty(), "{}", stats.failures.join("\n"));
}

/// Thousands of cases in `cargo test`: the same mutations through the
/// library (no process per case), so only what a process adds (abort, hang,
/// exit code) is left to `fuzz_short` and `fuzz_long`. A panic, a refusal
/// whose diagnostic has no help line or holds a raw control byte, and a
/// laxer verdict with `resource_changes` untouched all fail.
#[test]
fn fuzz_in_process() {
    let cases: usize = std::env::var("FUZZ_IN_PROCESS_CASES")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(3_000);
    let failures = std::thread::Builder::new()
        .stack_size(1 << 30)
        .spawn(move || in_process(cases, 1313))
        .expect("fuzz thread starts")
        .join()
        .expect("the fuzzer itself does not panic");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn in_process(cases: usize, run_seed: u64) -> Vec<String> {
    use blastwall::input::Source;
    use std::panic::{AssertUnwindSafe, catch_unwind};

    let builtin = || blastwall::CheckOptions::builtin().expect("built-in rules");
    let profiles = [
        builtin().with_profile("human").expect("the human profile"),
        builtin(),
    ];
    let seeds = seeds(false);
    let others: Vec<&[u8]> = seeds.iter().map(|(_, bytes)| bytes.as_slice()).collect();
    let work = tempfile::tempdir().expect("temp dir");
    let path = work.path().join("case.json");
    let check = |bytes: &[u8], options: &blastwall::CheckOptions| {
        std::fs::write(&path, bytes).expect("write case");
        catch_unwind(AssertUnwindSafe(|| {
            blastwall::check(&[Source::Path(path.clone())], options)
        }))
    };
    let unreadable = |report: &blastwall::report::Report| {
        report.plans.iter().any(|plan| {
            plan.health.iter().any(|issue| {
                matches!(
                    issue,
                    blastwall::analysis::HealthIssue::UnreadableSection { .. }
                )
            })
        })
    };
    let baselines: Vec<Vec<Option<(blastwall::policy::Verdict, bool)>>> = seeds
        .iter()
        .map(|(_, seed)| {
            profiles
                .iter()
                .map(|options| match check(seed, options) {
                    Ok(Ok(report)) => Some((report.decision.verdict, unreadable(&report))),
                    _ => None,
                })
                .collect()
        })
        .collect();
    let mut rng = Rng::new(run_seed);
    let mut failures = Vec::new();
    let mut refused = 0;
    for case in 0..cases {
        let index = rng.below(seeds.len());
        let (label, seed) = &seeds[index];
        let profile = rng.below(profiles.len());
        let mutant = mutate::mutate(seed, &others, &mut rng);
        let problem = match check(&mutant.bytes, &profiles[profile]) {
            Err(_) => Some("panic".to_owned()),
            Ok(Err(error)) => {
                refused += 1;
                let mut text = String::new();
                let handler = miette::GraphicalReportHandler::new_themed(
                    miette::GraphicalTheme::unicode_nocolor(),
                );
                let _ = handler.render_report(&mut text, &error);
                if error.exit() != blastwall::exit::Exit::NoVerdict {
                    Some(format!("exit {:?}", error.exit()))
                } else if text.chars().any(|c| c.is_control() && c != '\n') {
                    Some(format!(
                        "a raw control character in the diagnostic: {text:?}"
                    ))
                } else if !text.contains("help:") && !text.contains("could not be analysed") {
                    Some(format!("a refusal without help: {text}"))
                } else {
                    None
                }
            }
            Ok(Ok(report)) => match baselines[index][profile] {
                Some((baseline, baseline_unreadable))
                    if report.decision.verdict < baseline
                        && (!baseline_unreadable || unreadable(&report))
                        && resource_changes(seed).is_some()
                        && resource_changes(seed) == resource_changes(&mutant.bytes) =>
                {
                    Some(format!(
                        "verdict {:?} laxer than {baseline:?} with resource_changes untouched",
                        report.decision.verdict
                    ))
                }
                _ => None,
            },
        };
        if let Some(problem) = problem {
            failures.push(format!(
                "case {case}: {problem}\n  seed {label}, profile {profile}\n  mutations {:?}",
                mutant.what
            ));
        }
    }
    eprintln!(
        "fuzz in process: {cases} cases ({refused} refused), {} failure(s)",
        failures.len()
    );
    failures
}
