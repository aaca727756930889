//! The terminal report, written so that what stays on screen is what
//! matters: the findings first (grouped by severity, each said once with its
//! fix, as rustc and ruff do), then the blast radius as a folded tree, then
//! a closing summary whose last line is the verdict and what to do (as
//! cargo's last line is). Plan-supplied strings are escaped; lines wrap at
//! word boundaries to the terminal's width, and not at all in a pipe.

use std::collections::{BTreeMap, HashMap};
use std::io::{self, Write};

use owo_colors::Style;

use super::paint;
use crate::analysis::PlanAnalysis;
use crate::blast::{Member, Role, Root};
use crate::model::Actions;
use crate::model::retention::Retention;
use crate::policy::Verdict;
use crate::report::{FindingGroup, Report};
use crate::rules::{Finding, Severity};
use crate::util::escape::for_terminal;

/// How the report is laid out.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Layout {
    pub color: bool,
    /// Wrap at this many columns; `None` never wraps (a pipe, a file).
    pub width: Option<usize>,
    /// Only the verdict line and the findings that fail the plan.
    pub quiet: bool,
}

/// The whole report, unwrapped.
pub fn render(report: &Report, out: &mut dyn Write, color: bool) -> io::Result<()> {
    render_with(
        report,
        out,
        &Layout {
            color,
            ..Layout::default()
        },
    )
}

pub fn render_with(report: &Report, out: &mut dyn Write, layout: &Layout) -> io::Result<()> {
    let mut page = Page { out, layout };
    if layout.quiet {
        let failing: Vec<&FindingGroup> = report
            .groups
            .iter()
            .filter(|group| group.fails(report.fail_severity))
            .collect();
        findings(report, &failing, &mut page, false)?;
        return verdict_line(report, &mut page);
    }
    let groups: Vec<&FindingGroup> = report.groups.iter().collect();
    findings(report, &groups, &mut page, true)?;
    for (index, plan) in report.plans.iter().enumerate() {
        blast_radius(report, index, plan, &mut page)?;
    }
    summary(report, &mut page)?;
    verdict_line(report, &mut page)
}

/// Lines written through one place, wrapped when the layout has a width.
struct Page<'o> {
    out: &'o mut dyn Write,
    layout: &'o Layout,
}

impl Page<'_> {
    fn color(&self) -> bool {
        self.layout.color
    }

    fn paint(&self, text: &str, style: Style) -> String {
        paint(text, style, self.layout.color)
    }

    fn blank(&mut self) -> io::Result<()> {
        writeln!(self.out)
    }

    /// `text` (already escaped) starting at `first`, continued at `rest`.
    fn line(&mut self, first: &str, rest: &str, text: &str) -> io::Result<()> {
        let Some(width) = self.layout.width else {
            return writeln!(self.out, "{first}{text}");
        };
        let options = textwrap::Options::new(width)
            .initial_indent(first)
            .subsequent_indent(rest)
            .word_separator(textwrap::WordSeparator::AsciiSpace)
            .word_splitter(textwrap::WordSplitter::NoHyphenation)
            // An address longer than the line stays whole (copyable).
            .break_words(false);
        for line in textwrap::wrap(text, &options) {
            writeln!(self.out, "{}", line.trim_end())?;
        }
        Ok(())
    }

    /// A line written as it is: tree lines and code, never wrapped.
    fn raw(&mut self, text: &str) -> io::Result<()> {
        writeln!(self.out, "{text}")
    }
}

/// Findings listed in all; the rest are counted (JSON lists all).
const FINDINGS_LISTED: usize = 40;

fn findings(
    report: &Report,
    groups: &[&FindingGroup],
    page: &mut Page<'_>,
    details: bool,
) -> io::Result<()> {
    let several = report.plans.len() > 1;
    let mut listed = 0;
    let mut unlisted = 0;
    for group in groups {
        if listed >= FINDINGS_LISTED {
            unlisted += group.findings.len();
            continue;
        }
        let plan = &report.plans[group.plan];
        let style = severity_style(group.severity);
        for &index in &group.findings {
            if listed >= FINDINGS_LISTED {
                unlisted += 1;
                continue;
            }
            listed += 1;
            let finding = &plan.findings[index];
            let label = page.paint(
                &format!("{}[{}]:", group.severity.label(), group.rule),
                style,
            );
            let mut text = String::new();
            if several {
                text.push_str(&format!("{}: ", for_terminal(&plan.label)));
            }
            text.push_str(&finding_text(finding));
            page.line(&format!("{label} "), "    ", &text)?;
            if details {
                evidence(finding, page)?;
            }
            if let Some(why) =
                report
                    .decision
                    .accepted_why(group.plan, &finding.rule, &finding.address)
            {
                let note = page.paint("accepted:", Style::new().green());
                page.line(&format!("  = {note} "), "    ", &for_terminal(why))?;
            }
        }
        if !group.fix.is_empty() {
            let help = page.paint("help:", Style::new().cyan().bold());
            let text = if several {
                format!("for {}: {}", for_terminal(&plan.label), group.fix)
            } else {
                group.fix.clone()
            };
            page.line(&format!("  {help} "), "    ", &text)?;
        }
        page.blank()?;
    }
    if unlisted > 0 {
        page.line(
            "",
            "  ",
            &format!("… and {unlisted} more finding(s) (`--format json` lists them all)"),
        )?;
        page.blank()?;
    }
    Ok(())
}

