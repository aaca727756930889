//! The finished report: everything a renderer needs, decided and sorted.
//! Renderers read it; they never analyse.

pub mod locate;
pub mod places;

use crate::analysis::{PlanAnalysis, Summary};
use crate::input::{InputWarning, Skipped};
use crate::policy::Decision;
use crate::rules::{Rule, Severity};

pub use crate::policy::authors::{Author, AuthorKind};

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
    /// Findings at or above this severity (below `fail_severity`) warn.
    pub warn_severity: Option<Severity>,
    /// The rules the plans were checked with (SARIF lists them all).
    pub rules: Vec<Rule>,
    /// The findings of all plans in reading order: most severe first, then
    /// plan, rule and fix, so that each fix is said once for its findings.
    pub groups: Vec<FindingGroup>,
    /// Where each finding (and each blast-radius resource) is in the `.tf`
    /// configuration beside its plan; see [`Report::places`].
    places: std::sync::OnceLock<places::Places>,
    /// What each plan's blast radius counts, in `plans` order.
    pub plan_blast: Vec<BlastCounts>,
    /// The same counts over all plans.
    pub blast: BlastCounts,
}

/// How many resources a blast radius destroys, disrupts and loses data of,
/// against how many the state holds: counted once, for every format.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BlastCounts {
    pub destroyed: usize,
    pub disrupted: usize,
    pub data_loss: usize,
    pub in_state: usize,
    /// Of `disrupted`, those updated in place onto a replacement created
    /// first, which the limits do not count (see `BlastRadius::affected`).
    pub kept_working: usize,
}

impl BlastCounts {
    fn of(plan: &PlanAnalysis) -> Self {
        Self {
            destroyed: plan.blast.destroyed.len(),
            disrupted: plan.blast.disrupted.len(),
            data_loss: plan.blast.data_loss.len(),
            in_state: plan.summary.resources_in_state,
            kept_working: plan.blast.kept_working,
        }
    }

    fn add(&mut self, other: &Self) {
        self.destroyed += other.destroyed;
        self.disrupted += other.disrupted;
        self.data_loss += other.data_loss;
        self.in_state += other.in_state;
        self.kept_working += other.kept_working;
    }

    /// Destroyed and disrupted, less those that keep working: what the
    /// environment-teardown rule and the profiles' limits count.
    pub fn affected(&self) -> usize {
        self.destroyed + self.disrupted - self.kept_working
    }

    /// The share of the state destroyed or disrupted, 0..=1, as the limits
    /// measure it (a report that gave the destroyed share beside a limit on
    /// this one showed two figures for one plan); `None` for an empty state.
    pub fn share_of_state(&self) -> Option<f64> {
        (self.in_state > 0).then(|| self.affected() as f64 / self.in_state as f64)
    }

    /// The same share in percent (computed as percent, so rounding it to a
    /// whole number is exact where the share is).
    pub fn percent_of_state(&self) -> Option<f64> {
        (self.in_state > 0).then(|| self.affected() as f64 * 100.0 / self.in_state as f64)
    }
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

/// Who the plan is judged as, and with which profile and files: said in
/// every report. The app fills it from its resolved options.
#[derive(Debug, Clone)]
pub struct CheckedWith {
    pub author: Author,
    pub profile: String,
    pub profile_reason: String,
    pub config_files: Vec<String>,
    /// Findings at or above this severity fail the plan (the profile's).
    pub fail_severity: Option<Severity>,
    /// Findings at or above this severity (below `fail_severity`) warn.
    pub warn_severity: Option<Severity>,
    /// The rules the plans were checked with.
    pub rules: Vec<Rule>,
}

impl Report {
    /// The findings that make a failing or warning verdict: how many, and
    /// the profile's severity limit they reach (`high` for "at or above
    /// high"). `None` when no finding does.
    pub fn deciding_findings(&self) -> Option<(usize, Severity)> {
        let limit = match self.decision.verdict {
            crate::policy::Verdict::Fail => self.fail_severity?,
            crate::policy::Verdict::Warn => self.warn_severity?,
            crate::policy::Verdict::Pass => return None,
        };
        let count: usize = self
            .groups
            .iter()
            .filter(|group| group.severity >= limit)
            .map(|group| group.open)
            .sum();
        (count > 0).then_some((count, limit))
    }

    /// Where each finding is: its block in the `.tf` configuration beside
    /// its plan, else the plan file. Reading the configuration is file I/O
    /// that only the formats showing places (sarif, github) need, so it is
    /// done once, when the first of them asks, not for every check.
    pub fn places(&self) -> &places::Places {
        self.places
            .get_or_init(|| places::Places::resolve(&self.plans))
    }

    pub fn new(
        plans: Vec<PlanAnalysis>,
        decision: Decision,
        warnings: Vec<InputWarning>,
        skipped: Vec<Skipped>,
        checked_with: CheckedWith,
    ) -> Self {
        let score = decision.score;
        let mut summary = Summary::default();
        for plan in &plans {
            summary.add(&plan.summary);
        }
        let groups = group_findings(&plans, &decision);
        let plan_blast: Vec<BlastCounts> = plans.iter().map(BlastCounts::of).collect();
        let mut blast = BlastCounts::default();
        for counts in &plan_blast {
            blast.add(counts);
        }
        Self {
            plan_blast,
            blast,
            places: std::sync::OnceLock::new(),
            fail_severity: checked_with.fail_severity,
            warn_severity: checked_with.warn_severity,
            rules: checked_with.rules,
            groups,
            plans,
            summary,
            author: checked_with.author,
            profile: checked_with.profile,
            profile_reason: checked_with.profile_reason,
            decision,
            score,
            warnings,
            skipped,
            config_files: checked_with.config_files,
        }
    }
}
