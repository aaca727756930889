//! Whether destroying a data-bearing resource loses its data, judged from
//! the values in effect when the destroy runs: `change.before`, the prior
//! state. A plan that sets `skip_final_snapshot = false` in the same plan as
//! the replace takes no snapshot, so the new configuration never counts.
//!
//! What each type holds, which prior settings keep it, make the destroy fail
//! or lose it, and how to fix it, is data: `rules/retention/*.toml`. Code only
//! evaluates those conditions.

use std::collections::BTreeMap;

use rustc_hash::FxHashMap as HashMap;

use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;

use crate::model::data_files::{RuleError, Severity};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Retention {
    /// The data is gone after apply.
    Lost(String),
    /// The plan provably keeps the data (a final snapshot, a deletion window).
    Kept(String),
    /// The destroy will fail at apply with these prior values.
    DestroyFails(String),
}

/// A matcher for one prior-state attribute: a bare value means "equals".
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum Matcher {
    // Tried first: a table of tests; anything else is a value to equal.
    Test(Test),
    Equals(toml::Value),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Test {
    /// Present, not null, not an empty string or collection (or the opposite).
    set: Option<bool>,
    at_least: Option<f64>,
    at_most: Option<f64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    /// Every attribute path (dots; list indices as numbers) must match.
    #[serde(default)]
    when: BTreeMap<String, Matcher>,
    /// What it means; `{attribute}` is replaced by that prior number or boolean.
    says: String,
    /// How serious a destroy in this case is at most (a bucket that AWS
    /// refuses to delete while it holds objects; a secret restorable for days).
    at_most: Option<Severity>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Model {
    types: Vec<String>,
    /// Why a destroy loses nothing (the value lives in the configuration, or elsewhere).
    nothing_lost: Option<String>,
    /// What a destroy loses ("the database's rows").
    holds: Option<String>,
    /// Provider defaults for attributes the prior state may hold as null.
    #[serde(default)]
    defaults: BTreeMap<String, toml::Value>,
    #[serde(default)]
    fails: Vec<Case>,
    #[serde(default)]
    lost: Vec<Case>,
    #[serde(default)]
    keeps: Vec<Case>,
    /// Said when no case matches: the data is lost.
    otherwise: Option<String>,
    /// How to keep this type's data, for the data-loss finding.
    fix: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ModelFile {
    model: Vec<Model>,
}

/// The per-type data-loss model of every `rules/retention/*.toml`.
#[derive(Debug, Clone, Default)]
pub struct RetentionModel {
    models: Vec<Model>,
    by_type: HashMap<String, usize>,
}

const GENERIC_LOSS: &str = "nothing in the plan keeps its data";

impl RetentionModel {
    pub fn load<'f>(files: impl Iterator<Item = (&'f str, &'f str)>) -> Result<Self, RuleError> {
        let mut model = RetentionModel::default();
        for (path, text) in files {
            let file: ModelFile =
                toml::from_str(text).map_err(|error| RuleError::toml(path, text, &error))?;
            for entry in file.model {
                if entry.nothing_lost.is_some()
                    && (entry.holds.is_some() || !entry.keeps.is_empty() || !entry.lost.is_empty())
                {
                    return Err(RuleError::invalid(
                        path,
                        &format!(
                            "{}: a type whose value lives in the configuration holds no data to keep",
                            entry.types.join(", ")
                        ),
                    ));
                }
                let index = model.models.len();
                for resource_type in &entry.types {
                    if model.by_type.insert(resource_type.clone(), index).is_some() {
                        return Err(RuleError::invalid(
                            path,
                            &format!("`{resource_type}` has two data-loss models"),
                        ));
                    }
                }
                model.models.push(entry);
            }
        }
        Ok(model)
    }

    fn of(&self, resource_type: &str) -> Option<&Model> {
        self.by_type
            .get(resource_type)
            .map(|&index| &self.models[index])
    }

    /// Why destroying this type loses nothing, when its value is configuration.
    pub fn nothing_lost(&self, resource_type: &str) -> Option<&str> {
        self.of(resource_type)?.nothing_lost.as_deref()
    }

    /// The type's own advice on keeping its data.
    pub fn fix(&self, resource_type: &str) -> Option<&str> {
        self.of(resource_type)?.fix.as_deref()
    }

    /// What a destroy of this type loses, in words.
    pub fn holds(&self, resource_type: &str) -> &str {
        self.of(resource_type)
            .and_then(|model| model.holds.as_deref())
            .unwrap_or("its data")
    }

    /// What happens to the data, and the matching case's severity cap.
    /// `marked` is the object's sensitive mask (`before_sensitive`): a
    /// value it marks is not read, so that no sentence says what it is
    /// (`force_destroy is off`), and the worst case is taken for it: a
    /// case that keeps the data or fails the destroy does not count on it,
    /// and a case that loses the data counts as met.
    pub fn judge(
        &self,
        resource_type: &str,
        before: Option<&RawValue>,
        marked: Option<&RawValue>,
    ) -> (Retention, Option<Severity>) {
        // Prior values that are not an object prove nothing either: a
        // provider default applied to them could make a loss look refused.
        let Some(before) = before
            .and_then(|raw| serde_json::from_str::<Value>(raw.get()).ok())
            .filter(Value::is_object)
        else {
            return (
                Retention::Lost(
                    "the plan does not hold the prior values, so nothing shows the data is kept"
                        .to_owned(),
                ),
                None,
            );
        };
        let Some(model) = self.of(resource_type) else {
            return (Retention::Lost(GENERIC_LOSS.to_owned()), None);
        };
        let lookup = |path: &str| -> Option<Value> {
            let found = lookup(&before, path).filter(|value| !value.is_null());
            found.or_else(|| model.defaults.get(path).map(toml_to_json))
        };
        // Masks are `{}` for almost every object: parsed only when one marks.
        let mask = marked
            .filter(|mask| memchr::memmem::find(mask.get().as_bytes(), b"true").is_some())
            .and_then(|mask| serde_json::from_str::<Value>(mask.get()).ok());
        fn masked<'c>(mask: Option<&Value>, case: &'c Case) -> Option<&'c str> {
            let mask = mask?;
            case.when
                .keys()
                .find(|path| marks(mask, path))
                .map(String::as_str)
        }
        let unread = |path: &str| {
            format!(
                "`{path}` is marked sensitive, so blastwall does not read it and counts {} as lost",
                model.holds.as_deref().unwrap_or("its data")
            )
        };
        // The first case whose conditions all hold; a marked condition holds
        // when `marked_holds`, and then the case's sentence is not said.
        let first = |cases: &[Case], marked_holds: bool| {
            cases.iter().find_map(|case| {
                let marked_path = masked(mask.as_ref(), case);
                if marked_path.is_some() && !marked_holds {
                    return None;
                }
                let holds = case.when.iter().all(|(path, matcher)| {
                    (marked_path.is_some() && mask.as_ref().is_some_and(|mask| marks(mask, path)))
                        || matches(matcher, lookup(path).as_ref())
                });
                holds.then(|| match marked_path {
                    Some(path) => (unread(path), None),
                    None => (interpolate(&case.says, &lookup), case.at_most),
                })
            })
        };
        if let Some((says, cap)) = first(&model.fails, false) {
            return (Retention::DestroyFails(says), cap);
        }
        if let Some((says, cap)) = first(&model.lost, true) {
            return (Retention::Lost(says), cap);
        }
        if let Some((says, cap)) = first(&model.keeps, false) {
            return (Retention::Kept(says), cap);
        }
        // What is said when nothing keeps the data assumes the cases that
        // would have did not hold (`with point-in-time recovery off`): not
        // when one went unread.
        let unread_case = [&model.fails, &model.keeps]
            .into_iter()
            .flatten()
            .find_map(|case| masked(mask.as_ref(), case));
        let otherwise = match unread_case {
            Some(path) => unread(path),
            None => model
                .otherwise
                .clone()
                .unwrap_or_else(|| GENERIC_LOSS.to_owned()),
        };
        (Retention::Lost(otherwise), None)
    }
}

