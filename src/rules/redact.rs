//! The last guard on what a report says of an object: a value Terraform
//! marks sensitive in its change (`before_sensitive`, `after_sensitive`, in
//! `resource_changes` or `resource_drift`) is never written about it,
//! whichever rule or verdict wrote the sentence. Evidence lines are
//! redacted where they are made; sentences quote values too
//! (`skip_final_snapshot = true`, a policy ARN, an account taken from an
//! ARN), and one that forgets a mask must not print it.
//!
//! A marked value is looked for as it may be written: as it is, escaped
//! the way JSON, Rust's `{:?}` and the terminal escaping write it, and cut
//! short with `…` (a long value is shown by its start). A marked map's keys
//! are marked too, and so is every scalar inside a marked string that holds
//! JSON (a policy document): a rule that quotes a piece of it (an account
//! in an ARN) quotes a marked value. The values of the plan's sensitive
//! variables are taken out of everything the report says of any object:
//! Terraform marks what they flow into, but not what a provider copies
//! them into (`tags_all`).

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use serde_json::Value;
use serde_json::value::RawValue;

use super::finding::Finding;
use super::payload;
use crate::blast::DataVerdict;
use crate::model::retention::Retention;
use crate::model::{Plan, ResourceChange};
use crate::util::escape;

/// What replaces a sensitive value in a finding's text.
const REDACTED: &str = "(sensitive)";

/// The values each object's change masks mark, by address, and the
/// sensitive variables' values, for every object.
#[derive(Default)]
struct Secrets<'p> {
    by_address: HashMap<&'p str, Redactor>,
    everywhere: Option<Redactor>,
}

impl<'p> Secrets<'p> {
    /// The marked values of the objects at `addresses` (those a report
    /// says something about): only their changes' masks are read.
    fn of(
        plan: &'p Plan<'_>,
        changes: &'p [ResourceChange<'_>],
        addresses: &HashSet<&str>,
        everywhere: &[String],
    ) -> Self {
        use rayon::prelude::*;
        if addresses.is_empty() {
            return Self::default();
        }
        let everywhere = (!everywhere.is_empty()).then(|| Redactor::new(everywhere.to_vec()));
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
            .map(|(address, values)| (address, Redactor::new(values.into_iter().collect())))
            .collect();
        Self {
            by_address,
            everywhere,
        }
    }

    /// `text` said of the object at `address`, without its marked values
    /// or the sensitive variables' values.
    fn redact(&self, address: &str, text: &mut String) {
        for redactor in [self.by_address.get(address), self.everywhere.as_ref()]
            .into_iter()
            .flatten()
        {
            *text = redacted(text, redactor);
        }
    }

    /// Every finding, its message and its evidence, without its object's
    /// marked values.
    fn redact_findings(&self, findings: &mut [Finding]) {
        if self.by_address.is_empty() && self.everywhere.is_none() {
            return;
        }
        for finding in findings {
            let Finding {
                address,
                message,
                evidence,
                ..
            } = finding;
            self.redact(address, message);
            for evidence in evidence {
                self.redact(address, &mut evidence.path);
                for text in [&mut evidence.before, &mut evidence.after]
                    .into_iter()
                    .flatten()
                {
                    self.redact(address, text);
                }
            }
        }
    }

    /// Every data verdict's reason, without its object's marked values.
    fn redact_verdicts(&self, verdicts: &mut [DataVerdict]) {
        for verdict in verdicts {
            let (Retention::Lost(why) | Retention::Kept(why) | Retention::DestroyFails(why)) =
                &mut verdict.retention;
            self.redact(&verdict.address, why);
        }
    }
}

