//! `refactor`: a delete and a create of the same type whose values match —
//! a rename, a module move, count → for_each — that a `moved` block would
//! turn into a no-op instead of a destroy and a create.

use rayon::prelude::*;
use serde::Deserialize;
use serde_json::Value;

use super::{RuleInput, managed};
use crate::model::Actions;
use crate::rules::{Draft, payload};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Attributes that differ between the two objects even in a pure move.
    #[serde(default)]
    pub ignore: Vec<String>,
    /// At most this many pairs of a delete and a create are compared value
    /// by value (2,000,000: about 0.2 s).
    #[serde(default = "default_comparisons")]
    pub max_comparisons: usize,
}

fn default_comparisons() -> usize {
    2_000_000
}

/// Resource type and provider: only these can be the same object.
type Identity<'a> = (&'a str, Option<&'a str>);

pub fn check(params: &Params, context: &RuleInput<'_, '_>) -> Vec<Draft> {
    let deleted: Vec<_> = managed(context)
        .filter(|change| change.change.actions == Actions::Delete)
        .collect();
    let created: Vec<_> = managed(context)
        .filter(|change| change.change.actions == Actions::Create && !change.change.is_import())
        .collect();
    if deleted.is_empty() || created.is_empty() {
        return Vec::new();
    }
    // Each payload is parsed once (the deletes' on every core: they are all
    // kept anyway); candidates are grouped by type and provider.
    let befores: Vec<Option<Value>> = deleted
        .par_iter()
        .map(|delete| payload::parse(delete.change.before))
        .collect();
    let mut by_kind: rustc_hash::FxHashMap<Identity<'_>, Vec<(usize, Value)>> =
        rustc_hash::FxHashMap::default();
    for (index, (delete, before)) in deleted.iter().zip(befores).enumerate() {
        if let Some(before) = before {
            by_kind
                .entry((&*delete.resource_type, delete.provider_name.as_deref()))
                .or_default()
                .push((index, before));
        }
    }
    // (type and provider, attribute) → value → positions in `by_kind`.
    let mut first_values: rustc_hash::FxHashMap<
        (Identity<'_>, String),
        rustc_hash::FxHashMap<String, Vec<usize>>,
    > = rustc_hash::FxHashMap::default();
    let mut used = vec![false; deleted.len()];
    let mut matched = vec![false; created.len()];
    let mut drafts: Vec<(usize, Draft)> = Vec::new();
    // Objects keep their names through most refactors (a block moved into a
    // module): pairs of one name are made first, so a same-named create is
    // not left over because a differently named one with equal values came
    // first in the plan (`y` → `module.m.x[1]` suggested beside
    // `module.m.y`).
    // Each create that a delete of its type could pair with is parsed
    // once, on every core, with the attributes it is compared on: the
    // passes below (same name first, then any) read them again. Parsed in
    // turn, twice, they were the longest rule of a 10k-resource check.
    let creates: Vec<Option<(Value, Option<Value>)>> = created
        .par_iter()
        .map(|create| {
            if !by_kind.contains_key(&kind_of(create)) {
                return None;
            }
            let after = payload::parse(create.change.after)?;
            Some((after, payload::parse(create.change.after_unknown)))
        })
        .collect();
    let compared_keys: Vec<Vec<(&str, String)>> = creates
        .par_iter()
        .map(|parsed| match parsed {
            Some((after, unknown)) => compared(after, unknown.as_ref(), &params.ignore)
                .map(|(key, value)| (key, value_key(value)))
                .collect(),
            None => Vec::new(),
        })
        .collect();
    // Creates and deletes that agree on every value the index can look up
    // but differ in one it cannot (a map holding a null) are compared pair
    // by pair: N by N. Past this many comparisons the rest are not made,
    // and a finding says so, so a plan built to exhaust the check does not
    // pass it quietly.
    let mut comparisons_left = params.max_comparisons;
    let mut cut_short = vec![false; created.len()];
    let deleted_names: rustc_hash::FxHashSet<(Identity<'_>, Option<&str>)> = deleted
        .iter()
        .map(|delete| (kind_of(delete), delete.name.as_deref()))
        .collect();
    for same_name_only in [true, false] {
        for (create_index, create) in created.iter().enumerate() {
            if matched[create_index]
                || (same_name_only
                    && !deleted_names.contains(&(kind_of(create), create.name.as_deref())))
            {
                continue;
            }
            let Some(candidates) = by_kind.get(&kind_of(create)) else {
                continue;
            };
            let Some((after, unknown)) = &creates[create_index] else {
                continue;
            };
            // Only deletes that agree on every attribute compared can match:
            // look up the attribute with the fewest such deletes instead of
            // comparing with every delete of the type (thousands by thousands
            // in a large plan, and most attributes, an AMI or an instance
            // class, are shared by all). Lists and maps count too: when every
            // scalar is shared, a map of tags is what tells objects apart (with
            // scalars alone a 300k plan made 8.3 M comparisons). One lookup per
            // attribute of the create, and each index is built once per (type,
            // attribute): linear in the payloads. Candidates keep their order,
            // so the pairs chosen are the same.
            let kind = kind_of(create);
            let keys = &compared_keys[create_index];
            for (key, _) in keys {
                first_values
                    .entry((kind, (*key).to_owned()))
                    .or_insert_with(|| index_by_value(candidates, key));
            }
            let mut narrowed: Option<&[usize]> = None;
            for (key, value) in keys {
                let bucket = first_values
                    .get(&(kind, (*key).to_owned()))
                    .and_then(|index| index.get(value))
                    .map(Vec::as_slice)
                    .unwrap_or_default();
                if narrowed.is_none_or(|best| bucket.len() < best.len()) {
                    narrowed = Some(bucket);
                }
            }
            let positions: Box<dyn Iterator<Item = usize>> = match narrowed {
                Some(bucket) => Box::new(bucket.iter().copied()),
                None => Box::new(0..candidates.len()),
            };
            for (index, before) in positions.map(|position| &candidates[position]) {
                let delete = deleted[*index];
                if used[*index] || (same_name_only && delete.name != create.name) {
                    continue;
                }
                if comparisons_left == 0 {
                    cut_short[create_index] = true;
                    break;
                }
                comparisons_left -= 1;
                if !same_object(before, after, unknown.as_ref(), &params.ignore) {
                    continue;
                }
                used[*index] = true;
                matched[create_index] = true;
                let mut draft = Draft::new(
                    delete.address.clone(),
                    format!(
                        "{} is destroyed and {} is created with the same values: this looks like a refactor (rename, module move or count/for_each change) that a `moved` block turns into a no-op",
                        delete.address, create.address
                    ),
                );
                draft.suggestion = Some(format!(
                    "moved {{\n  from = {}\n  to   = {}\n}}",
                    delete.address, create.address
                ));
                drafts.push((create_index, draft));
                break;
            }
        }
    }
    // In the order of the creates, as one pass made them.
    drafts.sort_by_key(|(create_index, _)| *create_index);
    let mut drafts: Vec<Draft> = drafts.into_iter().map(|(_, draft)| draft).collect();
    let not_compared = cut_short.iter().filter(|cut| **cut).count();
    if not_compared > 0 {
        drafts.push(Draft::new(
            super::plan_health::PLAN_ADDRESS.to_owned(),
            format!(
                "{not_compared} create(s) were not compared with every delete of their type (the check stops after {} comparisons): a rename among them may have no finding of its own",
                params.max_comparisons
            ),
        ));
    }
    drafts
}

fn kind_of<'a>(change: &'a crate::model::ResourceChange<'_>) -> Identity<'a> {
    (&*change.resource_type, change.provider_name.as_deref())
}

/// The attributes whose whole value the new object knows, with it: the
/// candidates are looked up by their exact value (see `index_by_value`).
fn compared<'v>(
    after: &'v Value,
    unknown: Option<&'v Value>,
    ignore: &'v [String],
) -> impl Iterator<Item = (&'v str, &'v Value)> {
    after
        .as_object()
        .into_iter()
        .flatten()
        .filter(move |(key, new)| {
            !ignore.iter().any(|ignored| ignored == *key)
                && !is_empty_list(new)
                && fully_known(new, unknown.and_then(|unknown| unknown.get(key.as_str())))
        })
        .map(|(key, new)| (key.as_str(), new))
}

/// Whether `value` has no null in it and `unknown` (its `after_unknown`
/// part) marks nothing in it unknown.
fn fully_known(value: &Value, unknown: Option<&Value>) -> bool {
    !unknown.is_some_and(marks_unknown) && !holds_null(value)
}

fn marks_unknown(unknown: &Value) -> bool {
    match unknown {
        Value::Bool(flag) => *flag,
        Value::Array(items) => items.iter().any(marks_unknown),
        Value::Object(map) => map.values().any(marks_unknown),
        _ => false,
    }
}

fn holds_null(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Array(items) => items.iter().any(holds_null),
        Value::Object(map) => map.values().any(holds_null),
        _ => false,
    }
}

