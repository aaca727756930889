//! `share-of-state-exceeds`: the plan destroys or disrupts a large share of
//! what exists: an environment teardown, whether it deletes everything or
//! replaces the network everything else sits on.

use serde::Deserialize;

use super::RuleInput;
use super::plan_health::PLAN_ADDRESS;
use crate::rules::Draft;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Fires at or above this share of the resources in state, 0..1.
    pub share: f64,
    /// Tiny states are not environments: fire only from this many resources
    /// destroyed or disrupted (losing 1 of 3 is not a teardown).
    #[serde(alias = "min_destroyed")]
    pub min_affected: usize,
}

/// The share of the state a plan destroys or disrupts: the one measure
/// behind this rule (`environment-teardown`, 50% for every author: a
/// critical finding) and the profiles' plan-level `max_share_of_state`
/// threshold (`threshold/max-share-of-state`, 20% in the agent profile: a
/// stricter limit for agents, judged in `policy::decide`). Both count
/// destroyed and disrupted resources, and both ignore fewer than three.
pub fn share(affected: usize, in_state: usize) -> f64 {
    affected as f64 / in_state as f64
}

pub fn check(params: &Params, context: &RuleInput<'_, '_>) -> Vec<Draft> {
    let destroyed = context.blast.destroyed.len();
    let disrupted = context.blast.disrupted.len() - context.blast.kept_working;
    let affected = context.blast.affected();
    let in_state = context.summary.resources_in_state.max(affected);
    if in_state == 0 || affected < params.min_affected {
        return Vec::new();
    }
    // A plan without prior state still tears down what it destroys.
    let share = share(affected, in_state);
    if share < params.share {
        return Vec::new();
    }
    let mut what = if disrupted == 0 {
        format!("destroys {destroyed}")
    } else {
        format!("destroys {destroyed} and disrupts {disrupted}")
    };
    if context.blast.kept_working > 0 {
        what.push_str(&format!(
            " (not counting {} updated in place onto a replacement created first)",
            context.blast.kept_working
        ));
    }
    vec![Draft::new(
        PLAN_ADDRESS,
        format!(
            "the plan {what} of the {in_state} resources in state ({:.0}%, at least {:.0}%): this tears the environment down",
            share * 100.0,
            params.share * 100.0
        ),
    )]
}

#[cfg(test)]
mod tests {
    use super::super::testing::drafts;

    fn plan(deleted: usize, kept: usize) -> String {
        let mut changes = Vec::new();
        for index in 0..deleted + kept {
            let action = if index < deleted { "delete" } else { "no-op" };
            changes.push(format!(r#"{{"address":"terraform_data.r[{index}]","type":"terraform_data","name":"r","change":{{"actions":["{action}"],"before":{{}}}}}}"#));
        }
        format!(
            r#"{{"format_version":"1.2","resource_changes":[{}]}}"#,
            changes.join(",")
        )
    }

    #[test]
    fn destroying_most_of_the_state_fires() {
        let found = drafts(
            "share-of-state-exceeds",
            "[params]\nshare = 0.5\nmin_affected = 3",
            &plan(6, 2),
        );
        assert_eq!(found.len(), 1);
        assert!(
            found[0].message.contains("6 of the 8"),
            "{}",
            found[0].message
        );
    }

    #[test]
    fn one_delete_among_many_is_quiet() {
        assert!(
            drafts(
                "share-of-state-exceeds",
                "[params]\nshare = 0.5\nmin_affected = 3",
                &plan(1, 7)
            )
            .is_empty()
        );
        assert!(
            drafts(
                "share-of-state-exceeds",
                "[params]\nshare = 0.5\nmin_affected = 3",
                &plan(2, 0)
            )
            .is_empty()
        );
    }

    /// `name_prefix` and `create_before_destroy` on a security group: a new
    /// description replaces it create-first, and the two instances on it
    /// are updated in place onto the new group. Nothing stops working, yet
    /// 3 of 5 read as a torn-down environment in every profile.
    fn replaced_first(instance_also_needs: Option<&str>) -> String {
        let resource = |address: &str, actions: &str| {
            let (kind, name) = address.split_once('.').unwrap();
            format!(
                r#"{{"address":"{address}","mode":"managed","type":"{kind}","name":"{name}","change":{{"actions":{actions},"before":{{}},"after":{{}}}}}}"#
            )
        };
        let state = |address: &str, depends_on: &[&str]| {
            let (kind, name) = address.split_once('.').unwrap();
            format!(
                r#"{{"address":"{address}","mode":"managed","type":"{kind}","name":"{name}","values":{{}},"depends_on":{depends_on:?}}}"#
            )
        };
        let mut changes = vec![
            resource("aws_security_group.web", r#"["create","delete"]"#),
            resource("aws_instance.a", r#"["update"]"#),
            resource("aws_instance.b", r#"["update"]"#),
            resource("aws_s3_bucket.logs", r#"["no-op"]"#),
        ];
        let mut b_needs = vec!["aws_security_group.web"];
        let mut states = vec![
            state("aws_security_group.web", &[]),
            state("aws_instance.a", &["aws_security_group.web"]),
            state("aws_s3_bucket.logs", &[]),
        ];
        if let Some(other) = instance_also_needs {
            changes.push(resource(other, r#"["delete"]"#));
            states.push(state(other, &[]));
            b_needs.push(other);
        } else {
            changes.push(resource("aws_sqs_queue.jobs", r#"["no-op"]"#));
            states.push(state("aws_sqs_queue.jobs", &[]));
        }
        states.push(state("aws_instance.b", &b_needs));
        format!(
            r#"{{"format_version":"1.2","resource_changes":[{}],"prior_state":{{"values":{{"root_module":{{"resources":[{}]}}}}}}}}"#,
            changes.join(","),
            states.join(",")
        )
    }

    #[test]
    fn updates_onto_a_replacement_created_first_are_no_teardown() {
        let rule = "[params]\nshare = 0.5\nmin_affected = 3";
        assert!(drafts("share-of-state-exceeds", rule, &replaced_first(None)).is_empty());
        // An instance that also loses something deleted is disrupted.
        let found = drafts(
            "share-of-state-exceeds",
            rule,
            &replaced_first(Some("aws_efs_file_system.shared")),
        );
        assert_eq!(found.len(), 1);
        assert!(
            found[0].message.contains(
                "destroys 2 and disrupts 1 (not counting 1 updated in place onto a replacement created first) of the 5"
            ),
            "{}",
            found[0].message
        );
    }
}