/// What a plan's report says of its objects (findings and data verdicts),
/// without the values their changes mark.
pub fn redact_report(
    plan: &Plan<'_>,
    changes: &[ResourceChange<'_>],
    sensitive_variable_values: &[String],
    findings: &mut [Finding],
    verdicts: &mut [DataVerdict],
) {
    let reported: HashSet<&str> = findings
        .iter()
        .map(|finding| finding.address.as_str())
        .chain(verdicts.iter().map(|verdict| verdict.address.as_str()))
        .collect();
    let secrets = Secrets::of(plan, changes, &reported, sensitive_variable_values);
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
    scalars(value, Keys::Marked, into);
}

/// Whether the keys of a value's maps are marked with it.
#[derive(Clone, Copy, PartialEq)]
enum Keys {
    /// A marked map's keys (a map of environment variables): Terraform
    /// hides them with its values.
    Marked,
    /// A JSON document's keys inside a marked string (`Action`,
    /// `Resource`): its schema, said of every policy.
    Schema,
}

/// Every scalar of a marked value, its maps' keys when `keys` marks them,
/// and the scalars of any JSON document a string of it holds.
fn scalars(value: &Value, keys: Keys, into: &mut HashSet<String>) {
    match value {
        Value::Null => {}
        Value::String(text) => {
            if !text.is_empty() {
                into.insert(text.clone());
            }
            if text.trim_start().starts_with(['{', '['])
                && let Ok(inner) = serde_json::from_str::<Value>(text)
            {
                scalars(&inner, Keys::Schema, into);
            }
        }
        Value::Bool(_) | Value::Number(_) => {
            into.insert(value.to_string());
        }
        Value::Array(items) => items.iter().for_each(|item| scalars(item, keys, into)),
        Value::Object(members) => {
            for (key, member) in members {
                if keys == Keys::Marked && !key.is_empty() {
                    into.insert(key.clone());
                }
                scalars(member, keys, into);
            }
        }
    }
}

/// Finds an object's marked values in a text in one pass: a message that
/// quoted a marked value 600,000 times was rewritten once per occurrence
/// (each shifting the rest: 29 s), and each value was looked for in turn.
struct Redactor {
    matcher: Option<aho_corasick::AhoCorasick>,
    /// Longest first; looked for in turn when no matcher could be built.
    values: Vec<String>,
    /// The same, in order, for finding the one a cut-short text starts.
    sorted: Vec<String>,
}

impl Redactor {
    /// Looks for each of `values` as written and as each escaping in a
    /// report writes it.
    fn new(values: Vec<String>) -> Self {
        let mut spellings: HashSet<String> = HashSet::default();
        for value in values {
            for spelling in spellings_of(&value) {
                spellings.insert(spelling);
            }
            spellings.insert(value);
        }
        let mut values: Vec<String> = spellings.into_iter().collect();
        // Longest first: a value inside a longer one goes after it.
        values.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        let matcher = aho_corasick::AhoCorasick::new(&values).ok();
        let mut sorted = values.clone();
        sorted.sort_unstable();
        Self {
            matcher,
            values,
            sorted,
        }
    }

    /// Whether some value starts with `text`.
    fn starts_with(&self, text: &str) -> bool {
        let at = self.sorted.partition_point(|value| value.as_str() < text);
        self.sorted
            .get(at)
            .is_some_and(|value| value.starts_with(text))
    }
}

/// `value` as JSON (`\"`), `{:?}` (`\u{1b}`) and the terminal escaping
/// write it inside a quoted text.
fn spellings_of(value: &str) -> Vec<String> {
    let inside_quotes = |quoted: String| quoted[1..quoted.len() - 1].to_owned();
    let json = serde_json::to_string(value).map_or_else(|_| value.to_owned(), inside_quotes);
    let debug = inside_quotes(format!("{value:?}"));
    let mut spellings = Vec::new();
    for spelling in [value.to_owned(), json, debug] {
        let for_terminal = escape::for_terminal(&spelling).into_owned();
        spellings.push(for_terminal);
        spellings.push(spelling);
    }
    spellings.retain(|spelling| spelling != value);
    spellings
}

/// The fewest characters of a marked value at the end of a cut-short text
/// (`"owner":"Kx9vQ…`) that are taken out.
const CUT_VALUE_MIN_CHARS: usize = 4;
/// How far back from a `…` a marked value's start is looked for: values
/// are cut to 80 characters (`escape::bounded`), and escaping then writes
/// each in up to ten (`\u{10ffff}`).
const CUT_VALUE_LOOKBACK: usize = 800;

/// `text` with every whole-word occurrence of each of the values replaced:
/// `true` in `= true:` goes, the `true` in `untrue` stays. Occurrences that
/// overlap or touch go as one.
fn redacted(text: &str, redactor: &Redactor) -> String {
    let whole = redacted_whole(text, redactor);
    without_cut_values(&whole, redactor)
}

/// `text` with the start of a marked value that a `…` cut short (the rest
/// of it is not there to be found whole) taken out as well.
fn without_cut_values(text: &str, redactor: &Redactor) -> String {
    if !text.contains('…') {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for (cut, _) in text.match_indices('…') {
        let before = &text[copied..cut];
        // The longest run just before the `…` that starts a marked value.
        let starts: Vec<usize> = before
            .char_indices()
            .map(|(at, _)| at)
            .rev()
            .take(CUT_VALUE_LOOKBACK)
            .collect();
        let found = starts.into_iter().rev().find(|&at| {
            let run = &before[at..];
            run.chars().count() >= CUT_VALUE_MIN_CHARS
                && redactor.starts_with(run)
                && whole_word(before, at, before.len(), run)
        });
        match found {
            Some(at) => {
                out.push_str(&before[..at]);
                out.push_str(REDACTED);
            }
            None => out.push_str(before),
        }
        copied = cut;
    }
    out.push_str(&text[copied..]);
    out
}

/// `text` with every whole occurrence of the marked values taken out.
fn redacted_whole(text: &str, redactor: &Redactor) -> String {
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

    /// The redactor of the values `mask` marks in `value`.
    fn redactor_of(value: &Value, mask: &Value) -> Redactor {
        let mut found = HashSet::default();
        marked(value, mask, &mut found);
        Redactor::new(found.into_iter().collect())
    }

    #[test]
    fn a_piece_of_a_marked_json_document_is_marked_and_its_keys_are_not() {
        let policy =
            r#"{"Statement":[{"Action":"iam:*","Resource":"arn:aws:iam::987654321098:*"}]}"#;
        let redactor = redactor_of(
            &serde_json::json!({ "policy": policy }),
            &serde_json::json!({ "policy": true }),
        );
        let text = r#"a policy statement allowing Action "iam:*" on Resource "arn:aws:iam::987654321098:*""#;
        assert_eq!(
            redacted(text, &redactor),
            r#"a policy statement allowing Action "(sensitive)" on Resource "(sensitive)""#
        );
    }

    #[test]
    fn a_marked_maps_keys_are_marked() {
        let redactor = redactor_of(
            &serde_json::json!({"variables": {"LEGACY_VAULT_ROLE": "x"}}),
            &serde_json::json!({"variables": true}),
        );
        assert_eq!(
            redacted("loses `variables.LEGACY_VAULT_ROLE`", &redactor),
            "loses `variables.(sensitive)`"
        );
    }

    #[test]
    fn a_marked_value_is_found_as_json_and_debug_escaping_write_it() {
        let redactor = Redactor::new(vec!["Tr0ub4dor\"&3\u{1b}horse".to_owned()]);
        for text in [
            r#"tags_all: {"owner":"Tr0ub4dor\"&3\u001bhorse"}"#,
            r#"owner = "Tr0ub4dor\"&3\u{1b}horse""#,
        ] {
            let out = redacted(text, &redactor);
            assert!(!out.contains("Tr0ub4dor"), "{out}");
        }
    }

    #[test]
    fn the_start_of_a_marked_value_cut_short_is_taken_out() {
        let secret = "Kx9vQ2mLp7WzR4tY8nB3cJ6hF1dS5gA0eU2iO7kM4qX9wZ3rT6yV8pL1";
        let redactor = Redactor::new(vec![secret.to_owned()]);
        let shown = format!(r#"tags_all: {{"env":"prod","owner":"{}…"#, &secret[..40]);
        assert_eq!(
            redacted(&shown, &redactor),
            r#"tags_all: {"env":"prod","owner":"(sensitive)…"#
        );
        // Escaping lengthens what was cut: the start is still found.
        let soft = format!("Zq7Hunter2Vault{}", "\u{ad}".repeat(70));
        let redactor = Redactor::new(vec![soft.clone()]);
        let cut = crate::util::escape::for_terminal(&crate::util::escape::bounded(&soft, 60))
            .into_owned();
        let shown = format!(r#"{{"owner":"{cut}"#);
        assert!(!redacted(&shown, &redactor).contains("Zq7"), "{shown}");
        let redactor = Redactor::new(vec![secret.to_owned()]);
        // A text cut short elsewhere, or a value's start inside a word, stays.
        let other = "tags_all: {\"env\":\"prod\",\"owner\":\"someone…";
        assert_eq!(redacted(other, &redactor), other);
        let inside = "xKx9vQ2…";
        assert_eq!(redacted(inside, &redactor), inside);
    }

    #[test]
    fn a_sensitive_variables_value_is_taken_out_of_what_is_said_of_any_object() {
        // No mask marks it: a provider copied it into an attribute
        // Terraform does not mark (`tags_all`).
        let plan = crate::model::parse_document(
            r#"{"format_version":"1.2","resource_changes":[{"address":"aws_s3_bucket.b","mode":"managed","type":"aws_s3_bucket","name":"b","change":{"actions":["update"],"before":{},"after":{},"before_sensitive":{},"after_sensitive":{}}}]}"#,
        )
        .unwrap();
        let mut findings = vec![Finding {
            rule: "drift-revert".to_owned(),
            severity: crate::model::data_files::Severity::Low,
            address: "aws_s3_bucket.b".to_owned(),
            message: "reverts tags_all".to_owned(),
            points: 0,
            evidence: vec![super::super::finding::Evidence {
                path: "tags_all".to_owned(),
                before: Some(r#"{"owner":"hunter2-horse"}"#.to_owned()),
                after: Some(r#"{"owner":"someone"}"#.to_owned()),
            }],
            suggestion: None,
            fix: String::new(),
            at_most: None,
        }];
        let changes = plan.resource_changes.as_deref().unwrap_or_default();
        redact_report(
            &plan,
            changes,
            &["hunter2-horse".to_owned()],
            &mut findings,
            &mut [],
        );
        let evidence = &findings[0].evidence[0];
        assert_eq!(
            evidence.before.as_deref(),
            Some(r#"{"owner":"(sensitive)"}"#)
        );
        assert_eq!(evidence.after.as_deref(), Some(r#"{"owner":"someone"}"#));
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
