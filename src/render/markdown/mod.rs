//! `--format markdown`: the pull-request comment.
//!
//! A comment that fits on a screen: the verdict, score and destroy counts
//! first, then findings, what would make the plan pass, the blast radius as a
//! Mermaid graph and each root's chains folded in `<details>`. Sections are
//! written in priority order under a character budget (GitHub refuses
//! comments over 65,536 characters); when the next one does not fit, the
//! comment stops there and says so. The header is always kept.
//!
//! Every plan-supplied string goes through [`escape`] (or [`mermaid_label`]
//! inside the graph): it is inert in Markdown and in HTML alike, so the same
//! text is safe in a paragraph, a table cell and a `<summary>`, and it cannot
//! mention anyone, link anywhere or reference an issue.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;
use std::io::{self, Write};

use crate::analysis::PlanAnalysis;
use crate::blast::{Member, Role, Root};
use crate::model::retention::Retention;
use crate::model::{Actions, Address};
use crate::policy::Verdict;
use crate::report::Report;
use crate::rules::{Finding, Severity};
use crate::util::escape::{bounded, for_terminal};

mod escape;
mod mermaid;

use escape::*;
pub use escape::{escape, mermaid_label};
use mermaid::*;

/// The marker the Action looks for to update its comment in place.
pub const MARKER: &str = "<!-- blastwall-report -->";

/// Characters kept of one plan-supplied string (an address, a key, a path).
const ADDRESS_CHARS: usize = 120;
/// Characters kept of a sentence (a finding's message, a reason, a fix).
const SENTENCE_CHARS: usize = 400;
/// Rows of the findings table; the rest are counted.
const FINDINGS_LISTED: usize = 30;
/// Items of a plain list (fixes, notes, warnings…); the rest are counted.
const LIST_ITEMS: usize = 15;
/// Nodes of the Mermaid graph before members are collapsed into groups.
const GRAPH_NODES: usize = 40;
/// Edges drawn between the graph's nodes.
const GRAPH_EDGES: usize = 80;
/// Roots whose chains are listed; the rest are counted.
const ROOTS_LISTED: usize = 15;
/// Chains listed per root; the rest are counted by type.
const MEMBERS_LISTED: usize = 20;
/// Addresses shown in one chain before its middle is elided.
const CHAIN_LINKS: usize = 7;
/// Room kept free beside the truncation note.
const MARGIN: usize = 64;

pub fn render(report: &Report, out: &mut dyn Write, max_length: usize) -> io::Result<()> {
    out.write_all(compose(report, max_length).as_bytes())
}

/// The comment, at most `max_length` characters unless its header alone is
/// longer.
fn compose(report: &Report, max_length: usize) -> String {
    let note = format!(
        "\n---\n> ✂️ **Report truncated** to fit {max_length} characters. The full report is in the job summary / `--format json` artifact.\n"
    );
    let mut comment = Comment {
        text: String::new(),
        chars: 0,
        budget: max_length.saturating_sub(note.chars().count() + MARGIN),
        truncated: false,
    };
    comment.always(&header(report));
    let sections: [fn(&Report, &mut Comment); 9] = [
        why,
        findings,
        fixes,
        reasons,
        accepted_and_notes,
        blast_graph,
        chains,
        plans,
        inputs,
    ];
    for section in sections {
        if comment.truncated {
            break;
        }
        section(report, &mut comment);
    }
    if comment.truncated {
        comment.text.push_str(&note);
    }
    comment.text
}

/// The comment under construction and its character budget.
struct Comment {
    text: String,
    chars: usize,
    budget: usize,
    truncated: bool,
}

impl Comment {
    /// Text kept whatever the budget: the header.
    fn always(&mut self, text: &str) {
        self.text.push_str(text);
        self.chars += text.chars().count();
    }

    fn fits(&self, chars: usize) -> bool {
        !self.truncated && self.chars + chars <= self.budget
    }

    /// A block kept whole or not at all; a block that does not fit ends the comment.
    fn block(&mut self, text: &str) {
        let chars = text.chars().count();
        if self.fits(chars) {
            self.always(text);
        } else {
            self.truncated = true;
        }
    }