fn is_empty_list(value: &Value) -> bool {
    value.as_array().is_some_and(Vec::is_empty)
}

/// Whether the old value agrees with what the new object knows of its
/// own. What the provider fills in when it creates the object agrees with
/// anything: a part `after_unknown` marks (left out of `after`), a null
/// (a table's `table_class`), a block the configuration leaves out (an
/// instance's `credit_specification`, `[]` in `after`).
fn agrees(before: Option<&Value>, after: &Value, unknown: Option<&Value>) -> bool {
    if after.is_null() || unknown == Some(&Value::Bool(true)) {
        return true;
    }
    let Some(before) = before else {
        return false;
    };
    let unknown_at = |key: &str| unknown.and_then(|unknown| unknown.get(key));
    match (before, after) {
        // A map's keys are data: one the old object has and the new one
        // neither has nor leaves unknown is a difference.
        (Value::Object(old), Value::Object(new)) => {
            old.keys()
                .all(|key| new.contains_key(key) || unknown_at(key).is_some_and(marks_unknown))
                && new
                    .iter()
                    .all(|(key, value)| agrees(old.get(key), value, unknown_at(key)))
        }
        (Value::Array(old), Value::Array(new)) if new.is_empty() => {
            old.is_empty() || old.iter().all(Value::is_object)
        }
        (Value::Array(old), Value::Array(new)) => {
            old.len() == new.len()
                && new.iter().enumerate().all(|(index, value)| {
                    agrees(
                        old.get(index),
                        value,
                        unknown.and_then(|unknown| unknown.get(index)),
                    )
                })
        }
        _ => before == after,
    }
}

