//! Reading attribute values of a change for rules, and showing them only
//! when that is safe: a value is shown when no sensitivity mask covers it,
//! its attribute name does not look like a secret, it does not look like a
//! credential, and it is not the value of a sensitive variable.

use serde_json::Value;
use serde_json::value::RawValue;

use crate::util::escape;

/// Parses a payload (`before`, `after`, a mask); `None` when absent or null.
pub fn parse(raw: Option<&RawValue>) -> Option<Value> {
    raw.and_then(|raw| serde_json::from_str::<Value>(raw.get()).ok())
        .filter(|value| !value.is_null())
}

/// Whether `raw` may hold a value at any of `paths`, judged from its text
/// alone: false only when none of the paths' first keys appears in it as a
/// quoted string and no `\u` escape could spell one. Parsing a payload into
/// a tree costs far more than this search, and most payloads a rule reads
/// for a few attributes have none of them.
pub fn may_hold<'p>(raw: Option<&RawValue>, paths: impl IntoIterator<Item = &'p str>) -> bool {
    let Some(raw) = raw else {
        return false;
    };
    let text = raw.get();
    memchr::memmem::find(text.as_bytes(), b"\\u").is_some()
        || paths.into_iter().any(|path| {
            let key = match steps(path).first() {
                Some(Step::Key(key)) => *key,
                // A path that starts with an index reads the whole value.
                _ => return true,
            };
            // `"key"`, found without building the quoted text per payload.
            let bytes = text.as_bytes();
            memchr::memmem::find_iter(bytes, key.as_bytes()).any(|at| {
                at > 0 && bytes[at - 1] == b'"' && bytes.get(at + key.len()) == Some(&b'"')
            })
        })
}

/// A step of an attribute path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step<'p> {
    Key(&'p str),
    Index(usize),
    /// `[*]`: every element.
    Each,
}

/// `ingress[*].cidr_blocks[0]` → steps.
pub fn steps(path: &str) -> Vec<Step<'_>> {
    let mut steps = Vec::new();
    for part in path.split('.') {
        let (name, rest) = part
            .split_once('[')
            .map_or((part, ""), |(name, rest)| (name, rest));
        if !name.is_empty() {
            steps.push(Step::Key(name));
        }
        for index in rest.split('[').filter(|index| !index.is_empty()) {
            let index = index.trim_end_matches(']');
            steps.push(match index {
                "*" => Step::Each,
                number => number.parse().map_or(Step::Each, Step::Index),
            });
        }
    }
    steps
}

/// Every value at `path` (several when the path has `[*]`), with its concrete path.
pub fn lookup<'v>(value: &'v Value, path: &str) -> Vec<(String, &'v Value)> {
    let mut found = vec![(String::new(), value)];
    for step in steps(path) {
        let mut next = Vec::new();
        for (prefix, current) in found {
            match step {
                Step::Key(key) => {
                    if let Some(child) = current.get(key) {
                        let path = if prefix.is_empty() {
                            key.to_owned()
                        } else {
                            format!("{prefix}.{key}")
                        };
                        next.push((path, child));
                    }
                }
                Step::Index(index) => {
                    if let Some(child) = current.get(index) {
                        next.push((format!("{prefix}[{index}]"), child));
                    }
                }
                Step::Each => {
                    if let Some(items) = current.as_array() {
                        next.extend(
                            items
                                .iter()
                                .enumerate()
                                .map(|(index, child)| (format!("{prefix}[{index}]"), child)),
                        );
                    }
                }
            }
        }
        found = next;
    }
    found
}

/// True when the mask (`before_sensitive`/`after_sensitive`) marks `path`,
/// any of its parents, or any part of it: a map whose one element came
/// from a sensitive variable is marked `{"tags":{"owner":true}}`, and the
/// map shown whole would show that element.
pub fn is_sensitive(mask: Option<&Value>, path: &str) -> bool {
    let Some(mut current) = mask else {
        return false;
    };
    for step in steps(path) {
        if current == &Value::Bool(true) {
            return true;
        }
        let next = match step {
            Step::Key(key) => current.get(key),
            Step::Index(index) => current.get(index),
            // Any element: sensitive when any element is.
            Step::Each => return marks_any(current),
        };
        match next {
            Some(child) => current = child,
            None => return false,
        }
    }
    marks_any(current)
}

