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

/// Share of the resources in state whose destroy counts as tearing the
/// environment down.
const TEARDOWN_SHARE: f64 = 0.5;
const ADDRESSES_NAMED: usize = 5;

pub fn decide(plans: &[PlanAnalysis]) -> Decision {
    let mut failures = Vec::new();
    let mut warnings = Vec::new();
    for plan in plans {
        let prefix = if plans.len() > 1 {
            format!("{}: ", escape::for_terminal(&plan.label))
        } else {
            String::new()
        };
        for issue in &plan.health {
            let reason = format!("{prefix}{}", issue.describe());
            if issue.hides_changes() {
                failures.push(reason);
            } else {
                warnings.push(reason);
            }
        }
        let data_destroyed: Vec<_> = plan
            .changes
            .iter()
            .filter(|change| change.destroys() && change.class == "data")
            .collect();
        if !data_destroyed.is_empty() {
            let mut named: Vec<String> = data_destroyed
                .iter()
                .take(ADDRESSES_NAMED)
                .map(|change| {
                    format!(
                        "{} ({})",
                        escape::for_terminal(&change.address),
                        change.actions.label()
                    )
                })
                .collect();
            if data_destroyed.len() > ADDRESSES_NAMED {
                named.push(format!(
                    "and {} more",
                    data_destroyed.len() - ADDRESSES_NAMED
                ));
            }
            failures.push(format!(
                "{prefix}{} data-bearing resource(s) destroyed: {}",
                data_destroyed.len(),
                named.join(", ")
            ));
        }
        let destroyed = plan
            .changes
            .iter()
            .filter(|change| change.destroys() && change.deposed.is_none())
            .count();
        let in_state = plan.summary.resources_in_state;
        if in_state > 0 && destroyed as f64 > in_state as f64 * TEARDOWN_SHARE {
            failures.push(format!(
                "{prefix}{destroyed} of {in_state} resources in state are destroyed ({:.0}% > {:.0}%): this tears the environment down",
                destroyed as f64 * 100.0 / in_state as f64,
                TEARDOWN_SHARE * 100.0
            ));
        }
    }
    if !failures.is_empty() {
        failures.extend(warnings);
        return Decision {
            verdict: Verdict::Fail,
            reasons: failures,
        };
    }
    if !warnings.is_empty() {
        return Decision {
            verdict: Verdict::Warn,
            reasons: warnings,
        };
    }
    Decision {
        verdict: Verdict::Pass,
        reasons: Vec::new(),
    }
}
