//! `data-loss`: a data-bearing resource is destroyed and the values in
//! effect when the destroy runs (`change.before`) do not keep its data.

use super::RuleInput;
use crate::model::retention::Retention;
use crate::rules::{Draft, Evidence, payload};

/// Settings whose new value in the same plan does not protect the destroy.
const RETENTION_SETTINGS: &[&str] = &[
    "skip_final_snapshot",
    "final_snapshot_identifier",
    "deletion_protection",
    "deletion_protection_enabled",
    "force_destroy",
    "final_snapshot",
];

pub fn check(context: &RuleInput<'_, '_>) -> Vec<Draft> {
    if context.blast.data.is_empty() {
        return Vec::new();
    }
    // The change of each destroyed data store: a map of those few, not of
    // every change in the plan. The current object's change where there is
    // one; else a deposed object's, which the blast radius counts as lost
    // too (a current object rewritten as deposed, its change with it, hid
    // the finding while the data-loss threshold still fired).
    let stores: rustc_hash::FxHashSet<&str> = context
        .blast
        .data
        .iter()
        .map(|verdict| &*verdict.address)
        .collect();
    let mut changes: rustc_hash::FxHashMap<&str, &crate::model::ResourceChange<'_>> =
        rustc_hash::FxHashMap::default();
    for change in context
        .changes
        .iter()
        .filter(|change| stores.contains(&*change.address))
    {
        let entry = changes.entry(&*change.address).or_insert(change);
        if change.deposed.is_none() {
            *entry = change;
        }
    }
    context
        .blast
        .data
        .iter()
        .filter_map(|verdict| {
            let change = changes.get(&*verdict.address)?;
            let action = change.change.actions.label();
            // A destroy that keeps the data, or fails at apply, is
            // `data-store-destroyed`'s to report.
            let Retention::Lost(why) = &verdict.retention else {
                return None;
            };
            let mut draft = Draft::new(
                verdict.address.clone(),
                format!(
                    "{} is destroyed ({action}) and nothing keeps {}: {why}",
                    verdict.address,
                    context.classes.retention().holds(&change.resource_type)
                ),
            );
            draft.fix = context
                .classes
                .retention()
                .fix(&change.resource_type)
                .map(str::to_owned);
            let before = payload::parse(change.change.before);
            let after = payload::parse(change.change.after);
            let masks = [
                payload::parse(change.change.before_sensitive),
                payload::parse(change.change.after_sensitive),
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
                let sensitive = masks.iter().any(|mask| payload::is_sensitive(mask.as_ref(), setting));
                let show = |value: Option<&serde_json::Value>| {
                    value.map(|value| payload::shown(value, setting, sensitive, context.sensitive_values))
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

    /// As Terraform writes it: the prior state holds the object `before`
    /// was written from.
    fn db(before: &str, after: &str, actions: &str) -> String {
        format!(
            r#"{{"format_version":"1.2","resource_changes":[{{"address":"aws_db_instance.orders","type":"aws_db_instance","name":"orders","change":{{"actions":{actions},"before":{before},"after":{after}}}}}],"prior_state":{{"values":{{"root_module":{{"resources":[{{"address":"aws_db_instance.orders","mode":"managed","type":"aws_db_instance","name":"orders","values":{before}}}]}}}}}}}}"#
        )
    }

    #[test]
    fn a_snapshot_before_claims_without_a_prior_state_to_confirm_it_is_data_loss() {
        let kept = r#"{"skip_final_snapshot":false,"final_snapshot_identifier":"final"}"#;
        let without_prior_state = db(kept, "null", r#"["delete"]"#);
        let without_prior_state =
            &without_prior_state[..without_prior_state.find(r#","prior_state""#).unwrap()];
        let found = drafts("data-loss", "", &format!("{without_prior_state}}}"));
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0]
                .message
                .contains("no prior-state object to confirm it"),
            "{}",
            found[0].message
        );
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
            found[0]
                .message
                .contains("nothing keeps the database's rows"),
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
    fn final_snapshot_or_protection_in_prior_state_is_not_data_loss() {
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
        assert!(drafts("data-loss", "", &protected).is_empty());
    }

    #[test]
    fn the_fix_is_the_types_own() {
        let bucket = r#"{"format_version":"1.2","resource_changes":[{"address":"aws_s3_bucket.b","type":"aws_s3_bucket","name":"b","change":{"actions":["delete"],"before":{"force_destroy":true},"after":null}}]}"#;
        let found = drafts("data-loss", "", bucket);
        let fix = found[0].fix.as_deref().unwrap();
        assert!(fix.contains("force_destroy"), "{fix}");
        assert!(!fix.contains("final_snapshot"), "{fix}");
        let table = r#"{"format_version":"1.2","resource_changes":[{"address":"aws_dynamodb_table.t","type":"aws_dynamodb_table","name":"t","change":{"actions":["delete"],"before":{"deletion_protection_enabled":false},"after":null}}]}"#;
        let found = drafts("data-loss", "", table);
        let fix = found[0].fix.as_deref().unwrap();
        assert!(fix.contains("deletion_protection_enabled"), "{fix}");
        assert!(!fix.contains("final_snapshot"), "{fix}");
    }

    #[test]
    fn configuration_values_are_not_data_loss() {
        let plan = r#"{"format_version":"1.2","resource_changes":[
            {"address":"aws_ssm_parameter.p[0]","type":"aws_ssm_parameter","name":"p","index":0,"change":{"actions":["delete"],"before":{"value":"x"},"after":null},"action_reason":"delete_because_wrong_repetition"},
            {"address":"aws_secretsmanager_secret_version.v","type":"aws_secretsmanager_secret_version","name":"v","change":{"actions":["delete","create"],"before":{"secret_string":"a"},"after":{"secret_string":"b"}}}]}"#;
        assert!(drafts("data-loss", "", plan).is_empty());
    }
}