    /// `head`, as many `items` as fit, then `foot` (which closes what `head`
    /// opened, so it is always written with it). An item that does not fit
    /// ends the comment.
    fn list(&mut self, head: &str, items: impl IntoIterator<Item = String>, foot: &str) {
        let mut items = items.into_iter();
        let Some(first) = items.next() else {
            return;
        };
        let (head_chars, foot_chars) = (head.chars().count(), foot.chars().count());
        let first_chars = first.chars().count();
        if !self.fits(head_chars + first_chars + foot_chars) {
            self.truncated = true;
            return;
        }
        self.always(head);
        self.always(&first);
        for item in items {
            let chars = item.chars().count();
            if !self.fits(chars + foot_chars) {
                self.truncated = true;
                break;
            }
            self.always(&item);
        }
        self.text.push_str(foot);
        self.chars += foot_chars;
    }
}

// ---------------------------------------------------------------- header

fn header(report: &Report) -> String {
    let (mark, headline) = match report.decision.verdict {
        Verdict::Pass => ("✅", "pass"),
        Verdict::Warn => ("⚠️", "warn"),
        Verdict::Fail => ("❌", "fail"),
    };
    let crate::report::BlastCounts {
        destroyed,
        disrupted,
        data_loss,
        ..
    } = report.blast;
    let share = match report.summary.resources_in_state {
        _ if destroyed == 0 => String::new(),
        0 => String::new(),
        in_state => format!(
            " ({:.0}% of the {in_state} resources in state)",
            report.blast.affected() as f64 * 100.0 / in_state as f64
        ),
    };
    let plans = match report.plans.len() {
        1 => String::new(),
        count => format!(" · {count} plans"),
    };
    format!(
        "{MARKER}\n### {mark} blastwall: {headline} — score {}/100{plans}\n\n\
         **{destroyed} destroyed · {disrupted} disrupted · {data_loss} with data loss**{share}  \n\
         changes: {}\n",
        report.score,
        super::summary_line(&report.summary)
    )
}

// ---------------------------------------------------------------- sections

fn why(report: &Report, comment: &mut Comment) {
    let reasons = &report.decision.reasons;
    let reason = match reasons.first() {
        Some(first) => {
            let more = match reasons.len() {
                1 => String::new(),
                count => format!(" (+{} more)", count - 1),
            };
            format!("{}{more}", escape_bounded(first, SENTENCE_CHARS))
        }
        None => "nothing in this plan crosses the policy".to_owned(),
    };
    comment.block(&format!(
        "\n**Why:** {reason}  \n**Profile:** {} — {} · **author:** {}\n",
        escape(&report.profile),
        escape_bounded(&report.profile_reason, SENTENCE_CHARS),
        report.author.kind.label()
    ));
}

fn is_accepted(report: &Report, plan: usize, finding: &Finding) -> bool {
    report
        .decision
        .accepted_why(plan, &finding.rule, &finding.address)
        .is_some()
}

fn severity_badge(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "🔴&nbsp;critical",
        Severity::High => "🟠&nbsp;high",
        Severity::Medium => "🟡&nbsp;medium",
        Severity::Low => "🔵&nbsp;low",
        Severity::Info => "⚪&nbsp;info",
    }
}

fn findings(report: &Report, comment: &mut Comment) {
    let mut open: Vec<(usize, &Finding)> = report
        .plans
        .iter()
        .enumerate()
        .flat_map(|(index, plan)| plan.findings.iter().map(move |finding| (index, finding)))
        .filter(|(index, finding)| !is_accepted(report, *index, finding))
        .collect();
    if open.is_empty() {
        comment.block("\nNo findings.\n");
        return;
    }
    // Stable: within a severity, plans in order and each plan's own order.
    open.sort_by_key(|(_, finding)| std::cmp::Reverse(finding.severity));
    let many_plans = report.plans.len() > 1;
    let head = format!(
        "\n#### Findings ({})\n\n| severity | rule | resource | what |{}\n|---|---|---|---|{}\n",
        open.len(),
        if many_plans { " plan |" } else { "" },
        if many_plans { "---|" } else { "" }
    );
    let total = open.len();
    let rows = open
        .into_iter()
        .take(FINDINGS_LISTED)
        .map(|(index, finding)| {
            let what = what_of(finding);
            let plan = if many_plans {
                format!(" {} |", escape_bounded(&report.plans[index].label, 60))
            } else {
                String::new()
            };
            format!(
                "| {} | {} | {} | {} |{plan}\n",
                severity_badge(finding.severity),
                escape(&finding.rule),
                breakable(&escape_bounded(&finding.address, ADDRESS_CHARS)),
                breakable(&escape_bounded(what, SENTENCE_CHARS))
            )
        });
    let more = (total > FINDINGS_LISTED).then(|| {
        format!(
            "\n… and {} more finding(s); `--format json` lists them all.\n",
            total - FINDINGS_LISTED
        )
    });
    comment.list(&head, rows, "");
    if let Some(more) = more {
        comment.block(&more);
    }
}

