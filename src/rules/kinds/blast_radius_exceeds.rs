//! `blast-radius-exceeds`: a shared resource (network-core, identity, edge)
//! with many dependents is destroyed or replaced: the cascade.

use serde::Deserialize;

use super::{ActionName, RuleInput, managed};
use crate::rules::Draft;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    pub classes: Vec<String>,
    pub actions: Vec<ActionName>,
    /// Fires from this many resources reached through dependencies.
    pub min_dependents: usize,
}

/// Counting stops here: past it the message says "at least".
const COUNT_LIMIT: usize = 100_000;
const NAMED: usize = 3;

pub fn check(params: &Params, context: &RuleInput<'_, '_>) -> Vec<Draft> {
    let mut drafts = Vec::new();
    let roots: rustc_hash::FxHashSet<&str> = context
        .blast
        .roots
        .iter()
        .map(|root| root.address.as_str())
        .collect();
    for change in managed(context) {
        if !params
            .actions
            .iter()
            .any(|name| name.matches(change.change.actions))
        {
            continue;
        }
        let class = context.classes.class_of(&change.resource_type);
        if !params.classes.iter().any(|wanted| wanted == class) {
            continue;
        }
        // Only the cause of a cascade: a subnet replaced because its VPC is
        // replaced is part of the VPC's finding, not one of its own.
        if !roots.contains(&*change.address) {
            continue;
        }
        let Some(node) = context.graph.find(&change.address) else {
            continue;
        };
        let reached = context.graph.reach(node, COUNT_LIMIT);
        if reached.len() < params.min_dependents {
            continue;
        }
        let mut named: Vec<&str> = reached
            .iter()
            .take(NAMED)
            .map(|id| context.graph.node(*id).address)
            .collect();
        named.sort_unstable();
        let more = if reached.len() > NAMED {
            format!(" and {} more", reached.len() - NAMED)
        } else {
            String::new()
        };
        drafts.push(Draft::new(
            change.address.clone(),
            format!(
                "{} ({class}) is {} and {} resource(s) depend on it, directly or through others: {}{more}",
                change.address,
                match change.change.actions {
                    crate::model::Actions::Delete => "destroyed",
                    _ => "replaced",
                },
                reached.len(),
                named.join(", ")
            ),
        ));
    }
    drafts
}

#[cfg(test)]
mod tests {
    use super::super::testing::drafts;

    fn plan(vpc_action: &str) -> String {
        let mut resources = vec![r#"{"address":"aws_vpc.main","mode":"managed","type":"aws_vpc","name":"main","values":{"id":"vpc-0123456789"}}"#.to_owned()];
        let mut changes = vec![format!(
            r#"{{"address":"aws_vpc.main","type":"aws_vpc","name":"main","change":{{"actions":{vpc_action},"before":{{"id":"vpc-0123456789"}}}}}}"#
        )];
        for index in 0..4 {
            resources.push(format!(r#"{{"address":"aws_subnet.s[{index}]","mode":"managed","type":"aws_subnet","name":"s","index":{index},"values":{{"vpc_id":"vpc-0123456789"}},"depends_on":["aws_vpc.main"]}}"#));
            changes.push(format!(r#"{{"address":"aws_subnet.s[{index}]","type":"aws_subnet","name":"s","change":{{"actions":["no-op"],"before":{{}}}}}}"#));
        }
        format!(
            r#"{{"format_version":"1.2","prior_state":{{"values":{{"root_module":{{"resources":[{}]}}}}}},"resource_changes":[{}]}}"#,
            resources.join(","),
            changes.join(",")
        )
    }

    const PARAMS: &str = "[params]\nclasses = [\"network-core\"]\nactions = [\"delete\", \"replace\"]\nmin_dependents = 3";

    #[test]
    fn replaced_vpc_with_dependents_fires() {
        let found = drafts(
            "blast-radius-exceeds",
            PARAMS,
            &plan(r#"["delete","create"]"#),
        );
        assert_eq!(found.len(), 1);
        assert!(
            found[0].message.contains("4 resource(s) depend on it"),
            "{}",
            found[0].message
        );
    }

    #[test]
    fn vpc_update_is_quiet() {
        assert!(drafts("blast-radius-exceeds", PARAMS, &plan(r#"["update"]"#)).is_empty());
    }
}
