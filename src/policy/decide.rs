//! The one place that turns findings, score and blast radius into a verdict
//! and an exit code: severity overrides, ignores, approvals and the
//! profile's thresholds are all applied here, in this order.

use std::collections::BTreeMap;

use rustc_hash::FxHashMap as HashMap;

use serde::Serialize;

use crate::analysis::PlanAnalysis;
use crate::exit::Exit;
use crate::policy::approvals;
use crate::policy::config::{Ignore, glob_matches, parse_date};
use crate::policy::profiles::{Profile, RuleOverride};
use crate::rules::Severity;
use crate::rules::kinds::share_of_state as share;
use crate::util::escape;
/// The address of plan-wide findings (`rules::kinds::plan_health`).
const PLAN_ADDRESS: &str = "(plan)";

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Pass,
    Warn,
    Fail,
}

impl Verdict {
    pub fn label(self) -> &'static str {
        match self {
            Self::Pass => "pass",
            Self::Warn => "warn",
            Self::Fail => "fail",
        }
    }
}

/// How the verdict becomes an exit code (`--fail-on`, `--exit-zero`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Gate {
    pub fail_on_warn: bool,
    pub exit_zero: bool,
}

impl Gate {
    pub fn exit(self, verdict: Verdict) -> Exit {
        match verdict {
            _ if self.exit_zero => Exit::Pass,
            Verdict::Fail => Exit::Blocked,
            Verdict::Warn if self.fail_on_warn => Exit::Blocked,
            Verdict::Warn | Verdict::Pass => Exit::Pass,
        }
    }
}

/// Everything the decision depends on besides the plans.
pub struct Policy<'p> {
    /// Its thresholds include the config's overrides.
    pub profile: &'p Profile,
    /// The config's per-rule severities; they win over the profile's.
    pub severity: &'p BTreeMap<String, RuleOverride>,
    pub ignores: &'p [Ignore],
    pub approvals: &'p [approvals::LoadedApproval],
    /// Only approvals from trusted paths count (the agent profile).
    pub trusted_approvals_only: bool,
    /// `(year, month, day)`, for ignore expiry.
    pub today: (u32, u32, u32),
    /// Where the ignores come from, to name their lines.
    pub config_label: &'p str,
}

/// A finding the policy did not count, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcceptedFinding {
    pub plan: usize,
    pub rule: String,
    pub address: String,
    pub why: String,
}

/// What would make the plan pass: one entry per failing rule (with the
/// resources it fired on) or per threshold crossed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fix {
    /// The rule, or `None` for a plan-wide threshold.
    pub rule: Option<String>,
    /// Plan-supplied: escape before printing.
    pub addresses: Vec<String>,
    /// blastwall's own words (the rule's "How to fix"), Markdown.
    pub text: String,
}

/// One reason for the verdict, for machines: a finding of a rule on an
/// address, or a plan-level threshold (`threshold/max-blast-radius`, …) with
/// the value measured and the limit.
#[derive(Debug, Clone, PartialEq)]
pub struct VerdictReason {
    /// `fail` or `warn`: what this reason does to the verdict.
    pub effect: &'static str,
    /// A rule id, or `threshold/<name>` for a profile threshold.
    pub rule: String,
    /// The plan (index into the report's plans) of a finding.
    pub plan: Option<usize>,
    /// The address of a finding.
    pub address: Option<String>,
    pub severity: Option<Severity>,
    pub measured: Option<f64>,
    pub limit: Option<f64>,
}

