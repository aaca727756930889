//! `destroy-of-class`: a resource of given classes is destroyed.

use serde::Deserialize;

use super::{ActionName, RuleInput, managed};
use crate::rules::Draft;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Classes that count; empty means every class.
    #[serde(default)]
    pub classes: Vec<String>,
    /// Address globs that count (`*` matches anything); empty means every address.
    #[serde(default)]
    pub addresses: Vec<String>,
    pub actions: Vec<ActionName>,
}

pub fn check(params: &Params, context: &RuleInput<'_, '_>) -> Vec<Draft> {
    managed(context)
        .filter(|change| {
            params
                .actions
                .iter()
                .any(|name| name.matches(change.change.actions))
        })
        .filter_map(|change| {
            let class = context.classes.class_of(&change.resource_type);
            let class_matches =
                params.classes.is_empty() || params.classes.iter().any(|wanted| wanted == class);
            let address_matches = params.addresses.is_empty()
                || params
                    .addresses
                    .iter()
                    .any(|pattern| crate::util::glob::glob_matches(pattern, &change.address));
            (class_matches && address_matches).then(|| {
                Draft::new(
                    change.address.clone(),
                    format!(
                        "{} ({class}) is destroyed ({})",
                        change.address,
                        change.change.actions.label()
                    ),
                )
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::testing::drafts;

    #[test]
    fn destroy_of_listed_class_fires_and_others_do_not() {
        let plan = r#"{"format_version":"1.2","resource_changes":[
            {"address":"aws_vpc.a","type":"aws_vpc","name":"a","change":{"actions":["delete"],"before":{}}},
            {"address":"terraform_data.b","type":"terraform_data","name":"b","change":{"actions":["delete"],"before":{}}}]}"#;
        let found = drafts(
            "destroy-of-class",
            "[params]\nclasses = [\"network-core\"]\nactions = [\"delete\", \"replace\"]",
            plan,
        );
        assert_eq!(
            found.iter().map(|d| d.address.as_str()).collect::<Vec<_>>(),
            ["aws_vpc.a"]
        );
    }
}