pub use crate::model::masks::marks_any;

/// Equal, treating null, "", [] and {} as the same: providers normalise one
/// into another between state and plan, which changes nothing real.
pub fn equivalent(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Object(left), Value::Object(right)) => left.keys().chain(right.keys()).all(|key| {
            equivalent(
                left.get(key).unwrap_or(&Value::Null),
                right.get(key).unwrap_or(&Value::Null),
            )
        }),
        (Value::Array(left), Value::Array(right)) => {
            left.len() == right.len() && left.iter().zip(right).all(|(l, r)| equivalent(l, r))
        }
        _ => a == b || (is_empty(a) && is_empty(b)),
    }
}

pub fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Array(items) => items.is_empty(),
        Value::Object(map) => map.is_empty(),
        Value::String(text) => text.is_empty(),
        _ => false,
    }
}

/// Known credential shapes: access keys, tokens, private keys.
const CREDENTIAL_PREFIXES: &[&str] = &[
    "AKIA",
    "ASIA",
    "ghp_",
    "gho_",
    "ghs_",
    "github_pat_",
    "glpat-",
    "xoxb-",
    "xoxp-",
    "sk_live_",
    "sk-",
    "AIza",
    "-----BEGIN",
    "eyJ",
];
const SECRET_NAME_PARTS: &[&str] = &[
    "password",
    "passwd",
    "secret",
    "token",
    "private_key",
    "api_key",
    "apikey",
    "credential",
];

/// The values of the plan's sensitive variables, looked for in a text in
/// one pass over it: looking for each of them in each value a report shows
/// took their product (100,000 values and 100,000 shown: 43 s).
#[derive(Default)]
pub struct KnownSecrets {
    matcher: Option<aho_corasick::AhoCorasick>,
    /// When no matcher could be built (too large), each is looked for.
    values: Vec<String>,
}

impl KnownSecrets {
    pub fn new(values: &[String]) -> Self {
        let values: Vec<String> = values
            .iter()
            .filter(|value| !value.is_empty())
            .cloned()
            .collect();
        if values.is_empty() {
            return Self::default();
        }
        match aho_corasick::AhoCorasick::new(&values) {
            Ok(matcher) => Self {
                matcher: Some(matcher),
                values: Vec::new(),
            },
            Err(_) => Self {
                matcher: None,
                values,
            },
        }
    }

    /// Whether `text` holds any of the values.
    pub fn any_in(&self, text: &str) -> bool {
        match &self.matcher {
            Some(matcher) => matcher.is_match(text),
            None => self
                .values
                .iter()
                .any(|value| text.contains(value.as_str())),
        }
    }
}

/// How a value may appear in a report.
pub fn shown(
    value: &Value,
    path: &str,
    sensitive: bool,
    sensitive_values: &KnownSecrets,
) -> String {
    if sensitive {
        return "(sensitive)".to_owned();
    }
    let name = path.to_ascii_lowercase();
    if SECRET_NAME_PARTS.iter().any(|part| name.contains(part)) {
        return "(redacted: the attribute name suggests a secret)".to_owned();
    }
    let text = match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    };
    if looks_like_credential(&text) || sensitive_values.any_in(&text) {
        return "(redacted: looks like a secret)".to_owned();
    }
    let rendered = match value {
        Value::String(text) => format!("{:?}", escape::bounded(text, 80)),
        other => escape::bounded(&other.to_string(), 80),
    };
    escape::for_terminal(&rendered).into_owned()
}

fn looks_like_credential(text: &str) -> bool {
    CREDENTIAL_PREFIXES
        .iter()
        .any(|prefix| text.starts_with(prefix) && text.len() >= 16)
        || (text.len() >= 32 && !text.contains(' ') && entropy(text) > 4.5)
}

