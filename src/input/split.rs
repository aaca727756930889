//! Finding the JSON documents in a text that may hold several of them
//! (Terragrunt's `run --all show -json` prints one per line) and lines that
//! are not JSON at all (setup-terraform's wrapper, log lines).

use std::ops::Range;

use serde_json::value::RawValue;

use crate::model::JsonFailure;

/// What kind of noise a non-JSON line is, to say how to avoid it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Noise {
    /// `[command]…terraform-bin show -json`, `::debug::`, `::set-output`, `%0A`:
    /// hashicorp/setup-terraform's wrapper.
    SetupTerraformWrapper,
    /// Anything else: log lines of Terragrunt or a shell script.
    LogLine,
}

#[derive(Debug, Default)]
pub struct Split {
    pub documents: Vec<Range<usize>>,
    /// Line number (1-based) and kind of each ignored line.
    pub noise: Vec<(usize, Noise)>,
}

/// A JSON document that starts like one but does not parse.
#[derive(Debug)]
pub struct BrokenDocument {
    pub start: usize,
    pub failure: JsonFailure,
}

/// The Terragrunt unit whose output `before` ends with: the last log line
/// `… [modules/db] Running command: terraform show -json …` in it. Terragrunt
/// prints that line before each unit's document, so it names the document.
pub fn terragrunt_unit(before: &str) -> Option<&str> {
    let line = before
        .lines()
        .rev()
        .find(|line| line.contains("] Running command:"))?;
    let end = line.find("] Running command:")?;
    let start = line[..end].rfind('[')? + 1;
    let unit = line[start..end].trim();
    (!unit.is_empty() && unit.len() <= 256 && !unit.contains(['\n', '\r'])).then_some(unit)
}

pub fn split(text: &str) -> Result<Split, BrokenDocument> {
    let mut split = Split::default();
    // A fragment before any document is damage only if a document follows;
    // a file with no document at all is refused as not JSON, which says more.
    let mut fragment_before = None;
    let mut lines = LineCounter::default();
    let mut position = 0;
    while position < text.len() {
        let rest = &text[position..];
        let trimmed = rest.trim_start_matches([' ', '\t', '\r', '\n']);
        position += rest.len() - trimmed.len();
        if trimmed.is_empty() {
            break;
        }
        if starts_document(trimmed) {
            match document_length(trimmed) {
                Ok(length) => {
                    split.documents.push(position..position + length);
                    position += length;
                    // The wrapper glues `%0A` to the document's last byte.
                    let tail = line_rest(&text[position..]);
                    if !tail.trim().is_empty() {
                        reject_json_fragment(
                            text,
                            position + (tail.len() - tail.trim_start().len()),
                            last_document(text, &split),
                        )?;
                        split
                            .noise
                            .push((lines.line_at(text, position), classify(tail)));
                    }
                    position += tail.len();
                    continue;
                }
                // `[command]…`, `[INFO] …`: a bracketed log line, not a JSON
                // array. An array that fails on a later line is a broken
                // document (and trying each of its lines again would take
                // time quadratic in their number).
                Err(failure)
                    if trimmed.starts_with('[')
                        && failure.category == serde_json::error::Category::Syntax
                        && failure.offset < line_rest(trimmed).len() =>
                {
                    check_line_outside_documents(text, position, &split, &mut fragment_before)?;
                }
                Err(failure) => {
                    return Err(BrokenDocument {
                        start: position,
                        failure,
                    });
                }
            }
        } else {
            check_line_outside_documents(text, position, &split, &mut fragment_before)?;
        }
        let line = line_rest(&text[position..]);
        split
            .noise
            .push((lines.line_at(text, position), classify(line)));
        position += line.len();
    }
    match fragment_before {
        Some(broken) if !split.documents.is_empty() => Err(broken),
        _ => Ok(split),
    }
}

fn check_line_outside_documents(
    text: &str,
    position: usize,
    split: &Split,
    fragment_before: &mut Option<BrokenDocument>,
) -> Result<(), BrokenDocument> {
    match reject_json_fragment(text, position, last_document(text, split)) {
        Err(broken) if split.documents.is_empty() => {
            fragment_before.get_or_insert(broken);
            Ok(())
        }
        outcome => outcome,
    }
}

