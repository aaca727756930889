//! `attribute-transition`: an attribute moves to its unsafe side (a
//! protection switched off), in place or with a replace.

use serde::Deserialize;
use serde_json::Value;

use super::{RuleInput, managed};
use crate::model::Actions;
use crate::rules::{Draft, Evidence, payload};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    pub transitions: Vec<Transition>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Transition {
    /// Resource types; a trailing `*` matches a prefix.
    pub types: Vec<String>,
    /// Attribute path, e.g. `versioning_configuration[0].status`.
    pub path: String,
    /// Unsafe values: fires when the value becomes one of them.
    #[serde(default)]
    pub to: Vec<toml::Value>,
    /// Fires when a number decreases (deletion windows, retention days).
    #[serde(default)]
    pub decrease: bool,
    /// A number that, for `decrease`, means "without end" and so is above
    /// every other (a log group's `retention_in_days = 0` keeps events
    /// for ever: 0 -> 1 is a decrease).
    #[serde(default)]
    pub unlimited: Option<f64>,
    /// What the change means, for the message.
    pub meaning: String,
}

pub fn type_matches(patterns: &[String], resource_type: &str) -> bool {
    patterns
        .iter()
        .any(|pattern| match pattern.strip_suffix('*') {
            Some(prefix) => resource_type.starts_with(prefix),
            None => pattern == resource_type,
        })
}

pub fn check(params: &Params, context: &RuleInput<'_, '_>) -> Vec<Draft> {
    let mut drafts = Vec::new();
    for change in managed(context) {
        if !matches!(
            change.change.actions,
            Actions::Update | Actions::DeleteThenCreate | Actions::CreateThenDelete
        ) {
            continue;
        }
        let transitions: Vec<&Transition> = params
            .transitions
            .iter()
            .filter(|transition| type_matches(&transition.types, &change.resource_type))
            .collect();
        let paths = transitions
            .iter()
            .map(|transition| transition.path.as_str());
        if transitions.is_empty() || !payload::may_hold(change.change.after, paths) {
            continue;
        }
        let (Some(before), Some(after)) = (
            payload::parse(change.change.before),
            payload::parse(change.change.after),
        ) else {
            continue;
        };
        let masks = [
            payload::parse(change.change.before_sensitive),
            payload::parse(change.change.after_sensitive),
        ];
        // The prior state's object, parsed only when `before` differs from
        // it and would hide a transition (see below).
        let prior = std::cell::OnceCell::new();
        for transition in transitions {
            let unsafe_values: Vec<Value> = transition
                .to
                .iter()
                .filter_map(|value| serde_json::to_value(value).ok())
                .collect();
            let fires = |old: Option<&Value>, new: &Value| {
                let became_unsafe = unsafe_values.contains(new)
                    && old.is_some_and(|old| !unsafe_values.contains(old));
                let rank = |value: f64| {
                    if transition.unlimited == Some(value) {
                        f64::INFINITY
                    } else {
                        value
                    }
                };
                let decreased = transition.decrease
                    && matches!((old.and_then(Value::as_f64), new.as_f64()), (Some(old), Some(new)) if rank(new) < rank(old));
                became_unsafe || decreased
            };
            for (path, new) in payload::lookup(&after, &transition.path) {
                let old = payload::lookup(&before, &path)
                    .into_iter()
                    .next()
                    .map(|(_, value)| value);
                let mut edited = false;
                let old = if fires(old, new) {
                    old
                } else {
                    // Terraform writes `before` from the prior state's
                    // object: an agent that copies the new value into
                    // `before` alone hides the switch. The prior state
                    // still shows it, and then the plan was edited.
                    let prior = prior
                        .get_or_init(|| payload::parse(context.prior_objects.if_edited(change)));
                    let from_prior = prior
                        .as_ref()
                        .and_then(|prior| payload::lookup(prior, &path).into_iter().next())
                        .map(|(_, value)| value);
                    if !fires(from_prior, new) {
                        continue;
                    }
                    edited = true;
                    from_prior
                };
                let sensitive = masks
                    .iter()
                    .any(|mask| payload::is_sensitive(mask.as_ref(), &path));
                let show = |value: &Value| {
                    payload::shown(value, &path, sensitive, context.sensitive_values)
                };
                let mut message = format!(
                    "{}: `{path}` goes from {} to {} ({}): {}",
                    change.address,
                    old.map_or_else(|| "unset".to_owned(), show),
                    show(new),
                    change.change.actions.label(),
                    transition.meaning
                );
                if edited {
                    message.push_str(
                        " (so says the prior state; the change's `before` says otherwise, so the plan was edited)",
                    );
                }
                drafts.push(
                    Draft::new(change.address.clone(), message).with_evidence(Evidence {
                        path: path.clone(),
                        before: old.map(show),
                        after: Some(show(new)),
                    }),
                );
            }
        }
    }
    drafts
}

#[cfg(test)]
mod tests {
    use super::super::testing::drafts;

    const PARAMS: &str = r#"[[params.transitions]]
types = ["aws_db_instance", "aws_rds_*"]
path = "deletion_protection"
to = [false]
meaning = "it can be deleted"
[[params.transitions]]
types = ["aws_kms_key"]
path = "deletion_window_in_days"
decrease = true
meaning = "less time to undo"
"#;

    fn plan(resource_type: &str, before: &str, after: &str) -> String {
        format!(
            r#"{{"format_version":"1.2","resource_changes":[{{"address":"{resource_type}.x","type":"{resource_type}","name":"x","change":{{"actions":["update"],"before":{before},"after":{after}}}}}]}}"#
        )
    }

