//! Facts of one plan document that rules read and analysis reports: what it
//! changes, counted, and why it cannot be trusted to show everything.
//! Computed by `analysis`; they live here, below `rules`, because rule kinds
//! read them (they were in analysis.rs, which itself runs the rules).

use crate::util::escape;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    pub create: usize,
    pub update: usize,
    pub delete: usize,
    pub replace: usize,
    pub read: usize,
    pub no_op: usize,
    pub forget: usize,
    pub import: usize,
    pub moved: usize,
    pub resources_in_state: usize,
}

impl Summary {
    pub fn add(&mut self, other: &Summary) {
        self.create += other.create;
        self.update += other.update;
        self.delete += other.delete;
        self.replace += other.replace;
        self.read += other.read;
        self.no_op += other.no_op;
        self.forget += other.forget;
        self.import += other.import;
        self.moved += other.moved;
        self.resources_in_state += other.resources_in_state;
    }
}

/// Why a plan cannot be trusted to show everything it will do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HealthIssue {
    Errored,
    Incomplete,
    Deferred(usize),
    UnknownReason {
        address: String,
        reason: String,
    },
    /// The plan changes this many existing objects (a `before` that is not
    /// null), `destroyed` of them destroyed, but has no prior state:
    /// Terraform writes one whenever the state holds objects, so the plan
    /// was trimmed or edited.
    PriorStateMissing {
        changed: usize,
        destroyed: usize,
    },
    /// The plan destroys this many resources but has no `configuration`
    /// (absent or null), which Terraform writes in every plan: what they
    /// disrupt is known from the prior state's dependencies alone.
    ConfigurationMissing(usize),
    /// An auxiliary section (e.g. `configuration`) this version could not
    /// read: the plan is analysed without it, with fewer dependency edges,
    /// while it destroys `destroyed` resources.
    UnreadableSection {
        json_path: String,
        problem: String,
        destroyed: usize,
    },
}

impl HealthIssue {
    pub fn describe(&self) -> String {
        match self {
            Self::Errored => "the plan errored (`errored: true`): Terraform stopped planning part-way, so changes may be missing".to_owned(),
            Self::Incomplete => "the plan is incomplete (`complete: false`, e.g. made with -target): changes outside it, deletions included, are not shown".to_owned(),
            Self::Deferred(count) => format!("{count} change(s) were deferred (`deferred_changes`): they are not in this plan"),
            Self::UnknownReason { address, reason } => format!(
                "{} has an action_reason this version does not know: {}",
                escape::for_terminal(address),
                escape::for_terminal(reason)
            ),
            Self::PriorStateMissing { changed, destroyed } => format!(
                "the plan changes {changed} existing object(s) but has no `prior_state`, which Terraform writes whenever the state holds objects: the plan was trimmed or edited, so what `before` says (a final snapshot, a protection, what an update removes) cannot be confirmed and dependencies recorded only in the state are missing{}",
                if *destroyed > 0 {
                    unknown_disruption(*destroyed)
                } else {
                    "; the plan cannot be judged safe".to_owned()
                }
            ),
            Self::ConfigurationMissing(count) => format!(
                "the plan destroys {count} resource(s) but has no `configuration`, which Terraform writes in every plan: dependencies declared only there are missing, so the destroys may disrupt more than the blast radius shows, and the plan cannot be judged safe"
            ),
            Self::UnreadableSection {
                json_path,
                problem,
                destroyed,
            } => format!(
                "`{}` could not be read ({}): the plan was analysed without it, so dependencies it declares are missing from the blast radius{}",
                escape::for_terminal(json_path),
                escape::for_terminal(&escape::bounded(problem, 160)),
                unknown_disruption(*destroyed)
            ),
        }
    }

    /// Advice for a dependency gap, where the rule's general fix (plan
    /// without `-target`) does not fit.
    pub fn fix(&self) -> Option<&'static str> {
        match self {
            Self::PriorStateMissing { .. }
            | Self::ConfigurationMissing(_)
            | Self::UnreadableSection { .. } => Some(
                "Check the plan exactly as `terraform show -json plan.out` writes it (or pass the binary plan file): Terraform writes `configuration` and `prior_state` in every plan, so a trimmed, converted or edited plan cannot be judged. If a newer Terraform wrote a shape this version cannot read, update blastwall, or have a person approve this exact plan.",
            ),
            Self::Errored | Self::Incomplete | Self::Deferred(_) | Self::UnknownReason { .. } => {
                None
            }
        }
    }

    /// Whether the issue can hide what the plan does: changes left out of
    /// it, or (a dependency gap in a plan that destroys) what the destroys
    /// disrupt. Such a plan cannot be judged safe, so the finding keeps its
    /// full severity: analysed without the edges, a real teardown that
    /// failed passed. The others are shown, at medium at most.
    pub fn can_hide_risk(&self) -> bool {
        match self {
            Self::Errored | Self::Incomplete | Self::Deferred(_) => true,
            // Without a prior state nothing the plan says about existing
            // objects can be confirmed: a replace relabelled a create, its
            // `before` nulled, left nothing destroyed to count.
            Self::PriorStateMissing { .. } => true,
            Self::ConfigurationMissing(destroyed) | Self::UnreadableSection { destroyed, .. } => {
                *destroyed > 0
            }
            Self::UnknownReason { .. } => false,
        }
    }
}

/// The end of a dependency gap's description when the plan destroys.
fn unknown_disruption(destroyed: usize) -> String {
    if destroyed == 0 {
        String::new()
    } else {
        format!(
            "; the plan destroys {destroyed} resource(s), so what they disrupt cannot be known and the plan cannot be judged safe"
        )
    }
}
