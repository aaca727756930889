//! The last guard on what a report says of an object: a value Terraform
//! marks sensitive in its change (`before_sensitive`, `after_sensitive`, in
//! `resource_changes` or `resource_drift`) is never written about it,
//! whichever rule or verdict wrote the sentence. Evidence lines are
//! redacted where they are made; sentences quote values too
//! (`skip_final_snapshot = true`, a policy ARN, an account taken from an
//! ARN), and one that forgets a mask must not print it.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use serde_json::Value;
use serde_json::value::RawValue;

use super::finding::Finding;
use super::payload;
use crate::blast::DataVerdict;
use crate::model::retention::Retention;
use crate::model::{Plan, ResourceChange};

/// What replaces a sensitive value in a finding's text.
const REDACTED: &str = "(sensitive)";

/// The values each object's change masks mark, by address.
#[derive(Default)]
struct Secrets<'p> {
    by_address: HashMap<&'p str, Redactor>,
}

impl<'p> Secrets<'p> {
    /// The marked values of the objects at `addresses` (those a report
    /// says something about): only their changes' masks are read.
    fn of(
        plan: &'p Plan<'_>,
        changes: &'p [ResourceChange<'_>],
        addresses: &HashSet<&str>,
    ) -> Self {
        use rayon::prelude::*;
        if addresses.is_empty() {
            return Self::default();
        }
        // Masks are `{}` or `false` for almost every object: only objects
        // with a `true` somewhere in a mask are parsed, on every core.
        let masked: Vec<&'p ResourceChange<'_>> = changes
            .iter()
            .chain(&plan.resource_drift)
            .filter(|change| {
                addresses.contains(&*change.address)
                    && [
                        change.change.before_sensitive,
                        change.change.after_sensitive,
                    ]
                    .into_iter()
                    .flatten()
                    .any(|mask| memchr::memmem::find(mask.get().as_bytes(), b"true").is_some())
            })
            .collect();
        let found: Vec<(&'p str, HashSet<String>)> = masked
            .par_iter()
            .map(|change| {
                let mut values = HashSet::default();
                for (payload, mask) in [
                    (change.change.before, change.change.before_sensitive),
                    (change.change.after, change.change.after_sensitive),
                ] {
                    collect(payload, mask, &mut values);
                }
                (&*change.address, values)
            })
            .collect();
        let mut sets: HashMap<&'p str, HashSet<String>> = HashMap::default();
        for (address, values) in found {
            sets.entry(address).or_default().extend(values);
        }
        let by_address = sets
            .into_iter()
            .map(|(address, values)| {
                let mut ordered: Vec<String> = values.into_iter().collect();
                // Longest first: a value inside a longer one goes after it.
                ordered.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
                (address, Redactor::new(ordered))
            })
            .collect();
        Self { by_address }
    }

    /// Every finding, its message and its evidence, without its object's
    /// marked values.
    fn redact_findings(&self, findings: &mut [Finding]) {
        if self.by_address.is_empty() {
            return;
        }
        for finding in findings {
            let Some(values) = self.by_address.get(finding.address.as_str()) else {
                continue;
            };
            finding.message = redacted(&finding.message, values);
            for evidence in &mut finding.evidence {
                for text in [&mut evidence.before, &mut evidence.after]
                    .into_iter()
                    .flatten()
                {
                    *text = redacted(text, values);
                }
            }
        }
    }

    /// Every data verdict's reason, without its object's marked values.
    fn redact_verdicts(&self, verdicts: &mut [DataVerdict]) {
        for verdict in verdicts {
            let (Retention::Lost(why) | Retention::Kept(why) | Retention::DestroyFails(why)) =
                &mut verdict.retention;
            if let Some(values) = self.by_address.get(verdict.address.as_str()) {
                *why = redacted(why, values);
            }
        }
    }
}