/// The finding's message, with its address named once.
fn finding_text(finding: &Finding) -> String {
    let message = for_terminal(&finding.message);
    if finding.message.starts_with(finding.address.as_str()) || finding.address == PLAN_ADDRESS {
        message.into_owned()
    } else {
        format!("{}: {message}", for_terminal(&finding.address))
    }
}

/// The address of plan-wide findings (`rules::kinds::plan_health`).
const PLAN_ADDRESS: &str = "(plan)";

fn evidence(finding: &Finding, page: &mut Page<'_>) -> io::Result<()> {
    let facts: Vec<String> = finding
        .evidence
        .iter()
        .filter_map(|evidence| {
            let values = match (evidence.before.as_deref(), evidence.after.as_deref()) {
                (Some(before), Some(after)) => {
                    format!("{} → {}", for_terminal(before), for_terminal(after))
                }
                (Some(only), None) | (None, Some(only)) => for_terminal(only).into_owned(),
                (None, None) => return None,
            };
            Some(format!("{}: {values}", for_terminal(&evidence.path)))
        })
        .collect();
    if !facts.is_empty() {
        page.line("  = ", "    ", &facts.join(" · "))?;
    }
    if let Some(suggestion) = &finding.suggestion {
        for line in suggestion.lines() {
            page.raw(&format!("    {}", for_terminal(line)))?;
        }
    }
    Ok(())
}

fn severity_style(severity: Severity) -> Style {
    match severity {
        Severity::Critical | Severity::High => Style::new().red().bold(),
        Severity::Medium => Style::new().yellow().bold(),
        Severity::Low | Severity::Info => Style::new().bold(),
    }
}

/// Roots drawn per plan; the rest are counted by type.
const ROOTS_DRAWN: usize = 8;
/// Tree lines drawn per root before the rest are counted by type.
const LINES_PER_ROOT: usize = 8;

fn blast_radius(
    report: &Report,
    index: usize,
    plan: &PlanAnalysis,
    page: &mut Page<'_>,
) -> io::Result<()> {
    let blast = &plan.blast;
    if blast.is_empty() && plan.gaps.is_empty() {
        return Ok(());
    }
    let title = page.paint("blast radius", Style::new().bold());
    let of_plan = if report.plans.len() > 1 {
        format!(" of {}", for_terminal(&plan.label))
    } else {
        String::new()
    };
    let counts = &report.plan_blast[index];
    let share = match counts.percent_of_state() {
        None => String::new(),
        Some(percent) => format!(" · {percent:.0}% of {} in state", counts.in_state),
    };
    page.line(
        "",
        "  ",
        &format!(
            "{title}{of_plan}: {} destroyed, {} disrupted, {} with data loss{share}",
            counts.destroyed, counts.disrupted, counts.data_loss
        ),
    )?;
    for root in blast.roots.iter().take(ROOTS_DRAWN) {
        draw_root(root, page)?;
    }
    if blast.roots.len() > ROOTS_DRAWN {
        let rest = &blast.roots[ROOTS_DRAWN..];
        let members: usize = rest.iter().map(|root| root.members.len() + 1).sum();
        page.line(
            "  ",
            "    ",
            &format!(
                "… and {} more destroyed reaching {members} resource(s): {} (`--format json` lists them all)",
                rest.len(),
                counts_by_type(
                    rest.iter()
                        .map(|root| kind_in_module(&root.address, &root.resource_type))
                )
            ),
        )?;
    }
    // Lost data and failing destroys are findings above; a kept copy is not.
    for verdict in &blast.data {
        if let Retention::Kept(how) = &verdict.retention {
            let label = page.paint("data kept:", Style::new().green());
            page.line(
                "",
                "  ",
                &format!("{label} {}: {how}", for_terminal(&verdict.address)),
            )?;
        }
    }
    if !plan.gaps.is_empty() {
        let mark = page.paint("!", Style::new().yellow().bold());
        page.line(
            "",
            "  ",
            &format!(
                "{mark} the dependency graph may miss edges: {} gap(s), e.g. {} (`--format json` lists them)",
                plan.gaps.len(),
                for_terminal(&plan.gaps[0])
            ),
        )?;
    }
    page.blank()
}