/// A text equal for two values exactly when they are `==`: scalars as JSON
/// (strings quoted, numbers keep their text), arrays in order, objects with
/// their keys sorted (their equality ignores key order).
fn value_key(value: &Value) -> String {
    let mut key = String::new();
    write_value_key(value, &mut key);
    key
}

fn write_value_key(value: &Value, key: &mut String) {
    match value {
        Value::Array(items) => {
            key.push('[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    key.push(',');
                }
                write_value_key(item, key);
            }
            key.push(']');
        }
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
            key.push('{');
            for (index, (name, item)) in entries.into_iter().enumerate() {
                if index > 0 {
                    key.push(',');
                }
                key.push_str(&Value::String(name.clone()).to_string());
                key.push(':');
                write_value_key(item, key);
            }
            key.push('}');
        }
        scalar => key.push_str(&scalar.to_string()),
    }
}

/// Positions in `candidates` by their value of `key`; a candidate without
/// it cannot match.
fn index_by_value(
    candidates: &[(usize, Value)],
    key: &str,
) -> rustc_hash::FxHashMap<String, Vec<usize>> {
    let mut index: rustc_hash::FxHashMap<String, Vec<usize>> = rustc_hash::FxHashMap::default();
    for (position, (_, before)) in candidates.iter().enumerate() {
        if let Some(value) = before.get(key).map(value_key) {
            index.entry(value).or_default().push(position);
        }
    }
    index
}

