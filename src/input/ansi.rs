//! Colour codes around a plan (Terragrunt's coloured log lines, a wrapper's
//! output) are removed; inside the JSON document they are left for the
//! parser to refuse. Raw control characters are invalid in a JSON string, so
//! an ESC inside one means the document itself is damaged, and removing it
//! would let a damaged plan be analysed as another one.
//!
//! "Inside a string" is tracked per line: a JSON string cannot span a raw
//! newline, so an odd quote in a log line cannot leak into the next line.

/// `text` without the ANSI escape sequences that stand outside JSON
/// strings, and where (offsets in the result) each was removed, so a caller
/// can refuse one that stood inside a JSON document between its tokens.
pub struct Stripped {
    pub text: String,
    pub removed: Vec<usize>,
    /// Where (offset in `text`) the first sequence was removed that held
    /// JSON's structural bytes (`{`, `}`, `"`): a window title or link that
    /// runs over a whole one-line plan (`ESC ] 0;{…}BEL`), or `ESC {` eating
    /// a document's brace. Removing it would hide a plan, so it is refused.
    pub swallowed_json: Option<usize>,
}

pub fn strip_outside_strings(text: &str) -> Stripped {
    let mut removed = Vec::new();
    let mut swallowed_json = None;
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut in_string = false;
    let mut index = 0;
    while index < bytes.len() {
        let byte = bytes[index];
        match byte {
            b'\n' => {
                in_string = false;
                out.push(byte);
                index += 1;
            }
            b'\\' if in_string => {
                out.push(byte);
                if let Some(&next) = bytes.get(index + 1)
                    && next != b'\n'
                {
                    out.push(next);
                    index += 1;
                }
                index += 1;
            }
            b'"' => {
                in_string = !in_string;
                out.push(byte);
                index += 1;
            }
            0x1b if !in_string => {
                removed.push(out.len());
                let end = sequence_end(bytes, index);
                if swallowed_json.is_none()
                    && bytes[index..end]
                        .iter()
                        .any(|byte| matches!(byte, b'{' | b'}' | b'"'))
                {
                    swallowed_json = Some(out.len());
                }
                index = end;
            }
            _ => {
                out.push(byte);
                index += 1;
            }
        }
    }
    // Only ASCII bytes were removed, so the text is still UTF-8.
    let text = String::from_utf8(out)
        .unwrap_or_else(|error| String::from_utf8_lossy(error.as_bytes()).into_owned());
    Stripped {
        text,
        removed,
        swallowed_json,
    }
}

/// Index just past the escape sequence starting at `start` (an ESC): CSI
/// (`ESC [ … final`), OSC (`ESC ] … BEL` or `ESC ] … ESC \`), or ESC plus
/// one character.
fn sequence_end(bytes: &[u8], start: usize) -> usize {
    match bytes.get(start + 1) {
        Some(b'[') => {
            let mut index = start + 2;
            while let Some(&byte) = bytes.get(index) {
                index += 1;
                if (0x40..=0x7e).contains(&byte) {
                    return index;
                }
                if byte == b'\n' {
                    return index - 1;
                }
            }
            index
        }
        Some(b']') => {
            let mut index = start + 2;
            while let Some(&byte) = bytes.get(index) {
                match byte {
                    0x07 => return index + 1,
                    0x1b if bytes.get(index + 1) == Some(&b'\\') => return index + 2,
                    b'\n' => return index,
                    _ => index += 1,
                }
            }
            index
        }
        Some(byte) if byte.is_ascii() && *byte != b'\n' => start + 2,
        _ => start + 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_around_the_document_is_removed() {
        let text = "\u{1b}[36m12:00 INFO\u{1b}[0m run \"x\n\u{1b}[0m{\"a\":\"b\"}\u{1b}[0m\n";
        let stripped = strip_outside_strings(text);
        assert_eq!(stripped.text, "12:00 INFO run \"x\n{\"a\":\"b\"}\n");
        // Where each sequence stood in the result: around the document only.
        assert_eq!(stripped.removed, [0, 10, 18, 27]);
        assert_eq!(stripped.swallowed_json, None);
    }

    #[test]
    fn escape_inside_a_string_is_kept_for_the_parser() {
        let text = "{\"address\":\"a.b\u{1b}[31m\",\"x\":\"\\\"\u{7}\"}";
        assert_eq!(strip_outside_strings(text).text, text);
    }

    #[test]
    fn osc_and_lone_escapes_are_removed() {
        assert_eq!(
            strip_outside_strings("\u{1b}]0;title\u{7}{}\u{1b}]8;;https://x\u{1b}\\\u{1b}c").text,
            "{}"
        );
    }

    #[test]
    fn a_sequence_that_would_swallow_json_is_reported() {
        // A title running over a whole one-line plan, unterminated or not,
        // and escapes that eat a document's brace.
        for (text, at) in [
            ("{\"a\":1}\n\u{1b}]{\"b\":2}\n", 8),
            ("\u{1b}]0;{\"b\":2}\u{7}\n{\"a\":1}", 0),
            ("{\"a\":1}\n\u{1b}{\"b\":2}", 8),
            ("{\"a\":1}\n\u{1b}[{\"b\":2}", 8),
        ] {
            assert_eq!(
                strip_outside_strings(text).swallowed_json,
                Some(at),
                "{text:?}"
            );
        }
    }
}