fn draw_root(root: &Root, page: &mut Page<'_>) -> io::Result<()> {
    let color = page.color();
    let mut line = format!(
        "{} {}",
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
    page.line("  ", "      ", &line)?;
    let mut children: HashMap<&str, Vec<&Member>> = HashMap::new();
    for member in &root.members {
        children
            .entry(root.parent(member))
            .or_default()
            .push(member);
    }
    let mut drawn = 0;
    let mut shown: std::collections::HashSet<&str> = std::collections::HashSet::new();
    let mut stack: Vec<(&Member, String, bool)> = Vec::new();
    push_children(&children, &root.address, "  ", &mut stack);
    while let Some((member, indent, last)) = stack.pop() {
        if drawn == LINES_PER_ROOT {
            break;
        }
        drawn += 1;
        let branch = if last { "└─ " } else { "├─ " };
        let mut via = root.link(member).labels().join("+");
        // Created objects and data sources are not listed; the chain still
        // runs through them.
        let between = root.unlisted_between(member);
        if !between.is_empty() {
            let between: Vec<String> = between
                .iter()
                .map(|address| for_terminal(address).into_owned())
                .collect();
            via.push_str(&format!(", through {}", between.join(" → ")));
        }
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
        let child_indent = format!("{indent}{}", if last { "   " } else { "│  " });
        page.line(
            &format!("{indent}{branch}"),
            &format!("{child_indent}   "),
            &format!("{} {role} (via {via})", for_terminal(&member.address)),
        )?;
        shown.insert(&*member.address);
        push_children(&children, &member.address, &child_indent, &mut stack);
    }
    if root.members.len() > drawn {
        page.line(
            "  └─ ",
            "     ",
            &format!(
                "… {} more: {} (`--format json` lists them all)",
                root.members.len() - drawn,
                counts_by_type(
                    root.members
                        .iter()
                        .filter(|member| !shown.contains(&*member.address))
                        .map(|member| kind_in_module(&member.address, &member.resource_type))
                )
            ),
        )?;
    }
    Ok(())
}

/// The member a member hangs under in the tree: the one before it on its
/// chain from the root. (The only place that reads a member's path.)
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

/// The closing summary: each plan in one line, who the profile judged,
/// the plan-wide limits crossed and what would pass them.
fn summary(report: &Report, page: &mut Page<'_>) -> io::Result<()> {
    for (index, plan) in report.plans.iter().enumerate() {
        let version = plan.terraform_version.as_deref().map_or_else(
            || "Terraform version not recorded".to_owned(),
            |version| format!("Terraform {}", for_terminal(version)),
        );
        let mut text = format!(
            "{} {} ({version}): {}",
            page.paint("plan", Style::new().bold()),
            for_terminal(&plan.label),
            super::summary_line(&plan.summary)
        );
        let counts = &report.plan_blast[index];
        let radius = counts.destroyed + counts.disrupted;
        if report.plans.len() > 1 && radius > 0 {
            text.push_str(&format!(" · blast radius {radius}"));
        }
        if !plan.drift.is_empty() {
            let deleted = plan
                .drift
                .iter()
                .filter(|entry| entry.actions == Actions::Delete)
                .count();
            text.push_str(&format!(
                " · drift: {} changed outside Terraform",
                plan.drift.len()
            ));
            if deleted > 0 {
                text.push_str(&format!(" ({deleted} deleted)"));
            }
        }
        page.line("", "  ", &text)?;
        // Issues that hide changes are the plan-incomplete finding above.
        for issue in plan.health.iter().filter(|issue| !issue.can_hide_risk()) {
            let mark = page.paint("!", Style::new().yellow().bold());
            page.line(&format!("  {mark} "), "    ", &issue.describe())?;
        }
    }
    // What scrolled off: the findings above, counted by severity.
    let mut by_severity: Vec<(Severity, usize)> = Vec::new();
    for group in &report.groups {
        match by_severity.last_mut() {
            Some((severity, count)) if *severity == group.severity => {
                *count += group.findings.len();
            }
            _ => by_severity.push((group.severity, group.findings.len())),
        }
    }
    if !by_severity.is_empty() {
        let counts: Vec<String> = by_severity
            .iter()
            .map(|(severity, count)| {
                page.paint(
                    &format!("{count} {}", severity.label()),
                    severity_style(*severity),
                )
            })
            .collect();
        // Which of them make the verdict: a plan failing on a finding alone
        // showed no reason but a warning limit ("score 25 ≥ 1").
        let deciding = match (report.deciding_findings(), report.decision.verdict) {
            (Some((_, severity)), Verdict::Fail) => {
                format!(" · {} and above fail", severity.label())
            }
            (Some((_, severity)), _) => format!(" · {} and above warn", severity.label()),
            (None, _) => String::new(),
        };
        page.line(
            "",
            "  ",
            &format!(
                "{} {} (above, each with its help){deciding}",
                page.paint("findings:", Style::new().bold()),
                counts.join(", ")
            ),
        )?;
    }
    let mut profile = format!(
        "{} {} ({})",
        page.paint("profile:", Style::new().bold()),
        report.profile,
        for_terminal(&report.profile_reason)
    );
    if !report.profile_reason.contains("author") {
        profile.push_str(&format!(" (author: {})", report.author.kind.label()));
    }
    page.line("", "  ", &profile)?;
    for accepted in &report.decision.accepted {
        let label = page.paint("accepted:", Style::new().green());
        page.line(
            "",
            "  ",
            &format!(
                "{label} {} on {} ({})",
                accepted.rule,
                for_terminal(&accepted.address),
                for_terminal(&accepted.why)
            ),
        )?;
    }
    for note in &report.decision.notes {
        let label = page.paint("note:", Style::new().yellow());
        page.line("", "  ", &format!("{label} {}", for_terminal(note)))?;
    }
    if !report.skipped.is_empty() {
        page.line(
            "",
            "  ",
            &format!(
                "skipped {} file(s) that are not plans:",
                report.skipped.len()
            ),
        )?;
        for skipped in &report.skipped {
            page.line(
                "  ",
                "    ",
                &format!("{}: {}", for_terminal(&skipped.input), skipped.reason),
            )?;
        }
    }
    if !report.decision.limits.is_empty() {
        let label = page.paint("limits crossed:", Style::new().bold());
        let joined = report.decision.limits.join(" · ");
        let fits = page
            .layout
            .width
            .is_none_or(|width| "limits crossed: ".len() + joined.chars().count() <= width);
        if fits {
            page.line("", "  ", &format!("{label} {joined}"))?;
        } else {
            // One per line: a limit is never split across two.
            page.raw(&label)?;
            for limit in &report.decision.limits {
                page.line("  - ", "    ", limit)?;
            }
        }
    }
    // Fixes of the plan-wide limits; rule fixes sit with their findings.
    for fix in report
        .decision
        .fixes
        .iter()
        .filter(|fix| fix.rule.is_none())
    {
        let help = page.paint("help:", Style::new().cyan().bold());
        page.line(&format!("{help} "), "  ", &fix_line(fix))?;
    }
    Ok(())
}

/// `rule (a, b and 3 more): how to fix`, plan strings escaped.
pub(crate) fn fix_line(fix: &crate::policy::Fix) -> String {
    const NAMED: usize = 3;
    let mut line = String::new();
    let mut named: Vec<String> = fix
        .addresses
        .iter()
        .take(NAMED)
        .map(|address| for_terminal(address).into_owned())
        .collect();
    if fix.addresses.len() > NAMED {
        named.push(format!("and {} more", fix.addresses.len() - NAMED));
    }
    if let Some(rule) = &fix.rule {
        line.push_str(rule);
        if !named.is_empty() {
            line.push_str(&format!(" ({})", named.join(", ")));
        }
        line.push_str(": ");
    }
    line.push_str(&fix.text);
    if fix.rule.is_none() && !named.is_empty() {
        line.push_str(&format!(" ({})", named.join(", ")));
    }
    line
}

/// The last line: the verdict and what to do about it.
fn verdict_line(report: &Report, page: &mut Page<'_>) -> io::Result<()> {
    let (mark, word, style) = match report.decision.verdict {
        Verdict::Pass => ("✔", "PASS", Style::new().green().bold()),
        Verdict::Warn => ("!", "WARN", Style::new().yellow().bold()),
        Verdict::Fail => ("✖", "FAIL", Style::new().red().bold()),
    };
    let open: usize = report.groups.iter().map(|group| group.open).sum();
    let what = match (report.decision.verdict, open) {
        (Verdict::Pass, 0) => "the plan may be applied".to_owned(),
        (Verdict::Pass, _) => {
            "the plan may be applied; the findings above are for information".to_owned()
        }
        (Verdict::Warn, _) => "the plan may be applied; read the warnings above first".to_owned(),
        // A person approves; an agent's run cannot approve its own plan.
        (Verdict::Fail, _) => "do not apply; fix the above or `blastwall approve`".to_owned(),
    };
    let plans = match report.plans.len() {
        1 => String::new(),
        count => format!("{count} plans, "),
    };
    let head = page.paint(&format!("{mark} {word}"), style);
    let rest = page.paint(
        &format!("({plans}score {}): {what}", report.score),
        Style::new().bold(),
    );
    page.line("", "  ", &format!("{head} {rest}"))
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
