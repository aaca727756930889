//! Dependencies inferred from values: an attribute of one instance that
//! equals the identity (`id`, `arn`, `self_link`, a name that identifies it)
//! of another. This finds what configuration no longer says — functions that
//! use a role by its hard-coded ARN — and dependencies through data sources.
//!
//! Payloads are scanned without building trees: a plan of 100k resources is
//! mostly attribute payload.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use serde_json::value::RawValue;

/// Attributes that identify the object that holds them, for any type.
const IDENTITY_ATTRIBUTES: &[&str] = &["id", "arn", "self_link", "unique_id"];

/// Name-like attributes that identify an object of these types (type
/// prefix, attribute). Kept to names that are unique in their namespace.
const NAMED_IDENTITIES: &[(&str, &str)] = &[
    ("aws_s3_bucket", "bucket"),
    ("aws_db_instance", "identifier"),
    ("aws_db_instance", "address"),
    ("aws_db_instance", "endpoint"),
    ("aws_rds_cluster", "endpoint"),
    ("aws_rds_cluster", "cluster_identifier"),
    ("aws_lambda_function", "function_name"),
    ("aws_iam_role", "name"),
    ("aws_iam_policy", "name"),
    ("aws_iam_user", "name"),
    ("aws_iam_instance_profile", "name"),
    ("aws_sqs_queue", "url"),
    ("aws_lb", "dns_name"),
    (
        "aws_elasticache_replication_group",
        "primary_endpoint_address",
    ),
    ("google_service_account", "email"),
    ("google_storage_bucket", "url"),
    ("azurerm_", "name"),
];

/// Top-level attributes that hold an object's own names and labels: equal
/// to another object's name by naming convention, not by dependency.
const NAMING_ATTRIBUTES: &[&str] = &[
    "name",
    "name_prefix",
    "description",
    "tags",
    "tags_all",
    "labels",
];

/// Attributes the provider computes from other objects (a role's inline
/// policies, the policy ARNs attached to it, the tags merged from the
/// provider): they echo what depends on the holder, so they never name a
/// dependency of it. Used when the configuration cannot say which arguments
/// are set (no `configuration`, or a resource already removed from it).
const COMPUTED_ATTRIBUTES: &[&str] = &["inline_policy", "managed_policy_arns", "tags_all"];

/// Identity values shorter than this are too likely to collide ("main", "1").
const MIN_IDENTITY_LENGTH: usize = 8;
/// A value that identifies more objects than this is not an identity.
const MAX_OWNERS: usize = 2;

pub fn identity_attributes(resource_type: &str) -> impl Iterator<Item = &'static str> + '_ {
    IDENTITY_ATTRIBUTES.iter().copied().chain(
        NAMED_IDENTITIES
            .iter()
            .filter(move |(prefix, _)| resource_type.starts_with(prefix))
            .map(|(_, attribute)| *attribute),
    )
}

/// Identity value → the nodes (by index) whose identity it is.
#[derive(Default)]
pub struct IdentityIndex<'t> {
    owners: HashMap<Cow<'t, str>, Vec<usize>>,
}

impl<'t> IdentityIndex<'t> {
    pub fn add(&mut self, node: usize, resource_type: &str, values: &'t RawValue) {
        let wanted: Vec<&str> = identity_attributes(resource_type).collect();
        for value in top_level_strings(values, &wanted) {
            if value.len() < MIN_IDENTITY_LENGTH {
                continue;
            }
            let owners = self.owners.entry(value).or_default();
            if !owners.contains(&node) {
                owners.push(node);
            }
        }
    }

