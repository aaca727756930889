//! Plan-supplied text made inert for a Markdown comment and a Mermaid label.

use super::*;

/// Plan-supplied text made inert in Markdown and in HTML, so it is safe in a
/// paragraph, a table cell and a `<summary>` alike (never in a code span,
/// where entities are not decoded).
///
/// Control, bidi and zero-width characters are made visible first
/// ([`for_terminal`]); then `&<>` become HTML entities, the characters
/// Markdown gives meaning to become numeric references (a reference is
/// always literal text, never syntax, and it cannot split a table cell), and
/// a zero-width space (written as `&#8203;`) breaks what GitHub links on
/// rendered text: `@mentions`, e-mail addresses, `#123` references and bare
/// `https://` or `www.` links.
pub fn escape(text: &str) -> String {
    let visible = for_terminal(text);
    let chars: Vec<char> = visible.chars().collect();
    let mut escaped = String::with_capacity(visible.len() + visible.len() / 4);
    for (index, &character) in chars.iter().enumerate() {
        let before = index.checked_sub(1).map(|at| chars[at]);
        let after = chars.get(index + 1).copied();
        match character {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '|' => escaped.push_str("&#124;"),
            '`' => escaped.push_str("&#96;"),
            '\\' => escaped.push_str("&#92;"),
            '*' => escaped.push_str("&#42;"),
            '~' => escaped.push_str("&#126;"),
            '[' => escaped.push_str("&#91;"),
            ']' => escaped.push_str("&#93;"),
            '$' => escaped.push_str("&#36;"),
            '!' => escaped.push_str("&#33;"),
            // Between two letters or digits `_` cannot open or close
            // emphasis (`aws_db_instance`); elsewhere it might.
            '_' if before.is_some_and(char::is_alphanumeric)
                && after.is_some_and(char::is_alphanumeric) =>
            {
                escaped.push('_');
            }
            '_' => escaped.push_str("&#95;"),
            '#' if after.is_some_and(char::is_alphanumeric) => escaped.push_str("&#35;&#8203;"),
            '#' => escaped.push_str("&#35;"),
            '@' => escaped.push_str("&#64;&#8203;"),
            ':' if after == Some('/') => escaped.push_str(":&#8203;"),
            '.' if index >= 3
                && chars[index - 3..index]
                    .iter()
                    .all(|letter| letter.eq_ignore_ascii_case(&'w')) =>
            {
                escaped.push_str("&#8203;.");
            }
            other => escaped.push(other),
        }
    }
    escaped
}

/// An escaped address that may wrap after its dots and brackets, so long
/// module paths do not push a table wider than the comment.
pub(super) fn breakable(escaped: &str) -> String {
    escaped
        .replace('.', ".<wbr>")
        .replace("&#93;", "&#93;<wbr>")
}

/// [`escape`] of at most `max_chars` characters of `text`.
pub(super) fn escape_bounded(text: &str, max_chars: usize) -> String {
    escape(&bounded(text, max_chars))
}

/// Text for a quoted Mermaid label (`n0["…"]`): Mermaid's entity codes
/// (`#quot;`, `#35;`) for the characters that end the label, start an entity
/// or a directive (`%%{…}%%`), or turn on HTML or Markdown labels.
pub fn mermaid_label(text: &str) -> String {
    let visible = for_terminal(text);
    let mut escaped = String::with_capacity(visible.len() + 8);
    for character in visible.chars() {
        match character {
            '"' => escaped.push_str("#quot;"),
            '#' => escaped.push_str("#35;"),
            '&' => escaped.push_str("#amp;"),
            '<' => escaped.push_str("#lt;"),
            '>' => escaped.push_str("#gt;"),
            '`' => escaped.push_str("#96;"),
            '%' => escaped.push_str("#37;"),
            '@' => escaped.push_str("#64;"),
            other => escaped.push(other),
        }
    }
    escaped
}
