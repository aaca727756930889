//! The terminal report: the verdict first, then what changes and why it matters.

use std::io::{self, Write};

use owo_colors::Style;

use super::paint;
use crate::analysis::{ChangeEntry, Summary};
use crate::escape::for_terminal;
use crate::policy::Verdict;
use crate::report::Report;

/// Past this many destructive changes per plan, the rest are counted, not listed.
const DESTRUCTIVE_LISTED: usize = 50;

pub fn render(report: &Report, out: &mut dyn Write, color: bool) -> io::Result<()> {
    verdict_line(report, out, color)?;
    for reason in &report.decision.reasons {
        writeln!(out, "  - {reason}")?;
    }
    writeln!(
        out,
        "  profile: {} · author: {} ({})",
        report.profile,
        report.author.kind.label(),
        report.author.reason
    )?;
    for plan in &report.plans {
        writeln!(out)?;
        writeln!(
            out,
            "{} {} (format {}, {})",
            paint("plan", Style::new().bold(), color),
            for_terminal(&plan.label),
            for_terminal(&plan.format_version),
            plan.terraform_version.as_deref().map_or_else(
                || "Terraform version not recorded".to_owned(),
                |version| format!("Terraform {}", for_terminal(version))
            )
        )?;
        writeln!(out, "  {}", summary_line(&plan.summary))?;
        for issue in &plan.health {
            writeln!(
                out,
                "  {} {}",
                paint("!", Style::new().yellow().bold(), color),
                issue.describe()
            )?;
        }
        let destructive: Vec<&ChangeEntry> = plan
            .changes
            .iter()
            .filter(|change| change.destroys())
            .collect();
        if destructive.is_empty() {
            writeln!(out, "  nothing is destroyed")?;
            continue;
        }
        writeln!(out, "  destroyed ({}):", destructive.len())?;
        let width = destructive
            .iter()
            .take(DESTRUCTIVE_LISTED)
            .map(|change| for_terminal(&change.address).chars().count())
            .max()
            .unwrap_or(0);
        for change in destructive.iter().take(DESTRUCTIVE_LISTED) {
            destructive_line(change, width, out, color)?;
        }
        if destructive.len() > DESTRUCTIVE_LISTED {
            writeln!(
                out,
                "    … and {} more (`--format json` lists them all)",
                destructive.len() - DESTRUCTIVE_LISTED
            )?;
        }
    }
    if !report.skipped.is_empty() {
        writeln!(out)?;
        writeln!(
            out,
            "skipped {} file(s) that are not plans:",
            report.skipped.len()
        )?;
        for skipped in &report.skipped {
            writeln!(
                out,
                "  {}: {}",
                for_terminal(&skipped.input),
                skipped.reason
            )?;
        }
    }
    Ok(())
}

fn verdict_line(report: &Report, out: &mut dyn Write, color: bool) -> io::Result<()> {
    let (mark, word, style) = match report.decision.verdict {
        Verdict::Pass => ("✔", "PASS", Style::new().green().bold()),
        Verdict::Warn => ("!", "WARN", Style::new().yellow().bold()),
        Verdict::Fail => ("✖", "FAIL", Style::new().red().bold()),
    };
    let headline = match report.decision.verdict {
        Verdict::Pass => "nothing in this plan crosses the policy",
        Verdict::Warn => "the plan may be applied, but read the warnings",
        Verdict::Fail => "do not apply this plan as it is",
    };
    let plans = match report.plans.len() {
        1 => String::new(),
        count => format!(" ({count} plans)"),
    };
    writeln!(
        out,
        "{} {}{}: {} · {}",
        paint(mark, style, color),
        paint(word, style, color),
        plans,
        headline,
        summary_line(&report.summary)
    )
}

fn destructive_line(
    change: &ChangeEntry,
    width: usize,
    out: &mut dyn Write,
    color: bool,
) -> io::Result<()> {
    let address = for_terminal(&change.address);
    let padding = width.saturating_sub(address.chars().count());
    let action = match change.actions {
        crate::model::Actions::DeleteThenCreate => "replace (destroy first)",
        crate::model::Actions::CreateThenDelete => "replace (create first)",
        _ => "delete",
    };
    let mut line = format!(
        "    {address}{} {}",
        " ".repeat(padding),
        paint(action, Style::new().red(), color)
    );
    if let Some(deposed) = &change.deposed {
        line.push_str(&format!(" deposed object {}", for_terminal(deposed)));
    }
    if change.class == "data" {
        line.push_str(&format!(
            " {}",
            paint("[data]", Style::new().magenta().bold(), color)
        ));
    }
    if let Some(reason) = &change.reason {
        line.push_str(&format!(": {}", reason.explanation()));
        if !reason.is_known() {
            line.push_str(&format!(" ({})", for_terminal(reason.as_str())));
        }
    }
    writeln!(out, "{line}")
}

fn summary_line(summary: &Summary) -> String {
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
