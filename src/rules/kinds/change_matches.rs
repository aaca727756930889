//! `change-matches`: a change with given actions, action reasons or import
//! flag (count/for_each churn, tainted, -replace, forget, import).

use rustc_hash::{FxHashMap, FxHashSet};
use serde::Deserialize;
use serde_json::Value;

use super::{ActionName, RuleInput, managed};
use crate::model::address::InstanceKey;
use crate::model::{Actions, ResourceChange};
use crate::rules::Draft;
use crate::rules::payload;

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
    /// same resource is updated or replaced in this plan to values a
    /// higher index held (an element taken from the middle of a `count`
    /// list), not a count cut from its end (see [`shifted_resources`]).
    #[serde(default)]
    pub shift_only: Vec<String>,
    /// The finding's message; `{address}`, `{action}` and `{reason}` are
    /// filled in, and `{shift}` with what shifted (for a `shift_only`
    /// reason; empty otherwise).
    pub message: String,
}

pub fn check(params: &Params, context: &RuleInput<'_, '_>) -> Vec<Draft> {
    // Built on first need, once: looking through every create for each
    // churn-reason delete was quadratic (a for_each rename of 50k keys).
    let created = std::cell::OnceCell::new();
    let shifted = std::cell::OnceCell::new();
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
                    created.get_or_init(|| {
                        resources_where(context, |actions| actions == Actions::Create)
                    }),
                )
        })
        .filter_map(|change| {
            let shift = if has_reason(change, &params.shift_only) {
                let resource = resource_of(&change.address)?;
                let shifts = shifted.get_or_init(|| shifted_resources(context, &params.shift_only));
                shifts.get(&resource)?.describe(&resource)
            } else {
                String::new()
            };
            Some((change, shift))
        })
        .map(|(change, shift)| {
            let reason = change
                .action_reason
                .as_ref()
                .map_or("", |reason| reason.explanation());
            let message = params
                .message
                .replace("{address}", &change.address)
                .replace("{action}", change.change.actions.label())
                .replace("{reason}", reason)
                .replace("{shift}", &shift);
            Draft::new(change.address.clone(), message)
        })
        .collect()
}

/// What shows that a resource's `count` instances shifted: the kept
/// instance that was updated or replaced, and the higher index whose
/// value it took (unknown when its known values did not change at all).
#[derive(Debug, Clone, Copy)]
struct Shift {
    kept: i64,
    from: Option<i64>,
}

impl Shift {
    fn describe(self, resource: &str) -> String {
        match self.from {
            Some(from) => format!(
                "; the list shifted: {resource}[{}] now takes a value {resource}[{from}] held",
                self.kept
            ),
            None => format!(
                "; the list may have shifted: {resource}[{}] changes too, to values not known until apply",
                self.kept
            ),
        }
    }
}

/// The resource (address without instance key) a change belongs to.
fn resource_of(address: &str) -> Option<String> {
    address
        .parse::<crate::model::Address>()
        .ok()
        .map(|parsed| parsed.resource_address())
}

