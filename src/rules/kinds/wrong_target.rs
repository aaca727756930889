//! `wrong-target`: the plan touches an account, project, subscription or
//! region outside the allow-list. An agent deploying to the wrong account
//! must be stopped before apply. Without an allow-list nothing fires.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::{RuleInput, managed};
use crate::model::Actions;
use crate::rules::{Draft, payload};

/// Allowed targets, `[targets]` of `blastwall.toml`; an empty list allows
/// anything. (No workspaces: plan JSON does not say which one it was made in.)
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Targets {
    pub accounts: Vec<String>,
    pub regions: Vec<String>,
    pub projects: Vec<String>,
    pub subscriptions: Vec<String>,
}

impl Targets {
    pub fn is_empty(&self) -> bool {
        self.accounts.is_empty()
            && self.regions.is_empty()
            && self.projects.is_empty()
            && self.subscriptions.is_empty()
    }
}

/// Each target found → whether every place it was found is marked
/// sensitive: such a target is still judged, but never printed (an
/// account read out of a sensitive ARN is a piece of a secret).
type Found = BTreeMap<String, bool>;

#[derive(Debug, Default)]
struct Seen {
    accounts: Found,
    regions: Found,
    projects: Found,
    subscriptions: Found,
}

fn insert(found: &mut Found, target: &str, sensitive: bool) {
    found
        .entry(target.to_owned())
        .and_modify(|only_sensitive| *only_sensitive &= sensitive)
        .or_insert(sensitive);
}

pub fn check(context: &RuleInput<'_, '_>) -> Vec<Draft> {
    let targets = context.targets;
    if targets.is_empty() {
        return Vec::new();
    }
    let mut drafts = Vec::new();
    for change in managed(context) {
        if change.change.actions == Actions::NoOp {
            continue;
        }
        let mut seen = Seen::default();
        for (payload, mask) in [
            (change.change.before, change.change.before_sensitive),
            (change.change.after, change.change.after_sensitive),
        ] {
            if let Some(value) = payload::parse(payload) {
                let mask = payload::parse(mask);
                collect(&value, None, mask.as_ref(), &mut seen);
            }
        }
        for (kind, found, allowed) in [
            ("account", &seen.accounts, &targets.accounts),
            ("region", &seen.regions, &targets.regions),
            ("project", &seen.projects, &targets.projects),
            ("subscription", &seen.subscriptions, &targets.subscriptions),
        ] {
            if allowed.is_empty() {
                continue;
            }
            let outside: BTreeSet<&str> = found
                .iter()
                .filter(|(item, _)| !allowed.contains(item))
                .map(|(item, only_sensitive)| {
                    if *only_sensitive {
                        "(a sensitive value)"
                    } else {
                        item.as_str()
                    }
                })
                .collect();
            if outside.is_empty() {
                continue;
            }
            drafts.push(Draft::new(
                change.address.clone(),
                format!(
                    "{} is in {kind} {} — not in the allowed {kind}s ({})",
                    change.address,
                    outside.into_iter().collect::<Vec<_>>().join(", "),
                    allowed.join(", ")
                ),
            ));
        }
    }
    if let Some(region) = provider_regions(context)
        .into_iter()
        .find(|region| !targets.regions.is_empty() && !targets.regions.contains(region))
    {
        drafts.push(Draft::new(
            super::plan_health::PLAN_ADDRESS,
            format!(
                "a provider is configured for region {region}, not in the allowed regions ({})",
                targets.regions.join(", ")
            ),
        ));
    }
    drafts
}