impl VerdictReason {
    fn threshold(effect: &'static str, name: &str, measured: f64, limit: f64) -> Self {
        Self {
            effect,
            rule: format!("threshold/{name}"),
            plan: None,
            address: None,
            severity: None,
            measured: Some(measured),
            limit: Some(limit),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    pub verdict: Verdict,
    /// The thresholds crossed, most severe first ("data-loss on aws_db_instance.x").
    pub reasons: Vec<String>,
    /// The same reasons, structured, in the same order: which rule or
    /// plan-level threshold, what was measured and the limit it crossed.
    pub verdict_reasons: Vec<VerdictReason>,
    pub accepted: Vec<AcceptedFinding>,
    /// Ignores that matched nothing or expired, approvals that did not apply.
    pub notes: Vec<String>,
    /// For each failing rule or threshold, its "how to fix".
    pub fixes: Vec<Fix>,
    /// The plan-wide thresholds crossed (blast radius, share of state, data
    /// loss, score) that make the verdict: the failing ones of a failure,
    /// the warning ones of a warning.
    pub limits: Vec<String>,
    pub score: u32,
    /// (plan, rule, address) → index into `accepted`: a finding's lookup is
    /// O(1), so approving a plan with thousands of findings stays linear.
    accepted_index: HashMap<(usize, String, String), usize>,
}

impl Decision {
    /// Why the finding of `plan` with this rule and address was not counted, if it was not.
    pub fn accepted_why(&self, plan: usize, rule: &str, address: &str) -> Option<&str> {
        self.accepted_index
            .get(&(plan, rule.to_owned(), address.to_owned()))
            .map(|&index| self.accepted[index].why.as_str())
    }

    fn accept(&mut self, accepted: AcceptedFinding) {
        let key = (
            accepted.plan,
            accepted.rule.clone(),
            accepted.address.clone(),
        );
        if !self.accepted_index.contains_key(&key) {
            self.accepted_index.insert(key, self.accepted.len());
            self.accepted.push(accepted);
        }
    }
}

/// Rules whose findings no ignore may silence: a plan that does not show
/// everything it will do cannot be judged by a standing exception.
const NOT_IGNORABLE: &[&str] = &["plan-incomplete"];

/// Share-of-state thresholds apply from this many resources destroyed or
/// disrupted: losing 1 of 3 resources is not a teardown.
const MIN_SHARE_COUNT: usize = 3;

pub fn decide(plans: &mut [PlanAnalysis], policy: &Policy<'_>) -> Decision {
    let mut decision = Decision {
        verdict: Verdict::Pass,
        reasons: Vec::new(),
        verdict_reasons: Vec::new(),
        accepted: Vec::new(),
        notes: Vec::new(),
        fixes: Vec::new(),
        limits: Vec::new(),
        score: 0,
        accepted_index: HashMap::default(),
    };
    apply_severity_overrides(plans, policy);
    let covered = apply_approvals(plans, policy, &mut decision);
    apply_ignores(plans, policy, &mut decision);

    let thresholds = &policy.profile.thresholds;
    let mut fail = Vec::new();
    let mut warn = Vec::new();
    // One fix per rule and advice: a rule whose advice depends on the
    // resource type (data-loss) lists each advice with its own addresses.
    let mut fix_of_rule: HashMap<(String, String), usize> = HashMap::default();
    // The addresses each fix above lists, as a set (by the fix's index).
    let mut listed: Vec<rustc_hash::FxHashSet<String>> = Vec::new();
    // Several plans (a directory, a Terragrunt stream): every reason and
    // fix names the plan it is about.
    let several = plans.len() > 1;
    for (index, plan) in plans.iter().enumerate() {
        let approved = if covered.contains(&index) {
            "(approved) "
        } else {
            ""
        };
        let prefix = if several {
            format!("{approved}{}: ", escape::for_terminal(&plan.label))
        } else {
            approved.to_owned()
        };
        // The address a fix lists: in several plans, qualified by its plan.
        let fix_address = |address: &str| match (several, address == PLAN_ADDRESS) {
            (false, _) => address.to_owned(),
            (true, true) => plan.label.clone(),
            (true, false) => format!("{}: {address}", plan.label),
        };
        let open: Vec<_> = plan
            .findings
            .iter()
            .filter(|finding| {
                decision
                    .accepted_why(index, &finding.rule, &finding.address)
                    .is_none()
            })
            .collect();
        for finding in open {
            // Messages usually start with the address; do not say it twice.
            let line = if finding.message.starts_with(finding.address.as_str())
                || (several && finding.address == PLAN_ADDRESS)
            {
                format!(
                    "{prefix}{}: {}",
                    finding.rule,
                    escape::for_terminal(&finding.message)
                )
            } else {
                format!(
                    "{prefix}{} on {}: {}",
                    finding.rule,
                    escape::for_terminal(&finding.address),
                    escape::for_terminal(&finding.message)
                )
            };
            let reason = |effect| VerdictReason {
                effect,
                rule: finding.rule.clone(),
                plan: Some(index),
                address: Some(finding.address.clone()),
                severity: Some(finding.severity),
                measured: None,
                limit: None,
            };
            if thresholds
                .fail_severity
                .is_some_and(|limit| finding.severity >= limit)
            {
                fail.push((line, reason("fail")));
                let key = (finding.rule.clone(), first_paragraph(&finding.fix));
                match fix_of_rule.get(&key) {
                    Some(&at) => {
                        let address = fix_address(&finding.address);
                        // A set beside each fix's list: looking through the
                        // list for each of 100,000 findings took 23 s.
                        if listed[at].insert(address.clone()) {
                            decision.fixes[at].addresses.push(address);
                        }
                    }
                    None => {
                        listed.push(std::iter::once(fix_address(&finding.address)).collect());
                        fix_of_rule.insert(key, decision.fixes.len());
                        decision.fixes.push(Fix {
                            rule: Some(finding.rule.clone()),
                            addresses: vec![fix_address(&finding.address)],
                            text: first_paragraph(&finding.fix),
                        });
                    }
                }
            } else if thresholds
                .warn_severity
                .is_some_and(|limit| finding.severity >= limit)
            {
                warn.push((line, reason("warn")));
            }
        }
    }
    decision.score = plans
        .iter()
        .enumerate()
        .flat_map(|(index, plan)| plan.findings.iter().map(move |finding| (index, finding)))
        .filter(|(index, finding)| {
            decision
                .accepted_why(*index, &finding.rule, &finding.address)
                .is_none()
        })
        // Saturating: a rule file may give up to u32::MAX points, and a
        // wrapped sum turned a failing score into 0 (2^32 - 30 points).
        .fold(0_u32, |score, (_, finding)| {
            score.saturating_add(finding.points)
        })
        .min(100);

    // Thresholds on the plan as a whole; an approval of the exact plan covers them.
    let mut limit_fail: Vec<(String, VerdictReason)> = Vec::new();
    let mut limit_warn: Vec<(String, VerdictReason)> = Vec::new();
    let uncovered: Vec<&PlanAnalysis> = plans
        .iter()
        .enumerate()
        .filter(|(index, _)| !covered.contains(index))
        .map(|(_, plan)| plan)
        .collect();
    let radius: usize = uncovered.iter().map(|plan| plan.blast.affected()).sum();
    let data_loss: usize = uncovered
        .iter()
        .map(|plan| plan.blast.data_loss.len())
        .sum();
    if let Some(limit) = thresholds.max_blast_radius.filter(|limit| radius > *limit) {
        limit_fail.push((
            format!("blast radius {radius} > {limit} (resources destroyed or disrupted)"),
            VerdictReason::threshold("fail", "max-blast-radius", radius as f64, limit as f64),
        ));
        decision.fixes.push(Fix {
            rule: None,
            addresses: Vec::new(),
            text: format!("blast radius: split the change so each plan destroys or disrupts at most {limit} resources, or have a person approve this exact plan"),
        });
    }
    // Share of state: measured as environment-teardown measures it (see
    // `share_of_state_exceeds::share`); that rule fires at 50% for anyone,
    // this profile limit is the stricter one for agents. A share of a tiny
    // (or unknown) state is no teardown. Each plan has its own state: over
    // all plans together, one unrelated plan of a large state diluted a
    // teardown of 3 resources in 10 to 3 in 2,010, and the check passed.
    let worst_share = plans
        .iter()
        .enumerate()
        .filter(|(index, _)| !covered.contains(index))
        .map(|(index, plan)| {
            let radius = plan.blast.affected();
            (index, radius, plan.summary.resources_in_state)
        })
        .filter(|&(_, radius, in_state)| in_state > 0 && radius >= MIN_SHARE_COUNT)
        .max_by(|a, b| share(a.1, a.2).total_cmp(&share(b.1, b.2)));
    if let Some((limit, (index, radius, in_state))) = thresholds
        .max_share_of_state
        .zip(worst_share)
        .filter(|(limit, (_, radius, in_state))| share(*radius, *in_state) > *limit)
    {
        let allowed = ((limit * in_state as f64).floor() as usize).max(MIN_SHARE_COUNT - 1);
        // By number: a plan's label is a path, and limits are not escaped.
        let which = if plans.len() > 1 {
            format!(" in plan {} of {}", index + 1, plans.len())
        } else {
            String::new()
        };
        limit_fail.push((
            format!(
            "share of state destroyed or disrupted {:.0}% > {:.0}% ({radius} of {in_state} resources{which})",
            radius as f64 * 100.0 / in_state as f64,
            limit * 100.0
        ),
            VerdictReason::threshold("fail", "max-share-of-state", share(radius, in_state), limit),
        ));
        decision.fixes.push(Fix {
            rule: None,
            addresses: Vec::new(),
            text: format!("share of state: split the change so each plan destroys or disrupts at most {allowed} of the {in_state} resources in state ({:.0}%), or have a person approve this exact plan", limit * 100.0),
        });
    }
    if let Some(limit) = thresholds.max_data_loss.filter(|limit| data_loss > *limit) {
        limit_fail.push((
            format!("data loss on {data_loss} resource(s) > {limit}"),
            VerdictReason::threshold("fail", "max-data-loss", data_loss as f64, limit as f64),
        ));
        // The data-loss finding's own fix says it per type; this one is for
        // a plan where that rule is off or its findings were accepted.
        let said = decision
            .fixes
            .iter()
            .any(|fix| fix.rule.as_deref() == Some("data-loss"));
        if !said {
            decision.fixes.push(Fix {
            rule: None,
            addresses: uncovered
                .iter()
                .flat_map(|plan| {
                    plan.blast.data_loss.iter().map(|address| {
                        if plans.len() > 1 {
                            format!("{}: {address}", plan.label)
                        } else {
                            address.clone()
                        }
                    })
                })
                .collect(),
            text: format!("data loss: keep the data of these resources before they are destroyed (the data-loss finding says how for each type), so that at most {limit} lose data, or have a person approve this exact plan"),
            });
        }
    }
    if let Some(limit) = thresholds
        .fail_score
        .filter(|limit| decision.score >= *limit)
    {
        limit_fail.push((
            format!("score {} ≥ {limit}", decision.score),
            VerdictReason::threshold("fail", "fail-score", decision.score.into(), limit.into()),
        ));
        // Findings that fail the plan already say what to do; the score
        // alone needs a fix of its own.
        if decision.fixes.is_empty() {
            decision.fixes.push(Fix {
            rule: None,
            addresses: Vec::new(),
            text: format!("score: the findings above add up to {} points; resolve findings until the score is below {limit}, or have a person approve this exact plan", decision.score),
            });
        }
    } else if let Some(limit) = thresholds
        .warn_score
        .filter(|limit| decision.score >= *limit)
    {
        limit_warn.push((
            format!("score {} ≥ {limit}", decision.score),
            VerdictReason::threshold("warn", "warn-score", decision.score.into(), limit.into()),
        ));
    }

    fail.extend(limit_fail.iter().cloned());
    warn.extend(limit_warn.iter().cloned());
    decision.verdict = if !fail.is_empty() {
        Verdict::Fail
    } else if !warn.is_empty() {
        Verdict::Warn
    } else {
        Verdict::Pass
    };
    // The limits that made the verdict: a warning limit beside a failure
    // ("score 25 ≥ 1" under FAIL) read as the reason it failed.
    let crossed = match decision.verdict {
        Verdict::Fail => limit_fail,
        Verdict::Warn | Verdict::Pass => limit_warn,
    };
    decision.limits = crossed.into_iter().map(|(text, _)| text).collect();
    fail.extend(warn);
    (decision.reasons, decision.verdict_reasons) = fail.into_iter().unzip();
    decision
}

fn first_paragraph(text: &str) -> String {
    text.trim()
        .split("\n\n")
        .next()
        .unwrap_or_default()
        .replace('\n', " ")
}

fn apply_severity_overrides(plans: &mut [PlanAnalysis], policy: &Policy<'_>) {
    for plan in plans {
        plan.findings.retain_mut(|finding| {
            let chosen = policy
                .severity
                .get(&finding.rule)
                .or_else(|| policy.profile.rules.get(&finding.rule));
            match chosen {
                Some(RuleOverride::Off) => false,
                Some(RuleOverride::Severity(severity)) => {
                    let severity = finding.at_most.map_or(*severity, |cap| cap.min(*severity));
                    finding.severity = severity;
                    if severity == Severity::Info {
                        finding.points = 0;
                    }
                    true
                }
                None => true,
            }
        });
        plan.findings.sort_by(|a, b| {
            b.severity
                .cmp(&a.severity)
                .then_with(|| a.rule.cmp(&b.rule))
                .then_with(|| a.address.cmp(&b.address))
        });
    }
}

/// Returns the plans an approval covers as a whole.
fn apply_approvals(
    plans: &[PlanAnalysis],
    policy: &Policy<'_>,
    decision: &mut Decision,
) -> Vec<usize> {
    let mut covered = Vec::new();
    for loaded in policy.approvals {
        let name = loaded.path.display();
        if policy.trusted_approvals_only
            && let Some(why) = &loaded.distrusted
        {
            decision.notes.push(format!(
                "approval {name} by {} was not applied: the {} profile honours only approvals a person made where an agent cannot write, and {why}; a person approves with `blastwall approve PLAN` at a terminal",
                escape::for_terminal(&loaded.approval.by),
                policy.profile.name
            ));
            continue;
        }
        if policy.trusted_approvals_only && !loaded.trusted {
            decision.notes.push(format!(
                "approval {name} by {} was not applied: the {} profile honours only approvals from paths blastwall.toml trusts ([approvals] trusted), never from a flag",
                escape::for_terminal(&loaded.approval.by),
                policy.profile.name
            ));
            continue;
        }
        let Some(index) = plans
            .iter()
            .position(|plan| plan.fingerprint == loaded.approval.fingerprint)
        else {
            decision.notes.push(format!(
                "approval {name} by {} was not applied: it is for another plan ({}), not one checked here",
                escape::for_terminal(&loaded.approval.by),
                escape::bounded(&loaded.approval.fingerprint, 19)
            ));
            continue;
        };
        covered.push(index);
        // The fingerprint matched: the plan is the one approved.
        let pairs = loaded.approval.accepted_pairs();
        let why = format!(
            "approved by {}{}",
            escape::for_terminal(&loaded.approval.by),
            loaded
                .approval
                .reason
                .as_deref()
                .map(|reason| format!(": {}", escape::for_terminal(reason)))
                .unwrap_or_default()
        );
        for finding in &plans[index].findings {
            if pairs.contains(&(finding.rule.as_str(), finding.address.as_str())) {
                decision.accept(AcceptedFinding {
                    plan: index,
                    rule: finding.rule.clone(),
                    address: finding.address.clone(),
                    why: why.clone(),
                });
            }
        }
    }
    covered
}

fn apply_ignores(plans: &[PlanAnalysis], policy: &Policy<'_>, decision: &mut Decision) {
    for ignore in policy.ignores {
        let place = format!(
            "{}:{}",
            ignore.file.as_ref().map_or_else(
                || policy.config_label.to_owned(),
                |file| file.display().to_string()
            ),
            ignore.line
        );
        if let Some(expiry) = ignore.expires.as_deref().and_then(parse_date)
            && expiry < policy.today
        {
            decision.notes.push(format!(
                "ignore at {place} ({} on {}) expired on {}; it no longer applies",
                ignore.rule,
                ignore.address,
                ignore.expires.as_deref().unwrap_or_default()
            ));
            continue;
        }
        if NOT_IGNORABLE.contains(&ignore.rule.as_str()) {
            decision.notes.push(format!(
                "ignore at {place}: {} cannot be ignored; approve the exact plan instead",
                ignore.rule
            ));
            continue;
        }
        let mut matched = false;
        for (index, plan) in plans.iter().enumerate() {
            for finding in &plan.findings {
                if finding.rule == ignore.rule
                    && glob_matches(&ignore.address, &finding.address)
                    && decision
                        .accepted_why(index, &finding.rule, &finding.address)
                        .is_none()
                {
                    matched = true;
                    decision.accept(AcceptedFinding {
                        plan: index,
                        rule: finding.rule.clone(),
                        address: finding.address.clone(),
                        why: format!("ignored at {place}: {}", ignore.reason),
                    });
                }
            }
        }
        if !matched {
            decision.notes.push(format!(
                "ignore at {place} ({} on {}) matched nothing",
                ignore.rule, ignore.address
            ));
        }
    }
}

/// Today's date in UTC, from the system clock.
pub fn today() -> (u32, u32, u32) {
    let days = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs() / 86_400) as i64;
    civil_from_days(days)
}

/// Days since 1970-01-01 to a proleptic Gregorian date (H. Hinnant's algorithm).
pub(crate) fn civil_from_days(days: i64) -> (u32, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * month_index + 2) / 5 + 1) as u32;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    } as u32;
    let year = (year_of_era + era * 400 + i64::from(month <= 2)) as u32;
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_418), (2025, 11, 26));
    }

    #[test]
    fn gate() {
        let default = Gate::default();
        assert_eq!(default.exit(Verdict::Warn), Exit::Pass);
        assert_eq!(default.exit(Verdict::Fail), Exit::Blocked);
        assert_eq!(
            Gate {
                fail_on_warn: true,
                exit_zero: false
            }
            .exit(Verdict::Warn),
            Exit::Blocked
        );
        assert_eq!(
            Gate {
                fail_on_warn: false,
                exit_zero: true
            }
            .exit(Verdict::Fail),
            Exit::Pass
        );
    }
}
