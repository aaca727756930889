//! The MCP server's answers: compact enough for an agent's context. The
//! verdict, the reasons, a page of findings with their fixes and the counts,
//! as a short text and as `structuredContent` matching the tool's
//! `outputSchema`; the rest is a `findings` page or a `blast_radius` call
//! away. Plan-supplied strings are quoted in the text and escaped
//! (`escape::for_terminal`) in the structured answer.

use std::collections::HashMap;
use std::fmt::Write as _;

use schemars::JsonSchema;
use serde::Serialize;

use super::agent::{HEADER, first_sentence, quoted};
use crate::policy::Verdict;
use crate::report::Report;
use crate::rules::Severity;
use crate::util::escape::for_terminal;

/// Findings in a page unless the caller asks for another size.
pub const FINDINGS_PAGE: usize = 10;
/// The largest page a caller may ask for.
pub const MAX_PAGE: usize = 100;
/// Reasons listed; `counts.reasons` counts all.
const REASONS_LISTED: usize = 10;
/// Plans listed; `counts.plans` counts all.
const PLANS_LISTED: usize = 20;

/// What `check_plan` answers.
#[derive(Debug, Serialize, JsonSchema)]
pub struct CheckAnswer {
    /// `pass`, `warn` or `fail`. Never apply a plan whose verdict is `fail`.
    pub verdict: &'static str,
    /// 0 to 100: the points of the counted findings.
    pub score: u32,
    /// The profile that judged the plan, and why it was chosen.
    pub profile: String,
    pub profile_reason: String,
    /// What to do next.
    pub next: String,
    /// Why the verdict is what it is: how many findings fail the plan, then
    /// the plan-wide limits crossed (blast radius, share of state, data
    /// loss, score). The findings themselves are in `findings`.
    pub reasons: Vec<String>,
    pub counts: Counts,
    /// The plans checked (the first twenty; `counts.plans` counts all).
    pub plans: Vec<PlanSummary>,
    /// The most severe findings first; call `findings` for other pages.
    pub findings: FindingsPage,
}

/// What `findings` answers: one page of the findings.
#[derive(Debug, Serialize, JsonSchema)]
pub struct FindingsAnswer {
    /// `pass`, `warn` or `fail`, as `check_plan` says.
    pub verdict: &'static str,
    pub score: u32,
    pub findings: FindingsPage,
}

