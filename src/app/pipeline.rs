//! The pipeline as one function: sources → texts → plans → analysis →
//! decision → `Report`. Every command that judges a plan calls it.

use std::collections::HashSet;

use crate::analysis;
use crate::app::error::RunError;
use crate::app::options::CheckOptions;
use crate::input::error::{InputError, InputErrors};
use crate::input::{self, Loaded, Source};
use crate::model;
use crate::policy::{self, config};
use crate::report::{self, Report};

/// Reads every input, recognises each document, and hands every plan to
/// `visit` (label, parsed plan). Any input that is not a plan, or cannot be
/// read, is an error (in a directory, recognisable non-plans are skipped),
/// and no input with a plan at all is an error too. Returns the input
/// warnings and the skipped files.
pub fn for_each_plan(
    sources: &[Source],
    terraform_bin: Option<&std::path::Path>,
    visit: impl FnMut(&str, &model::Plan<'_>),
) -> Result<(Vec<input::InputWarning>, Vec<input::Skipped>), RunError> {
    for_each_loaded_plan(sources, input::load(sources, terraform_bin), visit)
}

/// [`for_each_plan`] on `loaded`, what [`input::load`] read from `sources`.
pub fn for_each_loaded_plan(
    sources: &[Source],
    loaded: Loaded,
    mut visit: impl FnMut(&str, &model::Plan<'_>),
) -> Result<(Vec<input::InputWarning>, Vec<input::Skipped>), RunError> {
    let Loaded {
        mut texts,
        mut warnings,
        mut skipped,
        mut errors,
    } = loaded;
    let mut found = 0;
    let text_count = texts.len();
    // The plans seen, by their text: the same plan given twice (a binary
    // plan beside its `show -json` output in one directory) counted every
    // destroy twice, and failed a plan that passes alone.
    let mut seen: HashSet<blake3::Hash> = HashSet::new();
    'texts: for loaded in &mut texts {
        let mut next = 0;
        while let Some(range) = loaded.documents.get(next).cloned() {
            let index = next;
            next += 1;
            let many = loaded.documents.len() > 1;
            let label = if many {
                // Terragrunt names each unit in the log line before its document.
                let previous_end = index
                    .checked_sub(1)
                    .map_or(0, |previous| loaded.documents[previous].end);
                let before = loaded
                    .text
                    .get(previous_end..range.start)
                    .unwrap_or_default();
                match input::split::terragrunt_unit(before) {
                    Some(unit) => format!(
                        "{} (unit {unit}, document {} of {})",
                        loaded.label,
                        index + 1,
                        loaded.documents.len()
                    ),
                    None => format!(
                        "{} (document {} of {})",
                        loaded.label,
                        index + 1,
                        loaded.documents.len()
                    ),
                }
            } else {
                loaded.label.clone()
            };
            let mut parsed = model::parse_document(&loaded.text[range.clone()]);
            if loaded.provisional
                && let Err(failure) = parsed
            {
                // Taken as one document without looking for its end: now look.
                match input::resplit(loaded) {
                    Ok(warning) => warnings.extend(warning),
                    Err(error) => {
                        errors.push(error);
                        continue 'texts;
                    }
                }
                if loaded.documents != [range.clone()] {
                    next = 0;
                    continue;
                }
                parsed = Err(failure);
            }
            let mut document = match parsed {
                Ok(document) => document,
                Err(failure) => {
                    errors.push(input::json_error(
                        &label,
                        &loaded.text,
                        range.start,
                        &failure,
                    ));
                    continue;
                }
            };
            // A `terraform plan -json` log is one input, however many lines it has.
            let recognised = match input::recognise(&label, &document) {
                Err(InputError::PlanLog { .. }) => Err(InputError::PlanLog {
                    input: loaded.label.clone(),
                }),
                other => other,
            };
            let is_log = matches!(recognised, Err(InputError::PlanLog { .. }));
            match recognised {
                Ok(())
                    if (text_count > 1 || loaded.documents.len() > 1)
                        && !seen.insert(blake3::hash(loaded.text[range.clone()].as_bytes())) =>
                {
                    skipped.push(input::Skipped {
                        input: label,
                        reason: "the same plan, byte for byte, as an input checked before it: counted once".to_owned(),
                    });
                }
                Ok(()) => {
                    found += 1;
                    // Validation was the last reader of planned_values: what
                    // the analysis holds beside the text is less by it.
                    let text = &loaded.text[range.clone()];
                    if let Some((planned, section)) = document.let_go_of_planned_values(text) {
                        drop_nested(planned, document.deepest);
                        let in_text = range.start + section.start..range.start + section.end;
                        input::pages::give_back(&loaded.text, in_text);
                    }
                    visit(&label, &document);
                }
                // A log is skipped whole, so nothing after it may be a plan.
                Err(error) => match input::skip_reason(&error).filter(|_| {
                    let rest = if is_log {
                        &loaded.text[range.start..]
                    } else {
                        &loaded.text[range.clone()]
                    };
                    let has_plan_sections = document.resource_changes.is_some()
                        || document.planned_values.is_some()
                        || document.prior_state.is_some()
                        || !document.resource_drift.is_empty();
                    loaded.from_directory
                        && !has_plan_sections
                        && !input::mentions_plan_keys(rest.as_bytes())
                }) {
                    Some(reason) => skipped.push(input::Skipped {
                        input: if is_log { loaded.label.clone() } else { label },
                        reason,
                    }),
                    None => errors.push(error),
                },
            }
            release(document);
            if is_log {
                break;
            }
        }
    }
    // After the last read of every text: a file written meanwhile was not
    // what was judged.
    errors.extend(
        texts
            .iter()
            .filter(|loaded| !loaded.text.unchanged())
            .map(|loaded| InputError::ChangedWhileChecked {
                input: loaded.label.clone(),
            }),
    );
    free_in_background(texts);
    if !errors.is_empty() {
        return Err(InputErrors { errors }.into());
    }
    if found == 0 {
        let input = match sources.first() {
            Some(Source::Path(path)) => path.display().to_string(),
            _ => "<stdin>".to_owned(),
        };
        return Err(InputErrors {
            errors: vec![InputError::NoPlans {
                input,
                skipped: format!("{} file(s) were skipped", skipped.len()),
            }],
        }
        .into());
    }
    Ok((warnings, skipped))
}

/// Gives the plan texts back to the system on another thread, so the
/// report is written meanwhile: unmapping a 575 MB text took 60-80 ms of the
/// check's wall time, on one core, between the analysis and the report.
/// Small texts are freed here, cheaper than a thread; so are all of them if
/// no thread can be started.
fn free_in_background(texts: Vec<input::LoadedText>) {
    const WORTH_A_THREAD: usize = 16 << 20;
    if texts.iter().map(|loaded| loaded.text.len()).sum::<usize>() < WORTH_A_THREAD {
        return;
    }
    let _ = std::thread::Builder::new()
        .name("free plan text".to_owned())
        .spawn(move || drop(texts));
}

/// Frees a parsed plan on a stack deep enough for its nesting. Module
/// nesting has no limit, and dropping nested modules recurses once per
/// level: 50,000 levels overflowed the main thread's stack after the
/// analysis had finished. (A `Drop` that flattens the modules instead would
/// keep the text borrowed across `resplit` for the borrow checker.)
fn release(document: model::Document<'_>) {
    let deepest = document.deepest;
    drop_nested(document, deepest);
}

/// Drops `value`, parsed from a document nesting `deepest` levels deep, on
/// a stack deep enough for it.
fn drop_nested<T>(value: T, deepest: usize) {
    /// Stack a drop takes per level of JSON nesting, with room to spare
    /// (an unoptimised build's frames are the larger).
    const STACK_PER_LEVEL: usize = 1024;
    const SHALLOW: usize = 1000;
    if deepest < SHALLOW {
        drop(value);
        return;
    }
    let stack = deepest.saturating_mul(STACK_PER_LEVEL) + (1 << 20);
    stacker::grow(stack, move || drop(value));
}

/// Reads, analyses and judges every plan named by `sources`. Any input that
/// cannot be analysed means no verdict at all: a partial report could pass a
/// plan set whose dangerous part was the unreadable one.
pub fn check(sources: &[Source], options: &CheckOptions) -> Result<Report, RunError> {
    check_labelled(sources, options, &|label| label.to_owned())
}

/// [`check`] on inputs already read (`check` reads them while its options
/// are resolved: the built-in rules are 200 KB of TOML to parse).
pub fn check_loaded(
    sources: &[Source],
    loaded: Loaded,
    options: &CheckOptions,
) -> Result<Report, RunError> {
    judge(options, &|label| label.to_owned(), |visit| {
        for_each_loaded_plan(sources, loaded, visit)
    })
}

/// [`check`], each plan named by `label_of` its input's label (the MCP
/// server names a plan given inline "inline plan", not its temporary file).
pub fn check_labelled(
    sources: &[Source],
    options: &CheckOptions,
    label_of: &dyn Fn(&str) -> String,
) -> Result<Report, RunError> {
    judge(options, label_of, |visit| {
        for_each_plan(sources, options.terraform_bin.as_deref(), visit)
    })
}

/// The report on every plan `read` hands to its visitor.
fn judge(
    options: &CheckOptions,
    label_of: &dyn Fn(&str) -> String,
    read: impl FnOnce(
        &mut dyn FnMut(&str, &model::Plan<'_>),
    ) -> Result<(Vec<input::InputWarning>, Vec<input::Skipped>), RunError>,
) -> Result<Report, RunError> {
    let mut plans = Vec::new();
    let (warnings, skipped) = read(&mut |label, plan| {
        plans.push(analysis::analyse(
            &label_of(label),
            plan,
            &options.rules,
            &options.targets,
        ));
    })?;
    let policy = policy::Policy {
        profile: &options.profile,
        severity: &options.config.severity,
        ignores: &options.config.ignores,
        approvals: &options.approvals,
        trusted_approvals_only: options.profile.trusted_approvals_only,
        today: options.today,
        config_label: &options.config.path.as_ref().map_or_else(
            || config::FILE_NAME.to_owned(),
            |path| path.display().to_string(),
        ),
    };
    let mut decision = policy::decide(&mut plans, &policy);
    decision
        .notes
        .extend(options.approval_problems.iter().cloned());
    decision.notes.extend(options.notes.iter().cloned());
    let checked_with = report::CheckedWith {
        author: options.author.clone(),
        profile: options.profile.name.clone(),
        profile_reason: options.profile_reason.clone(),
        config_files: options.config_files.clone(),
        fail_severity: options.profile.thresholds.fail_severity,
        warn_severity: options.profile.thresholds.warn_severity,
        rules: options.rules.rules.clone(),
    };
    Ok(Report::new(
        plans,
        decision,
        warnings,
        skipped,
        checked_with,
    ))
}
