//! `sensitive-change`: a value marked sensitive changes. The finding names
//! the attribute path and never the value.

use serde_json::Value;

use super::{RuleInput, managed};
use crate::model::Actions;
use crate::rules::payload::{self, Step};
use crate::rules::{Draft, Evidence};

pub fn check(context: &RuleInput<'_, '_>) -> Vec<Draft> {
    let mut drafts = Vec::new();
    for change in managed(context) {
        if !matches!(
            change.change.actions,
            Actions::Update | Actions::DeleteThenCreate | Actions::CreateThenDelete
        ) {
            continue;
        }
        // A mask marks a value sensitive with `true`, which JSON spells one
        // way only: a mask without it marks nothing.
        let masks: Vec<Value> = [
            change.change.before_sensitive,
            change.change.after_sensitive,
        ]
        .into_iter()
        .filter_map(|mask| payload::parse(mask.filter(|mask| mask.get().contains("true"))))
        .collect();
        let mut paths = Vec::new();
        for mask in &masks {
            sensitive_paths("", &mut Vec::new(), mask, &mut paths);
        }
        paths.sort_by(|a, b| a.0.cmp(&b.0));
        paths.dedup_by(|a, b| a.0 == b.0);
        if paths.is_empty() {
            continue;
        }
        let before = payload::parse(change.change.before).unwrap_or(Value::Null);
        let after = payload::parse(change.change.after).unwrap_or(Value::Null);
        // Followed step by step, not by reading the path again: a key
        // spelled like a path (`k[a1]`) read as a wildcard over a list made
        // a 320 KB plan take 9 s.
        let changed: Vec<String> = paths
            .into_iter()
            .filter(|(_, steps)| at(&before, steps) != at(&after, steps))
            .map(|(path, _)| path)
            .collect();
        if changed.is_empty() {
            continue;
        }
        let mut draft = Draft::new(
            change.address.clone(),
            format!(
                "{}: sensitive value(s) change at {}",
                change.address,
                changed
                    .iter()
                    .map(|path| format!("`{path}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
        for path in changed {
            draft = draft.with_evidence(Evidence {
                path,
                before: Some("(sensitive)".to_owned()),
                after: Some("(sensitive)".to_owned()),
            });
        }
        drafts.push(draft);
    }
    drafts
}

/// Paths the mask marks `true`.
/// The part of `value` the steps lead to.
fn at<'v>(value: &'v Value, steps: &[Step<'_>]) -> Option<&'v Value> {
    steps.iter().try_fold(value, |current, step| match step {
        Step::Key(key) => current.get(*key),
        Step::Index(index) => current.get(*index),
        // A mask names parts one by one: it is never a wildcard.
        Step::Each => None,
    })
}

/// Each part a mask marks: its path as shown, and the steps to it.
fn sensitive_paths<'m>(
    prefix: &str,
    steps: &mut Vec<Step<'m>>,
    mask: &'m Value,
    out: &mut Vec<(String, Vec<Step<'m>>)>,
) {
    match mask {
        Value::Bool(true) => out.push((
            if prefix.is_empty() {
                "(whole object)".to_owned()
            } else {
                prefix.to_owned()
            },
            steps.clone(),
        )),
        Value::Object(map) => {
            for (key, child) in map {
                let path = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                steps.push(Step::Key(key));
                sensitive_paths(&path, steps, child, out);
                steps.pop();
            }
        }
        Value::Array(items) => {
            for (index, child) in items.iter().enumerate() {
                steps.push(Step::Index(index));
                sensitive_paths(&format!("{prefix}[{index}]"), steps, child, out);
                steps.pop();
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::drafts;

    fn plan(new: &str) -> String {
        format!(
            r#"{{"format_version":"1.2","resource_changes":[{{"address":"terraform_data.c","type":"terraform_data","name":"c","change":{{"actions":["update"],"before":{{"input":"s3cr3t-old"}},"after":{{"input":"{new}"}},"before_sensitive":{{"input":true}},"after_sensitive":{{"input":true}}}}}}]}}"#
        )
    }

    #[test]
    fn a_key_spelled_like_a_path_is_followed_as_a_key() {
        let plan = r#"{"format_version":"1.2","resource_changes":[{"address":"aws_s3_bucket.b","type":"aws_s3_bucket","name":"b","change":{"actions":["update"],"before":{"tags":{"k[a0]":"old","k":["x"]}},"after":{"tags":{"k[a0]":"new","k":["x"]}},"before_sensitive":{"tags":{"k[a0]":true}},"after_sensitive":{"tags":{"k[a0]":true}}}}]}"#;
        let found = drafts("sensitive-change", "", plan);
        assert_eq!(found.len(), 1);
        assert!(
            found[0].message.contains("`tags.k[a0]`"),
            "{}",
            found[0].message
        );
    }

    #[test]
    fn changed_secret_is_named_not_shown() {
        let found = drafts("sensitive-change", "", &plan("s3cr3t-new"));
        assert_eq!(found.len(), 1);
        assert!(found[0].message.contains("`input`"));
        let all = format!("{:?}", found[0]);
        assert!(!all.contains("s3cr3t"), "{all}");
    }

    #[test]
    fn unchanged_secret_is_quiet() {
        assert!(drafts("sensitive-change", "", &plan("s3cr3t-old")).is_empty());
    }
}
