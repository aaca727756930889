//! The profile thresholds as plan-level rules: each has an id
//! (`threshold/<name>`, the name of its profile setting in kebab case), a
//! summary and its docs, like a rule file. `decide` fails or warns a plan
//! with these ids (`VerdictReason::rule`); SARIF lists them as rules and
//! reports a crossed one as a result.

/// A plan-level rule: a profile threshold.
pub struct ThresholdRule {
    pub id: &'static str,
    pub summary: &'static str,
    pub what: &'static str,
    pub fix: &'static str,
}

pub const THRESHOLD_RULES: &[ThresholdRule] = &[
    ThresholdRule {
        id: "threshold/max-blast-radius",
        summary: "More resources destroyed or disrupted than the profile allows",
        what: "The profile's `max_blast_radius`: resources destroyed plus disrupted (less those updated in place onto a replacement created first), all plans together.",
        fix: "Split the change so each plan destroys or disrupts fewer resources, or have a person approve this exact plan.",
    },
    ThresholdRule {
        id: "threshold/max-share-of-state",
        summary: "A larger share of the state destroyed or disrupted than the profile allows",
        what: "The profile's `max_share_of_state`: destroyed plus disrupted (less those updated in place onto a replacement created first) over the resources in state (from 3 resources), for each plan and its own state; the plan with the largest share decides.",
        fix: "Split the change so each plan touches a smaller share of the state, or have a person approve this exact plan.",
    },
    ThresholdRule {
        id: "threshold/max-data-loss",
        summary: "More resources lose data than the profile allows",
        what: "The profile's `max_data_loss`: destroyed data stores whose data nothing keeps.",
        fix: "Keep the data before the destroy (each data-loss finding says how for its type), or have a person approve this exact plan.",
    },
    ThresholdRule {
        id: "threshold/fail-score",
        summary: "The findings' points reach the profile's failing score",
        what: "The profile's `fail_score`: the sum of the points of the findings that count.",
        fix: "Resolve findings until the score is below the limit, or have a person approve this exact plan.",
    },
    ThresholdRule {
        id: "threshold/warn-score",
        summary: "The findings' points reach the profile's warning score",
        what: "The profile's `warn_score`: the sum of the points of the findings that count.",
        fix: "Resolve findings until the score is below the limit.",
    },
];

#[cfg(test)]
mod tests {
    use super::THRESHOLD_RULES;

    #[test]
    fn every_threshold_the_policy_names_is_a_rule() {
        for name in [
            "max-blast-radius",
            "max-share-of-state",
            "max-data-loss",
            "fail-score",
            "warn-score",
        ] {
            let id = format!("threshold/{name}");
            assert!(THRESHOLD_RULES.iter().any(|rule| rule.id == id), "{id}");
        }
    }
}