fn last_document<'t>(text: &'t str, split: &Split) -> Option<&'t str> {
    split.documents.last().map(|range| &text[range.clone()])
}

fn starts_document(text: &str) -> bool {
    text.starts_with('{') || text.starts_with('[')
}

/// A line outside a document that starts like the inside of JSON (`}`,
/// `]`, `,`, `"`, `:`), or a log line that holds a key separator (`":`,
/// or `" :` with JSON whitespace between),
/// means a document is broken (an extra brace, a bad merge, a splice that
/// closed it early, an opening brace lost), not that a log line is there:
/// refuse rather than analyse the rest. The part of a plan cut off that way
/// reads as one line of noise (`on":[],"depends_on":[…`), after its
/// document or, when the opening brace is gone, before the next one.
/// Log lines (Terragrunt's, a script's) carry no `":`. The setup-terraform
/// wrapper's lines that do are its echo of the document (`::debug::stdout:
/// {…}`), so they are noise only when they echo `document`, the one before
/// them: a wrapper prefix is easy to write in front of a damaged plan.
fn reject_json_fragment(
    text: &str,
    position: usize,
    document: Option<&str>,
) -> Result<(), BrokenDocument> {
    let rest = &text[position..];
    let line = line_rest(rest);
    let echoed = || document.is_some_and(|document| echoes_document(line, document));
    let is_fragment = rest.starts_with(['}', ']', ',', '"'])
        || (rest.starts_with(':') && !rest.starts_with("::"))
        || (holds_key_separator(line.as_bytes()) && !echoed());
    if is_fragment {
        let message = if document.is_some() {
            "unexpected data after the end of the JSON document"
        } else {
            "JSON data before the first JSON document (a document whose opening `{` is missing?)"
        };
        return Err(BrokenDocument {
            start: 0,
            failure: JsonFailure {
                message: message.into(),
                offset: position,
                json_path: String::new(),
                category: serde_json::error::Category::Syntax,
            },
        });
    }
    Ok(())
}

/// Whether `bytes` hold a JSON key separator: a quote, optional blanks, a
/// colon (`":`, and `" : "` as some pretty printers write it), in UTF-8 or
/// in UTF-16 (NUL bytes between the characters) that was not decoded.
/// Linear: each quote's scan stops at the next byte that is not blank.
pub(super) fn holds_key_separator(bytes: &[u8]) -> bool {
    memchr::memchr_iter(b'"', bytes).any(|quote| {
        bytes[quote + 1..]
            .iter()
            .find(|byte| !matches!(byte, b' ' | b'\t' | b'\r' | 0))
            == Some(&b':')
    })
}

/// Whether `line` is the setup-terraform wrapper's echo of what terraform
/// printed (`::debug::stdout: …`, or `::set-output name=stdout::…` from older
/// runners) and what it echoes is `document`, up to trailing whitespace. The
/// echo is escaped as every GitHub workflow command is (@actions/core
/// `escapeData`: `%` → `%25`, CR → `%0D`, LF → `%0A`); any other `%` escape
/// is not the wrapper's.
fn echoes_document(line: &str, document: &str) -> bool {
    const ECHO_PREFIXES: [&str; 2] = ["::debug::stdout: ", "::set-output name=stdout::"];
    let line = line.trim_start().trim_end_matches(['\r', '\n']);
    let Some(echo) = ECHO_PREFIXES
        .iter()
        .find_map(|prefix| line.strip_prefix(prefix))
    else {
        return false;
    };
    let mut escaped = echo.as_bytes();
    let mut expected = document.as_bytes();
    while let Some((&first, after)) = escaped.split_first() {
        let (byte, after) = match (first, after) {
            (b'%', [b'2', b'5', after @ ..]) => (b'%', after),
            (b'%', [b'0', b'D', after @ ..]) => (b'\r', after),
            (b'%', [b'0', b'A', after @ ..]) => (b'\n', after),
            (b'%', _) => return false,
            (byte, after) => (byte, after),
        };
        escaped = after;
        match expected.split_first() {
            Some((&wanted, rest)) if wanted == byte => expected = rest,
            Some(_) => return false,
            None if byte.is_ascii_whitespace() => {}
            None => return false,
        }
    }
    expected.is_empty()
}

