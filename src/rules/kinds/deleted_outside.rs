//! `deleted-outside`: Terraform found that an object it manages no longer
//! exists (`resource_drift` with a delete). A refresh-only plan then drops it
//! from state; a normal plan creates it again, empty. Either way someone or
//! something deleted it outside Terraform, and its data is gone already.

use serde::Deserialize;

use super::RuleInput;
use super::plan_health::PLAN_ADDRESS;
use crate::model::Actions;
use crate::rules::Draft;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Report once for the plan, and only when at least this share of the
    /// resources in state was not found: not a deletion but the wrong place
    /// (another region, account or endpoint than where the state lives).
    pub share: Option<f64>,
    /// With `share`: at least this many resources not found.
    #[serde(default)]
    pub min_count: usize,
}

pub fn check(params: &Params, context: &RuleInput<'_, '_>) -> Vec<Draft> {
    let gone: Vec<&str> = context
        .plan
        .resource_drift
        .iter()
        .filter(|drift| drift.change.actions == Actions::Delete && !drift.is_data())
        .map(|drift| &*drift.address)
        .collect();
    if let Some(share) = params.share {
        let in_state = context.summary.resources_in_state.max(gone.len());
        let found_share = if in_state == 0 {
            0.0
        } else {
            gone.len() as f64 / in_state as f64
        };
        if gone.len() < params.min_count.max(1) || found_share < share {
            return Vec::new();
        }
        return vec![Draft::new(
            PLAN_ADDRESS,
            format!(
                "{} of the {in_state} resources in state were not found when Terraform refreshed ({:.0}%): the plan looks at another region, account or endpoint than the one they live in, and would create them again there and orphan the originals",
                gone.len(),
                found_share * 100.0
            ),
        )];
    }
    // A refresh-only plan has no `resource_changes` at all.
    let refresh_only = context.plan.resource_changes.is_none();
    let created: rustc_hash::FxHashSet<&str> = context
        .changes
        .iter()
        .filter(|change| {
            matches!(
                change.change.actions,
                Actions::Create | Actions::DeleteThenCreate | Actions::CreateThenDelete
            )
        })
        .map(|change| &*change.address)
        .collect();
    context
        .plan
        .resource_drift
        .iter()
        .filter(|drift| drift.change.actions == Actions::Delete && !drift.is_data())
        .map(|drift| {
            let address = &drift.address;
            let recreated = created.contains(&**address);
            let consequence = if refresh_only {
                "applying this refresh-only plan drops it from state"
            } else if recreated {
                "the plan creates it again, without what the old one held"
            } else {
                "the plan no longer manages it"
            };
            Draft::new(
                address.clone(),
                format!("{address} was deleted outside Terraform: {consequence}"),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::testing::drafts;

    #[test]
    fn refresh_only_drop_is_a_finding_and_updates_are_not() {
        let plan = r#"{"format_version":"1.2","resource_drift":[
            {"address":"aws_ssm_parameter.gone","type":"aws_ssm_parameter","name":"gone","change":{"actions":["delete"],"before":{"name":"/x"},"after":null}},
            {"address":"aws_vpc.tagged","type":"aws_vpc","name":"tagged","change":{"actions":["update"],"before":{"tags":{"a":"1"}},"after":{"tags":{"a":"2"}}}}]}"#;
        let found = drafts("deleted-outside", "", plan);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].address, "aws_ssm_parameter.gone");
        assert!(
            found[0].message.contains("drops it from state"),
            "{}",
            found[0].message
        );
    }

    #[test]
    fn most_of_the_state_not_found_is_the_wrong_place() {
        let drift: Vec<String> = (0..4)
            .map(|index| format!(r#"{{"address":"aws_sqs_queue.q{index}","type":"aws_sqs_queue","name":"q{index}","change":{{"actions":["delete"],"before":{{"name":"q"}},"after":null}}}}"#))
            .collect();
        let plan = format!(
            r#"{{"format_version":"1.2","resource_drift":[{}],"resource_changes":[]}}"#,
            drift.join(",")
        );
        let params = "[params]\nshare = 0.5\nmin_count = 3";
        let found = drafts("deleted-outside", params, &plan);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].message.contains("another region"),
            "{}",
            found[0].message
        );
        let one = format!(
            r#"{{"format_version":"1.2","resource_drift":[{}],"resource_changes":[]}}"#,
            drift[0]
        );
        assert!(drafts("deleted-outside", params, &one).is_empty());
    }

    #[test]
    fn recreated_in_a_normal_plan_says_so() {
        let plan = r#"{"format_version":"1.2","resource_drift":[
            {"address":"aws_sqs_queue.q","type":"aws_sqs_queue","name":"q","change":{"actions":["delete"],"before":{"name":"q"},"after":null}}],
            "resource_changes":[{"address":"aws_sqs_queue.q","type":"aws_sqs_queue","name":"q","change":{"actions":["create"],"before":null,"after":{"name":"q"}}}]}"#;
        let found = drafts("deleted-outside", "", plan);
        assert!(
            found[0].message.contains("creates it again"),
            "{}",
            found[0].message
        );
    }
}
