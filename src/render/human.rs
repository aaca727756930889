//! The terminal report: the verdict first, then what changes and why it matters.

use std::io::{self, Write};

use owo_colors::Style;

use super::paint;
use std::collections::{BTreeMap, HashMap};

use crate::analysis::PlanAnalysis;
use crate::escape::for_terminal;
use crate::graph::blast::{Member, Role, Root};
use crate::model::Actions;
use crate::policy::Verdict;
use crate::report::Report;
use crate::retention::Retention;
use crate::rules::Severity;

pub fn render(report: &Report, out: &mut dyn Write, color: bool) -> io::Result<()> {
    verdict_line(report, out, color)?;
    for reason in report.decision.reasons.iter().take(REASONS_LISTED) {
        writeln!(out, "  - {reason}")?;
    }
    if report.decision.reasons.len() > REASONS_LISTED {
        writeln!(
            out,
            "  - … and {} more (listed with the findings below)",
            report.decision.reasons.len() - REASONS_LISTED
        )?;
    }
    writeln!(
        out,
        "  profile: {} ({}) · author: {}",
        report.profile,
        for_terminal(&report.profile_reason),
        report.author.kind.label()
    )?;
    if !report.decision.fixes.is_empty() {
        writeln!(out, "  {}", paint("to pass:", Style::new().bold(), color))?;
        for fix in report.decision.fixes.iter().take(REASONS_LISTED) {
            writeln!(out, "    - {}", fix_line(fix))?;
        }
        if report.decision.fixes.len() > REASONS_LISTED {
            writeln!(
                out,
                "    - … and {} more (`--format json` lists them all)",
                report.decision.fixes.len() - REASONS_LISTED
            )?;
        }
    }
    for accepted in &report.decision.accepted {
        writeln!(
            out,
            "  accepted: {} on {} ({})",
            accepted.rule,
            for_terminal(&accepted.address),
            for_terminal(&accepted.why)
        )?;
    }
    for note in &report.decision.notes {
        writeln!(
            out,
            "  {} {}",
            paint("note:", Style::new().yellow(), color),
            for_terminal(note)
        )?;
    }
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
        writeln!(out, "  {}", super::summary_line(&plan.summary))?;
        for issue in &plan.health {
            writeln!(
                out,
                "  {} {}",
                paint("!", Style::new().yellow().bold(), color),
                issue.describe()
            )?;
        }
        if !plan.drift.is_empty() {
            writeln!(
                out,
                "  drift: {} resource(s) changed outside Terraform ({} deleted)",
                plan.drift.len(),
                plan.drift
                    .iter()
                    .filter(|entry| entry.actions == crate::model::Actions::Delete)
                    .count()
            )?;
        }
        blast_radius(plan, out, color)?;
        findings(plan, out, color)?;
    }
    if report.plans.iter().any(|plan| !plan.findings.is_empty()) {
        writeln!(out)?;
        writeln!(
            out,
            "`blastwall explain <rule>` says why a rule matters and how to fix what it found."
        )?;
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

/// `rule (a, b and 3 more): how to fix`, plan strings escaped.
pub(crate) fn fix_line(fix: &crate::policy::Fix) -> String {
    const NAMED: usize = 3;
    let mut line = String::new();
    if let Some(rule) = &fix.rule {
        line.push_str(rule);
        let mut named: Vec<String> = fix
            .addresses
            .iter()
            .take(NAMED)
            .map(|address| for_terminal(address).into_owned())
            .collect();
        if fix.addresses.len() > NAMED {
            named.push(format!("and {} more", fix.addresses.len() - NAMED));
        }
        if !named.is_empty() {
            line.push_str(&format!(" ({})", named.join(", ")));
        }
        line.push_str(": ");
    }
    line.push_str(&fix.text);
    line
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
        "{} {}{} (score {}): {} · {}",
        paint(mark, style, color),
        paint(word, style, color),
        plans,
        report.score,
        headline,
        super::summary_line(&report.summary)
    )
}

/// Reasons under the verdict line; the findings below list everything.
const REASONS_LISTED: usize = 8;

/// Findings listed per plan; the rest are counted (JSON lists all).
const FINDINGS_LISTED: usize = 40;