/// Shannon entropy in bits per character: random tokens score high, words low.
fn entropy(text: &str) -> f64 {
    let mut counts = std::collections::HashMap::new();
    for character in text.chars() {
        *counts.entry(character).or_insert(0usize) += 1;
    }
    let length = text.chars().count() as f64;
    counts
        .values()
        .map(|count| {
            let p = *count as f64 / length;
            -p * p.log2()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn may_hold_is_false_only_when_no_key_can_be_there() {
        let raw = |text: &str| serde_json::from_str::<Box<RawValue>>(text).unwrap();
        let plain = raw(r#"{"name":"x","tags":{"policy_like":"policy"}}"#);
        assert!(!may_hold(Some(&plain), ["role", "inline_policy[*].policy"]));
        assert!(may_hold(Some(&plain), ["name"]));
        // As a value, the key's text counts too: the search is conservative.
        assert!(may_hold(Some(&plain), ["policy"]));
        // `\u0070olicy` is the key `policy`.
        let escaped = raw(r#"{"\u0070olicy":"{}"}"#);
        assert!(may_hold(Some(&escaped), ["policy"]));
        assert!(!may_hold(None, ["policy"]));
    }
    use serde_json::json;

    #[test]
    fn lookup_expands_wildcards() {
        let value = json!({"ingress":[{"cidr_blocks":["0.0.0.0/0"]},{"cidr_blocks":["10.0.0.0/8","::/0"]}]});
        let found: Vec<String> = lookup(&value, "ingress[*].cidr_blocks[*]")
            .into_iter()
            .map(|(path, _)| path)
            .collect();
        assert_eq!(
            found,
            [
                "ingress[0].cidr_blocks[0]",
                "ingress[1].cidr_blocks[0]",
                "ingress[1].cidr_blocks[1]"
            ]
        );
    }

    #[test]
    fn sensitivity_follows_the_mask_and_its_parents() {
        let mask = json!({"environment":[{"variables":true}]});
        assert!(is_sensitive(
            Some(&mask),
            "environment[0].variables.DB_PASSWORD"
        ));
        assert!(!is_sensitive(Some(&mask), "function_name"));
        assert!(is_sensitive(Some(&json!(true)), "anything"));
    }

    #[test]
    fn a_value_with_a_sensitive_part_is_sensitive_whole() {
        let mask = json!({"tags": {"owner": true, "Name": false}, "name": false});
        assert!(is_sensitive(Some(&mask), "tags"));
        assert!(is_sensitive(Some(&mask), "tags.owner"));
        assert!(!is_sensitive(Some(&mask), "tags.Name"));
        assert!(!is_sensitive(Some(&mask), "name"));
        let rules = json!({"rules": [{"token": false}, {"token": true}]});
        assert!(is_sensitive(Some(&rules), "rules"));
        assert!(is_sensitive(Some(&rules), "rules[*].token"));
        assert!(!is_sensitive(Some(&rules), "rules[0].token"));
    }

    #[test]
    fn secrets_are_never_shown() {
        let none = KnownSecrets::default();
        assert_eq!(shown(&json!("hunter2"), "x", true, &none), "(sensitive)");
        assert!(shown(&json!("hunter2"), "db_password", false, &none).starts_with("(redacted"));
        assert!(
            shown(&json!("AKIAIOSFODNN7EXAMPLE"), "note", false, &none).starts_with("(redacted")
        );
        // Any of many sensitive variables' values, found in one pass.
        let many: Vec<String> = (0..100_000)
            .map(|index| format!("secret-{index:06}"))
            .collect();
        let known = KnownSecrets::new(&many);
        assert!(
            shown(
                &json!("prefix-secret-099999-suffix"),
                "input",
                false,
                &known
            )
            .starts_with("(redacted")
        );
        assert_eq!(
            shown(&json!("prefix-public-suffix"), "input", false, &known),
            "\"prefix-public-suffix\""
        );
        assert_eq!(
            shown(&json!(true), "deletion_protection", false, &none),
            "true"
        );
    }
}
