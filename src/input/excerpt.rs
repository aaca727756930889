//! A bounded, redacted window of a JSON text around an error position.
//!
//! A plan is often one multi-megabyte line full of secrets, so a diagnostic
//! can neither print "the offending line" nor any string value near the
//! error: object keys are kept (they name the schema), values become `***`
//! (strings, numbers and `true`/`false`/`null` alike: Terraform marks
//! numbers and booleans sensitive too), and the window is cut to a few
//! dozen characters on each side. Text before the document (a log line)
//! is left out: a stray quote in it would put the lexer out of step.

use crate::util::escape;

const CHARS_BEFORE: usize = 60;
const CHARS_AFTER: usize = 30;
const REDACTED: &str = "***";

/// The keys of Terraform's plan and state formats (and of the documents a
/// plan is confused with): shown in an excerpt. Any other key is a payload's.
const PLAN_KEYS: &[&str] = &[
    "format_version",
    "terraform_version",
    "variables",
    "value",
    "planned_values",
    "outputs",
    "root_module",
    "resources",
    "child_modules",
    "address",
    "mode",
    "type",
    "name",
    "index",
    "provider_name",
    "schema_version",
    "values",
    "sensitive_values",
    "depends_on",
    "deposed_key",
    "resource_drift",
    "resource_changes",
    "module_address",
    "previous_address",
    "deposed",
    "change",
    "actions",
    "before",
    "after",
    "after_unknown",
    "before_sensitive",
    "after_sensitive",
    "replace_paths",
    "importing",
    "id",
    "generated_config",
    "action_reason",
    "output_changes",
    "prior_state",
    "configuration",
    "provider_config",
    "full_name",
    "version_constraint",
    "expressions",
    "references",
    "constant_value",
    "count_expression",
    "for_each_expression",
    "module_calls",
    "source",
    "module",
    "description",
    "sensitive",
    "default",
    "relevant_attributes",
    "resource",
    "attribute",
    "checks",
    "status",
    "instances",
    "problems",
    "message",
    "timestamp",
    "applyable",
    "complete",
    "errored",
    "deferred_changes",
    "reason",
    "resource_change",
    "lineage",
    "serial",
    "version",
    "@level",
    "@message",
];

/// The excerpt text and where the error sits in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Excerpt {
    pub text: String,
    pub error_at: usize,
    /// 1-based line and column (in characters) of the error in the whole input.
    pub line: usize,
    pub column: usize,
}

