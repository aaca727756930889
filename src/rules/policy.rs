//! IAM policy documents as the rules read them: the JSON text an attribute
//! holds, its statements, and fields that are one string or a list of them.

use serde_json::Value;

use super::payload;

/// Every policy document held at `attributes` (paths, `[*]` allowed) of an
/// object's values, parsed, with its concrete path. Text that is not JSON is
/// no document.
pub fn documents(object: &Value, attributes: &[String]) -> Vec<(String, Value)> {
    attributes
        .iter()
        .flat_map(|attribute| payload::lookup(object, attribute))
        .filter_map(|(path, value)| {
            let document = serde_json::from_str::<Value>(value.as_str()?).ok()?;
            Some((path, document))
        })
        .collect()
}

/// A document's statements: `Statement` is a list, or a single object.
pub fn statements(document: &Value) -> Vec<&Value> {
    match document.get("Statement") {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(single @ Value::Object(_)) => vec![single],
        _ => Vec::new(),
    }
}

/// A field's strings: one string, or the strings of a list.
pub fn strings(value: &Value) -> Vec<&str> {
    match value {
        Value::String(text) => vec![text.as_str()],
        Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// Whether a grant `holds` in the values before the change and in the
/// prior state (when the plan has one): there already, so no news. A grant
/// written into `before` alone is not taken as there (see
/// `PriorObjects::if_edited`).
pub fn already_there(
    before: Option<&Value>,
    prior: Option<&Value>,
    holds: impl Fn(&Value) -> bool,
) -> bool {
    before.is_some_and(&holds) && prior.is_none_or(&holds)
}
