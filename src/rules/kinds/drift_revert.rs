//! `drift-revert`: the plan undoes changes made outside Terraform (recorded
//! in `resource_drift`): someone fixed something by hand and apply puts it back.

use super::RuleInput;
use crate::model::Actions;
use crate::rules::{Draft, Evidence, payload};

pub fn check(context: &RuleInput<'_, '_>) -> Vec<Draft> {
    let mut drafts = Vec::new();
    let updated_outside: Vec<_> = context
        .plan
        .resource_drift
        .iter()
        .filter(|drift| drift.change.actions == Actions::Update)
        .collect();
    if updated_outside.is_empty() {
        return drafts;
    }
    // Each drift entry's planned change, by address (the first, as a scan
    // would find): a scan per drift entry was quadratic at 300k resources.
    let mut change_of: rustc_hash::FxHashMap<&str, &crate::model::ResourceChange<'_>> =
        rustc_hash::FxHashMap::default();
    for change in context.changes {
        change_of.entry(&*change.address).or_insert(change);
    }
    for drift in updated_outside {
        let Some(&change) = change_of.get(&*drift.address) else {
            continue;
        };
        if !matches!(
            change.change.actions,
            Actions::Update | Actions::DeleteThenCreate | Actions::CreateThenDelete
        ) {
            continue;
        }
        let (Some(recorded), Some(outside), Some(planned)) = (
            payload::parse(drift.change.before),
            payload::parse(drift.change.after),
            payload::parse(change.change.after),
        ) else {
            continue;
        };
        let (Some(recorded), Some(outside), Some(planned)) = (
            recorded.as_object(),
            outside.as_object(),
            planned.as_object(),
        ) else {
            continue;
        };
        // Shown values come from the drift and from the change: a mark in
        // any of their masks hides the value.
        let masks = [
            drift.change.before_sensitive,
            drift.change.after_sensitive,
            change.change.before_sensitive,
            change.change.after_sensitive,
        ]
        .map(payload::parse);
        let mut reverted = Vec::new();
        let null = serde_json::Value::Null;
        for (key, now) in outside {
            let was = recorded.get(key).unwrap_or(&null);
            if payload::equivalent(was, now) {
                continue;
            }
            // Changed outside, and the plan writes the recorded value back.
            if let Some(back) = planned.get(key)
                && payload::equivalent(back, was)
                && !payload::equivalent(back, now)
            {
                reverted.push(key.clone());
            }
        }
        if reverted.is_empty() {
            continue;
        }
        let mut draft = Draft::new(
            change.address.clone(),
            format!(
                "{} was changed outside Terraform ({}) and this plan changes it back",
                change.address,
                reverted
                    .iter()
                    .map(|key| format!("`{key}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
        for key in reverted {
            let sensitive = masks
                .iter()
                .any(|mask| payload::is_sensitive(mask.as_ref(), &key));
            let show = |value: Option<&serde_json::Value>| {
                value.map(|value| payload::shown(value, &key, sensitive, context.sensitive_values))
            };
            draft = draft.with_evidence(Evidence {
                before: show(outside.get(&key)),
                after: show(planned.get(&key)),
                path: key,
            });
        }
        drafts.push(draft);
    }
    drafts
}

#[cfg(test)]
mod tests {
    use super::super::testing::drafts;

    fn plan(planned_tag: &str) -> String {
        format!(
            r#"{{"format_version":"1.2",
            "resource_drift":[{{"address":"aws_s3_bucket.b","type":"aws_s3_bucket","name":"b","change":{{"actions":["update"],"before":{{"tags":{{"owner":"team-a"}}}},"after":{{"tags":{{"owner":"team-b"}}}}}}}}],
            "resource_changes":[{{"address":"aws_s3_bucket.b","type":"aws_s3_bucket","name":"b","change":{{"actions":["update"],"before":{{"tags":{{"owner":"team-b"}}}},"after":{{"tags":{{"owner":"{planned_tag}"}}}}}}}}]}}"#
        )
    }

    #[test]
    fn reverting_an_out_of_band_change_fires() {
        let found = drafts("drift-revert", "", &plan("team-a"));
        assert_eq!(found.len(), 1);
        assert!(found[0].message.contains("`tags`"));
    }

    #[test]
    fn adopting_the_out_of_band_change_is_quiet() {
        assert!(drafts("drift-revert", "", &plan("team-c")).is_empty());
    }

    /// Terraform marks a map element from a sensitive variable inside the
    /// map (`{"tags":{"owner":true}}`), in the drift's masks as in the
    /// change's: the map shown whole would show it.
    #[test]
    fn a_map_with_a_sensitive_element_is_not_shown() {
        for (section, mask) in [
            ("resource_drift", "after_sensitive"),
            ("resource_drift", "before_sensitive"),
            ("resource_changes", "after_sensitive"),
            ("resource_changes", "before_sensitive"),
        ] {
            let mut plan: serde_json::Value = serde_json::from_str(&plan("team-a")).unwrap();
            plan[section][0]["change"][mask] = serde_json::json!({"tags": {"owner": true}});
            let found = drafts("drift-revert", "", &plan.to_string());
            assert_eq!(found.len(), 1, "{section} {mask}");
            let evidence = format!("{:?}", found[0].evidence);
            assert!(!evidence.contains("team-"), "{section} {mask}: {evidence}");
            assert!(
                evidence.contains("(sensitive)"),
                "{section} {mask}: {evidence}"
            );
        }
    }
}
