//! Terraform's masks: the mirror objects (`after_unknown`,
//! `before_sensitive`, `after_sensitive`, `sensitive_values`) that hold
//! `true` where a value is unknown or sensitive.

use serde_json::Value;

/// Whether `mask` marks anything in it.
pub fn marks_any(mask: &Value) -> bool {
    match mask {
        Value::Bool(marked) => *marked,
        Value::Array(items) => items.iter().any(marks_any),
        Value::Object(members) => members.values().any(marks_any),
        _ => false,
    }
}