/// `a.b.0.c`: object members and list indices; single-element lists (the
/// shape of Terraform's nested blocks) are looked through when the segment
/// is not a number.
fn lookup(value: &Value, path: &str) -> Option<Value> {
    let mut current = value;
    for segment in path.split('.') {
        current = match current {
            Value::Object(map) => map.get(segment)?,
            Value::Array(items) => match segment.parse::<usize>() {
                Ok(index) => items.get(index)?,
                Err(_) if items.len() == 1 => items[0].as_object()?.get(segment)?,
                Err(_) => return None,
            },
            _ => return None,
        };
    }
    Some(current.clone())
}

/// Whether `mask` marks the value at `path` (as [`lookup`] finds it) or
/// any part of it.
fn marks(mask: &Value, path: &str) -> bool {
    let mut current = mask;
    for segment in path.split('.') {
        current = match current {
            Value::Bool(marked) => return *marked,
            Value::Object(map) => match map.get(segment) {
                Some(next) => next,
                None => return false,
            },
            Value::Array(items) => match segment.parse::<usize>() {
                Ok(index) => match items.get(index) {
                    Some(next) => next,
                    None => return false,
                },
                Err(_) if items.len() == 1 => match &items[0] {
                    Value::Bool(marked) => return *marked,
                    item => match item.get(segment) {
                        Some(next) => next,
                        None => return false,
                    },
                },
                Err(_) => return false,
            },
            _ => return false,
        };
    }
    super::masks::marks_any(current)
}