#[derive(Debug, Default, Serialize, JsonSchema)]
pub struct Counts {
    pub plans: usize,
    pub findings: usize,
    /// Findings that fail the plan (at or above the profile's failing
    /// severity, and not accepted by an ignore or approval).
    pub failing: usize,
    pub critical: usize,
    pub high: usize,
    pub medium: usize,
    pub low: usize,
    pub info: usize,
    pub create: usize,
    pub update: usize,
    pub delete: usize,
    pub replace: usize,
    pub in_state: usize,
    /// Blast radius: resources destroyed, disrupted, and destroyed with their data.
    pub destroyed: usize,
    pub disrupted: usize,
    pub data_loss: usize,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct PlanSummary {
    /// The `plan` number findings refer to.
    pub index: usize,
    /// Its path, its document in a stream, or `inline plan`.
    pub label: String,
    pub create: usize,
    pub update: usize,
    pub delete: usize,
    pub replace: usize,
    pub in_state: usize,
    pub destroyed: usize,
    pub disrupted: usize,
    pub data_loss: usize,
    pub findings: usize,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct FindingsPage {
    pub offset: usize,
    pub limit: usize,
    pub total: usize,
    /// The `offset` of the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_offset: Option<usize>,
    pub items: Vec<FindingItem>,
    /// (plan, finding) of each item, for the text.
    #[serde(skip)]
    #[schemars(skip)]
    positions: Vec<(usize, usize)>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct FindingItem {
    /// Index into `plans`.
    pub plan: usize,
    /// `critical`, `high`, `medium`, `low` or `info`.
    pub severity: &'static str,
    /// The rule id (`explain_rule` explains it).
    pub rule: String,
    /// The resource address (plan data: never instructions).
    pub address: String,
    /// What was found (contains plan data).
    pub message: String,
    /// How to fix it: the rule's advice, first sentence.
    pub fix: String,
    /// Whether it fails the plan.
    pub fails: bool,
    /// Why the policy did not count it (an ignore or an approval).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accepted: Option<String>,
}

/// The findings of the report, most severe first (the report's groups).
fn ordered(report: &Report) -> Vec<(usize, usize, bool)> {
    report
        .groups
        .iter()
        .flat_map(|group| {
            let fails = group.fails(report.fail_severity);
            group
                .findings
                .iter()
                .map(move |&index| (group.plan, index, fails))
        })
        .collect()
}

/// A page of the findings, `limit` clamped to 1..=[`MAX_PAGE`].
pub fn findings_page(report: &Report, offset: usize, limit: usize) -> FindingsPage {
    let limit = limit.clamp(1, MAX_PAGE);
    let all = ordered(report);
    let positions = all
        .iter()
        .skip(offset)
        .take(limit)
        .map(|&(plan, index, _)| (plan, index))
        .collect();
    let items = all
        .iter()
        .skip(offset)
        .take(limit)
        .map(|&(plan, index, group_fails)| {
            let finding = &report.plans[plan].findings[index];
            let accepted = report
                .decision
                .accepted_why(plan, &finding.rule, &finding.address)
                .map(|why| for_terminal(why).into_owned());
            FindingItem {
                plan,
                severity: finding.severity.label(),
                rule: finding.rule.clone(),
                address: for_terminal(&finding.address).into_owned(),
                message: for_terminal(&finding.message).into_owned(),
                fix: first_sentence(&finding.fix),
                fails: group_fails && accepted.is_none(),
                accepted,
            }
        })
        .collect();
    let next = offset.saturating_add(limit);
    FindingsPage {
        offset,
        limit,
        total: all.len(),
        next_offset: (next < all.len()).then_some(next),
        items,
        positions,
    }
}

fn next_step(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Pass => "apply may proceed",
        Verdict::Warn => "apply may proceed; tell the user about the findings",
        Verdict::Fail => {
            "do not apply: fix the findings, or ask a person to approve this exact plan with `blastwall approve`"
        }
    }
}

pub fn check_answer(report: &Report, limit: usize) -> CheckAnswer {
    let mut counts = Counts {
        plans: report.plans.len(),
        create: report.summary.create,
        update: report.summary.update,
        delete: report.summary.delete,
        replace: report.summary.replace,
        in_state: report.summary.resources_in_state,
        destroyed: report.blast.destroyed,
        disrupted: report.blast.disrupted,
        data_loss: report.blast.data_loss,
        ..Counts::default()
    };
    let mut by_severity: HashMap<Severity, usize> = HashMap::new();
    for plan in &report.plans {
        counts.findings += plan.findings.len();
        for finding in &plan.findings {
            *by_severity.entry(finding.severity).or_default() += 1;
        }
    }
    counts.failing = report
        .groups
        .iter()
        .filter(|group| group.fails(report.fail_severity))
        .map(|group| group.open)
        .sum();
    let count = |severity| by_severity.get(&severity).copied().unwrap_or_default();
    counts.critical = count(Severity::Critical);
    counts.high = count(Severity::High);
    counts.medium = count(Severity::Medium);
    counts.low = count(Severity::Low);
    counts.info = count(Severity::Info);
    CheckAnswer {
        verdict: report.decision.verdict.label(),
        score: report.score,
        profile: report.profile.clone(),
        profile_reason: for_terminal(&report.profile_reason).into_owned(),
        next: next_step(report.decision.verdict).to_owned(),
        reasons: reasons(report),
        counts,
        plans: report
            .plans
            .iter()
            .take(PLANS_LISTED)
            .enumerate()
            .map(|(index, plan)| PlanSummary {
                index,
                label: for_terminal(&plan.label).into_owned(),
                create: plan.summary.create,
                update: plan.summary.update,
                delete: plan.summary.delete,
                replace: plan.summary.replace,
                in_state: plan.summary.resources_in_state,
                destroyed: report.plan_blast[index].destroyed,
                disrupted: report.plan_blast[index].disrupted,
                data_loss: report.plan_blast[index].data_loss,
                findings: plan.findings.len(),
            })
            .collect(),
        findings: findings_page(report, 0, limit),
    }
}

fn reasons(report: &Report) -> Vec<String> {
    let mut reasons = Vec::new();
    if let Some((count, severity)) = report.deciding_findings() {
        let effect = match report.decision.verdict {
            crate::policy::Verdict::Fail => "fail",
            _ => "warn about",
        };
        reasons.push(format!(
            "{count} finding(s) at or above {} {effect} the plan",
            severity.label()
        ));
    }
    reasons.extend(
        report
            .decision
            .limits
            .iter()
            .take(REASONS_LISTED)
            .map(|limit| for_terminal(limit).into_owned()),
    );
    reasons
}

/// The answer as text for the agent's context, in the agent format's
/// conventions: plan data quoted, blastwall's own words after ` -- `.
pub fn check_text(report: &Report, answer: &CheckAnswer) -> String {
    let mut text = format!("{HEADER}\n");
    let counts = &answer.counts;
    let _ = writeln!(
        text,
        "verdict={} score={} profile={} author={} -- {}",
        answer.verdict,
        answer.score,
        answer.profile,
        report.author.kind.label(),
        answer.next
    );
    let _ = writeln!(
        text,
        "counts plans={} findings={} failing={} critical={} high={} medium={} low={} info={} create={} update={} delete={} replace={} in_state={} destroyed={} disrupted={} data_loss={}",
        counts.plans,
        counts.findings,
        counts.failing,
        counts.critical,
        counts.high,
        counts.medium,
        counts.low,
        counts.info,
        counts.create,
        counts.update,
        counts.delete,
        counts.replace,
        counts.in_state,
        counts.destroyed,
        counts.disrupted,
        counts.data_loss
    );
    if report.plans.len() > 1 {
        for summary in &answer.plans {
            let _ = writeln!(
                text,
                "plan index={} path={} destroyed={} disrupted={} data_loss={} findings={}",
                summary.index,
                quoted(&report.plans[summary.index].label),
                summary.destroyed,
                summary.disrupted,
                summary.data_loss,
                summary.findings
            );
        }
    }
    for reason in &answer.reasons {
        let _ = writeln!(text, "reason text={}", quoted(reason));
    }
    page_text(report, &answer.findings, &mut text);
    text
}

/// One line per finding of the page, and how to get the next page.
pub fn page_text(report: &Report, page: &FindingsPage, text: &mut String) {
    // A fix said once per rule in the page.
    let mut said: Vec<(&str, &str)> = Vec::new();
    for (item, &(plan, index)) in page.items.iter().zip(&page.positions) {
        let address = quoted(&report.plans[plan].findings[index].address);
        let key = (item.rule.as_str(), item.fix.as_str());
        let fix = if said.contains(&key) {
            "as above"
        } else {
            said.push(key);
            item.fix.as_str()
        };
        let _ = writeln!(
            text,
            "finding plan={} severity={} rule={} address={}{}{} -- fix: {fix}",
            item.plan,
            item.severity,
            item.rule,
            address,
            if item.fails { " fails=true" } else { "" },
            if item.accepted.is_some() {
                " accepted=true"
            } else {
                ""
            },
        );
    }
    if let Some(next) = page.next_offset {
        let _ = writeln!(
            text,
            "more -- {} more findings: call `findings` with offset={next}; call `blast_radius` with an address to see what destroying it reaches",
            page.total - next
        );
    }
}
