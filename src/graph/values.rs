//! Dependencies inferred from values: an attribute of one instance that
//! equals the identity (`id`, `arn`, `self_link`, a name that identifies it)
//! of another. This finds what configuration no longer says — functions that
//! use a role by its hard-coded ARN — and dependencies through data sources.
//!
//! Payloads are scanned without building trees: a plan of 100k resources is
//! mostly attribute payload.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::borrow::Cow;

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

/// Types whose `id` is unique only inside a parent object: an S3 object's
/// is its key (`config/app.json` in every bucket), a Lambda permission's
/// its statement id. Equal to another object's value, it names no
/// dependency: an object was read as disrupted by the delete of another
/// bucket's object with the same key.
const SCOPED_IDS: &[&str] = &[
    "aws_s3_object",
    "aws_s3_bucket_object",
    "aws_lambda_permission",
];

pub fn identity_attributes(resource_type: &str) -> impl Iterator<Item = &'static str> + '_ {
    let scoped_id = SCOPED_IDS.contains(&resource_type);
    IDENTITY_ATTRIBUTES
        .iter()
        .copied()
        .filter(move |attribute| !(scoped_id && *attribute == "id"))
        .chain(
            NAMED_IDENTITIES
                .iter()
                .filter(move |(prefix, _)| resource_type.starts_with(prefix))
                .map(|(_, attribute)| *attribute),
        )
}

/// The values of `values` that identify its resource (its id, ARN, …):
/// what other resources name when they depend on it.
pub fn identities<'t>(resource_type: &str, values: &'t RawValue) -> Vec<Cow<'t, str>> {
    let wanted: Vec<&str> = identity_attributes(resource_type).collect();
    let mut found = top_level_strings(values, &wanted);
    found.retain(|value| value.len() >= MIN_IDENTITY_LENGTH);
    found
}

/// Identity value → the nodes (by index) whose identity it is.
#[derive(Default)]
pub struct IdentityIndex<'t> {
    owners: HashMap<Cow<'t, str>, Owners>,
}

/// The nodes an identity value belongs to. Past `MAX_OWNERS + 1` (the
/// scanned node itself and `MAX_OWNERS` others) the value is no identity
/// for anyone, so no more are kept: no list is allocated per value.
/// Node indices are `u32` like the graph's: a plan has an entry per
/// identity, and `usize` doubled the entries' room.
#[derive(Clone, Copy, Default)]
struct Owners {
    nodes: [u32; MAX_OWNERS + 1],
    count: u32,
}

impl Owners {
    fn add(&mut self, node: u32) {
        let kept = (self.count as usize).min(self.nodes.len());
        if self.nodes[..kept].contains(&node) {
            return;
        }
        if let Some(slot) = self.nodes.get_mut(self.count as usize) {
            *slot = node;
        }
        self.count = self.count.saturating_add(1);
    }

    /// The owners other than `node`, when there are at most `MAX_OWNERS`.
    fn others(&self, node: usize) -> Option<impl Iterator<Item = usize> + '_> {
        let count = self.count as usize;
        if count > self.nodes.len() {
            return None;
        }
        let others = self.nodes[..count]
            .iter()
            .map(|owner| *owner as usize)
            .filter(move |owner| *owner != node);
        let count = others.clone().count();
        (count > 0 && count <= MAX_OWNERS).then_some(others)
    }
}

impl<'t> IdentityIndex<'t> {
    #[cfg(test)]
    pub fn add(&mut self, node: u32, resource_type: &str, values: &'t RawValue) {
        for identity in identities(resource_type, values) {
            self.add_identity(node, identity);
        }
    }

    /// Records `node` as an owner of `identity` (from [`identities`], which
    /// does the parsing and can run on any thread).
    pub fn add_identity(&mut self, node: u32, identity: Cow<'t, str>) {
        self.owners.entry(identity).or_default().add(node);
    }