fn toml_to_json(value: &toml::Value) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

fn is_set(value: Option<&Value>) -> bool {
    match value {
        None | Some(Value::Null) => false,
        Some(Value::String(text)) => !text.is_empty(),
        Some(Value::Array(items)) => !items.is_empty(),
        Some(Value::Object(map)) => !map.is_empty(),
        Some(_) => true,
    }
}

fn matches(matcher: &Matcher, value: Option<&Value>) -> bool {
    match matcher {
        Matcher::Equals(expected) => {
            let expected = toml_to_json(expected);
            match (value, &expected) {
                (Some(Value::Number(a)), Value::Number(b)) => a.as_f64() == b.as_f64(),
                (Some(value), expected) => value == expected,
                (None, _) => false,
            }
        }
        Matcher::Test(test) => {
            let number = value.and_then(as_number);
            test.set.is_none_or(|wanted| is_set(value) == wanted)
                && test
                    .at_least
                    .is_none_or(|limit| number.is_some_and(|n| n >= limit))
                && test
                    .at_most
                    .is_none_or(|limit| number.is_some_and(|n| n <= limit))
        }
    }
}

fn as_number(value: &Value) -> Option<f64> {
    match value {
        Value::Number(number) => number.as_f64(),
        Value::String(text) => text.parse().ok(),
        _ => None,
    }
}

