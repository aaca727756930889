//! The typed plan model and the one function that builds it from JSON text.

pub mod actions;
pub mod address;
pub mod classes;
pub mod data_files;
pub mod facts;
mod keys;
pub mod masks;
pub mod plan;
pub mod planned_only;
pub mod prior_objects;
pub mod retention;
pub mod validate;

pub use actions::{ActionReason, Actions};
pub use address::Address;
pub use plan::{Document, Plan, ResourceChange, Unreadable, resource_key};
pub use validate::{Invalid, validate};

/// Why a JSON text could not become a [`Document`]: serde's message, where it
/// happened in the text, and the JSON path that leads there.
#[derive(Debug, Clone)]
pub struct JsonFailure {
    pub message: String,
    /// Byte offset in the parsed text.
    pub offset: usize,
    /// `resource_changes[12].change.actions`, or empty at the top level.
    pub json_path: String,
    pub category: serde_json::error::Category,
}

/// Parses one JSON document. Module nesting adds three JSON levels per module
/// and real plans can nest deeper than serde_json's default limit of 128, so
/// the recursion limit is off and the stack grows on demand instead.
pub fn parse_document(text: &str) -> Result<Document<'_>, JsonFailure> {
    // Two independent passes over the same text, so they run side by side;
    // a parse failure is reported first, as it would be if they ran in turn.
    let (document, scanned) = rayon::join(
        || parse_fast(text, Depth::WithinRecursionLimit),
        || keys::find_duplicate(text),
    );
    let mut document = match document {
        Ok(document) => document,
        // Plans nest far less than serde_json's recursion limit (128 levels,
        // whose frames fit any thread's stack): read that way, the stack is
        // not checked on every value (serde_stacker cost ~5 % of the parse).
        // Only a document that nests deeper is read again without the limit,
        // and only once the scan has bounded how deep it goes.
        Err(error) if is_recursion_limit(&error) => {
            if let Err(keys::Refused::TooDeep(failure)) = &scanned {
                return Err(failure.clone());
            }
            parse_fast(text, Depth::Any).map_err(|error| failure_with_path(text, &error))?
        }
        Err(error) => return Err(failure_with_path(text, &error)),
    };
    document.deepest = scanned.map_err(keys::Refused::into_failure)?;
    Ok(document)
}

enum Depth {
    WithinRecursionLimit,
    Any,
}

fn is_recursion_limit(error: &serde_json::Error) -> bool {
    error.to_string().starts_with("recursion limit exceeded")
}

fn parse_fast(text: &str, depth: Depth) -> Result<Document<'_>, serde_json::Error> {
    // A plan is an object. serde reads a struct from an array as well, one
    // field after another in order, so `["1.2", …]` could be read as a plan;
    // any other JSON is simply not one (a directory skips it). The grammar
    // is still checked first.
    if let Some(kind) = not_an_object(text) {
        // Skipping a value is iterative in serde_json: no depth limit.
        serde_json::from_str::<serde::de::IgnoredAny>(text)?;
        return Ok(Document {
            not_an_object: Some(kind),
            ..Document::default()
        });
    }
    let mut document = match depth {
        Depth::WithinRecursionLimit => parse_within_recursion_limit(text)?,
        Depth::Any => parse_at_any_depth(text)?,
    };
    document.fill_missing_addresses();
    document.read_auxiliary_and_shrink_lists();
    Ok(document)
}

/// What the JSON value in `text` is, by its first character, when that is
/// a value other than an object; `None` for an object or for text that is
/// not JSON (the parse reports it).
fn not_an_object(text: &str) -> Option<&'static str> {
    let first = text
        .bytes()
        .find(|byte| !matches!(byte, b' ' | b'\t' | b'\n' | b'\r'))?;
    Some(match first {
        b'[' => "an array",
        b'"' => "a string",
        b'-' | b'0'..=b'9' => "a number",
        b't' | b'f' => "a boolean",
        b'n' => "null",
        _ => return None,
    })
}

fn parse_within_recursion_limit(text: &str) -> Result<Document<'_>, serde_json::Error> {
    let mut json = serde_json::Deserializer::from_str(text);
    let document = serde::Deserialize::deserialize(&mut json)?;
    json.end()?;
    Ok(document)
}