fn findings(plan: &PlanAnalysis, out: &mut dyn Write, color: bool) -> io::Result<()> {
    if plan.findings.is_empty() {
        return writeln!(out, "  no findings");
    }
    writeln!(
        out,
        "  {} ({}):",
        paint("findings", Style::new().bold(), color),
        plan.findings.len()
    )?;
    for finding in plan.findings.iter().take(FINDINGS_LISTED) {
        let style = match finding.severity {
            Severity::Critical | Severity::High => Style::new().red().bold(),
            Severity::Medium => Style::new().yellow().bold(),
            Severity::Low | Severity::Info => Style::new().dimmed(),
        };
        writeln!(
            out,
            "    {} {} {}",
            paint(&format!("{:<8}", finding.severity.label()), style, color),
            paint(&finding.rule, Style::new().bold(), color),
            for_terminal(&finding.message)
        )?;
        for evidence in &finding.evidence {
            let values = match (evidence.before.as_deref(), evidence.after.as_deref()) {
                (Some(before), Some(after)) => {
                    format!("{} → {}", for_terminal(before), for_terminal(after))
                }
                (Some(only), None) | (None, Some(only)) => for_terminal(only).into_owned(),
                (None, None) => continue,
            };
            writeln!(
                out,
                "             {}: {values}",
                for_terminal(&evidence.path)
            )?;
        }
        if let Some(suggestion) = &finding.suggestion {
            for line in suggestion.lines() {
                writeln!(out, "             {}", for_terminal(line))?;
            }
        }
    }
    if plan.findings.len() > FINDINGS_LISTED {
        writeln!(
            out,
            "    … and {} more (`--format json` lists them all)",
            plan.findings.len() - FINDINGS_LISTED
        )?;
    }
    Ok(())
}

/// Roots drawn in full; the rest are counted.
const ROOTS_DRAWN: usize = 20;
/// Tree lines drawn per root before the rest are summarised by type.
const LINES_PER_ROOT: usize = 25;

fn blast_radius(plan: &PlanAnalysis, out: &mut dyn Write, color: bool) -> io::Result<()> {
    let blast = &plan.blast;
    if blast.is_empty() {
        return writeln!(out, "  nothing is destroyed");
    }
    let share = match plan.summary.resources_in_state {
        0 => String::new(),
        in_state => format!(
            " · {:.0}% of the {in_state} resources in state",
            blast.destroyed.len() as f64 * 100.0 / in_state as f64
        ),
    };
    writeln!(
        out,
        "  {} {} destroyed, {} disrupted, {} with data loss{share}",
        paint("blast radius:", Style::new().bold(), color),
        blast.destroyed.len(),
        blast.disrupted.len(),
        blast.data_loss.len()
    )?;
    for root in blast.roots.iter().take(ROOTS_DRAWN) {
        draw_root(root, out, color)?;
    }
    if blast.roots.len() > ROOTS_DRAWN {
        let rest = &blast.roots[ROOTS_DRAWN..];
        let members: usize = rest.iter().map(|root| root.members.len() + 1).sum();
        writeln!(
            out,
            "  … and {} more root(s) reaching {members} resource(s): {} (`--format json` lists them all)",
            rest.len(),
            counts_by_type(
                rest.iter()
                    .map(|root| kind_in_module(&root.address, &root.resource_type))
            )
        )?;
    }
    for verdict in &blast.data {
        let (label, style, text) = match &verdict.retention {
            Retention::Lost(why) => ("data loss", Style::new().red().bold(), why),
            Retention::Kept(how) => ("data kept", Style::new().green(), how),
            Retention::DestroyFails(why) => ("destroy fails", Style::new().yellow(), why),
        };
        writeln!(
            out,
            "  {}: {}: {text}",
            paint(label, style, color),
            for_terminal(&verdict.address)
        )?;
    }
    if !plan.gaps.is_empty() {
        writeln!(
            out,
            "  {} the dependency graph may be missing edges: {} gap(s), e.g. {} (`--format json` lists them)",
            paint("!", Style::new().yellow().bold(), color),
            plan.gaps.len(),
            for_terminal(&plan.gaps[0])
        )?;
    }
    Ok(())
}

