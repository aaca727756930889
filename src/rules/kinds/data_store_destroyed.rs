//! `data-store-destroyed`: a data store is deleted or replaced although its
//! data is kept (a final snapshot, a recovery window) or the destroy will fail
//! at apply. Nothing is lost for good, but a replacement starts empty:
//! restoring is manual and whatever uses the store has no data meanwhile.

use serde::Deserialize;

use super::RuleInput;
use crate::model::Actions;
use crate::model::retention::Retention;
use crate::rules::Draft;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// The fix of a destroy that will fail at apply. Each type's own fix
    /// says how to keep its data (turn deletion protection on), which is
    /// already so when the destroy fails because of it.
    pub destroy_fails_fix: Option<String>,
}

pub fn check(params: &Params, context: &RuleInput<'_, '_>) -> Vec<Draft> {
    let model = context.classes.retention();
    context
        .blast
        .data
        .iter()
        .filter_map(|verdict| {
            let actions = verdict.actions;
            let action = actions.label();
            let holds = model.holds(&verdict.resource_type);
            let address = &verdict.address;
            let message = match (&verdict.retention, actions) {
                (Retention::Lost(_), _) => return None,
                (Retention::DestroyFails(why), _) => format!(
                    "{address} is to be destroyed ({action}), but the apply will fail: {why}"
                ),
                (Retention::Kept(how), Actions::DeleteThenCreate) => format!(
                    "{address} is replaced, destroyed first: the new one starts without {holds} ({how}); it is down until it is recreated and restoring is manual"
                ),
                (Retention::Kept(how), actions) if actions.is_replace() => format!(
                    "{address} is replaced: the new one starts without {holds} ({how}); restoring into it is manual"
                ),
                (Retention::Kept(how), _) => {
                    format!("{address} is deleted ({action}); what is kept of {holds}: {how}")
                }
            };
            let mut draft = Draft::new(address.clone(), message);
            draft.at_most = verdict.at_most;
            draft.fix = match (&verdict.retention, &params.destroy_fails_fix) {
                (Retention::DestroyFails(_), Some(fix)) => Some(fix.clone()),
                _ => model.fix(&verdict.resource_type).map(str::to_owned),
            };
            Some(draft)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::testing::drafts;

    /// As Terraform writes it: the prior state holds the object `before`
    /// was written from.
    fn db(before: &str, actions: &str) -> String {
        format!(
            r#"{{"format_version":"1.2","resource_changes":[{{"address":"aws_db_instance.orders","type":"aws_db_instance","name":"orders","change":{{"actions":{actions},"before":{before},"after":null}}}}],"prior_state":{{"values":{{"root_module":{{"resources":[{{"address":"aws_db_instance.orders","mode":"managed","type":"aws_db_instance","name":"orders","values":{before}}}]}}}}}}}}"#
        )
    }

    const SNAPSHOT: &str = r#"{"skip_final_snapshot":false,"final_snapshot_identifier":"final"}"#;

    #[test]
    fn replacing_a_database_with_a_final_snapshot_is_a_finding() {
        let found = drafts(
            "data-store-destroyed",
            "",
            &db(SNAPSHOT, r#"["delete","create"]"#),
        );
        assert_eq!(found.len(), 1);
        assert!(
            found[0]
                .message
                .contains("starts without the database's rows"),
            "{}",
            found[0].message
        );
        assert!(
            found[0].message.contains("down until"),
            "{}",
            found[0].message
        );
    }

    #[test]
    fn deleting_a_database_with_a_final_snapshot_says_what_is_kept() {
        let found = drafts("data-store-destroyed", "", &db(SNAPSHOT, r#"["delete"]"#));
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].message,
            "aws_db_instance.orders is deleted (delete); what is kept of the database's rows: a final snapshot is taken (skip_final_snapshot = false, final_snapshot_identifier set); restoring it is manual"
        );
    }

    #[test]
    fn certain_loss_is_left_to_data_loss_and_protection_is_said() {
        let lost = db(r#"{"skip_final_snapshot":true}"#, r#"["delete"]"#);
        assert!(drafts("data-store-destroyed", "", &lost).is_empty());
        let protected = db(r#"{"deletion_protection":true}"#, r#"["delete"]"#);
        let found = drafts("data-store-destroyed", "", &protected);
        assert!(
            found[0].message.contains("apply will fail"),
            "{}",
            found[0].message
        );
    }

    #[test]
    fn configuration_values_are_not_data_stores() {
        let plan = r#"{"format_version":"1.2","resource_changes":[{"address":"aws_ssm_parameter.p","type":"aws_ssm_parameter","name":"p","change":{"actions":["delete","create"],"before":{"value":"a"},"after":{"value":"b"}}}]}"#;
        assert!(drafts("data-store-destroyed", "", plan).is_empty());
    }

    #[test]
    fn a_destroy_that_will_fail_has_its_own_fix_not_the_types_retention_fix() {
        let protected = r#"{"skip_final_snapshot":true,"deletion_protection":true}"#;
        let params = "[params]\ndestroy_fails_fix = \"put its resource block back\"";
        let found = drafts(
            "data-store-destroyed",
            params,
            &db(protected, r#"["delete"]"#),
        );
        assert_eq!(found.len(), 1);
        assert!(
            found[0].message.contains("will fail"),
            "{}",
            found[0].message
        );
        assert_eq!(found[0].fix.as_deref(), Some("put its resource block back"));
        // A destroy that keeps the data has the type's own fix.
        let kept = drafts(
            "data-store-destroyed",
            params,
            &db(SNAPSHOT, r#"["delete"]"#),
        );
        assert_ne!(kept[0].fix.as_deref(), Some("put its resource block back"));
    }
}
