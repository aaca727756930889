//! Escaping of plan-supplied strings before they reach a terminal.
//!
//! Terraform's encoder leaves DEL, C1 controls (U+009B is an 8-bit CSI),
//! bidi overrides and zero-width characters raw in plan JSON, so an address
//! or for_each key can rewrite a terminal line or hide text. Every string
//! that comes from a plan goes through [`for_terminal`] before it is printed.

use std::borrow::Cow;
use std::fmt::Write;

/// Escapes control, format (bidi, zero-width) and other invisible characters
/// as `\u{…}`, keeping quotes and printable unicode as they are.
pub fn for_terminal(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut escaped = String::with_capacity(text.len() + 8);
    for character in text.chars() {
        if needs_escape(character) {
            match character {
                '\n' => escaped.push_str("\\n"),
                '\r' => escaped.push_str("\\r"),
                '\t' => escaped.push_str("\\t"),
                _ => {
                    let _ = write!(escaped, "\\u{{{:x}}}", character as u32);
                }
            }
        } else {
            escaped.push(character);
        }
    }
    Cow::Owned(escaped)
}

pub fn needs_escape(character: char) -> bool {
    character.is_control()
        || matches!(character,
            // bidi embeddings, overrides and isolates
            '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{061c}'
            // zero-width and invisible separators
            | '\u{200b}'..='\u{200d}' | '\u{2060}'..='\u{2064}' | '\u{feff}' | '\u{00ad}'
            | '\u{2028}' | '\u{2029}' | '\u{180e}'
            // interlinear annotation and tag characters can hide text
            | '\u{fff9}'..='\u{fffb}' | '\u{e0000}'..='\u{e007f}')
}

/// JSON text (a string literal or fragment) with the characters JSON leaves
/// raw but a terminal acts on (C1 controls, bidi overrides, zero-width)
/// written as `\uXXXX` escapes; the JSON value is unchanged.
pub fn json_terminal_safe(json: &str) -> Cow<'_, str> {
    if !json.chars().any(needs_escape) {
        return Cow::Borrowed(json);
    }
    let mut safe = String::with_capacity(json.len() + 8);
    for character in json.chars() {
        if needs_escape(character) {
            let mut units = [0u16; 2];
            for unit in character.encode_utf16(&mut units) {
                let _ = write!(safe, "\\u{unit:04x}");
            }
        } else {
            safe.push(character);
        }
    }
    Cow::Owned(safe)
}

/// At most `max_chars` characters of `text`, with an ellipsis when cut.
pub fn bounded(text: &str, max_chars: usize) -> String {
    let mut chars = text.chars();
    let mut kept: String = chars.by_ref().take(max_chars).collect();
    if chars.next().is_some() {
        kept.push('…');
    }
    kept
}

/// The length a JSON path is cut to in a diagnostic or a report (see
/// [`bounded_path`]); real plans' paths are well under it.
pub const MAX_PATH_CHARS: usize = 400;

/// A JSON path of at most about `max_chars` characters: its start (the
/// section) and its end (the field at fault), with what lies between left
/// out and counted. A problem 50,000 modules deep has a path of 850 KB,
/// which would drown the one line a script reads.
pub fn bounded_path(path: &str, max_chars: usize) -> Cow<'_, str> {
    let length = path.chars().count();
    if length <= max_chars {
        return Cow::Borrowed(path);
    }
    let kept = max_chars / 2;
    let head_end = path
        .char_indices()
        .nth(kept)
        .map_or(path.len(), |(at, _)| at);
    let tail_start = path
        .char_indices()
        .nth(length - kept)
        .map_or(path.len(), |(at, _)| at);
    // Cut between steps (before a `.`) where the path has them.
    let head = match path[..head_end].rfind('.') {
        Some(at) if at > 0 => &path[..at],
        _ => &path[..head_end],
    };
    let tail = match path[tail_start..].find('.') {
        Some(at) => &path[tail_start + at..],
        None => &path[tail_start..],
    };
    let left_out = length - head.chars().count() - tail.chars().count();
    Cow::Owned(format!("{head}…({left_out} characters left out)…{tail}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_paths_keep_their_section_and_the_field_at_fault() {
        let short = "resource_changes[0].change.after";
        assert!(matches!(bounded_path(short, 40), Cow::Borrowed(_)));
        let deep = format!(
            "prior_state.values.root_module{}.resources[0].mode",
            ".child_modules[0]".repeat(10_000)
        );
        let bounded = bounded_path(&deep, 200);
        assert!(bounded.starts_with("prior_state.values.root_module.child_modules[0]"));
        assert!(bounded.ends_with(".child_modules[0].resources[0].mode"));
        assert!(
            bounded.contains("child_modules[0]…(169864 characters left out)….child_modules[0]"),
            "{bounded}"
        );
        assert!(bounded.chars().count() < 250);
        // Multi-byte characters are never split.
        let wide = "é".repeat(1_000);
        assert_eq!(
            bounded_path(&wide, 10),
            "ééééé…(990 characters left out)…ééééé"
        );
    }

    #[test]
    fn plain_addresses_are_untouched() {
        let address = r#"module.a["ünïcode ✓ \"q\""].aws_s3_bucket.b[0]"#;
        assert!(matches!(for_terminal(address), Cow::Borrowed(_)));
    }

    #[test]
    fn terminal_control_sequences_are_neutralised() {
        let hostile = "a\u{1b}[2Jb\u{9b}31mc\u{202e}d\u{200b}e\u{7f}";
        let escaped = for_terminal(hostile);
        assert_eq!(
            escaped,
            "a\\u{1b}[2Jb\\u{9b}31mc\\u{202e}d\\u{200b}e\\u{7f}"
        );
        assert!(!escaped.chars().any(needs_escape));
    }

    #[test]
    fn bounded_cuts_on_characters() {
        assert_eq!(bounded("ünïcode", 3), "ünï…");
        assert_eq!(bounded("abc", 3), "abc");
    }
}
