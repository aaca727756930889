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
pub fn strip_outside_strings(text: &str) -> (String, Vec<usize>) {
    let mut removed = Vec::new();
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
                index = sequence_end(bytes, index);
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
    (text, removed)
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
        let (stripped, removed) = strip_outside_strings(text);
        assert_eq!(stripped, "12:00 INFO run \"x\n{\"a\":\"b\"}\n");
        // Where each sequence stood in the result: around the document only.
        assert_eq!(removed, [0, 10, 18, 27]);
    }

    #[test]
    fn escape_inside_a_string_is_kept_for_the_parser() {
        let text = "{\"address\":\"a.b\u{1b}[31m\",\"x\":\"\\\"\u{7}\"}";
        assert_eq!(strip_outside_strings(text).0, text);
    }

    #[test]
    fn osc_and_lone_escapes_are_removed() {
        assert_eq!(
            strip_outside_strings("\u{1b}]0;title\u{7}{}\u{1b}]8;;x\u{1b}\\\u{1b}c").0,
            "{}"
        );
    }
}