/// Fills `{attribute}` with the prior number or boolean; other values (strings
/// come from the plan and may be anything) are never copied into the text.
fn interpolate(template: &str, lookup: &dyn Fn(&str) -> Option<Value>) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let Some(end) = rest[start..].find('}') else {
            out.push_str(&rest[start..]);
            return out;
        };
        let name = &rest[start + 1..start + end];
        match lookup(name) {
            Some(Value::Number(number)) => out.push_str(&number.to_string()),
            Some(Value::Bool(flag)) => out.push_str(&flag.to_string()),
            _ => out.push_str(&rest[start..=start + end]),
        }
        rest = &rest[start + end + 1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(text: &str) -> Box<RawValue> {
        serde_json::from_str(text).unwrap()
    }

    fn builtin() -> RetentionModel {
        crate::rules::RuleSet::builtin()
            .unwrap()
            .classes
            .retention()
            .clone()
    }

    fn judge(resource_type: &str, before: &str) -> Retention {
        builtin().judge(resource_type, Some(&raw(before)), None).0
    }

    #[test]
    fn a_marked_value_is_not_read_and_the_worst_case_is_taken() {
        let judged = |resource_type: &str, before: &str, mask: &str| {
            builtin()
                .judge(resource_type, Some(&raw(before)), Some(&raw(mask)))
                .0
        };
        // force_destroy = false fails the delete, PITR on keeps a backup:
        // marked, neither counts, and no sentence says which it is.
        for (resource_type, before, mask, path) in [
            (
                "aws_s3_bucket",
                r#"{"bucket":"b","force_destroy":false}"#,
                r#"{"force_destroy":true}"#,
                "force_destroy",
            ),
            (
                "aws_dynamodb_table",
                r#"{"name":"t","point_in_time_recovery":[{"enabled":true}]}"#,
                r#"{"point_in_time_recovery":[{"enabled":true}]}"#,
                "point_in_time_recovery.0.enabled",
            ),
            (
                "aws_dynamodb_table",
                r#"{"name":"t","point_in_time_recovery":[{"enabled":true}]}"#,
                r#"{"point_in_time_recovery":true}"#,
                "point_in_time_recovery.0.enabled",
            ),
        ] {
            let Retention::Lost(why) = judged(resource_type, before, mask) else {
                panic!("{resource_type} {mask}: not lost");
            };
            assert!(
                why.starts_with(&format!("`{path}` is marked sensitive")),
                "{why}"
            );
            assert!(!why.contains(" on") && !why.contains(" off"), "{why}");
        }
        // A mask that marks something else changes nothing.
        assert!(matches!(
            judged(
                "aws_s3_bucket",
                r#"{"bucket":"b","force_destroy":false}"#,
                r#"{"tags":{"owner":true}}"#,
            ),
            Retention::DestroyFails(_)
        ));
    }

    #[test]
    fn rds_without_final_snapshot_loses_data() {
        assert!(matches!(
            judge(
                "aws_db_instance",
                r#"{"skip_final_snapshot":true,"deletion_protection":false}"#
            ),
            Retention::Lost(_)
        ));
    }

    #[test]
    fn rds_with_final_snapshot_keeps_data_and_protection_fails_the_destroy() {
        assert!(matches!(
            judge(
                "aws_db_instance",
                r#"{"skip_final_snapshot":false,"final_snapshot_identifier":"orders-final"}"#
            ),
            Retention::Kept(_)
        ));
        assert!(matches!(
            judge(
                "aws_db_instance",
                r#"{"skip_final_snapshot":true,"deletion_protection":true}"#
            ),
            Retention::DestroyFails(_)
        ));
    }

    #[test]
    fn bucket_depends_on_force_destroy() {
        assert!(matches!(
            judge("aws_s3_bucket", r#"{"force_destroy":true}"#),
            Retention::Lost(_)
        ));
        assert!(matches!(
            judge("aws_s3_bucket", r#"{"force_destroy":false}"#),
            Retention::DestroyFails(_)
        ));
    }

    #[test]
    fn a_table_deleted_with_point_in_time_recovery_on_keeps_a_system_backup() {
        let table = |enabled: bool| {
            format!(
                r#"{{"deletion_protection_enabled":false,"point_in_time_recovery":[{{"enabled":{enabled},"recovery_period_in_days":35}}]}}"#
            )
        };
        assert!(matches!(
            judge("aws_dynamodb_table", &table(true)),
            Retention::Kept(says) if says.contains("system backup")
        ));
        assert!(matches!(
            judge("aws_dynamodb_table", &table(false)),
            Retention::Lost(_)
        ));
    }

    #[test]
    fn secret_recovery_window_decides_and_is_quoted() {
        assert!(matches!(
            judge(
                "aws_secretsmanager_secret",
                r#"{"recovery_window_in_days":0}"#
            ),
            Retention::Lost(_)
        ));
        let Retention::Kept(says) = judge(
            "aws_secretsmanager_secret",
            r#"{"recovery_window_in_days":14}"#,
        ) else {
            panic!("a 14-day window keeps the secret")
        };
        assert!(says.contains("14 days"), "{says}");
        // null in state: the provider's default window (30 days) applies.
        let Retention::Kept(says) = judge(
            "aws_secretsmanager_secret",
            r#"{"recovery_window_in_days":null}"#,
        ) else {
            panic!("the default window keeps the secret")
        };
        assert!(says.contains("30 days"), "{says}");
    }

    #[test]
    fn configuration_values_are_not_data() {
        let model = builtin();
        for resource_type in [
            "aws_ssm_parameter",
            "aws_secretsmanager_secret_version",
            "google_secret_manager_secret_version",
        ] {
            assert!(
                model.nothing_lost(resource_type).is_some(),
                "{resource_type}"
            );
        }
        assert!(model.nothing_lost("aws_db_instance").is_none());
    }

    #[test]
    fn every_data_model_type_names_its_fix() {
        let model = builtin();
        for entry in &model.models {
            if entry.nothing_lost.is_none() {
                assert!(entry.fix.is_some(), "{:?} has no fix", entry.types);
                assert!(
                    entry.holds.is_some(),
                    "{:?} says nothing it holds",
                    entry.types
                );
            }
        }
    }

    #[test]
    fn prior_values_of_the_wrong_shape_are_not_proof_of_retention() {
        for before in ["\"x\"", "[]", "null", "1"] {
            assert!(
                matches!(judge("aws_s3_bucket", before), Retention::Lost(_)),
                "{before}"
            );
        }
    }

    #[test]
    fn missing_prior_values_are_not_proof_of_retention() {
        assert!(matches!(
            builtin().judge("aws_db_instance", None, None).0,
            Retention::Lost(_)
        ));
    }

    #[test]
    fn nested_blocks_are_looked_through() {
        let value: Value =
            serde_json::from_str(r#"{"settings":[{"deletion_protection_enabled":true}]}"#).unwrap();
        assert_eq!(
            lookup(&value, "settings.deletion_protection_enabled"),
            Some(Value::Bool(true))
        );
        assert_eq!(
            lookup(&value, "settings.0.deletion_protection_enabled"),
            Some(Value::Bool(true))
        );
    }
}
