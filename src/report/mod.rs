//! The finished report: everything a renderer needs, decided and sorted.
//! Renderers read it; they never analyse.

pub mod locate;

use crate::analysis::{PlanAnalysis, Summary};
use crate::input::{InputWarning, Skipped};
use crate::policy::Decision;
use crate::rules::Severity;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthorKind {
    Agent,
    Human,
    Unknown,
}

impl AuthorKind {
    pub fn label(self) -> &'static str {
        match self {
            Self::Agent => "agent",
            Self::Human => "human",
            Self::Unknown => "unknown",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Author {
    pub kind: AuthorKind,
    pub reason: String,
}

#[derive(Debug, Clone)]
pub struct Report {
    pub plans: Vec<PlanAnalysis>,
    pub summary: Summary,
    pub author: Author,
    pub profile: String,
    pub profile_reason: String,
    pub decision: Decision,
    pub score: u32,
    pub warnings: Vec<InputWarning>,
    pub skipped: Vec<Skipped>,
    /// The configuration files read, each with where it was found.
    pub config_files: Vec<String>,
    /// Findings at or above this severity fail the plan (the profile's).
    pub fail_severity: Option<Severity>,
    /// The findings of all plans in reading order: most severe first, then
    /// plan, rule and fix, so that each fix is said once for its findings.
    pub groups: Vec<FindingGroup>,
}

/// Findings of one plan with the same severity, rule and fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FindingGroup {
    pub severity: Severity,
    /// Index into `Report::plans`.
    pub plan: usize,
    pub rule: String,
    /// The rule's "how to fix" (its first paragraph), blastwall's words.
    pub fix: String,
    /// Indices into the plan's `findings`, in their order.
    pub findings: Vec<usize>,
    /// How many of them the policy did not accept (ignores, approvals).
    pub open: usize,
}

impl FindingGroup {
    /// Whether the group fails the plan under `fail_severity`.
    pub fn fails(&self, fail_severity: Option<Severity>) -> bool {
        self.open > 0 && fail_severity.is_some_and(|limit| self.severity >= limit)
    }
}

/// Groups the findings of `plans` (see [`Report::groups`]).
fn group_findings(plans: &[PlanAnalysis], decision: &Decision) -> Vec<FindingGroup> {
    use std::cmp::Reverse;
    use std::collections::BTreeMap;
    let mut groups: BTreeMap<(Reverse<Severity>, usize, &str, String), FindingGroup> =
        BTreeMap::new();
    for (plan_index, plan) in plans.iter().enumerate() {
        for (index, finding) in plan.findings.iter().enumerate() {
            let fix = first_paragraph(&finding.fix);
            let group = groups
                .entry((
                    Reverse(finding.severity),
                    plan_index,
                    finding.rule.as_str(),
                    fix.clone(),
                ))
                .or_insert_with(|| FindingGroup {
                    severity: finding.severity,
                    plan: plan_index,
                    rule: finding.rule.clone(),
                    fix,
                    findings: Vec::new(),
                    open: 0,
                });
            group.findings.push(index);
            if decision
                .accepted_why(plan_index, &finding.rule, &finding.address)
                .is_none()
            {
                group.open += 1;
            }
        }
    }
    groups.into_values().collect()
}

fn first_paragraph(text: &str) -> String {
    text.trim()
        .split("\n\n")
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

impl Report {
    pub fn new(
        plans: Vec<PlanAnalysis>,
        decision: Decision,
        warnings: Vec<InputWarning>,
        skipped: Vec<Skipped>,
        options: &crate::CheckOptions,
    ) -> Self {
        let score = decision.score;
        let mut summary = Summary::default();
        for plan in &plans {
            summary.add(&plan.summary);
        }
        let groups = group_findings(&plans, &decision);
        Self {
            fail_severity: options.profile.thresholds.fail_severity,
            groups,
            plans,
            summary,
            author: options.author.clone(),
            profile: options.profile.name.clone(),
            profile_reason: options.profile_reason.clone(),
            decision,
            score,
            warnings,
            skipped,
            config_files: options.config_files.clone(),
        }
    }
}
