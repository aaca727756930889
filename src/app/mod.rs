//! The commands: each reads its options (`options.rs`, the one resolver),
//! runs the pipeline and turns the verdict into an exit code.

pub mod approve;
pub mod audit;
pub mod error;
pub mod guard;
pub mod hook;
pub mod init;
pub mod mcp;
pub mod options;

pub use options::CheckOptions;

use std::io::{IsTerminal, Write};

use clap::ValueEnum;

use crate::app::error::RunError;
use crate::cli::{self, Cli, ColorChoice, Command, Format};
use crate::exit::Exit;
use crate::input::error::{InputError, InputErrors};
use crate::input::{self, Loaded, Source};
use crate::policy::{self, config};
use crate::report::{self, Report};
use crate::util::{escape, progress};
use crate::{analysis, model, render, rules};

pub fn run(cli: &Cli) -> Result<Exit, RunError> {
    match &cli.command {
        Command::Check(args) => {
            let sources = sources_from(&args.paths)?;
            let options = CheckOptions::from_args(args)?;
            let progress = progress::Progress::start();
            let report = check(&sources, &options)?;
            drop(progress);
            let stdout = std::io::stdout();
            let color = use_color(args.color, stdout.is_terminal());
            render::warnings(
                &report,
                &mut std::io::stderr().lock(),
                use_color(args.color, std::io::stderr().is_terminal()),
            )
            .map_err(RunError::Output)?;
            let format = chosen_format(args.format, &report);
            let mut out = std::io::BufWriter::new(stdout.lock());
            let width = render::width::stdout();
            render_format(format, &report, &options, args, color, width, &mut out)
                .and_then(|()| out.flush())
                .map_err(RunError::Output)?;
            // Other formats of the same report, to files: one analysis for all.
            for (format, path) in &args.write {
                let file = std::fs::File::create(path).map_err(|source| RunError::WriteFile {
                    path: path.clone(),
                    source,
                })?;
                let mut file = std::io::BufWriter::new(file);
                let color = args.color == ColorChoice::Always;
                render_format(*format, &report, &options, args, color, None, &mut file)
                    .and_then(|()| file.flush())
                    .map_err(|source| RunError::WriteFile {
                        path: path.clone(),
                        source,
                    })?;
            }
            // The job summary is a file GitHub Actions names: written here,
            // beside the outputs, not by a renderer.
            if format == Format::Github || args.write.iter().any(|(f, _)| *f == Format::Github) {
                github_step_summary(&report)?;
            }
            // In CI every decision goes to the audit log; unrecorded is no verdict.
            audit::record_check(&report, &options)?;
            Ok(options.gate.exit(report.decision.verdict))
        }
        Command::Audit(args) => audit::run_cli(args),
        Command::Approve(args) => approve::approve(args),
        Command::Mcp(args) => mcp::serve(args.profile.clone()).map(|()| Exit::Pass),
        Command::Guard(args) => {
            // The report goes to stderr, for the person or agent at hand:
            // the CI formats belong to `check` on the saved plan.
            if let Some(
                format @ (Format::Sarif | Format::Markdown | Format::Github | Format::Junit),
            ) = args.check.format
            {
                return Err(RunError::GuardFormat {
                    format: format
                        .to_possible_value()
                        .map_or_else(String::new, |value| value.get_name().to_owned()),
                });
            }
            let color = use_color(args.check.color, std::io::stderr().is_terminal());
            let format = args.check.format;
            let quiet = args.check.quiet;
            guard::run(&args.command, &args.check, &mut |report| {
                // The report goes to stderr: stdout belongs to terraform.
                let mut err = std::io::stderr().lock();
                render::warnings(report, &mut err, color).map_err(RunError::Output)?;
                match chosen_format(format, report) {
                    Format::Json => render::json::render(report, &mut err),
                    Format::Agent => render::agent::render(report, &mut err),
                    _ => render::human::render_with(
                        report,
                        &mut err,
                        &render::human::Layout {
                            color,
                            width: render::width::stderr(),
                            quiet,
                        },
                    ),
                }
                .map_err(RunError::Output)
            })
        }
        Command::Hook(args) => Ok(hook::run(args)),
        Command::Init(args) => init::write_starter(&args.path),
        Command::Completions(args) => init::completions(args.shell),
        Command::Man(args) => init::man(args.dir.as_deref()),
        Command::Rules(args) => {
            let rules = load_rules(&args.rules)?;
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            match args.format {
                cli::RulesFormat::Human => render::rules_doc::list(&rules, &mut out),
                cli::RulesFormat::Markdown => render::rules_doc::markdown(&rules, &mut out),
            }
            .and_then(|()| out.flush())
            .map_err(RunError::Output)?;
            Ok(Exit::Pass)
        }
        Command::Explain(args) => {
            let rules = load_rules(&args.rules)?;
            let Some(rule) = rules.get(&args.id) else {
                return Err(RunError::UnknownRule {
                    id: escape::for_terminal(&args.id).into_owned(),
                    known: rules
                        .rules
                        .iter()
                        .map(|rule| rule.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                });
            };
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            render::rules_doc::explain(rule, &mut out)
                .and_then(|()| out.flush())
                .map_err(RunError::Output)?;
            Ok(Exit::Pass)
        }
    }
}

/// The format asked for; else, as oxlint does, the terse agent format when
/// an agent is detected and the human one otherwise.
fn chosen_format(requested: Option<Format>, report: &Report) -> Format {
    requested.unwrap_or(if report.author.kind == report::AuthorKind::Agent {
        Format::Agent
    } else {
        Format::Human
    })
}

/// Renders one format of the report: nothing but bytes of the report.
fn render_format(
    format: Format,
    report: &Report,
    options: &CheckOptions,
    args: &cli::CheckArgs,
    color: bool,
    width: Option<usize>,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    match format {
        Format::Human => render::human::render_with(
            report,
            out,
            &render::human::Layout {
                color,
                width,
                quiet: args.quiet,
            },
        ),
        Format::Json => render::json::render(report, out),
        Format::Agent => render::agent::render(report, out),
        Format::Markdown => render::markdown::render(report, out, args.max_length),
        Format::Sarif => render::sarif::render(report, &options.rules, out),
        Format::Junit => render::junit::render(report, &options.profile.thresholds, out),
        Format::Github => render::github::render(report, out),
    }
}

/// The `github` format's other half: the Markdown report appended to
/// `$GITHUB_STEP_SUMMARY` when GitHub Actions names one.
fn github_step_summary(report: &Report) -> Result<(), RunError> {
    if let Some(summary) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|path| !path.is_empty()) {
        append_step_summary(std::path::Path::new(&summary), report, STEP_SUMMARY_LIMIT)?;
    } else if std::env::var_os("GITHUB_ACTIONS").is_none_or(|value| value != "true") {
        // Outside GitHub Actions nobody would see where it went.
        eprintln!(
            "note: GITHUB_STEP_SUMMARY is not set (not in GitHub Actions), so the job summary (the Markdown report) was not written; `--format markdown` prints it, `--write markdown=FILE` saves it"
        );
    }
    Ok(())
}