/// Length of the one JSON value at the start of `text`, found without
/// building it (serde_json skips values iteratively, so depth is no issue).
fn document_length(text: &str) -> Result<usize, JsonFailure> {
    let mut stream = serde_json::Deserializer::from_str(text).into_iter::<&RawValue>();
    match stream.next() {
        Some(Ok(_)) => Ok(stream.byte_offset()),
        Some(Err(error)) => Err(crate::model::failure_with_path(text, &error)),
        None => Err(JsonFailure {
            message: "EOF while parsing a value".into(),
            offset: text.len(),
            json_path: String::new(),
            category: serde_json::error::Category::Eof,
        }),
    }
}

fn line_rest(text: &str) -> &str {
    match text.find('\n') {
        Some(index) => &text[..=index],
        None => text,
    }
}

/// Line numbers of increasing positions, counted from the last one asked
/// for: recounting from the start for every noise line is quadratic in
/// their number (100,000 log lines took half a minute).
#[derive(Default)]
struct LineCounter {
    position: usize,
    newlines: usize,
}

impl LineCounter {
    fn line_at(&mut self, text: &str, position: usize) -> usize {
        debug_assert!(position >= self.position, "positions only increase");
        let start = self.position.min(position);
        self.newlines += memchr::memchr_iter(b'\n', &text.as_bytes()[start..position]).count();
        self.position = position;
        self.newlines + 1
    }
}