/// A finding's message without the address it starts with (the table shows
/// it in its own column).
fn what_of(finding: &Finding) -> &str {
    if finding.address.is_empty() {
        return &finding.message;
    }
    let shown = for_terminal(&finding.address);
    finding
        .message
        .strip_prefix(finding.address.as_str())
        .or_else(|| finding.message.strip_prefix(shown.as_ref()))
        .map_or(finding.message.as_str(), |rest| {
            rest.trim_start_matches(':').trim_start()
        })
}

/// `- item` lines, the first `LIST_ITEMS`, then a count of the rest.
fn bullet_list<'a>(items: impl ExactSizeIterator<Item = &'a str>) -> Vec<String> {
    let total = items.len();
    let mut lines: Vec<String> = items
        .take(LIST_ITEMS)
        .map(|item| format!("- {}\n", escape_bounded(item, SENTENCE_CHARS)))
        .collect();
    if total > LIST_ITEMS {
        lines.push(format!(
            "- … and {} more (`--format json` lists them all)\n",
            total - LIST_ITEMS
        ));
    }
    lines
}

fn fixes(report: &Report, comment: &mut Comment) {
    if report.decision.verdict != Verdict::Fail {
        return;
    }
    let fixes = &report.decision.fixes;
    let mut lines: Vec<String> = fixes
        .iter()
        .take(LIST_ITEMS)
        .map(|fix| {
            let mut line = String::from("- ");
            if let Some(rule) = &fix.rule {
                const NAMED: usize = 3;
                let mut named: Vec<String> = fix
                    .addresses
                    .iter()
                    .take(NAMED)
                    .map(|address| breakable(&escape_bounded(address, ADDRESS_CHARS)))
                    .collect();
                if fix.addresses.len() > NAMED {
                    named.push(format!("and {} more", fix.addresses.len() - NAMED));
                }
                line.push_str(&format!("**{}** on {}: ", escape(rule), named.join(", ")));
            }
            // The text is blastwall's own (rule docs, Markdown), not plan data.
            line.push_str(&fix.text.replace('\n', " "));
            line.push('\n');
            line
        })
        .collect();
    if fixes.len() > LIST_ITEMS {
        lines.push(format!(
            "- … and {} more (`--format json` lists them all)\n",
            fixes.len() - LIST_ITEMS
        ));
    }
    comment.list("\n#### What would make it pass\n\n", lines, "");
}

fn reasons(report: &Report, comment: &mut Comment) {
    let reasons = &report.decision.reasons;
    if reasons.len() < 2 {
        return;
    }
    comment.list(
        &format!(
            "\n<details><summary>All {} reasons for the verdict</summary>\n\n",
            reasons.len()
        ),
        bullet_list(reasons.iter().map(String::as_str)),
        "\n</details>\n",
    );
}

fn accepted_and_notes(report: &Report, comment: &mut Comment) {
    let accepted: Vec<String> = report
        .decision
        .accepted
        .iter()
        .map(|accepted| {
            format!(
                "{} on {}: {}",
                accepted.rule,
                bounded(&accepted.address, ADDRESS_CHARS),
                accepted.why
            )
        })
        .collect();
    comment.list(
        "\n#### Accepted (not counted)\n\n",
        bullet_list(accepted.iter().map(String::as_str)),
        "",
    );
    comment.list(
        "\n#### Notes\n\n",
        bullet_list(report.decision.notes.iter().map(String::as_str)),
        "",
    );
}

// ---------------------------------------------------------------- chains

fn action_text(actions: Actions) -> &'static str {
    match actions {
        Actions::DeleteThenCreate => "replace (destroy first)",
        Actions::CreateThenDelete => "replace (create first)",
        Actions::Delete => "delete",
        other => other.label(),
    }
}

fn role_text(member: &Member) -> String {
    let action = member.actions.map(action_text).unwrap_or("destroyed");
    match member.role {
        Role::Disrupted => "disrupted".to_owned(),
        Role::Destroyed => action.to_owned(),
        Role::DataLoss => format!("{action}, data loss"),
    }
}