    /// Calls `found(owner)` for every node other than `node` whose identity
    /// appears as a value in `values` (outside `node`'s own identity
    /// attributes). With `configured`, only those top-level arguments (the
    /// ones the configuration sets) are looked at.
    pub fn scan(
        &self,
        node: usize,
        resource_type: &str,
        values: &RawValue,
        configured: Option<&HashSet<String>>,
        found: &mut dyn FnMut(usize),
    ) {
        if self.owners.is_empty() {
            return;
        }
        let own: Vec<&str> = identity_attributes(resource_type)
            .chain(NAMING_ATTRIBUTES.iter().copied())
            .collect();
        let mut visit = |value: &str| {
            if value.len() < MIN_IDENTITY_LENGTH {
                return;
            }
            if let Some(owners) = self.owners.get(value) {
                let others: Vec<usize> = owners
                    .iter()
                    .copied()
                    .filter(|owner| *owner != node)
                    .collect();
                if !others.is_empty() && others.len() <= MAX_OWNERS {
                    others.into_iter().for_each(&mut *found);
                }
            }
        };
        super::strings::walk(
            values,
            &|key, depth| {
                depth == 0
                    && (own.contains(&key)
                        || configured
                            .map_or(COMPUTED_ATTRIBUTES.contains(&key), |set| !set.contains(key)))
            },
            &mut |_, value| visit(value),
        );
    }
}

/// String values of the named top-level keys of a JSON object.
fn top_level_strings<'t>(values: &'t RawValue, keys: &[&str]) -> Vec<Cow<'t, str>> {
    let Ok(map) = serde_json::from_str::<HashMap<Cow<'t, str>, &'t RawValue>>(values.get()) else {
        return Vec::new();
    };
    keys.iter()
        .filter_map(|key| map.get(*key))
        .filter_map(|raw| serde_json::from_str::<Cow<'t, str>>(raw.get()).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(text: &str) -> Box<RawValue> {
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn hard_coded_arn_is_found_and_own_identity_is_not() {
        let role =
            raw(r#"{"arn":"arn:aws:iam::123456789012:role/app","id":"app-role-1","name":"app"}"#);
        let function = raw(
            r#"{"arn":"arn:aws:lambda:us-east-1:123456789012:function:f","role":"arn:aws:iam::123456789012:role/app","environment":[{"variables":{"X":"y"}}]}"#,
        );
        let mut index = IdentityIndex::default();
        index.add(0, "aws_iam_role", &role);
        index.add(1, "aws_lambda_function", &function);
        let mut found = Vec::new();
        index.scan(1, "aws_lambda_function", &function, None, &mut |owner| {
            found.push(owner)
        });
        assert_eq!(found, [0]);
        found.clear();
        index.scan(0, "aws_iam_role", &role, None, &mut |owner| {
            found.push(owner)
        });
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn computed_and_unconfigured_attributes_name_no_dependency() {
        let policy = raw(r#"{"id":"app-role:app-inline-policy","name":"app-inline-policy"}"#);
        let role = raw(
            r#"{"arn":"arn:aws:iam::123456789012:role/app","name":"app-role","inline_policy":[{"name":"app-inline-policy","policy":"{}"}],"description":"app-role:app-inline-policy"}"#,
        );
        let mut index = IdentityIndex::default();
        index.add(0, "aws_iam_role_policy", &policy);
        index.add(1, "aws_iam_role", &role);
        let mut found = Vec::new();
        // No configuration: the computed `inline_policy` is skipped by name.
        index.scan(1, "aws_iam_role", &role, None, &mut |owner| {
            found.push(owner)
        });
        assert!(found.is_empty(), "{found:?}");
        // With configuration: only the arguments it sets are looked at.
        let configured: HashSet<String> = ["name".to_owned()].into();
        let function = raw(r#"{"role":"arn:aws:iam::123456789012:role/app","name":"f"}"#);
        index.scan(
            2,
            "aws_lambda_function",
            &function,
            Some(&configured),
            &mut |owner| found.push(owner),
        );
        assert!(found.is_empty(), "`role` is not configured: {found:?}");
        let configured: HashSet<String> = ["role".to_owned()].into();
        index.scan(
            2,
            "aws_lambda_function",
            &function,
            Some(&configured),
            &mut |owner| found.push(owner),
        );
        assert_eq!(found, [1]);
    }

    #[test]
    fn short_values_are_not_identities() {
        let a = raw(r#"{"id":"main"}"#);
        let b = raw(r#"{"tags":{"Name":"main"}}"#);
        let mut index = IdentityIndex::default();
        index.add(0, "aws_vpc", &a);
        let mut found = Vec::new();
        index.scan(1, "aws_subnet", &b, None, &mut |owner| found.push(owner));
        assert!(found.is_empty());
    }
}
