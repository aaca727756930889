//! `sensitive-change`: a value marked sensitive changes. The finding names
//! the attribute path and never the value.

use serde_json::Value;

use super::{RuleInput, managed};
use crate::model::Actions;
use crate::rules::{Draft, Evidence, payload};

pub fn check(context: &RuleInput<'_, '_>) -> Vec<Draft> {
    let mut drafts = Vec::new();
    for change in managed(context) {
        if !matches!(
            change.change.actions,
            Actions::Update | Actions::DeleteThenCreate | Actions::CreateThenDelete
        ) {
            continue;
        }
        let mut paths = Vec::new();
        for mask in [
            change.change.before_sensitive,
            change.change.after_sensitive,
        ] {
            // A mask marks a value sensitive with `true`, which JSON spells
            // one way only: a mask without it marks nothing.
            if let Some(mask) = payload::parse(mask.filter(|mask| mask.get().contains("true"))) {
                sensitive_paths("", &mask, &mut paths);
            }
        }
        paths.sort();
        paths.dedup();
        if paths.is_empty() {
            continue;
        }
        let before = payload::parse(change.change.before).unwrap_or(Value::Null);
        let after = payload::parse(change.change.after).unwrap_or(Value::Null);
        let changed: Vec<String> = paths
            .into_iter()
            .filter(|path| {
                let old = payload::lookup(&before, path)
                    .into_iter()
                    .next()
                    .map(|(_, value)| value);
                let new = payload::lookup(&after, path)
                    .into_iter()
                    .next()
                    .map(|(_, value)| value);
                old != new
            })
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
fn sensitive_paths(prefix: &str, mask: &Value, out: &mut Vec<String>) {
    match mask {
        Value::Bool(true) => out.push(if prefix.is_empty() {
            "(whole object)".to_owned()
        } else {
            prefix.to_owned()
        }),
        Value::Object(map) => {
            for (key, child) in map {
                let path = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                sensitive_paths(&path, child, out);
            }
        }
        Value::Array(items) => {
            for (index, child) in items.iter().enumerate() {
                sensitive_paths(&format!("{prefix}[{index}]"), child, out);
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
