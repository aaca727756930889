//! `blastwall check`: one report for every plan named, each format asked
//! for (stdout and `--write`), GitHub's job summary, the audit record, and
//! the exit code the gate gives the verdict.

use std::io::{IsTerminal, Write};

use crate::app::error::RunError;
use crate::app::options::CheckOptions;
use crate::app::{audit, chosen_format, pipeline, use_color};
use crate::cli::{self, CheckArgs, ColorChoice, Format};
use crate::exit::Exit;
use crate::input::Source;
use crate::render;
use crate::report::Report;
use crate::util::progress;

pub fn command(args: &CheckArgs) -> Result<Exit, RunError> {
    let sources = sources_from(&args.paths)?;
    // The options (200 KB of built-in rules to parse) and the plans are
    // read side by side: the rules were most of a small check's start-up.
    // A bad option still wins, as when they were read in turn.
    let (options, loaded) = rayon::join(
        || CheckOptions::from_args(args),
        || {
            let progress = progress::Progress::start();
            let loaded = crate::input::load(&sources, args.terraform_bin.as_deref());
            (progress, loaded)
        },
    );
    let options = options?;
    let (progress, loaded) = loaded;
    let report = pipeline::check_loaded(&sources, loaded, &options)?;
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
    render_format(format, &report, args, color, width, &mut out)
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
        render_format(*format, &report, args, color, None, &mut file)
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

/// Renders one format of the report: nothing but bytes of the report.
fn render_format(
    format: Format,
    report: &Report,
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
        Format::Sarif => render::sarif::render(report, out),
        Format::Junit => render::junit::render(report, out),
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

fn sources_from(paths: &[String]) -> Result<Vec<Source>, RunError> {
    if paths.is_empty() {
        if std::io::stdin().is_terminal() {
            return Err(RunError::NoInput);
        }
        return Ok(vec![Source::Stdin]);
    }
    Ok(paths.iter().map(|path| Source::from_arg(path)).collect())
}
