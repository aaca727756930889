//! `change-matches`: a change with given actions, action reasons or import
//! flag (count/for_each churn, tainted, -replace, forget, import).

use rustc_hash::FxHashSet;
use serde::Deserialize;

use super::{ActionName, RuleInput, managed};
use crate::model::{Actions, ResourceChange};
use crate::rules::Draft;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    #[serde(default)]
    pub actions: Vec<ActionName>,
    #[serde(default)]
    pub reasons: Vec<String>,
    #[serde(default)]
    pub importing: bool,
    /// Reasons that count only as churn: when the same resource also gets a
    /// create in this plan (a for_each key renamed, not one removed).
    #[serde(default)]
    pub churn_only: Vec<String>,
    /// Reasons that count only as a shift: when another instance of the
    /// same resource is updated or replaced in this plan (an element taken
    /// from the middle of a `count` list), not a count cut from its end.
    #[serde(default)]
    pub shift_only: Vec<String>,
    /// The finding's message; `{address}`, `{action}` and `{reason}` are filled in.
    pub message: String,
}

pub fn check(params: &Params, context: &RuleInput<'_, '_>) -> Vec<Draft> {
    // Built on first need, once: looking through every create for each
    // churn-reason delete was quadratic (a for_each rename of 50k keys).
    let created = std::cell::OnceCell::new();
    let changed_in_place = std::cell::OnceCell::new();
    // A conditional reason counts only when the change's resource is in the set.
    let resource_in = |change: &ResourceChange<'_>, set: &FxHashSet<String>| {
        resource_of(&change.address).is_some_and(|resource| set.contains(&resource))
    };
    managed(context)
        .filter(|change| {
            params.actions.is_empty()
                || params
                    .actions
                    .iter()
                    .any(|name| name.matches(change.change.actions))
        })
        .filter(|change| params.reasons.is_empty() || has_reason(change, &params.reasons))
        .filter(|change| !params.importing || change.change.is_import())
        .filter(|change| {
            !has_reason(change, &params.churn_only)
                || resource_in(
                    change,
                    created.get_or_init(|| resources_where(context, |actions| actions == Actions::Create)),
                )
        })
        .filter(|change| {
            !has_reason(change, &params.shift_only)
                || resource_in(
                    change,
                    changed_in_place.get_or_init(|| {
                        resources_where(context, |actions| {
                            actions == Actions::Update || actions.is_replace()
                        })
                    }),
                )
        })
        .map(|change| {
            let reason = change
                .action_reason
                .as_ref()
                .map_or("", |reason| reason.explanation());
            let message = params
                .message
                .replace("{address}", &change.address)
                .replace("{action}", change.change.actions.label())
                .replace("{reason}", reason);
            Draft::new(change.address.clone(), message)
        })
        .collect()
}

/// The resource (address without instance key) a change belongs to.
fn resource_of(address: &str) -> Option<String> {
    address
        .parse::<crate::model::Address>()
        .ok()
        .map(|parsed| parsed.resource_address())
}

/// Whether the change's `action_reason` is one of `reasons`.
fn has_reason(change: &ResourceChange<'_>, reasons: &[String]) -> bool {
    change
        .action_reason
        .as_ref()
        .is_some_and(|reason| reasons.iter().any(|wanted| wanted == reason.as_str()))
}

/// Every resource with an instance whose actions are `wanted` in this plan.
fn resources_where(
    context: &RuleInput<'_, '_>,
    wanted: impl Fn(Actions) -> bool,
) -> FxHashSet<String> {
    managed(context)
        .filter(|change| wanted(change.change.actions))
        .filter_map(|change| resource_of(&change.address))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::testing::drafts;

    const PLAN: &str = r#"{"format_version":"1.2","resource_changes":[
        {"address":"terraform_data.w[2]","type":"terraform_data","name":"w","change":{"actions":["delete"],"before":{}},"action_reason":"delete_because_count_index"},
        {"address":"terraform_data.t","type":"terraform_data","name":"t","change":{"actions":["delete","create"],"before":{}},"action_reason":"replace_because_tainted"},
        {"address":"terraform_data.f","type":"terraform_data","name":"f","change":{"actions":["forget"],"before":{}},"action_reason":"delete_because_no_resource_config"}]}"#;

    #[test]
    fn matches_by_reason() {
        let found = drafts(
            "change-matches",
            "[params]\nreasons = [\"delete_because_count_index\"]\nmessage = \"{address}: {reason}\"",
            PLAN,
        );
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].message,
            "terraform_data.w[2]: its count index is now out of range"
        );
    }

    #[test]
    fn a_count_cut_from_its_end_is_no_shift() {
        let params = "[params]\nreasons = [\"delete_because_count_index\"]\nshift_only = [\"delete_because_count_index\"]\nmessage = \"{address}\"";
        assert!(drafts("change-matches", params, PLAN).is_empty());
        // Another instance updated: the indices shifted.
        let shifted = PLAN.replace(
            r#"{"address":"terraform_data.t","#,
            r#"{"address":"terraform_data.w[0]","type":"terraform_data","name":"w","change":{"actions":["update"],"before":{},"after":{}}},{"address":"terraform_data.t","#,
        );
        let found = drafts("change-matches", params, &shifted);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].address, "terraform_data.w[2]");
    }

    #[test]
    fn matches_by_action_and_not_by_reason_alone() {
        let found = drafts(
            "change-matches",
            "[params]\nactions = [\"forget\"]\nmessage = \"{address}\"",
            PLAN,
        );
        assert_eq!(
            found.iter().map(|d| d.address.as_str()).collect::<Vec<_>>(),
            ["terraform_data.f"]
        );
    }
}
