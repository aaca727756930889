//! `replace-order`: a resource that serves traffic is destroyed before its
//! replacement exists (`["delete","create"]`), where create-before-destroy
//! would keep it serving.

use serde::Deserialize;

use super::{RuleInput, managed};
use crate::model::Actions;
use crate::rules::{Draft, payload};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    pub classes: Vec<String>,
    /// Types of those classes that serve nothing themselves (a launch
    /// template is read when an instance starts): only a launch in between
    /// fails, so the finding is worth at most `low`.
    #[serde(default)]
    pub except_types: Vec<String>,
}

pub fn check(params: &Params, context: &RuleInput<'_, '_>) -> Vec<Draft> {
    managed(context)
        .filter(|change| change.change.actions == Actions::DeleteThenCreate)
        .filter_map(|change| {
            let class = context.classes.class_of(&change.resource_type);
            if !params.classes.iter().any(|wanted| wanted == class) {
                return None;
            }
            if params.except_types.iter().any(|except| *except == change.resource_type) {
                let mut draft = Draft::new(
                    change.address.clone(),
                    format!(
                        "{} is destroyed before its replacement is created: nothing serves from it, but anything launched from it in between fails",
                        change.address
                    ),
                );
                draft.at_most = Some(crate::rules::Severity::Low);
                return Some(draft);
            }
            let fixed_name = payload::parse(change.change.after)
                .and_then(|after| after.get("name").and_then(|name| name.as_str()).map(str::to_owned))
                .is_some();
            let mut message = format!(
                "{} ({class}) is destroyed before its replacement is created: it serves nothing in between",
                change.address
            );
            if fixed_name {
                message.push_str("; its fixed `name` must become `name_prefix` (or change) for create_before_destroy to work");
            }
            Some(Draft::new(change.address.clone(), message))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::testing::drafts;

    fn plan(actions: &str) -> String {
        format!(
            r#"{{"format_version":"1.2","resource_changes":[{{"address":"aws_lb_target_group.web","type":"aws_lb_target_group","name":"web","change":{{"actions":{actions},"before":{{"name":"web"}},"after":{{"name":"web"}}}}}}]}}"#
        )
    }

    #[test]
    fn templates_serve_nothing() {
        let plan = r#"{"format_version":"1.2","resource_changes":[{"address":"aws_launch_template.api","type":"aws_launch_template","name":"api","change":{"actions":["delete","create"],"before":{"name":"api"},"after":{"name":"api"}}}]}"#;
        let params = "[params]\nclasses = [\"compute\"]\nexcept_types = [\"aws_launch_template\"]";
        let found = drafts("replace-order", params, plan);
        assert_eq!(found[0].at_most, Some(crate::rules::Severity::Low));
        assert_eq!(
            drafts("replace-order", "[params]\nclasses = [\"compute\"]", plan).len(),
            1
        );
    }

    #[test]
    fn destroy_first_replace_of_edge_fires() {
        let found = drafts(
            "replace-order",
            "[params]\nclasses = [\"edge\", \"compute\"]",
            &plan(r#"["delete","create"]"#),
        );
        assert_eq!(found.len(), 1);
        assert!(found[0].message.contains("name_prefix"));
    }

    #[test]
    fn create_before_destroy_is_quiet() {
        assert!(
            drafts(
                "replace-order",
                "[params]\nclasses = [\"edge\"]",
                &plan(r#"["create","delete"]"#)
            )
            .is_empty()
        );
    }
}