/// Every attribute the new object knows already equals the old object's.
fn same_object(before: &Value, after: &Value, unknown: Option<&Value>, ignore: &[String]) -> bool {
    let (Some(before), Some(after)) = (before.as_object(), after.as_object()) else {
        return false;
    };
    let mut compared = 0;
    for (key, new) in after {
        let unknown = unknown.and_then(|unknown| unknown.get(key));
        if ignore.iter().any(|ignored| ignored == key)
            || new.is_null()
            || unknown == Some(&Value::Bool(true))
        {
            continue;
        }
        if !agrees(before.get(key), new, unknown) {
            return false;
        }
        compared += 1;
    }
    compared > 0
}

#[cfg(test)]
mod tests {
    use super::super::testing::drafts;

    fn plan(new_input: &str) -> String {
        format!(
            r#"{{"format_version":"1.2","resource_changes":[
            {{"address":"terraform_data.old","type":"terraform_data","name":"old","provider_name":"terraform.io/builtin/terraform","change":{{"actions":["delete"],"before":{{"id":"1","input":"x","output":"x","triggers_replace":null}},"after":null}}}},
            {{"address":"module.app.terraform_data.new","type":"terraform_data","name":"new","provider_name":"terraform.io/builtin/terraform","change":{{"actions":["create"],"before":null,"after":{{"input":{new_input},"triggers_replace":null}},"after_unknown":{{"id":true,"output":true}}}}}}]}}"#
        )
    }

    #[test]
    fn rename_without_moved_suggests_the_block() {
        let found = drafts("refactor", "[params]\nignore = []", &plan("\"x\""));
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].suggestion.as_deref(),
            Some("moved {\n  from = terraform_data.old\n  to   = module.app.terraform_data.new\n}")
        );
    }

    #[test]
    fn a_create_of_the_same_name_is_paired_first() {
        // `old` moved into the module as `module.app.terraform_data.old`,
        // beside a new `module.app.terraform_data.new` listed before it
        // with equal values.
        let same_name = r#"{"address":"module.app.terraform_data.old","type":"terraform_data","name":"old","provider_name":"terraform.io/builtin/terraform","change":{"actions":["create"],"before":null,"after":{"input":"x","triggers_replace":null},"after_unknown":{"id":true,"output":true}}}"#;
        let text = plan("\"x\"").replace("}]}", &format!("}},{same_name}]}}"));
        let found = drafts("refactor", "[params]\nignore = []", &text);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(
            found[0].suggestion.as_deref(),
            Some("moved {\n  from = terraform_data.old\n  to   = module.app.terraform_data.old\n}")
        );
    }

    #[test]
    fn different_values_are_not_a_refactor() {
        assert!(drafts("refactor", "[params]\nignore = []", &plan("\"y\"")).is_empty());
    }

    /// Maps and lists are compared (and looked up) as values: key order
    /// does not matter, element order does.
    #[test]
    fn maps_match_in_any_key_order_and_lists_only_in_order() {
        let with_old_input = |new_input: &str| {
            plan(new_input).replace(
                r#""input":"x","output":"x""#,
                r#""input":{"b":1,"a":[1,{"y":2,"x":3}]},"output":"x""#,
            )
        };
        let reordered = with_old_input(r#"{"a":[1,{"x":3,"y":2}],"b":1}"#);
        assert_eq!(
            drafts("refactor", "[params]\nignore = []", &reordered).len(),
            1
        );
        let swapped = with_old_input(r#"{"a":[{"x":3,"y":2},1],"b":1}"#);
        assert!(drafts("refactor", "[params]\nignore = []", &swapped).is_empty());
    }

    /// A table renamed without `moved`, as Terraform 1.11 and the AWS
    /// provider plan it: the new table leaves to the provider what the old
    /// one has from it (`table_class` null, the recovery block's period
    /// unknown and left out of `after`, no `ttl` block). `tags` and
    /// `new_tags` are the two objects' tags.
    fn table_rename(tags: &str, new_tags: &str) -> String {
        format!(
            r#"{{"format_version":"1.2","resource_changes":[
            {{"address":"aws_dynamodb_table.users","type":"aws_dynamodb_table","name":"users","provider_name":"registry.terraform.io/hashicorp/aws","change":{{"actions":["delete"],"before":{{"name":"users","hash_key":"id","table_class":"STANDARD","point_in_time_recovery":[{{"enabled":true,"recovery_period_in_days":35}}],"ttl":[{{"attribute_name":"","enabled":false}}],"tags":{tags}}},"after":null}}}},
            {{"address":"aws_dynamodb_table.user_profiles","type":"aws_dynamodb_table","name":"user_profiles","provider_name":"registry.terraform.io/hashicorp/aws","change":{{"actions":["create"],"before":null,"after":{{"name":"users","hash_key":"id","table_class":null,"point_in_time_recovery":[{{"enabled":true}}],"ttl":[],"tags":{new_tags}}},"after_unknown":{{"id":true,"point_in_time_recovery":[{{"recovery_period_in_days":true}}],"ttl":[]}}}}}}]}}"#
        )
    }

    #[test]
    fn what_the_provider_fills_in_does_not_hide_a_rename() {
        let renamed = table_rename(r#"{"team":"a"}"#, r#"{"team":"a"}"#);
        let found = drafts("refactor", "[params]\nignore = []", &renamed);
        assert_eq!(found.len(), 1, "{found:?}");
        // A tag the new table lacks is a difference, not something the
        // provider fills in.
        let retagged = table_rename(r#"{"team":"a","env":"prod"}"#, r#"{"team":"a"}"#);
        assert!(drafts("refactor", "[params]\nignore = []", &retagged).is_empty());
    }

    #[test]
    fn a_check_cut_short_says_so() {
        // Three creates that agree with three deletes on every value the
        // index can look up, and differ in a map holding a null.
        let change = |action: &str, name: &str, input: &str| {
            let (before, after) = match action {
                "delete" => (
                    format!(r#"{{"input":{input},"triggers_replace":"same"}}"#),
                    "null".to_owned(),
                ),
                _ => (
                    "null".to_owned(),
                    format!(r#"{{"input":{input},"triggers_replace":"same"}}"#),
                ),
            };
            format!(
                r#"{{"address":"terraform_data.{name}","type":"terraform_data","name":"{name}","provider_name":"terraform.io/builtin/terraform","change":{{"actions":["{action}"],"before":{before},"after":{after},"after_unknown":{{}}}}}}"#
            )
        };
        let changes: Vec<String> = (0..3)
            .map(|index| change("delete", &format!("old{index}"), r#"{"m":2}"#))
            .chain(
                (0..3).map(|index| change("create", &format!("new{index}"), r#"{"m":1,"n":null}"#)),
            )
            .collect();
        let text = format!(
            r#"{{"format_version":"1.2","resource_changes":[{}]}}"#,
            changes.join(",")
        );
        assert!(drafts("refactor", "[params]\nignore = []", &text).is_empty());
        let cut = drafts(
            "refactor",
            "[params]\nignore = []\nmax_comparisons = 4",
            &text,
        );
        assert_eq!(cut.len(), 1, "{cut:?}");
        assert_eq!(cut[0].address, "(plan)");
        assert!(
            cut[0].message.starts_with("2 create(s) were not compared"),
            "{}",
            cut[0].message
        );
    }
}