/// `a → b → c`, its middle elided when long.
fn chain(path: &[String]) -> String {
    let link = |address: &String| escape_bounded(address, ADDRESS_CHARS);
    if path.len() <= CHAIN_LINKS {
        return path.iter().map(link).collect::<Vec<_>>().join(" → ");
    }
    let head: Vec<String> = path[..2].iter().map(link).collect();
    let tail: Vec<String> = path[path.len() - (CHAIN_LINKS - 3)..]
        .iter()
        .map(link)
        .collect();
    format!(
        "{} → … {} more … → {}",
        head.join(" → "),
        path.len() - head.len() - tail.len(),
        tail.join(" → ")
    )
}

/// `412 aws_instance, 12 aws_eip, …` for the most frequent types.
fn counts_by_type<'a>(types: impl Iterator<Item = &'a str>) -> String {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for resource_type in types {
        *counts.entry(resource_type).or_default() += 1;
    }
    let mut sorted: Vec<(&str, usize)> = counts.into_iter().collect();
    sorted.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let mut parts: Vec<String> = sorted
        .iter()
        .take(6)
        .map(|(resource_type, count)| format!("{count} {}", escape_bounded(resource_type, 60)))
        .collect();
    if sorted.len() > 6 {
        parts.push(format!("{} other types", sorted.len() - 6));
    }
    parts.join(", ")
}

fn root_summary(root: &Root) -> String {
    let mark = if root.data_loss { "🟪" } else { "🟥" };
    let mut summary = format!(
        "{mark} {} — {}",
        escape_bounded(&root.address, ADDRESS_CHARS),
        action_text(root.actions)
    );
    if root.data_loss {
        summary.push_str(", data loss");
    }
    if let Some(reason) = &root.reason {
        summary.push_str(": ");
        summary.push_str(reason.explanation());
        if !reason.is_known() {
            let _ = write!(summary, " ({})", escape_bounded(reason.as_str(), 80));
        }
    }
    let _ = write!(
        summary,
        " · {} more in its blast radius",
        root.members.len()
    );
    summary
}

fn chains(report: &Report, comment: &mut Comment) {
    let mut with_members: Vec<(usize, &Root)> = Vec::new();
    let mut alone: Vec<(usize, &Root)> = Vec::new();
    for (index, plan) in report.plans.iter().enumerate() {
        for root in &plan.blast.roots {
            if root.members.is_empty() {
                alone.push((index, root));
            } else {
                with_members.push((index, root));
            }
        }
    }
    if with_members.is_empty() && alone.is_empty() {
        return;
    }
    comment.block("\n#### Why each resource is in the blast radius\n\n");
    // The widest blast first; stable, so ties keep the report's order.
    with_members.sort_by_key(|(_, root)| std::cmp::Reverse(root.members.len()));
    let many_plans = report.plans.len() > 1;
    for (index, root) in with_members.iter().take(ROOTS_LISTED) {
        let mut summary = root_summary(root);
        if many_plans {
            let _ = write!(
                summary,
                " · in {}",
                escape_bounded(&report.plans[*index].label, 60)
            );
        }
        let head = format!("<details><summary>{summary}</summary>\n\n");
        let listed = root.members.iter().take(MEMBERS_LISTED).map(|member| {
            let labels = root.link(member).labels();
            let via = if labels.is_empty() {
                String::new()
            } else {
                format!(" (via {})", labels.join("+"))
            };
            let path: Vec<String> = root
                .printed_chain(member)
                .addresses
                .into_iter()
                .map(std::borrow::Cow::into_owned)
                .collect();
            format!("- {}: {}{via}\n", chain(&path), role_text(member))
        });
        let rest = (root.members.len() > MEMBERS_LISTED).then(|| {
            format!(
                "- … and {} more: {} (`--format json` lists them all)\n",
                root.members.len() - MEMBERS_LISTED,
                counts_by_type(
                    root.members[MEMBERS_LISTED..]
                        .iter()
                        .map(|member| &*member.resource_type)
                )
            )
        });
        comment.list(&head, listed.chain(rest), "\n</details>\n");
        if comment.truncated {
            return;
        }
    }
    if with_members.len() > ROOTS_LISTED {
        let rest = &with_members[ROOTS_LISTED..];
        let reached: usize = rest.iter().map(|(_, root)| root.members.len() + 1).sum();
        comment.block(&format!(
            "\n… and {} more root(s) reaching {reached} resource(s): {} (`--format json` lists them all)\n",
            rest.len(),
            counts_by_type(rest.iter().map(|(_, root)| root.resource_type.as_str()))
        ));
    }
    if !alone.is_empty() {
        let head = format!(
            "<details><summary>{} {}destroyed, nothing else depends on {}</summary>\n\n",
            alone.len(),
            if with_members.is_empty() { "" } else { "more " },
            if alone.len() == 1 { "it" } else { "them" }
        );
        let mut items: Vec<String> = alone
            .iter()
            .take(LIST_ITEMS * 2)
            .map(|(_, root)| {
                format!(
                    "- {}: {}{}\n",
                    escape_bounded(&root.address, ADDRESS_CHARS),
                    action_text(root.actions),
                    if root.data_loss { ", data loss" } else { "" }
                )
            })
            .collect();
        if alone.len() > LIST_ITEMS * 2 {
            items.push(format!(
                "- … and {} more: {} (`--format json` lists them all)\n",
                alone.len() - LIST_ITEMS * 2,
                counts_by_type(
                    alone[LIST_ITEMS * 2..]
                        .iter()
                        .map(|(_, root)| root.resource_type.as_str())
                )
            ));
        }
        comment.list(&head, items, "\n</details>\n");
    }
}

