//! One module per output format, each reading a finished [`Report`].

pub mod agent;
pub mod github;
pub mod human;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod mcp;
pub mod rules_doc;
pub mod sarif;
pub mod width;

use std::io::{self, Write};

use owo_colors::{OwoColorize, Style};

use crate::input::InputWarning;
use crate::report::Report;

/// Warnings go to stderr in every format so stdout stays parseable.
pub fn warnings(report: &Report, out: &mut dyn Write, color: bool) -> io::Result<()> {
    for warning in &report.warnings {
        write_warning(warning, out, color)?;
    }
    Ok(())
}

fn write_warning(warning: &InputWarning, out: &mut dyn Write, color: bool) -> io::Result<()> {
    let label = paint("warning", Style::new().yellow().bold(), color);
    writeln!(
        out,
        "{label}: {}: {}\n  help: {}",
        crate::util::escape::for_terminal(&warning.input),
        warning.message,
        warning.help
    )
}

pub(crate) fn paint(text: &str, style: Style, color: bool) -> String {
    if color {
        text.style(style).to_string()
    } else {
        text.to_owned()
    }
}

/// `1 create, 2 delete · 9 in state`.
pub(crate) fn summary_line(summary: &crate::analysis::Summary) -> String {
    let parts = [
        (summary.create, "create"),
        (summary.update, "update"),
        (summary.delete, "delete"),
        (summary.replace, "replace"),
        (summary.read, "read"),
        (summary.forget, "forget"),
        (summary.import, "import"),
        (summary.moved, "move"),
        (summary.no_op, "no-op"),
    ];
    let mut line: Vec<String> = parts
        .iter()
        .filter(|(count, _)| *count > 0)
        .map(|(count, word)| format!("{count} {word}"))
        .collect();
    if line.is_empty() {
        line.push("no changes".to_owned());
    }
    format!(
        "{} · {} in state",
        line.join(", "),
        summary.resources_in_state
    )
}
