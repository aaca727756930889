//! `deleted-outside`: Terraform found that an object it manages no longer
//! exists (`resource_drift` with a delete). A refresh-only plan then drops it
//! from state; a normal plan creates it again, empty. Either way someone or
//! something deleted it outside Terraform, and its data is gone already.

use super::Context;
use crate::model::Actions;
use crate::rules::Draft;

pub fn check(context: &Context<'_, '_>) -> Vec<Draft> {
    // A refresh-only plan has no `resource_changes` at all.
    let refresh_only = context.plan.resource_changes.is_none();
    context
        .plan
        .resource_drift
        .iter()
        .filter(|drift| drift.change.actions == Actions::Delete && !drift.is_data())
        .map(|drift| {
            let address = &drift.address;
            let recreated = context.changes.iter().any(|change| {
                change.address == drift.address
                    && matches!(
                        change.change.actions,
                        Actions::Create | Actions::DeleteThenCreate | Actions::CreateThenDelete
                    )
            });
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
