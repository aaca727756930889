//! The one place that turns an analysis into a verdict and an exit code.
//!
//! Interim policy of the plan reader: blocked when a data-bearing resource is
//! destroyed, when more than half of the resources in state are destroyed,
//! or when the plan cannot show everything it will do. Profiles and rules
//! replace the first two with thresholds; the last never goes away.

use serde::Serialize;

use crate::analysis::PlanAnalysis;
use crate::escape;
use crate::exit::Exit;
use crate::rules::Severity;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Pass,
    Warn,
    Fail,
}

impl Verdict {
    pub fn exit(self) -> Exit {
        match self {
            Self::Pass | Self::Warn => Exit::Pass,
            Self::Fail => Exit::Blocked,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Pass => "pass",
            Self::Warn => "warn",
            Self::Fail => "fail",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub verdict: Verdict,
    /// One sentence per reason, most severe first; plan-supplied text is escaped.
    pub reasons: Vec<String>,
}

/// Findings named in the verdict's reasons; the report lists them all.
const REASONS_NAMED: usize = 8;

/// Interim thresholds until profiles exist: any high or critical finding
/// blocks, medium and low warn, info only informs.
pub fn decide(plans: &[PlanAnalysis]) -> Decision {
    let mut blocking = Vec::new();
    let mut warning = Vec::new();
    for plan in plans {
        let prefix = if plans.len() > 1 {
            format!("{}: ", escape::for_terminal(&plan.label))
        } else {
            String::new()
        };
        for finding in &plan.findings {
            let reason = format!(
                "{prefix}{} [{}]: {}",
                finding.rule,
                finding.severity.label(),
                escape::for_terminal(&finding.message)
            );
            match finding.severity {
                Severity::Critical | Severity::High => blocking.push(reason),
                Severity::Medium | Severity::Low => warning.push(reason),
                Severity::Info => {}
            }
        }
    }
    let (verdict, mut reasons) = if !blocking.is_empty() {
        (Verdict::Fail, blocking)
    } else if !warning.is_empty() {
        (Verdict::Warn, warning)
    } else {
        (Verdict::Pass, Vec::new())
    };
    if reasons.len() > REASONS_NAMED {
        let more = reasons.len() - REASONS_NAMED;
        reasons.truncate(REASONS_NAMED);
        reasons.push(format!("and {more} more"));
    }
    Decision { verdict, reasons }
}

/// The score: the sum of the findings' points, capped at 100, so every
/// point is explained by a finding.
pub fn score(plans: &[PlanAnalysis]) -> u32 {
    plans
        .iter()
        .flat_map(|plan| &plan.findings)
        .map(|finding| finding.points)
        .sum::<u32>()
        .min(100)
}