    pub fn with_capacity(values: usize) -> Self {
        Self {
            owners: HashMap::with_capacity_and_hasher(values, Default::default()),
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
            if let Some(others) = self
                .owners
                .get(value)
                .and_then(|owners| owners.others(node))
            {
                others.for_each(&mut *found);
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

/// The string values of `keys` at the top level of `values`, in `keys`
/// order (the last one wins when a key repeats, as in a map). One pass that
/// skips every other value without building it: this runs on every payload.
fn top_level_strings<'t>(values: &'t RawValue, keys: &[&str]) -> Vec<Cow<'t, str>> {
    use serde::Deserializer as _;
    use serde::de::{IgnoredAny, MapAccess, Visitor};

    struct Top<'k> {
        keys: &'k [&'k str],
    }
    impl<'de> Visitor<'de> for Top<'_> {
        type Value = Vec<Option<&'de RawValue>>;
        fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            formatter.write_str("an object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut found = vec![None; self.keys.len()];
            while let Some(index) = map.next_key_seed(KeyIndex { keys: self.keys })? {
                match index {
                    Some(index) => found[index] = Some(map.next_value::<&'de RawValue>()?),
                    None => {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
            }
            Ok(found)
        }
    }
    /// Which of `keys` an object key is, compared without allocating it.
    struct KeyIndex<'k> {
        keys: &'k [&'k str],
    }
    impl<'de> serde::de::DeserializeSeed<'de> for KeyIndex<'_> {
        type Value = Option<usize>;
        fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_str(self)
        }
    }
    impl<'de> Visitor<'de> for KeyIndex<'_> {
        type Value = Option<usize>;
        fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            formatter.write_str("a key")
        }
        fn visit_str<E: serde::de::Error>(self, key: &str) -> Result<Self::Value, E> {
            Ok(self.keys.iter().position(|wanted| *wanted == key))
        }
    }
    let mut deserializer = serde_json::Deserializer::from_str(values.get());
    let Ok(found) = deserializer.deserialize_map(Top { keys }) else {
        return Vec::new();
    };
    found
        .into_iter()
        .flatten()
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
        let configured: HashSet<String> = ["name".to_owned()].into_iter().collect();
        let function = raw(r#"{"role":"arn:aws:iam::123456789012:role/app","name":"f"}"#);
        index.scan(
            2,
            "aws_lambda_function",
            &function,
            Some(&configured),
            &mut |owner| found.push(owner),
        );
        assert!(found.is_empty(), "`role` is not configured: {found:?}");
        let configured: HashSet<String> = ["role".to_owned()].into_iter().collect();
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
    fn a_value_shared_by_too_many_owners_names_none_of_them() {
        let owner = raw(r#"{"id":"shared-identity"}"#);
        let user = raw(r#"{"target":"shared-identity"}"#);
        let found_by = |owners: usize, scanner: usize| {
            let mut index = IdentityIndex::default();
            for node in 0..owners as u32 {
                index.add(node, "aws_thing", &owner);
                index.add(node, "aws_thing", &owner); // the same owner twice counts once
            }
            let mut found = Vec::new();
            index.scan(scanner, "aws_user", &user, None, &mut |owner| {
                found.push(owner)
            });
            found
        };
        assert_eq!(found_by(2, 9), [0, 1]);
        // Three owners, one of them the scanned node: two others.
        assert_eq!(found_by(3, 2), [0, 1]);
        assert!(found_by(3, 9).is_empty());
        assert!(found_by(4, 3).is_empty());
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

    #[test]
    fn an_id_unique_only_inside_its_bucket_names_no_dependency() {
        let plain =
            raw(r#"{"id":"config/app.json","bucket":"acme-plain-19","key":"config/app.json"}"#);
        let versioned =
            raw(r#"{"id":"config/app.json","bucket":"acme-versioned-19","key":"config/app.json"}"#);
        let mut index = IdentityIndex::default();
        index.add(0, "aws_s3_object", &plain);
        index.add(1, "aws_s3_object", &versioned);
        let mut found = Vec::new();
        index.scan(1, "aws_s3_object", &versioned, None, &mut |owner| {
            found.push(owner)
        });
        assert!(found.is_empty(), "{found:?}");
    }
}