    #[test]
    fn protection_switched_off_fires() {
        let found = drafts(
            "attribute-transition",
            PARAMS,
            &plan(
                "aws_db_instance",
                r#"{"deletion_protection":true}"#,
                r#"{"deletion_protection":false}"#,
            ),
        );
        assert_eq!(found.len(), 1);
        assert!(
            found[0]
                .message
                .contains("`deletion_protection` goes from true to false"),
            "{}",
            found[0].message
        );
        let found = drafts(
            "attribute-transition",
            PARAMS,
            &plan(
                "aws_kms_key",
                r#"{"deletion_window_in_days":30}"#,
                r#"{"deletion_window_in_days":7}"#,
            ),
        );
        assert_eq!(found.len(), 1);
    }

    #[test]
    fn a_switch_hidden_by_editing_before_alone_is_found_in_the_prior_state() {
        // The agent copied the new `deletion_protection = false` into
        // `before`; the prior state it starts from still has it on.
        let with_prior = |prior: &str| {
            format!(
                r#"{{"format_version":"1.2","resource_changes":[{{"address":"aws_db_instance.x","mode":"managed","type":"aws_db_instance","name":"x","change":{{"actions":["update"],"before":{{"deletion_protection":false,"engine":"postgres"}},"after":{{"deletion_protection":false,"engine":"postgres"}}}}}}],"prior_state":{{"values":{{"root_module":{{"resources":[{{"address":"aws_db_instance.x","mode":"managed","type":"aws_db_instance","name":"x","values":{prior}}}]}}}}}}}}"#
            )
        };
        let found = drafts(
            "attribute-transition",
            PARAMS,
            &with_prior(r#"{"deletion_protection":true,"engine":"postgres"}"#),
        );
        assert_eq!(found.len(), 1);
        assert!(
            found[0]
                .message
                .contains("`deletion_protection` goes from true to false")
                && found[0].message.contains("so says the prior state"),
            "{}",
            found[0].message
        );
        // Protection already off in the prior state: nothing is switched.
        let found = drafts(
            "attribute-transition",
            PARAMS,
            &with_prior(r#"{"deletion_protection":false,"engine":"postgres"}"#),
        );
        assert!(found.is_empty(), "{:?}", found[0].message);
    }

    #[test]
    fn values_under_a_sensitivity_mask_are_not_shown() {
        let plan = r#"{"format_version":"1.2","resource_changes":[{"address":"aws_db_instance.x","type":"aws_db_instance","name":"x","change":{"actions":["update"],"before":{"deletion_protection":true},"after":{"deletion_protection":false},"before_sensitive":{"deletion_protection":true},"after_sensitive":{"deletion_protection":true}}}]}"#;
        let found = drafts("attribute-transition", PARAMS, plan);
        assert_eq!(found.len(), 1);
        assert!(
            found[0]
                .message
                .contains("goes from (sensitive) to (sensitive)"),
            "{}",
            found[0].message
        );
    }

    #[test]
    fn the_builtin_rule_sees_retention_cut_on_secrets_volumes_and_file_systems() {
        let rules = crate::rules::RuleSet::builtin().unwrap();
        let rule = rules
            .rules
            .iter()
            .find(|rule| rule.id == "protection-disabled")
            .unwrap();
        let fires = |resource_type: &str, before: &str, after: &str| {
            let plan = plan(resource_type, before, after);
            !super::super::testing::drafts_with(&rule.kind, &plan, &Default::default()).is_empty()
        };
        let window = |days: u32| format!(r#"{{"recovery_window_in_days":{days}}}"#);
        assert!(fires("aws_secretsmanager_secret", &window(30), &window(0)));
        assert!(!fires("aws_secretsmanager_secret", &window(7), &window(30)));
        assert!(fires(
            "aws_ebs_volume",
            r#"{"final_snapshot":true}"#,
            r#"{"final_snapshot":false}"#
        ));
        assert!(fires(
            "aws_fsx_lustre_file_system",
            r#"{"skip_final_backup":false}"#,
            r#"{"skip_final_backup":true}"#
        ));
        let recovery = |on: bool| format!(r#"{{"point_in_time_recovery":[{{"enabled":{on}}}]}}"#);
        assert!(fires(
            "aws_dynamodb_table",
            &recovery(true),
            &recovery(false)
        ));
        assert!(!fires(
            "aws_dynamodb_table",
            &recovery(false),
            &recovery(true)
        ));
        // Log retention: 0 keeps events for ever, so 0 -> 1 is a cut.
        let retention = |days: u32| format!(r#"{{"retention_in_days":{days}}}"#);
        assert!(fires(
            "aws_cloudwatch_log_group",
            &retention(0),
            &retention(1)
        ));
        assert!(fires(
            "aws_cloudwatch_log_group",
            &retention(3653),
            &retention(1)
        ));
        assert!(!fires(
            "aws_cloudwatch_log_group",
            &retention(1),
            &retention(0)
        ));
        assert!(!fires(
            "aws_cloudwatch_log_group",
            &retention(7),
            &retention(30)
        ));
    }

    #[test]
    fn protection_switched_on_is_quiet() {
        assert!(
            drafts(
                "attribute-transition",
                PARAMS,
                &plan(
                    "aws_db_instance",
                    r#"{"deletion_protection":false}"#,
                    r#"{"deletion_protection":true}"#
                )
            )
            .is_empty()
        );
        assert!(
            drafts(
                "attribute-transition",
                PARAMS,
                &plan(
                    "aws_rds_cluster",
                    r#"{"deletion_protection":false}"#,
                    r#"{"deletion_protection":false}"#
                )
            )
            .is_empty()
        );
    }
}