fn classify(line: &str) -> Noise {
    let line = line.trim();
    let wrapper = line.starts_with("[command]")
        || line.starts_with("::debug::")
        || line.starts_with("::set-output")
        || line.starts_with("::add-mask::")
        || line.starts_with("%0A")
        || (line.contains("terraform-bin") && line.contains("show"));
    if wrapper {
        Noise::SetupTerraformWrapper
    } else {
        Noise::LogLine
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_document_per_line_is_several_documents() {
        let text = "{\"a\":1}\n{\"b\":[2]}\n";
        let split = split(text).unwrap();
        assert_eq!(split.documents.len(), 2);
        assert!(split.noise.is_empty());
        assert_eq!(&text[split.documents[1].clone()], "{\"b\":[2]}");
    }

    #[test]
    fn wrapper_lines_are_noise() {
        let text = "[command]/tmp/x/terraform-bin show -json plan.out\n{\"a\":1}%0A\n::debug::stderr:\n::set-output name=exitcode::0\n";
        let split = split(text).unwrap();
        assert_eq!(split.documents.len(), 1);
        assert_eq!(
            split.noise,
            vec![
                (1, Noise::SetupTerraformWrapper),
                (2, Noise::SetupTerraformWrapper),
                (3, Noise::SetupTerraformWrapper),
                (4, Noise::SetupTerraformWrapper)
            ]
        );
    }

    #[test]
    fn the_rest_of_a_plan_after_a_document_closed_early_is_broken() {
        // A document closed early, and the rest of the plan on the next line.
        let text = "{\"format_version\":\"1.2\"}\non\":[],\"depends_on\":[\"a.b\"]}]}}\n";
        let broken = split(text).unwrap_err();
        assert_eq!(broken.failure.offset, text.find("\non").unwrap() + 1);
        assert!(broken.failure.message.contains("after the end"));
        // Log lines and the wrapper's own JSON-bearing lines stay noise.
        let logged = "{\"a\":1}\n14:02:11 INFO [modules/db] Running command: terraform show -json\n::debug::stdout: {\"a\":1}\n::set-output name=stdout::{\"a\":1}\n";
        let split = split(logged).unwrap();
        assert_eq!(split.documents.len(), 1);
        assert_eq!(split.noise.len(), 3);
    }

    #[test]
    fn a_wrapper_line_holding_json_must_echo_the_document_before_it() {
        // The wrapper's echo, escaped as workflow commands are, is noise.
        let echoed = "{\"a\":\"50%\"}\n::debug::stdout: {\"a\":\"50%25\"}%0A\n::set-output name=stdout::{\"a\":\"50%25\"}%0A\n";
        let read = split(echoed).unwrap();
        assert_eq!(read.documents.len(), 1);
        assert_eq!(read.noise.len(), 2);
        // The rest of a plan closed early, behind a wrapper prefix, is not.
        for forged in [
            "{\"a\":1}\n::debug::stdout: ior_state\":{\"values\":{}}}\n",
            "{\"a\":1}\n::set-output name=stdout::{\"a\":2}\n",
            "{\"a\":1}\n::debug::stdout: {\"a\":1}{\"b\":2}\n",
            "{\"a\":1}%0Aior_state\":{\"values\":{}}}\n",
            "{\"a\":1}\n[command]terraform-bin show ior_state\":{}}\n",
            "{\"a\":1}\n::debug::stdout: {\"a\":1%}\n",
        ] {
            let broken = split(forged).expect_err(forged);
            assert!(
                broken.failure.message.contains("after the end"),
                "{forged:?}"
            );
        }
    }

    #[test]
    fn a_document_that_lost_its_opening_brace_before_another_is_broken() {
        // Terragrunt prints one document per unit: the first lost its `{`.
        let text = "\"format_version\":\"1.2\",\"resource_changes\":[]}\n{\"a\":1}\n";
        let broken = split(text).unwrap_err();
        assert_eq!(broken.failure.offset, 0);
        assert!(
            broken
                .failure
                .message
                .contains("before the first JSON document")
        );
        // With no document at all, the caller says the input is not JSON.
        assert!(
            split("\"format_version\":\"1.2\"}\n")
                .unwrap()
                .documents
                .is_empty()
        );
        // Log lines before a document stay noise.
        let logged = "[command]/tmp/terraform-bin show -json plan.out\n14:02:11 INFO [modules/db] Running command: terraform show -json\n{\"a\":1}\n";
        assert_eq!(split(logged).unwrap().noise.len(), 2);
    }

    #[test]
    fn an_array_broken_on_a_later_line_is_a_broken_document_not_log_lines() {
        let text = "{\"a\":1}\n[1,\n2,\nx\n";
        let broken = split(text).unwrap_err();
        assert_eq!(broken.start, text.find('[').unwrap());
        // A bracketed log line fails on its own line, and stays noise.
        let logged = "{\"a\":1}\n[INFO] one\n[1, two\n[command]/tmp/terraform-bin show\n";
        assert_eq!(split(logged).unwrap().noise.len(), 3);
    }

    #[test]
    fn noise_lines_are_numbered_in_order() {
        let text = "log one\n\n{\"a\":1} trailing\nlog two\n\n\nlog three\n";
        let lines: Vec<usize> = split(text)
            .unwrap()
            .noise
            .iter()
            .map(|(line, _)| *line)
            .collect();
        assert_eq!(lines, vec![1, 3, 4, 7]);
    }

    #[test]
    fn a_key_separator_with_whitespace_before_the_colon_is_json_too() {
        for forged in [
            "{\"a\":1}\nINFO {\"b\" : 2}\n",
            "{\"a\":1}\n::debug::stdout: {\"b\"\t:2}\n",
            "{\"a\":1} {\"b\" :2}\n",
        ] {
            assert!(split(forged).is_err(), "{forged:?}");
        }
        assert!(!holds_key_separator(
            b"12:00 INFO said \"hello\" and left: ok"
        ));
    }

    #[test]
    fn truncated_document_is_broken() {
        let broken =
            split("log line\n{\"format_version\":\"1.2\",\"resource_changes\":[").unwrap_err();
        assert_eq!(broken.start, 9);
        assert_eq!(broken.failure.category, serde_json::error::Category::Eof);
    }
}

#[cfg(test)]
mod unit_tests {
    use super::terragrunt_unit;

    #[test]
    fn the_unit_is_the_last_running_command_line_before_the_document() {
        let before = "INFO The runner at . will be processed\n- Unit ./modules/db\n14:02:11.123 INFO   [modules/db] Running command: terraform show -json plan.out\n";
        assert_eq!(terragrunt_unit(before), Some("modules/db"));
        assert_eq!(terragrunt_unit("INFO nothing to say\n"), None);
        assert_eq!(
            terragrunt_unit("[] Running command: terraform show\n"),
            None
        );
    }
}