fn parse_at_any_depth(text: &str) -> Result<Document<'_>, serde_json::Error> {
    let mut json = serde_json::Deserializer::from_str(text);
    json.disable_recursion_limit();
    let stacked = serde_stacker::Deserializer::new(&mut json);
    let document = serde::Deserialize::deserialize(stacked)?;
    json.end()?;
    Ok(document)
}

/// `error` located in `text`, with the JSON path that leads to it. Path
/// tracking costs time on every value, so it runs only to explain a
/// failure: a second parse as a plan, whose path is kept when it stops at
/// the same place for the same reason.
pub fn failure_with_path(text: &str, error: &serde_json::Error) -> JsonFailure {
    let mut failure = failure_from_error(text, error);
    let mut json = serde_json::Deserializer::from_str(text);
    json.disable_recursion_limit();
    let stacked = serde_stacker::Deserializer::new(&mut json);
    let traced: Result<Document<'_>, _> = serde_path_to_error::deserialize(stacked);
    if let Err(traced) = traced {
        let path = traced.path().to_string();
        let located = failure_from_error(text, traced.inner());
        if located.offset == failure.offset && located.category == failure.category && path != "." {
            failure.json_path = path;
        }
    }
    failure
}

pub(crate) fn failure_from_error(text: &str, error: &serde_json::Error) -> JsonFailure {
    JsonFailure {
        offset: offset_of(text, error.line(), error.column()),
        message: without_values(&strip_position(&error.to_string())),
        json_path: String::new(),
        category: error.classify(),
    }
}

/// serde's words for the kind of a value it quotes, and ours.
const QUOTED_KINDS: [(&str, &str); 5] = [
    ("string ", "a string"),
    ("integer ", "an integer"),
    ("floating point ", "a number"),
    ("boolean ", "a boolean"),
    ("character ", "a character"),
];

/// The longest message kept whole: a custom message can quote what it met.
const MAX_MESSAGE_CHARS: usize = 300;

/// serde's message without the value it met: `invalid type: string
/// "hunter2", expected struct Variable` becomes `invalid type: a string,
/// expected struct Variable`; `unknown variant \`Delete\`` loses the variant.
/// A plan's values can be secrets (a sensitive variable written flat) and
/// megabytes long; the excerpt beside the message masks them too.
pub(crate) fn without_values(message: &str) -> String {
    // The expectation is serde's text, after the value; a value can itself
    // hold ", expected", so the last one starts it.
    let shortened = |message: &str| {
        if message.chars().count() <= MAX_MESSAGE_CHARS {
            return message.to_owned();
        }
        let cut: String = message.chars().take(MAX_MESSAGE_CHARS).collect();
        format!("{cut}…")
    };
    let Some(expected) = message.rfind(", expected") else {
        return shortened(message);
    };
    for prefix in ["invalid type: ", "invalid value: "] {
        if let Some(unexpected) = message[..expected].strip_prefix(prefix) {
            let kind = QUOTED_KINDS
                .iter()
                .find(|(spelled, _)| unexpected.starts_with(spelled))
                .map(|(_, kind)| *kind)
                .unwrap_or(if unexpected.contains(['`', '"']) {
                    "a value"
                } else {
                    unexpected
                });
            return shortened(&format!("{prefix}{kind}{}", &message[expected..]));
        }
    }
    if message.starts_with("unknown variant ") {
        return shortened(&format!("unknown variant ***{}", &message[expected..]));
    }
    shortened(message)
}

/// serde_json appends " at line L column C"; the diagnostic shows the
/// position itself, so the message should not repeat it.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(index) => message[..index].to_owned(),
        None => message.to_owned(),
    }
}

