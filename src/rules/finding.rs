//! Findings: what a rule found, built through one constructor so every
//! finding carries its rule's id, severity and points.

use super::{Rule, Severity};

/// An attribute path and its values before and after, already redacted
/// (sensitive or secret-looking values never get here in clear).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evidence {
    pub path: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// What a rule kind reports; the rule turns it into a [`Finding`].
#[derive(Debug, Clone, Default)]
pub struct Draft {
    pub address: String,
    pub message: String,
    pub evidence: Vec<Evidence>,
    /// A concrete change that fixes it (e.g. a `moved` block), beyond the rule's docs.
    pub suggestion: Option<String>,
    /// Kinds lower the severity of a case that is only worth knowing (e.g. a
    /// destroy that will fail at apply anyway); they never raise it.
    pub at_most: Option<Severity>,
    /// Advice for this case when the rule's general "how to fix" does not
    /// fit it (the data-loss fix of an S3 bucket is not a final snapshot).
    pub fix: Option<String>,
}

impl Draft {
    pub fn new(address: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            address: address.into(),
            message: message.into(),
            ..Self::default()
        }
    }

    pub fn with_evidence(mut self, evidence: Evidence) -> Self {
        self.evidence.push(evidence);
        self
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub rule: String,
    pub severity: Severity,
    pub address: String,
    pub message: String,
    pub points: u32,
    pub evidence: Vec<Evidence>,
    pub suggestion: Option<String>,
    /// The rule's "how to fix", so reports can say what would make the plan pass.
    pub fix: String,
    /// The most this case is worth, whatever severity a profile gives the
    /// rule: a kind knows when a case is only worth knowing.
    pub at_most: Option<Severity>,
}

impl Finding {
    pub fn new(rule: &Rule, draft: Draft) -> Self {
        let severity = match draft.at_most {
            Some(cap) if cap < rule.severity => cap,
            _ => rule.severity,
        };
        // A lowered finding scores at most what its new severity is worth:
        // one lowered to info explains, it does not score.
        let points = if severity == rule.severity {
            rule.points
        } else {
            rule.points.min(match severity {
                Severity::Info => 0,
                Severity::Low => 5,
                Severity::Medium => 10,
                Severity::High => 25,
                Severity::Critical => rule.points,
            })
        };
        Self {
            rule: rule.id.clone(),
            severity,
            address: draft.address,
            message: draft.message,
            points,
            evidence: draft.evidence,
            suggestion: draft.suggestion,
            fix: draft.fix.unwrap_or_else(|| rule.docs.fix.clone()),
            at_most: draft.at_most,
        }
    }
}