// ---------------------------------------------------------------- plans and inputs

fn plan_item(plan: &PlanAnalysis) -> String {
    let version = plan.terraform_version.as_deref().map_or_else(
        || "Terraform version not recorded".to_owned(),
        |version| format!("Terraform {}", escape_bounded(version, 40)),
    );
    let mut item = format!(
        "- {} (format {}, {version}): {}\n",
        escape_bounded(&plan.label, ADDRESS_CHARS),
        escape_bounded(&plan.format_version, 20),
        super::summary_line(&plan.summary)
    );
    for issue in &plan.health {
        let _ = writeln!(
            item,
            "  - ⚠️ {}",
            escape_bounded(&issue.describe(), SENTENCE_CHARS)
        );
    }
    if !plan.drift.is_empty() {
        let _ = writeln!(
            item,
            "  - drift: {} resource(s) changed outside Terraform ({} deleted)",
            plan.drift.len(),
            plan.drift
                .iter()
                .filter(|entry| entry.actions == Actions::Delete)
                .count()
        );
    }
    if let Some(gap) = plan.gaps.first() {
        let _ = writeln!(
            item,
            "  - the dependency graph may be missing edges: {} gap(s), e.g. {}",
            plan.gaps.len(),
            escape_bounded(gap, SENTENCE_CHARS)
        );
    }
    item
}

fn plans(report: &Report, comment: &mut Comment) {
    let total = report.plans.len();
    let mut items: Vec<String> = report
        .plans
        .iter()
        .take(LIST_ITEMS)
        .map(plan_item)
        .collect();
    if total > LIST_ITEMS {
        items.push(format!(
            "- … and {} more plan(s) (`--format json` lists them all)\n",
            total - LIST_ITEMS
        ));
    }
    let head = if total == 1 {
        "\n#### Plan\n\n".to_owned()
    } else {
        format!("\n#### Plans ({total})\n\n")
    };
    comment.list(&head, items, "");
}

fn inputs(report: &Report, comment: &mut Comment) {
    let warnings: Vec<String> = report
        .warnings
        .iter()
        .map(|warning| {
            format!(
                "{}: {} (help: {})",
                bounded(&warning.input, ADDRESS_CHARS),
                warning.message,
                warning.help
            )
        })
        .collect();
    comment.list(
        "\n#### Input warnings\n\n",
        bullet_list(warnings.iter().map(String::as_str)),
        "",
    );
    let skipped: Vec<String> = report
        .skipped
        .iter()
        .map(|skipped| {
            format!(
                "{}: {}",
                bounded(&skipped.input, ADDRESS_CHARS),
                skipped.reason
            )
        })
        .collect();
    comment.list(
        &format!(
            "\n#### Skipped {} file(s) that are not plans\n\n",
            skipped.len()
        ),
        bullet_list(skipped.iter().map(String::as_str)),
        "",
    );
}

#[cfg(test)]
mod tests;