/// What a plan's report says of its objects (findings and data verdicts),
/// without the values their changes mark.
pub fn redact_report(
    plan: &Plan<'_>,
    changes: &[ResourceChange<'_>],
    findings: &mut [Finding],
    verdicts: &mut [DataVerdict],
) {
    let reported: HashSet<&str> = findings
        .iter()
        .map(|finding| finding.address.as_str())
        .chain(verdicts.iter().map(|verdict| verdict.address.as_str()))
        .collect();
    let secrets = Secrets::of(plan, changes, &reported);
    secrets.redact_findings(findings);
    secrets.redact_verdicts(verdicts);
}

/// The scalar values of `payload` that `mask` marks, as text.
fn collect(payload: Option<&RawValue>, mask: Option<&RawValue>, into: &mut HashSet<String>) {
    let (Some(payload), Some(mask)) = (payload::parse(payload), payload::parse(mask)) else {
        return;
    };
    marked(&payload, &mask, into);
}

fn marked(value: &Value, mask: &Value, into: &mut HashSet<String>) {
    match (mask, value) {
        (Value::Bool(true), _) => leaves(value, into),
        (Value::Object(masks), Value::Object(members)) => {
            for (key, mask) in masks {
                if let Some(member) = members.get(key) {
                    marked(member, mask, into);
                }
            }
        }
        (Value::Array(masks), Value::Array(items)) => {
            for (mask, item) in masks.iter().zip(items) {
                marked(item, mask, into);
            }
        }
        _ => {}
    }
}

fn leaves(value: &Value, into: &mut HashSet<String>) {
    match value {
        Value::Null => {}
        Value::String(text) => {
            if !text.is_empty() {
                into.insert(text.clone());
            }
        }
        Value::Bool(_) | Value::Number(_) => {
            into.insert(value.to_string());
        }
        Value::Array(items) => items.iter().for_each(|item| leaves(item, into)),
        Value::Object(members) => members.values().for_each(|member| leaves(member, into)),
    }
}

/// Finds an object's marked values in a text in one pass: a message that
/// quoted a marked value 600,000 times was rewritten once per occurrence
/// (each shifting the rest: 29 s), and each value was looked for in turn.
struct Redactor {
    matcher: Option<aho_corasick::AhoCorasick>,
    /// Longest first; looked for in turn when no matcher could be built.
    values: Vec<String>,
}

impl Redactor {
    fn new(values: Vec<String>) -> Self {
        let matcher = aho_corasick::AhoCorasick::new(&values).ok();
        Self { matcher, values }
    }
}

/// `text` with every whole-word occurrence of each of the values replaced:
/// `true` in `= true:` goes, the `true` in `untrue` stays. Occurrences that
/// overlap or touch go as one.
fn redacted(text: &str, redactor: &Redactor) -> String {
    let Some(matcher) = &redactor.matcher else {
        return redacted_in_turn(text, &redactor.values);
    };
    let mut ranges: Vec<(usize, usize)> = matcher
        .find_overlapping_iter(text)
        .filter(|found| {
            let value = &redactor.values[found.pattern().as_usize()];
            whole_word(text, found.start(), found.end(), value)
        })
        .map(|found| (found.start(), found.end()))
        .collect();
    if ranges.is_empty() {
        return text.to_owned();
    }
    ranges.sort_unstable();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut current = ranges[0];
    for &(start, end) in &ranges[1..] {
        if start <= current.1 {
            current.1 = current.1.max(end);
        } else {
            out.push_str(&text[copied..current.0]);
            out.push_str(REDACTED);
            copied = current.1;
            current = (start, end);
        }
    }
    out.push_str(&text[copied..current.0]);
    out.push_str(REDACTED);
    out.push_str(&text[current.1..]);
    out
}

/// Whether `value`, found at `start..end` of `text`, is not part of a
/// longer word there.
fn whole_word(text: &str, start: usize, end: usize, value: &str) -> bool {
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    let before = text[..start].chars().next_back();
    let after = text[end..].chars().next();
    let bounded_before = !value.starts_with(is_word) || !before.is_some_and(is_word);
    let bounded_after = !value.ends_with(is_word) || !after.is_some_and(is_word);
    bounded_before && bounded_after
}

/// [`redacted`] one value after another, longest first.
fn redacted_in_turn(text: &str, values: &[String]) -> String {
    let mut text = text.to_owned();
    for value in values {
        let mut out = String::with_capacity(text.len());
        let mut copied = 0;
        for start in memchr::memmem::find_iter(text.as_bytes(), value.as_bytes()) {
            let end = start + value.len();
            if start >= copied && whole_word(&text, start, end, value) {
                out.push_str(&text[copied..start]);
                out.push_str(REDACTED);
                copied = end;
            }
        }
        out.push_str(&text[copied..]);
        text = out;
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_values_are_replaced_and_parts_of_words_are_not() {
        let values = [
            "arn:aws:iam::aws:policy/AdministratorAccess".to_owned(),
            "true".to_owned(),
        ];
        let text = "skip_final_snapshot = true: untrue; policy arn:aws:iam::aws:policy/AdministratorAccess.";
        let expected = "skip_final_snapshot = (sensitive): untrue; policy (sensitive).";
        assert_eq!(redacted(text, &Redactor::new(values.to_vec())), expected);
        assert_eq!(redacted_in_turn(text, &values), expected);
    }

    #[test]
    fn overlapping_values_go_as_one_and_a_value_quoted_often_goes_everywhere() {
        let redactor = Redactor::new(vec!["abc-def".to_owned(), "def-ghi".to_owned()]);
        assert_eq!(redacted("x abc-def-ghi y", &redactor), "x (sensitive) y");
        // A message quoting a marked value 200,000 times (each attribute
        // name in backticks, a backtick marked): one pass, every one gone.
        let message = "`name` ".repeat(100_000);
        let out = redacted(&message, &Redactor::new(vec!["`".to_owned()]));
        assert!(!out.contains('`'));
        assert_eq!(out.matches("(sensitive)").count(), 200_000);
    }

    #[test]
    fn only_marked_values_are_collected() {
        let value = serde_json::json!({"a": "keep", "b": {"c": "hide", "d": 1}, "e": [true, "x"]});
        let mask = serde_json::json!({"b": {"c": true}, "e": [true, false]});
        let mut found = HashSet::default();
        marked(&value, &mask, &mut found);
        let mut found: Vec<String> = found.into_iter().collect();
        found.sort();
        assert_eq!(found, ["hide", "true"]);
    }
}