/// The excerpt of `text` around `offset`, for the JSON document that
/// starts at `document_start` (both byte offsets in `text`).
pub fn around(text: &str, document_start: usize, offset: usize) -> Excerpt {
    let offset = floor_char_boundary(text, offset.min(text.len()));
    let document_start = floor_char_boundary(text, document_start.min(offset));
    let line_start = text[..offset].rfind('\n').map_or(0, |index| index + 1);
    let line_end = text[offset..]
        .find('\n')
        .map_or(text.len(), |index| offset + index);
    let window_start = text[line_start..offset]
        .char_indices()
        .rev()
        .nth(CHARS_BEFORE - 1)
        .map_or(line_start, |(index, _)| line_start + index)
        .max(document_start);
    let window_end = text[offset..line_end]
        .char_indices()
        .nth(CHARS_AFTER)
        .map_or(line_end, |(index, _)| offset + index);

    let mut lexer = Lexer::default();
    for &byte in &text.as_bytes()[document_start..window_start] {
        lexer.feed(byte);
    }

    let mut excerpt = String::new();
    let mut error_at = None;
    if window_start > line_start {
        excerpt.push('…');
    }
    let mut redacting = false;
    let mut in_scalar = false;
    // A key is shown once whole, and only when the plan format names it: a
    // payload's keys can be a sensitive map's (`"customer-nightjar": …`).
    // `None` inside a key that began before the window (never shown).
    let mut key: Option<Option<String>> = lexer.in_key_string().then_some(None);
    for (index, character) in text[window_start..window_end].char_indices() {
        if window_start + index == offset {
            error_at = Some(excerpt.len());
        }
        let was_value_string = lexer.in_value_string();
        let was_in_string = lexer.in_string;
        if character.is_ascii() {
            lexer.feed(character as u8);
        }
        if let Some(shown) = &mut key {
            if lexer.in_key_string() {
                if let Some(shown) = shown {
                    shown.push(character);
                }
                continue;
            }
            // The closing quote.
            match shown
                .take()
                .filter(|name| PLAN_KEYS.contains(&name.as_str()))
            {
                Some(name) => excerpt.push_str(&name),
                None => excerpt.push_str(REDACTED),
            }
            key = None;
        } else if !was_in_string && lexer.in_key_string() {
            excerpt.push('"');
            key = Some(Some(String::new()));
            continue;
        }
        // Outside strings, anything but structure and spacing is a value.
        if !was_in_string
            && !lexer.in_string
            && !matches!(
                character,
                '{' | '}' | '[' | ']' | ',' | ':' | ' ' | '\t' | '\n' | '\r'
            )
        {
            if !in_scalar {
                excerpt.push_str(REDACTED);
                in_scalar = true;
            }
            continue;
        }
        in_scalar = false;
        let is_value_string = lexer.in_value_string();
        if was_value_string && is_value_string {
            if !redacting {
                excerpt.push_str(REDACTED);
                redacting = true;
            }
            continue;
        }
        if was_value_string && !is_value_string && !redacting {
            excerpt.push_str(REDACTED);
        }
        redacting = false;
        excerpt.push_str(&escape::for_terminal(character.encode_utf8(&mut [0; 4])));
    }
    if key.is_some() {
        excerpt.push_str(REDACTED);
    }
    let error_at = error_at.unwrap_or(excerpt.len());
    if window_end < line_end {
        excerpt.push('…');
    }
    let line = text[..offset].matches('\n').count() + 1;
    let column = text[line_start..offset].chars().count() + 1;
    Excerpt {
        text: excerpt,
        error_at,
        line,
        column,
    }
}

/// The excerpt as miette source code, reporting the error's real line and
/// column in the input rather than its place in the excerpt.
#[derive(Debug)]
pub struct ExcerptSource {
    name: String,
    excerpt: Excerpt,
}

impl ExcerptSource {
    pub fn new(name: String, excerpt: Excerpt) -> Self {
        Self { name, excerpt }
    }

    pub fn span(&self) -> miette::SourceSpan {
        let length = self.excerpt.text[self.excerpt.error_at..]
            .chars()
            .next()
            .map_or(0, char::len_utf8);
        miette::SourceSpan::new(self.excerpt.error_at.into(), length)
    }
}

impl miette::SourceCode for ExcerptSource {
    fn read_span<'a>(
        &'a self,
        span: &miette::SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        let inner = self
            .excerpt
            .text
            .read_span(span, context_lines_before, context_lines_after)?;
        Ok(Box::new(miette::MietteSpanContents::new_named(
            self.name.clone(),
            inner.data(),
            *inner.span(),
            self.excerpt.line - 1,
            self.excerpt.column - 1,
            inner.line_count(),
        )))
    }
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// Just enough JSON lexing to know whether a byte sits inside a string that
/// is a value (redacted) rather than an object key (kept).
#[derive(Default)]
struct Lexer {
    containers: Vec<u8>,
    in_string: bool,
    string_is_key: bool,
    escaped: bool,
    expecting_key: bool,
}

impl Lexer {
    fn in_value_string(&self) -> bool {
        self.in_string && !self.string_is_key
    }

    fn in_key_string(&self) -> bool {
        self.in_string && self.string_is_key
    }