/// serde_json reports 1-based lines and columns, where the column is a byte
/// count; line 0 means "no position" (e.g. an error raised at the end).
fn offset_of(text: &str, line: usize, column: usize) -> usize {
    if line == 0 {
        return text.len();
    }
    let mut offset = 0;
    for (index, segment) in text.split_inclusive('\n').enumerate() {
        if index + 1 == line {
            return (offset + column.saturating_sub(1)).min(text.len());
        }
        offset += segment.len();
    }
    text.len()
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_value_serde_met_is_not_repeated_in_the_message() {
        let cases = [
            (
                r#"invalid type: string "hunter2", expected struct Variable"#,
                "invalid type: a string, expected struct Variable",
            ),
            (
                "invalid value: integer `1234`, expected a boolean",
                "invalid value: an integer, expected a boolean",
            ),
            (
                "invalid type: map, expected a string",
                "invalid type: map, expected a string",
            ),
            (
                "unknown variant `Delete`, expected `managed` or `data`",
                "unknown variant ***, expected `managed` or `data`",
            ),
            // A value that itself says ", expected" is cut at the last one.
            (
                r#"invalid type: string "x, expected y", expected a map"#,
                "invalid type: a string, expected a map",
            ),
        ];
        for (message, redacted) in cases {
            assert_eq!(without_values(message), redacted);
        }
        let long = format!("unknown action list [{}]", "\"delete\",".repeat(1000));
        assert!(without_values(&long).chars().count() <= MAX_MESSAGE_CHARS + 1);
    }

    use super::*;

    #[test]
    fn plan_strings_are_borrowed_from_the_text_not_copied() {
        use std::borrow::Cow;
        let text = r#"{"format_version":"1.2","resource_changes":[{"address":"module.m.a.b","previous_address":"a.b","module_address":"module.m","mode":"managed","type":"a","name":"b","provider_name":"registry.terraform.io/x/y","change":{"actions":["no-op"]}}],"prior_state":{"values":{"root_module":{"resources":[{"address":"a.c","mode":"managed","type":"a","name":"c","provider_name":"p","depends_on":["a.d"],"deposed_key":"00aa"}]}}}}"#;
        let document = parse_document(text).unwrap();
        let change = &document.resource_changes.as_ref().unwrap()[0];
        let borrowed = |text: &Option<Cow<'_, str>>| matches!(text, Some(Cow::Borrowed(_)));
        for field in [
            &change.previous_address,
            &change.module_address,
            &change.name,
            &change.provider_name,
        ] {
            assert!(borrowed(field), "{field:?}");
        }
        let state = document
            .prior_state
            .as_ref()
            .unwrap()
            .values
            .as_ref()
            .unwrap();
        let resource = &state.root_module.resources[0];
        for field in [&resource.name, &resource.deposed_key] {
            assert!(borrowed(field), "{field:?}");
        }
        assert!(matches!(resource.depends_on[0], Cow::Borrowed("a.d")));
        // A string with escapes cannot be borrowed, and reads the same.
        let escaped = text.replace(r#""name":"b""#, r#""name":"\u0062""#);
        let document = parse_document(&escaped).unwrap();
        let change = &document.resource_changes.as_ref().unwrap()[0];
        assert_eq!(change.name.as_deref(), Some("b"));
    }

    #[test]
    fn unknown_action_reports_its_json_path() {
        let text = r#"{"format_version":"1.2","resource_changes":[
            {"address":"a.b","type":"a","change":{"actions":["create"]}},
            {"address":"a.c","type":"a","change":{"actions":["explode"]}}]}"#;
        let failure = parse_document(text).unwrap_err();
        assert_eq!(failure.json_path, "resource_changes[1].change.actions");
        assert!(
            failure.message.contains("unknown action list"),
            "{}",
            failure.message
        );
        assert!(text[..failure.offset].ends_with(r#"["explode""#));
    }

    #[test]
    fn truncated_document_is_an_eof_failure() {
        let failure =
            parse_document(r#"{"format_version":"1.2","resource_changes":[{"addr"#).unwrap_err();
        assert_eq!(failure.category, serde_json::error::Category::Eof);
    }

    #[test]
    fn an_unreadable_configuration_is_recorded_without_its_values() {
        let text = r#"{"format_version":"1.2","resource_changes":[],
            "configuration":{"root_module":{"module_calls":"hunter2-secret"}}}"#;
        let document = parse_document(text).unwrap();
        assert!(document.configuration.is_none());
        let unreadable = &document.unreadable[0];
        assert_eq!(
            unreadable.json_path,
            "configuration.root_module.module_calls"
        );
        assert!(
            unreadable.problem.contains("expected a map"),
            "{unreadable:?}"
        );
        assert!(!unreadable.problem.contains("hunter2"), "{unreadable:?}");
    }

    #[test]
    fn a_configuration_object_written_as_a_list_is_unreadable_not_empty() {
        // serde reads a struct from a list too, field by field: `[]` read as
        // an empty configuration, and the references it declares went
        // missing from the blast radius without a finding.
        for (configuration, json_path) in [
            ("[]", "configuration"),
            (r#"{"root_module":[]}"#, "configuration.root_module"),
            (
                r#"{"root_module":{"resources":[[]]}}"#,
                "configuration.root_module.resources[0]",
            ),
            (
                r#"{"root_module":{"module_calls":{"app":{"module":[]}}}}"#,
                "configuration.root_module.module_calls.app.module",
            ),
            (
                r#"{"root_module":{"module_calls":{"app":[]}}}"#,
                "configuration.root_module.module_calls.app",
            ),
            (
                r#"{"root_module":{"outputs":{"url":[]}}}"#,
                "configuration.root_module.outputs.url",
            ),
        ] {
            let text = format!(
                r#"{{"format_version":"1.2","resource_changes":[],"configuration":{configuration}}}"#
            );
            let document = parse_document(&text).unwrap();
            assert!(document.configuration.is_none(), "{configuration}");
            let unreadable = &document.unreadable[0];
            assert_eq!(unreadable.json_path, json_path, "{configuration}");
            assert!(
                unreadable.problem.contains("expected an object"),
                "{unreadable:?}"
            );
        }
        // A block whose name or type was changed and whose address was not
        // (or the other way round) is not the block its instances name.
        for resource in [
            r#"{"address":"a.b","type":"a","name":"c"}"#,
            r#"{"address":"a.b","type":"x","name":"b"}"#,
            r#"{"address":"a.b","mode":"data","type":"a","name":"b"}"#,
            r#"{"address":"data.a.b","mode":"managed","type":"a","name":"b"}"#,
        ] {
            let text = format!(
                r#"{{"format_version":"1.2","configuration":{{"root_module":{{"module_calls":{{"m":{{"module":{{"resources":[{{"address":"a.ok","type":"a","name":"ok"}},{resource}]}}}}}}}}}}}}"#
            );
            let document = parse_document(&text).unwrap();
            assert!(document.configuration.is_none(), "{resource}");
            assert_eq!(
                document.unreadable[0].json_path,
                "configuration.root_module.module_calls.m.module.resources[1].address"
            );
        }
        // The objects themselves still read, an empty root module included.
        let document = parse_document(
            r#"{"format_version":"1.2","configuration":{"root_module":{"module_calls":{"app":{"module":{"resources":[{"address":"a.b","type":"a","name":"b"}]}}}}}}"#,
        )
        .unwrap();
        let root = &document.configuration.as_ref().unwrap().root_module;
        assert_eq!(root.module_calls["app"].module.resources[0].address, "a.b");
        let document =
            parse_document(r#"{"format_version":"1.2","configuration":{"root_module":{}}}"#)
                .unwrap();
        assert!(document.configuration.is_some() && document.unreadable.is_empty());
    }
    #[test]
    fn null_sections_are_refused_and_absent_ones_are_empty() {
        for section in [
            "resource_changes",
            "prior_state",
            "planned_values",
            "resource_drift",
            "output_changes",
            "variables",
        ] {
            let text = format!(r#"{{"format_version":"1.2","{section}":null}}"#);
            let failure = parse_document(&text).unwrap_err();
            assert_eq!(failure.json_path, section);
        }
        // Fuzz case 1303-31870: a state section without root_module read as
        // an empty state and a teardown passed.
        let failure =
            parse_document(r#"{"format_version":"1.2","prior_state":{"values":{}}}"#).unwrap_err();
        assert_eq!(failure.json_path, "prior_state.values");
        assert!(
            failure.message.contains("root_module"),
            "{}",
            failure.message
        );
        let document = parse_document(r#"{"format_version":"1.2"}"#).unwrap();
        assert!(document.resource_changes.is_none());
    }

    #[test]
    fn deep_module_nesting_parses() {
        let depth = 200;
        let mut text = String::from(r#"{"format_version":"1.2","planned_values":{"root_module":"#);
        for _ in 0..depth {
            text.push_str(r#"{"child_modules":["#);
        }
        text.push_str(r#"{"resources":[{"address":"x.y","type":"x","values":{"n":1e400}}]}"#);
        for _ in 0..depth {
            text.push_str("]}");
        }
        text.push_str("}}");
        let document = parse_document(&text).unwrap();
        let root = &document.planned_values.unwrap().root_module;
        assert_eq!(root.all_resources().count(), 1);
    }
}