/// The resources whose instances shifted down a `count` list: an instance
/// (with a reason in `reasons` among its resource's changes) updated or
/// replaced to a value that a higher index held before, in its `before`
/// or its prior-state object (so an edit to `before` alone hides nothing).
/// A count cut from its end, beside an unrelated update of a kept instance
/// (a new image for every instance, scaled in at once), moved no value
/// and is no shift. An update or replace whose known values do not change
/// cannot be told apart, and counts as a shift.
fn shifted_resources(context: &RuleInput<'_, '_>, reasons: &[String]) -> FxHashMap<String, Shift> {
    let cut: FxHashSet<String> = managed(context)
        .filter(|change| has_reason(change, reasons))
        .filter_map(|change| resource_of(&change.address))
        .collect();
    let mut shifted: FxHashMap<String, Shift> = FxHashMap::default();
    if cut.is_empty() {
        return shifted;
    }
    // Each address parsed once: both passes below walk these instances.
    let instances: Vec<((String, i64), &ResourceChange<'_>)> = managed(context)
        .filter(|change| change.deposed.is_none())
        .filter_map(|change| Some((count_instance(&change.address)?, change)))
        .filter(|((resource, _), _)| cut.contains(resource))
        .collect();
    // The values each updated or replaced instance took, with the lowest
    // index that took each: only these are looked for below, so memory
    // follows what changed, not every value of every instance.
    let mut taken: FxHashMap<(String, Leaf), i64> = FxHashMap::default();
    for ((resource, index), change) in &instances {
        let index = *index;
        let actions = change.change.actions;
        if !(actions == Actions::Update || actions.is_replace()) || shifted.contains_key(resource) {
            continue;
        }
        // Replaced because it was tainted or asked for: no value moved.
        if actions.is_replace()
            && change.action_reason.as_ref().is_some_and(|reason| {
                matches!(
                    reason.as_str(),
                    "replace_because_tainted" | "replace_by_request"
                )
            })
        {
            continue;
        }
        let before: FxHashSet<Leaf> = payload::parse(change.change.before)
            .map(|before| known_leaves(&before).collect())
            .unwrap_or_default();
        let mut changed = payload::parse(change.change.after)
            .map(|after| known_leaves(&after).collect::<Vec<_>>())
            .unwrap_or_default();
        changed.retain(|leaf| !before.contains(leaf));
        if changed.is_empty() {
            shifted.insert(
                resource.clone(),
                Shift {
                    kept: index,
                    from: None,
                },
            );
            continue;
        }
        for leaf in changed {
            let lowest = taken.entry((resource.clone(), leaf)).or_insert(index);
            *lowest = (*lowest).min(index);
        }
    }
    if taken.is_empty() {
        return shifted;
    }
    let mut held = |resource: String, index: i64, before: Option<Value>| {
        if shifted.contains_key(&resource) {
            return;
        }
        let Some(before) = before else { return };
        let mut key = (resource, Leaf::default());
        for leaf in known_leaves(&before) {
            key.1 = leaf;
            if let Some(&lowest) = taken.get(&key).filter(|lowest| **lowest < index) {
                let shift = Shift {
                    kept: lowest,
                    from: Some(index),
                };
                shifted.insert(key.0, shift);
                return;
            }
        }
    };
    for ((resource, index), change) in &instances {
        held(
            resource.clone(),
            *index,
            payload::parse(change.change.before),
        );
    }
    let prior = context
        .plan
        .prior_values()
        .into_iter()
        .flat_map(|values| values.root_module.all_resources())
        .filter(|object| object.deposed_key.is_none());
    for object in prior {
        if let Some((resource, index)) = count_instance(&object.address)
            && cut.contains(&resource)
        {
            held(resource, index, payload::parse(object.values));
        }
    }
    shifted
}

/// A leaf of a payload: its path and its value as JSON.
type Leaf = (String, String);

/// A `count` instance's resource and index.
fn count_instance(address: &str) -> Option<(String, i64)> {
    // Only an address ending `<digit>]` can name one: the rest are not parsed.
    let bytes = address.as_bytes();
    if !(bytes.ends_with(b"]") && bytes.len() >= 2 && bytes[bytes.len() - 2].is_ascii_digit()) {
        return None;
    }
    let parsed = address.parse::<crate::model::Address>().ok()?;
    match parsed.key {
        Some(InstanceKey::Int(index)) => Some((parsed.resource_address(), index)),
        _ => None,
    }
}

/// Every leaf of a payload that holds a value, as (path, value as JSON).
/// Null and empty leaves are left out: Terraform writes an unknown value
/// as null, and providers write "" and null for the same nothing.
fn known_leaves(value: &Value) -> impl Iterator<Item = Leaf> + '_ {
    let mut pending = vec![(String::new(), value)];
    std::iter::from_fn(move || {
        while let Some((path, value)) = pending.pop() {
            match value {
                Value::Object(map) => pending.extend(
                    map.iter()
                        .map(|(key, value)| (format!("{path}.{key}"), value)),
                ),
                Value::Array(items) => pending.extend(
                    items
                        .iter()
                        .enumerate()
                        .map(|(position, value)| (format!("{path}[{position}]"), value)),
                ),
                _ if payload::is_empty(value) => {}
                _ => return Some((path, value.to_string())),
            }
        }
        None
    })
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

    /// `terraform_data.w`, `count` 3 → 2: `w[2]` deleted, `w[0]` and `w[1]`
    /// changed from `before` to `after`; `w[2]` held `last` before (and
    /// `prior` in the prior state).
    fn count_cut(updates: [(&str, &str); 2], last: &str, prior: &str) -> String {
        let mut changes = Vec::new();
        let mut objects = Vec::new();
        for (index, (before, after)) in updates.iter().enumerate() {
            changes.push(format!(r#"{{"address":"terraform_data.w[{index}]","type":"terraform_data","name":"w","index":{index},"change":{{"actions":["update"],"before":{before},"after":{after}}}}}"#));
            objects.push(format!(r#"{{"address":"terraform_data.w[{index}]","type":"terraform_data","name":"w","index":{index},"values":{before}}}"#));
        }
        changes.push(format!(r#"{{"address":"terraform_data.w[2]","type":"terraform_data","name":"w","index":2,"action_reason":"delete_because_count_index","change":{{"actions":["delete"],"before":{last},"after":null}}}}"#));
        objects.push(format!(r#"{{"address":"terraform_data.w[2]","type":"terraform_data","name":"w","index":2,"values":{prior}}}"#));
        format!(
            r#"{{"format_version":"1.2","resource_changes":[{}],"prior_state":{{"values":{{"root_module":{{"resources":[{}]}}}}}}}}"#,
            changes.join(","),
            objects.join(",")
        )
    }

    #[test]
    fn a_count_cut_beside_an_update_that_moves_no_value_is_no_shift() {
        let params = "[params]\nreasons = [\"delete_because_count_index\"]\nshift_only = [\"delete_because_count_index\"]\nmessage = \"{address}\"";
        let shifts = |plan: &str| !drafts("change-matches", params, plan).is_empty();
        // A new image for every instance, scaled in at once.
        let image = |name: &str| {
            (
                format!(r#"{{"name":"{name}","image":"v1"}}"#),
                format!(r#"{{"name":"{name}","image":"v2"}}"#),
            )
        };
        let (a, a2) = image("a");
        let (b, b2) = image("b");
        let c = r#"{"name":"c","image":"v1"}"#;
        assert!(!shifts(&count_cut([(&a, &a2), (&b, &b2)], c, c)));
        // "b" taken from the middle of ["a", "b", "c"]: w[1] becomes "c".
        let b_to_c = r#"{"name":"c","image":"v1"}"#;
        assert!(shifts(&count_cut([(&a, &a), (&b, b_to_c)], c, c)));
        // The same, under a nested attribute changed for all at once.
        let tags =
            |name: &str, env: &str| format!(r#"{{"tags":{{"Name":"{name}","env":"{env}"}}}}"#);
        assert!(shifts(&count_cut(
            [
                (&tags("a", "old"), &tags("a", "new")),
                (&tags("b", "old"), &tags("c", "new"))
            ],
            &tags("c", "old"),
            &tags("c", "old"),
        )));
        // `before` of the deleted instance edited alone: the prior state
        // still holds the value that moved.
        let edited = r#"{"name":"zzz","image":"v1"}"#;
        assert!(shifts(&count_cut([(&a, &a), (&b, b_to_c)], edited, c)));
        // An update whose known values do not change: no telling.
        assert!(shifts(&count_cut([(&a, &a), (&b, &b)], c, c)));
        // A kept instance replaced because it was tainted moved no value.
        let tainted = count_cut([(&a, &a), (&b, &b)], c, c).replacen(
            r#""change":{"actions":["update"]"#,
            r#""action_reason":"replace_because_tainted","change":{"actions":["delete","create"]"#,
            2,
        );
        assert!(!shifts(&tainted));
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