    fn feed(&mut self, byte: u8) {
        if self.in_string {
            if self.escaped {
                self.escaped = false;
            } else if byte == b'\\' {
                self.escaped = true;
            } else if byte == b'"' {
                self.in_string = false;
            }
            return;
        }
        match byte {
            b'"' => {
                self.in_string = true;
                self.string_is_key = self.expecting_key;
                self.expecting_key = false;
            }
            b'{' => {
                self.containers.push(b'{');
                self.expecting_key = true;
            }
            b'[' => {
                self.containers.push(b'[');
                self.expecting_key = false;
            }
            b'}' | b']' => {
                self.containers.pop();
                self.expecting_key = false;
            }
            b',' => self.expecting_key = self.containers.last() == Some(&b'{'),
            b':' => self.expecting_key = false,
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_redacted_keys_are_kept() {
        let text = r#"{"variables":{"password":{"value":"hunter2"}},"resource_changes":[{"change":{"actions":["explode"]}}]}"#;
        let offset = text.find("explode").unwrap();
        let excerpt = around(text, 0, offset);
        assert!(!excerpt.text.contains("hunter2"), "{}", excerpt.text);
        assert!(!excerpt.text.contains("explode"), "{}", excerpt.text);
        assert!(
            excerpt.text.contains(r#""actions":["***"]"#),
            "{}",
            excerpt.text
        );
        assert_eq!(excerpt.line, 1);
    }

    #[test]
    fn window_is_bounded_on_a_long_line() {
        let secret = "s".repeat(10_000);
        let text = format!(r#"{{"a":"{secret}","b":[1,2,}}"#);
        let offset = text.len() - 1;
        let excerpt = around(&text, 0, offset);
        assert!(excerpt.text.chars().count() <= CHARS_BEFORE + CHARS_AFTER + 8);
        assert!(!excerpt.text.contains("sss"));
        assert_eq!(&excerpt.text[excerpt.error_at..excerpt.error_at + 1], "}");
    }

    #[test]
    fn error_inside_a_string_starting_before_the_window() {
        let text = format!(r#"{{"k":"{}"#, "x".repeat(500));
        let excerpt = around(&text, 0, text.len());
        assert!(!excerpt.text.contains('x'), "{}", excerpt.text);
    }

    #[test]
    fn a_payloads_keys_are_redacted_and_the_plan_formats_are_not() {
        let text = r#"{"resource_changes":[{"change":{"after":{"input":{"customer-nightjar-7781":"x","customer-osprey"#;
        let excerpt = around(text, 0, text.len());
        assert!(!excerpt.text.contains("nightjar"), "{}", excerpt.text);
        assert!(!excerpt.text.contains("osprey"), "{}", excerpt.text);
        assert!(!excerpt.text.contains("input"), "{}", excerpt.text);
        assert!(
            excerpt.text.ends_with(r#"{"***":{"***":"***","***"#),
            "{}",
            excerpt.text
        );
        let text = r#"{"resource_changes":[{"change":{"after":{"port":5"#;
        let excerpt = around(text, 0, text.len());
        assert!(
            excerpt.text.contains(r#""change":{"after":{"***":***"#),
            "{}",
            excerpt.text
        );
    }

    #[test]
    fn numbers_and_literals_are_redacted_like_strings() {
        let text = r#"{"input":{"password":"p","port":5433,"on":true,"off":null,"n":-1.5e3}"#;
        let excerpt = around(text, 0, text.len());
        for value in ["5433", "true", "null", "1.5e3", "\"p\""] {
            assert!(!excerpt.text.contains(value), "{value}: {}", excerpt.text);
        }
        assert!(
            excerpt.text.contains(r#""***":***,"***":***"#),
            "{}",
            excerpt.text
        );
    }

    #[test]
    fn a_stray_quote_before_the_document_does_not_put_it_out_of_step() {
        // A log line with an odd number of quotes, then a cut-short plan.
        let log = "2026-01-01 note: \"unterminated\n";
        let text = format!(r#"{log}{{"variables":{{"password":{{"value":"Hunter2Secret"#);
        let excerpt = around(&text, log.len(), text.len());
        assert!(!excerpt.text.contains("Hunter2"), "{}", excerpt.text);
        assert!(!excerpt.text.contains("note"), "{}", excerpt.text);
        assert!(
            excerpt
                .text
                .contains(r#"{"variables":{"***":{"value":"***"#),
            "{}",
            excerpt.text
        );
    }
}
