//! `plan-health`: a plan that cannot show everything it will do (errored,
//! incomplete, deferred changes, unknown action reasons, an auxiliary
//! section that could not be read) is never a pass.

use super::RuleInput;
use crate::model::facts::HealthIssue;
use crate::rules::{Draft, Severity};

pub const PLAN_ADDRESS: &str = "(plan)";

pub fn check(context: &RuleInput<'_, '_>) -> Vec<Draft> {
    context
        .health
        .iter()
        .map(|issue| {
            let address = match issue {
                HealthIssue::UnknownReason { address, .. } => address.clone(),
                _ => PLAN_ADDRESS.to_owned(),
            };
            let mut draft = Draft::new(address, issue.describe());
            draft.fix = issue.fix().map(str::to_owned);
            if !issue.can_hide_risk() {
                draft.at_most = Some(Severity::Medium);
            }
            draft
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::testing::drafts;

    #[test]
    fn errored_and_incomplete_plans_fire() {
        // Terraform marks an errored plan incomplete too: one finding says so.
        let found = drafts(
            "plan-health",
            "",
            r#"{"format_version":"1.2","errored":true,"complete":false,"resource_changes":[]}"#,
        );
        assert_eq!(found.len(), 1);
        assert!(found[0].message.contains("errored"));
        let found = drafts(
            "plan-health",
            "",
            r#"{"format_version":"1.2","complete":false,"resource_changes":[]}"#,
        );
        assert_eq!(found.len(), 1);
        assert!(found[0].message.contains("incomplete"));
    }

    #[test]
    fn a_plan_without_prior_state_keeps_full_severity_even_without_destroys() {
        // A replace relabelled a create, its `before` nulled, left nothing
        // destroyed; without a prior state nothing else can be confirmed.
        let found = drafts(
            "plan-health",
            "",
            r#"{"format_version":"1.2","resource_changes":[{"address":"a.b","type":"a","name":"b","change":{"actions":["update"],"before":{},"after":{}}}]}"#,
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].at_most, None);
        assert!(found[0].message.contains("cannot be judged safe"));
        assert!(
            found[0]
                .fix
                .as_deref()
                .unwrap()
                .contains("terraform show -json")
        );
    }

    #[test]
    fn complete_plan_is_quiet() {
        assert!(
            drafts(
                "plan-health",
                "",
                r#"{"format_version":"1.2","errored":false,"complete":true,"resource_changes":[]}"#
            )
            .is_empty()
        );
    }
}