/// GitHub allows 1 MiB of job summary per step; the PR comment is the one
/// that must fit 65,536 characters, and its truncation note points here.
const STEP_SUMMARY_LIMIT: usize = 1_000_000;

/// The Markdown report, appended to the job summary file GitHub Actions names.
fn append_step_summary(
    path: &std::path::Path,
    report: &Report,
    max_length: usize,
) -> Result<(), RunError> {
    let mut text = Vec::new();
    render::markdown::render(report, &mut text, max_length).map_err(RunError::Output)?;
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|source| RunError::WriteFile {
            path: path.to_path_buf(),
            source,
        })?;
    file.write_all(&text)
        .and_then(|()| file.write_all(b"\n"))
        .map_err(|source| RunError::WriteFile {
            path: path.to_path_buf(),
            source,
        })
}

/// The rule set `check` would use here, so `rules` and `explain` list what applies.
fn load_rules(dirs: &[std::path::PathBuf]) -> Result<rules::RuleSet, RunError> {
    let config = config::Config::discover(None).map_err(Box::new)?;
    options::rule_set(&config, dirs)
}

fn sources_from(paths: &[String]) -> Result<Vec<Source>, RunError> {
    if paths.is_empty() {
        if std::io::stdin().is_terminal() {
            return Err(RunError::NoInput);
        }
        return Ok(vec![Source::Stdin]);
    }
    Ok(paths.iter().map(|path| Source::from_arg(path)).collect())
}

/// Reads every input, recognises each document, and hands every plan to
/// `visit` (label, parsed plan). Any input that is not a plan, or cannot be
/// read, is an error (in a directory, recognisable non-plans are skipped),
/// and no input with a plan at all is an error too. Returns the input
/// warnings and the skipped files.
pub fn for_each_plan(
    sources: &[Source],
    terraform_bin: Option<&std::path::Path>,
    mut visit: impl FnMut(&str, &model::Plan<'_>),
) -> Result<(Vec<input::InputWarning>, Vec<input::Skipped>), RunError> {
    let Loaded {
        texts,
        warnings,
        mut skipped,
        mut errors,
    } = input::load(sources, terraform_bin);
    let mut found = 0;
    for loaded in &texts {
        let many = loaded.documents.len() > 1;
        for (index, range) in loaded.documents.iter().enumerate() {
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
            let document = match model::parse_document(&loaded.text[range.clone()]) {
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
                Ok(()) => {
                    found += 1;
                    visit(&label, &document);
                }
                Err(error) => match input::skip_reason(&error).filter(|_| loaded.from_directory) {
                    Some(reason) => skipped.push(input::Skipped {
                        input: if is_log { loaded.label.clone() } else { label },
                        reason,
                    }),
                    None => errors.push(error),
                },
            }
            if is_log {
                break;
            }
        }
    }
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

/// Reads, analyses and judges every plan named by `sources`. Any input that
/// cannot be analysed means no verdict at all: a partial report could pass a
/// plan set whose dangerous part was the unreadable one.
pub fn check(sources: &[Source], options: &CheckOptions) -> Result<Report, RunError> {
    check_labelled(sources, options, &|label| label.to_owned())
}

/// [`check`], each plan named by `label_of` its input's label (the MCP
/// server names a plan given inline "inline plan", not its temporary file).
pub fn check_labelled(
    sources: &[Source],
    options: &CheckOptions,
    label_of: &dyn Fn(&str) -> String,
) -> Result<Report, RunError> {
    let mut plans = Vec::new();
    let (warnings, skipped) =
        for_each_plan(sources, options.terraform_bin.as_deref(), |label, plan| {
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
    };
    Ok(Report::new(
        plans,
        decision,
        warnings,
        skipped,
        checked_with,
    ))
}

/// `auto` colours a terminal unless NO_COLOR is set to anything non-empty
/// (no-color.org) or TERM is `dumb`.
fn use_color(choice: ColorChoice, is_terminal: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            is_terminal
                && std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty())
                && std::env::var_os("TERM").is_none_or(|term| term != "dumb")
        }
    }
}