/// Accounts and regions in ARNs, GCP projects, Azure subscriptions.
/// `mask` is the part of the change's sensitivity mask beside `value`.
fn collect(value: &Value, key: Option<&str>, mask: Option<&Value>, seen: &mut Seen) {
    let sensitive = mask == Some(&Value::Bool(true));
    match value {
        Value::String(text) => {
            if let Some(rest) = text.strip_prefix("arn:") {
                let parts: Vec<&str> = rest.splitn(5, ':').collect();
                if parts.len() == 5 {
                    if parts[2].len() > 1 {
                        insert(&mut seen.regions, parts[2], sensitive);
                    }
                    if parts[3].len() == 12 && parts[3].chars().all(|c| c.is_ascii_digit()) {
                        insert(&mut seen.accounts, parts[3], sensitive);
                    }
                }
            }
            if let Some(id) = text
                .strip_prefix("/subscriptions/")
                .and_then(|rest| rest.split('/').next())
                .filter(|id| id.len() == 36)
            {
                insert(&mut seen.subscriptions, id, sensitive);
            }
            match key {
                Some("project") if !text.is_empty() => {
                    insert(&mut seen.projects, text, sensitive);
                }
                Some("region") if !text.is_empty() => {
                    insert(&mut seen.regions, text, sensitive);
                }
                Some("account_id" | "owner_id")
                    if text.len() == 12 && text.chars().all(|c| c.is_ascii_digit()) =>
                {
                    insert(&mut seen.accounts, text, sensitive);
                }
                _ => {}
            }
        }
        Value::Array(items) => items.iter().enumerate().for_each(|(index, item)| {
            let inner = if sensitive {
                mask
            } else {
                mask.and_then(|mask| mask.get(index))
            };
            collect(item, key, inner, seen);
        }),
        Value::Object(map) => map.iter().for_each(|(child_key, child)| {
            let inner = if sensitive {
                mask
            } else {
                mask.and_then(|mask| mask.get(child_key))
            };
            collect(child, Some(child_key), inner, seen);
        }),
        _ => {}
    }
}

fn provider_regions(context: &RuleInput<'_, '_>) -> Vec<String> {
    let Some(config) = context
        .plan
        .configuration
        .as_ref()
        .and_then(|configuration| payload::parse(configuration.provider_config))
    else {
        return Vec::new();
    };
    let mut regions: Vec<String> = config
        .as_object()
        .into_iter()
        .flat_map(|providers| providers.values())
        .filter_map(|provider| {
            provider
                .pointer("/expressions/region/constant_value")
                .and_then(Value::as_str)
        })
        .map(str::to_owned)
        .collect();
    regions.sort();
    regions.dedup();
    regions
}

#[cfg(test)]
mod tests {
    use super::super::testing::drafts_with;
    use super::*;

    const PLAN: &str = r#"{"format_version":"1.2","resource_changes":[{"address":"aws_iam_role.r","type":"aws_iam_role","name":"r","change":{"actions":["create"],"before":null,"after":{"arn":"arn:aws:iam::123456789012:role/r"}}}]}"#;

    #[test]
    fn account_outside_the_allow_list_fires() {
        let targets = Targets {
            accounts: vec!["999999999999".into()],
            ..Targets::default()
        };
        let found = drafts_with(&crate::rules::RuleKind::WrongTarget, PLAN, &targets);
        assert_eq!(found.len(), 1);
        assert!(found[0].message.contains("account 123456789012"));
    }

    #[test]
    fn allowed_account_or_no_allow_list_is_quiet() {
        let targets = Targets {
            accounts: vec!["123456789012".into()],
            ..Targets::default()
        };
        assert!(drafts_with(&crate::rules::RuleKind::WrongTarget, PLAN, &targets).is_empty());
        assert!(
            drafts_with(
                &crate::rules::RuleKind::WrongTarget,
                PLAN,
                &Targets::default()
            )
            .is_empty()
        );
    }

    /// An account read out of a value the change marks sensitive still
    /// fails the check, but is not printed: it is a piece of a secret,
    /// which the report's redaction (whole values only) did not see.
    #[test]
    fn a_target_inside_a_sensitive_value_is_judged_but_not_shown() {
        let plan = r#"{"format_version":"1.2","resource_changes":[{"address":"aws_ssm_parameter.p","type":"aws_ssm_parameter","name":"p","change":{"actions":["update"],"before":{"value":"arn:aws:iam::555544443333:role/a","tags":{"owner":"arn:aws:iam::777766665555:role/b"}},"after":{"value":"arn:aws:iam::555544443333:role/a","tags":{"owner":"x"},"owner_id":"123456789012"},"before_sensitive":{"value":true,"tags":{"owner":true}},"after_sensitive":{"value":true}}}]}"#;
        let targets = Targets {
            accounts: vec!["999999999999".into()],
            ..Targets::default()
        };
        let found = drafts_with(&crate::rules::RuleKind::WrongTarget, plan, &targets);
        assert_eq!(found.len(), 1);
        assert!(
            found[0]
                .message
                .contains("account (a sensitive value), 123456789012 — not in"),
            "{}",
            found[0].message
        );
        assert!(!found[0].message.contains("5555"), "{}", found[0].message);
    }
}