fn draw_root(root: &Root, out: &mut dyn Write, color: bool) -> io::Result<()> {
    let mut line = format!(
        "  {} {}",
        for_terminal(&root.address),
        action_text(root.actions, color)
    );
    if root.data_loss {
        line.push_str(&format!(
            " {}",
            paint("[data loss]", Style::new().magenta().bold(), color)
        ));
    }
    if let Some(reason) = &root.reason {
        line.push_str(&format!(": {}", reason.explanation()));
        if !reason.is_known() {
            line.push_str(&format!(" ({})", for_terminal(reason.as_str())));
        }
    }
    writeln!(out, "{line}")?;
    let mut children: HashMap<&str, Vec<&Member>> = HashMap::new();
    for member in &root.members {
        let parent = root.parent(member);
        children.entry(parent).or_default().push(member);
    }
    let mut drawn = 0;
    let mut stack: Vec<(&Member, String, bool)> = Vec::new();
    push_children(&children, &root.address, "  ", &mut stack);
    while let Some((member, indent, last)) = stack.pop() {
        if drawn == LINES_PER_ROOT {
            break;
        }
        drawn += 1;
        let branch = if last { "└─ " } else { "├─ " };
        let via = root.link(member).labels().join("+");
        let role = match member.role {
            Role::Disrupted => paint("disrupted", Style::new().yellow(), color),
            Role::Destroyed => member
                .actions
                .map_or_else(String::new, |actions| action_text(actions, color)),
            Role::DataLoss => format!(
                "{} {}",
                member
                    .actions
                    .map_or_else(String::new, |actions| action_text(actions, color)),
                paint("[data loss]", Style::new().magenta().bold(), color)
            ),
        };
        writeln!(
            out,
            "{indent}{branch}{} {role} (via {via})",
            for_terminal(&member.address)
        )?;
        let child_indent = format!("{indent}{}", if last { "   " } else { "│  " });
        push_children(&children, &member.address, &child_indent, &mut stack);
    }
    if root.members.len() > drawn {
        writeln!(
            out,
            "     … {} more in this blast radius: {} (`--format json` lists them all)",
            root.members.len() - drawn,
            counts_by_type(
                root.members[drawn..]
                    .iter()
                    .map(|member| kind_in_module(&member.address, &member.resource_type))
            )
        )?;
    }
    Ok(())
}

fn push_children<'m>(
    children: &HashMap<&str, Vec<&'m Member>>,
    parent: &str,
    indent: &str,
    stack: &mut Vec<(&'m Member, String, bool)>,
) {
    if let Some(list) = children.get(parent) {
        let mut sorted = list.clone();
        sorted.sort_by(|a, b| a.address.cmp(&b.address));
        // Pushed in reverse so the first child is drawn first.
        for (index, member) in sorted.iter().enumerate().rev() {
            stack.push((member, indent.to_owned(), index + 1 == sorted.len()));
        }
    }
}

/// `aws_instance in module.stack.module.app`: a type and the module call
/// (without instance keys) it sits in, to count folded members by.
fn kind_in_module(address: &str, resource_type: &str) -> String {
    let module = address
        .parse::<crate::model::Address>()
        .ok()
        .map(|parsed| {
            parsed
                .module
                .iter()
                .map(|step| format!("module.{}", step.name))
                .collect::<Vec<_>>()
                .join(".")
        })
        .unwrap_or_default();
    if module.is_empty() {
        resource_type.to_owned()
    } else {
        format!("{resource_type} in {module}")
    }
}

/// `412 aws_instance in module.app, 12 aws_eip, …`, most frequent first.
fn counts_by_type(kinds: impl Iterator<Item = String>) -> String {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for kind in kinds {
        *counts.entry(kind).or_default() += 1;
    }
    let mut sorted: Vec<(String, usize)> = counts.into_iter().collect();
    sorted.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut parts: Vec<String> = sorted
        .iter()
        .take(6)
        .map(|(resource_type, count)| format!("{count} {}", for_terminal(resource_type)))
        .collect();
    if sorted.len() > 6 {
        parts.push(format!("{} other kinds", sorted.len() - 6));
    }
    parts.join(", ")
}

fn action_text(actions: Actions, color: bool) -> String {
    let text = match actions {
        Actions::DeleteThenCreate => "replace (destroy first)",
        Actions::CreateThenDelete => "replace (create first)",
        Actions::Delete => "delete",
        other => other.label(),
    };
    paint(text, Style::new().red(), color)
}
