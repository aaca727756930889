//! `data-loss`: a data-bearing resource is destroyed and the values in
//! effect when the destroy runs (`change.before`) do not keep its data.

use super::Context;
use crate::retention::Retention;
use crate::rules::{Draft, Evidence, Severity, values};

/// Settings whose new value in the same plan does not protect the destroy.
const RETENTION_SETTINGS: &[&str] = &[
    "skip_final_snapshot",
    "final_snapshot_identifier",
    "deletion_protection",
    "deletion_protection_enabled",
    "force_destroy",
    "final_snapshot",
];

pub fn check(context: &Context<'_, '_>) -> Vec<Draft> {
    context
        .blast
        .data
        .iter()
        .filter_map(|verdict| {
            let change = context.changes.iter().find(|change| change.address == verdict.address)?;
            let action = change.change.actions.label();
            let mut draft = match &verdict.retention {
                Retention::Lost(why) => Draft::new(
                    verdict.address.clone(),
                    format!("{} is destroyed ({action}) and its data is lost: {why}", verdict.address),
                ),
                Retention::DestroyFails(why) => {
                    let mut draft = Draft::new(
                        verdict.address.clone(),
                        format!("{} is to be destroyed ({action}), but the apply will fail: {why}", verdict.address),
                    );
                    draft.at_most = Some(Severity::Info);
                    draft
                }
                Retention::Kept(_) => return None,
            };
            let before = values::parse(change.change.before);
            let after = values::parse(change.change.after);
            let masks = [
                values::parse(change.change.before_sensitive),
                values::parse(change.change.after_sensitive),
            ];
            for setting in RETENTION_SETTINGS {
                let old = before.as_ref().and_then(|value| value.get(*setting)).filter(|value| !value.is_null());
                let new = after.as_ref().and_then(|value| value.get(*setting)).filter(|value| !value.is_null());
                if old.is_none() && new.is_none() {
                    continue;
                }
                if old != new && new.is_some() {
                    draft.message.push_str(&format!(
                        " (the new `{setting}` applies only to the replacement, not to this destroy)"
                    ));
                }
                let sensitive = masks.iter().any(|mask| values::is_sensitive(mask.as_ref(), setting));
                let show = |value: Option<&serde_json::Value>| {
                    value.map(|value| values::shown(value, setting, sensitive, context.sensitive_values))
                };
                draft = draft.with_evidence(Evidence {
                    path: (*setting).to_owned(),
                    before: show(old),
                    after: show(new),
                });
            }
            Some(draft)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::testing::drafts;

    fn db(before: &str, after: &str, actions: &str) -> String {
        format!(
            r#"{{"format_version":"1.2","resource_changes":[{{"address":"aws_db_instance.orders","type":"aws_db_instance","name":"orders","change":{{"actions":{actions},"before":{before},"after":{after}}}}}]}}"#
        )
    }

    #[test]
    fn replace_judged_from_prior_values_not_the_new_config() {
        let plan = db(
            r#"{"skip_final_snapshot":true,"deletion_protection":false}"#,
            r#"{"skip_final_snapshot":false,"final_snapshot_identifier":"final","deletion_protection":false}"#,
            r#"["delete","create"]"#,
        );
        let found = drafts("data-loss", "", &plan);
        assert_eq!(found.len(), 1);
        assert!(
            found[0].message.contains("data is lost"),
            "{}",
            found[0].message
        );
        assert!(
            found[0].message.contains("applies only to the replacement"),
            "{}",
            found[0].message
        );
    }

    #[test]
    fn final_snapshot_in_prior_state_is_quiet_and_protection_is_noted() {
        let kept = db(
            r#"{"skip_final_snapshot":false,"final_snapshot_identifier":"final"}"#,
            "null",
            r#"["delete"]"#,
        );
        assert!(drafts("data-loss", "", &kept).is_empty());
        let protected = db(
            r#"{"skip_final_snapshot":true,"deletion_protection":true}"#,
            "null",
            r#"["delete"]"#,
        );
        let found = drafts("data-loss", "", &protected);
        assert_eq!(found[0].at_most, Some(crate::rules::Severity::Info));
        assert!(found[0].message.contains("apply will fail"));
    }
}
