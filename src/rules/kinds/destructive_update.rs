//! `destructive-update`: an in-place update that removes what something
//! relies on — rules, environment variables, listeners, records, policy
//! statements. An "update" that strips a service's configuration is as
//! dangerous as a delete.

use serde::Deserialize;
use serde_json::Value;

use super::{RuleInput, managed};
use crate::model::Actions;
use crate::rules::{Draft, Evidence, payload};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Top-level attributes whose entries something relies on.
    pub attributes: Vec<String>,
}

pub fn check(params: &Params, context: &RuleInput<'_, '_>) -> Vec<Draft> {
    let mut drafts = Vec::new();
    for change in managed(context).filter(|change| change.change.actions == Actions::Update) {
        // Only what `before` has can be lost, or the prior state's object
        // when `before` was edited (see `PriorObjects::if_edited`).
        let attributes = params.attributes.iter().map(String::as_str);
        let prior_raw = context.prior_objects.if_edited(change);
        if !payload::may_hold(change.change.before, attributes.clone())
            && !payload::may_hold(prior_raw, attributes)
        {
            continue;
        }
        let (Some(before), Some(after)) = (
            payload::parse(change.change.before),
            payload::parse(change.change.after),
        ) else {
            continue;
        };
        let prior = payload::parse(prior_raw);
        let unknown = payload::parse(change.change.after_unknown);
        let mut removed = Vec::new();
        for attribute in &params.attributes {
            let new = after.get(attribute).unwrap_or(&Value::Null);
            let mask = unknown.as_ref().and_then(|unknown| unknown.get(attribute));
            if let Some(old) = before.get(attribute) {
                removals(attribute, old, new, mask, &mut removed);
            }
            if let Some(old) = prior.as_ref().and_then(|prior| prior.get(attribute)) {
                removals(attribute, old, new, mask, &mut removed);
            }
        }
        if removed.is_empty() {
            continue;
        }
        // Inside a value Terraform marks, a path names the value's own keys
        // (a sensitive map's, a sensitive policy's): only the marked
        // attribute is named.
        let masks = [
            change.change.before_sensitive,
            change.change.after_sensitive,
        ]
        .map(payload::parse);
        for (path, what) in &mut removed {
            match marked_prefix(path, &masks) {
                Some(marked) => {
                    *path = marked.to_owned();
                    *what = "part of a sensitive value".to_owned();
                }
                None => {
                    *path = crate::util::escape::bounded_path(path, MAX_PATH_CHARS).into_owned();
                }
            }
        }
        // What `before` and the prior state both lose is listed once, in
        // the order found.
        let mut listed = rustc_hash::FxHashSet::default();
        removed.retain(|removal| listed.insert(removal.clone()));
        let total = removed.len();
        removed.truncate(MAX_LISTED);
        let more = match total - removed.len() {
            0 => String::new(),
            left => format!(", and {left} more"),
        };
        let mut draft = Draft::new(
            change.address.clone(),
            format!(
                "{} is updated in place and loses {}{more}",
                change.address,
                removed
                    .iter()
                    .map(|(path, what)| format!("{what} at `{path}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
        for (path, what) in removed {
            draft = draft.with_evidence(Evidence {
                path,
                before: Some(what),
                after: Some("removed".to_owned()),
            });
        }
        drafts.push(draft);
    }
    drafts
}

/// The most removals one finding lists: each names a path, and a value
/// with thousands of long keys made a 4 MB plan's report 200 MB.
const MAX_LISTED: usize = 20;
/// The longest path a removal is named by.
const MAX_PATH_CHARS: usize = 200;

/// A text that two values [`payload::equivalent`] to each other share
/// (null, "", [] and {}, and objects of only those, share one): equivalent
/// entries are looked for among those with the same.
fn bucket(value: &Value) -> String {
    let mut out = String::new();
    write_bucket(value, &mut out);
    out
}

fn write_bucket(value: &Value, out: &mut String) {
    match value {
        Value::Object(members) => {
            let mut shown: Vec<(&String, String)> = members
                .iter()
                .map(|(key, member)| (key, bucket(member)))
                .filter(|(_, member)| member != EMPTY_BUCKET)
                .collect();
            if shown.is_empty() {
                out.push_str(EMPTY_BUCKET);
                return;
            }
            shown.sort();
            out.push('{');
            for (key, member) in shown {
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                out.push_str(&member);
                out.push(',');
            }
            out.push('}');
        }
        Value::Array(items) if !items.is_empty() => {
            out.push('[');
            for item in items {
                write_bucket(item, out);
                out.push(',');
            }
            out.push(']');
        }
        value if payload::is_empty(value) => out.push_str(EMPTY_BUCKET),
        value => out.push_str(&value.to_string()),
    }
}

const EMPTY_BUCKET: &str = "~";

/// The shortest start of `path` (`policy`, `environment[0]`) that a mask
/// marks, or marks something inside.
fn marked_prefix<'p>(path: &'p str, masks: &[Option<Value>; 2]) -> Option<&'p str> {
    path.char_indices()
        .filter(|(_, character)| matches!(character, '.' | '['))
        .map(|(at, _)| at)
        .chain(std::iter::once(path.len()))
        .map(|end| &path[..end])
        .find(|prefix| {
            !prefix.is_empty()
                && masks
                    .iter()
                    .any(|mask| payload::is_sensitive(mask.as_ref(), prefix))
        })
}

/// Whether `mask` (the part of `after_unknown` at a value) says the new
/// value is known only after apply. Terraform writes such a value as null
/// in `after` with `true` here. A `true` over a value `after` spells out
/// is a contradiction, not an unknown: honouring it let a forged
/// `after_unknown` hide the removal of every ingress rule (exit 3 became
/// exit 0), so the value is judged as written.
fn is_unknown(mask: Option<&Value>, new: &Value) -> bool {
    matches!(mask, Some(Value::Bool(true))) && new.is_null()
}

/// What `new` no longer has of `old`: map keys, list entries; JSON
/// documents held in strings (IAM policies) are compared as documents.
/// `mask` is `after_unknown` at the same place: an entry known only after
/// apply is not judged removed, and the rest of a partly unknown value
/// still is.
fn removals(
    path: &str,
    old: &Value,
    new: &Value,
    mask: Option<&Value>,
    out: &mut Vec<(String, String)>,
) {
    if is_unknown(mask, new) {
        return;
    }
    match (old, new) {
        (Value::String(old_text), Value::String(new_text)) if old_text != new_text => {
            if let (Ok(old_json), Ok(new_json)) = (
                serde_json::from_str::<Value>(old_text),
                serde_json::from_str::<Value>(new_text),
            ) && (old_json.is_object() || old_json.is_array())
            {
                removals(path, &old_json, &new_json, None, out);
            }
        }
        (Value::Object(old_map), Value::Object(new_map)) => {
            for (key, old_value) in old_map {
                let child = format!("{path}.{key}");
                let child_mask = mask.and_then(|mask| mask.get(key));
                match new_map.get(key) {
                    None | Some(Value::Null)
                        if !old_value.is_null() && !is_unknown(child_mask, &Value::Null) =>
                    {
                        out.push((child, "an entry".to_owned()))
                    }
                    Some(new_value) => removals(&child, old_value, new_value, child_mask, out),
                    None => {}
                }
            }
        }
        (Value::Array(old_items), Value::Array(new_items)) => {
            if old_items.len() == new_items.len() {
                for (index, (old_item, new_item)) in old_items.iter().zip(new_items).enumerate() {
                    let item_mask = mask.and_then(|mask| mask.get(index));
                    removals(
                        &format!("{path}[{index}]"),
                        old_item,
                        new_item,
                        item_mask,
                        out,
                    );
                }
            } else {
                // A list's length is known even where some of its entries'
                // values are not; those entries cannot be matched by value,
                // so only the shortfall counts as gone.
                let gone = if mask.is_some_and(payload::marks_any) {
                    old_items.len().saturating_sub(new_items.len())
                } else {
                    // Each old entry is looked for among the new ones of its
                    // bucket only: against every new one, a list of 40,000
                    // took 10 s.
                    let mut buckets: rustc_hash::FxHashMap<String, Vec<&Value>> =
                        rustc_hash::FxHashMap::default();
                    for new_item in new_items {
                        buckets.entry(bucket(new_item)).or_default().push(new_item);
                    }
                    old_items
                        .iter()
                        .filter(|item| {
                            !buckets.get(&bucket(item)).is_some_and(|candidates| {
                                candidates
                                    .iter()
                                    .any(|new_item| payload::equivalent(item, new_item))
                            })
                        })
                        .count()
                };
                if gone > 0 && new_items.len() < old_items.len() {
                    out.push((
                        path.to_owned(),
                        format!("{gone} of {} entries", old_items.len()),
                    ));
                }
            }
        }
        (old, Value::Null) if !payload::is_empty(old) => {
            out.push((path.to_owned(), "all entries".to_owned()))
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::drafts;

    const PARAMS: &str = "[params]\nattributes = [\"ingress\", \"environment\", \"policy\"]";

    fn plan(before: &str, after: &str) -> String {
        format!(
            r#"{{"format_version":"1.2","resource_changes":[{{"address":"aws_lambda_function.f","type":"aws_lambda_function","name":"f","change":{{"actions":["update"],"before":{before},"after":{after},"after_unknown":{{}}}}}}]}}"#
        )
    }

    #[test]
    fn inside_a_marked_value_only_the_attribute_is_named() {
        let marked = plan(
            r#"{"environment":[{"variables":{"A":"1","SECRET_NAME":"2"}}]}"#,
            r#"{"environment":[{"variables":{"A":"1"}}]}"#,
        )
        .replace(
            r#""after_unknown":{}"#,
            r#""after_unknown":{},"before_sensitive":{"environment":[{"variables":true}]}"#,
        );
        let found = drafts("destructive-update", PARAMS, &marked);
        assert_eq!(found.len(), 1);
        assert!(
            !found[0].message.contains("SECRET_NAME"),
            "{}",
            found[0].message
        );
        assert!(
            found[0]
                .message
                .ends_with("loses part of a sensitive value at `environment`"),
            "{}",
            found[0].message
        );
    }

    #[test]
    fn a_long_list_is_compared_by_value_and_many_removals_are_counted() {
        // Entries equal but for null against "" are the same entry.
        let old: Vec<String> = (0..5000)
            .map(|i| format!(r#"{{"from_port":{i},"description":null}}"#))
            .collect();
        let new: Vec<String> = (1..5000)
            .map(|i| format!(r#"{{"description":"","from_port":{i}}}"#))
            .collect();
        let found = drafts(
            "destructive-update",
            PARAMS,
            &plan(
                &format!(r#"{{"ingress":[{}]}}"#, old.join(",")),
                &format!(r#"{{"ingress":[{}]}}"#, new.join(",")),
            ),
        );
        assert!(
            found[0]
                .message
                .ends_with("loses 1 of 5000 entries at `ingress`"),
            "{}",
            found[0].message
        );
        let keys: Vec<String> = (0..30).map(|i| format!(r#""K{i}":"v""#)).collect();
        let found = drafts(
            "destructive-update",
            PARAMS,
            &plan(
                &format!(
                    r#"{{"environment":[{{"variables":{{{}}}}}]}}"#,
                    keys.join(",")
                ),
                r#"{"environment":[{"variables":{}}]}"#,
            ),
        );
        assert!(
            found[0].message.ends_with(", and 10 more"),
            "{}",
            found[0].message
        );
        assert_eq!(found[0].evidence.len(), 20);
    }

    #[test]
    fn removed_environment_variable_and_rule_fire() {
        let found = drafts(
            "destructive-update",
            PARAMS,
            &plan(
                r#"{"environment":[{"variables":{"A":"1","B":"2"}}],"ingress":[{"from_port":22},{"from_port":443}]}"#,
                r#"{"environment":[{"variables":{"A":"1"}}],"ingress":[{"from_port":443}]}"#,
            ),
        );
        assert_eq!(found.len(), 1);
        let message = &found[0].message;
        assert!(
            message.contains("`environment[0].variables.B`"),
            "{message}"
        );
        assert!(message.contains("1 of 2 entries at `ingress`"), "{message}");
    }

    #[test]
    fn a_removal_hidden_by_editing_before_alone_is_found_in_the_prior_state() {
        use super::super::testing::update_with_prior;
        let two = r#"{"environment":[{"variables":{"A":"1","B":"2"}}]}"#;
        let one = r#"{"environment":[{"variables":{"A":"1"}}]}"#;
        // `before` copied from `after`; the prior state still has `B`.
        let edited = update_with_prior("aws_lambda_function", one, one, two);
        let found = drafts("destructive-update", PARAMS, &edited);
        assert_eq!(found.len(), 1);
        assert!(
            found[0].message.contains("`environment[0].variables.B`"),
            "{}",
            found[0].message
        );
        let kept = update_with_prior("aws_lambda_function", one, one, one);
        assert!(drafts("destructive-update", PARAMS, &kept).is_empty());
    }

    fn plan_with_unknown(before: &str, after: &str, after_unknown: &str) -> String {
        plan(before, after).replace(
            r#""after_unknown":{}"#,
            &format!(r#""after_unknown":{after_unknown}"#),
        )
    }

    #[test]
    fn an_unknown_marker_over_a_value_after_spells_out_does_not_hide_its_removal() {
        let before = r#"{"ingress":[{"from_port":22},{"from_port":443}]}"#;
        let after = r#"{"ingress":[{"from_port":443}]}"#;
        let forged = plan_with_unknown(before, after, r#"{"ingress":true}"#);
        let found = drafts("destructive-update", PARAMS, &forged);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].message.contains("1 of 2 entries at `ingress`"));
    }

    #[test]
    fn values_known_only_after_apply_are_not_judged_removed() {
        let before =
            r#"{"ingress":[{"from_port":22}],"environment":[{"variables":{"A":"1","B":"2"}}]}"#;
        // As Terraform writes unknowns: null in `after`, `true` in the mask.
        let after = r#"{"ingress":null,"environment":[{"variables":{"A":"1","B":null}}]}"#;
        let unknown = r#"{"ingress":true,"environment":[{"variables":{"B":true}}]}"#;
        let found = drafts(
            "destructive-update",
            PARAMS,
            &plan_with_unknown(before, after, unknown),
        );
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn a_partly_unknown_value_still_shows_what_it_lost() {
        let before = r#"{"environment":[{"variables":{"A":"1","B":"2","C":"3"}}],"ingress":[{"from_port":22,"id":"a"},{"from_port":443,"id":"b"}]}"#;
        let after = r#"{"environment":[{"variables":{"A":"1","B":null}}],"ingress":[{"from_port":443,"id":null}]}"#;
        let unknown = r#"{"environment":[{"variables":{"B":true}}],"ingress":[{"id":true}]}"#;
        let found = drafts(
            "destructive-update",
            PARAMS,
            &plan_with_unknown(before, after, unknown),
        );
        assert_eq!(found.len(), 1, "{found:?}");
        let message = &found[0].message;
        assert!(
            message.contains("`environment[0].variables.C`"),
            "{message}"
        );
        assert!(!message.contains("variables.B"), "{message}");
        assert!(message.contains("1 of 2 entries at `ingress`"), "{message}");
    }

    #[test]
    fn additions_are_quiet() {
        assert!(
            drafts(
                "destructive-update",
                PARAMS,
                &plan(
                    r#"{"environment":[{"variables":{"A":"1"}}]}"#,
                    r#"{"environment":[{"variables":{"A":"1","B":"2"}}]}"#
                )
            )
            .is_empty()
        );
    }

    #[test]
    fn policy_statements_compared_as_documents() {
        let before = r#"{"policy":"{\"Statement\":[{\"Action\":\"s3:GetObject\"},{\"Action\":\"s3:PutObject\"}]}"}"#;
        let after = r#"{"policy":"{\"Statement\":[{\"Action\":\"s3:GetObject\"}]}"}"#;
        let found = drafts("destructive-update", PARAMS, &plan(before, after));
        assert!(
            found[0].message.contains("policy.Statement"),
            "{}",
            found[0].message
        );
    }
}
