//! From what the user passed (files, `-`, binary plans, directories) to
//! decoded texts with the JSON documents located in them, and from a parsed
//! document to "this is a plan" or precisely what else it is.

mod ansi;
mod binary;
mod decode;
pub mod error;
pub mod excerpt;
mod file;
#[cfg(target_os = "linux")]
mod lease;
pub mod pages;
pub mod split;

use std::ops::Range;
use std::path::{Path, PathBuf};

use crate::input::error::InputError;
use crate::model::{Document, JsonFailure};
use crate::util::escape;

pub use decode::{Encoding, PlanText};
pub use split::Noise;

/// One thing named on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Path(PathBuf),
    Stdin,
}

impl Source {
    pub fn from_arg(arg: &str) -> Self {
        if arg == "-" {
            Self::Stdin
        } else {
            Self::Path(PathBuf::from(arg))
        }
    }
}

/// A decoded input and where its JSON documents are.
#[derive(Debug)]
pub struct LoadedText {
    /// How the input is named in reports: the path as given, or `<stdin>`.
    pub label: String,
    pub text: PlanText,
    pub documents: Vec<Range<usize>>,
    /// Found by walking a directory: other JSON there is skipped, not refused.
    pub from_directory: bool,
    /// `documents` is the whole text taken as one document, without the
    /// pass that finds where each document ends (a second full read of a
    /// plan that can be gigabytes). When it does not parse as one,
    /// [`resplit`] finds the documents as for any other text.
    pub provisional: bool,
}

/// Something blastwall worked around and the user should fix at the source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputWarning {
    pub input: String,
    pub message: String,
    pub help: String,
}

/// A file below a directory that is not a plan and so was not analysed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub input: String,
    pub reason: String,
}

#[derive(Debug, Default)]
pub struct Loaded {
    pub texts: Vec<LoadedText>,
    pub warnings: Vec<InputWarning>,
    pub skipped: Vec<Skipped>,
    pub errors: Vec<InputError>,
}

pub fn load(sources: &[Source], terraform_bin: Option<&Path>) -> Loaded {
    let mut loaded = Loaded::default();
    for source in sources {
        match source {
            Source::Stdin => match file::read_stream(std::io::stdin().lock()) {
                Ok(bytes) => load_bytes(
                    "<stdin>",
                    None,
                    file::PlanBytes::Read(bytes),
                    false,
                    terraform_bin,
                    &mut loaded,
                ),
                Err(error) => loaded.errors.push(InputError::io("<stdin>", error)),
            },
            Source::Path(path) if path.is_dir() => load_directory(path, terraform_bin, &mut loaded),
            Source::Path(path) => {
                let label = label_of(path);
                match file::read(path) {
                    Ok(bytes) => {
                        load_bytes(&label, Some(path), bytes, false, terraform_bin, &mut loaded)
                    }
                    Err(error) => loaded.errors.push(InputError::io(label, error)),
                }
            }
        }
    }
    loaded
}

/// How an input path is named in messages: a file name can hold control
/// bytes (`x\e[2J.json`), which must not reach a terminal raw.
fn label_of(path: &Path) -> String {
    escape::for_terminal(&path.display().to_string()).into_owned()
}

/// Directories that never hold a user's plans: provider and module caches.
fn is_skipped_directory(name: &str) -> bool {
    matches!(name, ".terraform" | ".git" | "node_modules")
}

/// Terraform's text rendering of a plan (`terraform plan` or `show`
/// without `-json`), by the sentences it always prints.
fn is_text_plan(bytes: &[u8]) -> bool {
    [
        &b"Terraform will perform the following actions"[..],
        b"Terraform used the selected providers to generate the following execution plan",
        b"OpenTofu will perform the following actions",
    ]
    .iter()
    .any(|sentence| memchr::memmem::find(bytes, sentence).is_some())
}

/// A file name that `terraform plan -out` is commonly given.
fn is_named_like_a_plan_file(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|name| name.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    matches!(
        name.as_str(),
        "tfplan" | "plan" | "plan.out" | "terraform.plan"
    ) || [".tfplan", ".plan", ".planfile"]
        .iter()
        .any(|suffix| name.ends_with(suffix))
}

/// The compression format `bytes` start with, by its magic number.
fn compressed(bytes: &[u8]) -> Option<&'static str> {
    [
        (&b"\x1f\x8b"[..], "gzip"),
        (b"\x28\xb5\x2f\xfd", "zstd"),
        (b"BZh", "bzip2"),
        (b"\xfd7zXZ\x00", "xz"),
        (b"\x78\x9c", "zlib"),
        (b"\x78\xda", "zlib"),
        (b"\x78\x01", "zlib"),
    ]
    .into_iter()
    .find(|(magic, _)| bytes.starts_with(magic))
    .map(|(_, format)| format)
}

fn load_directory(root: &Path, terraform_bin: Option<&Path>, loaded: &mut Loaded) {
    let before = loaded.texts.len() + loaded.errors.len();
    let skipped_before = loaded.skipped.len();
    // A link to a plan is checked like the plan (walkdir reports a link loop
    // as an error); not following links skipped it without a word.
    let walker = walkdir::WalkDir::new(root)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|entry| {
            entry.depth() == 0
                || !entry.file_type().is_dir()
                || !is_skipped_directory(&entry.file_name().to_string_lossy())
        });
    for entry in walker {
        let entry = match entry {
            Ok(entry) => entry,
            Err(error) => {
                let label = label_of(error.path().unwrap_or(root));
                loaded.errors.push(InputError::io(label, error.into()));
                continue;
            }
        };
        if !entry.file_type().is_file() {
            continue;
        }
        let path = entry.path();
        let label = label_of(path);
        let is_json = path
            .extension()
            .is_some_and(|extension| extension.eq_ignore_ascii_case("json"));
        let bytes = match file::read(path) {
            Ok(bytes) => bytes,
            Err(error) => {
                loaded.errors.push(InputError::io(label, error));
                continue;
            }
        };
        // A plan saved as `tfplan`, `plan.out.txt` or `prod.log` is still a
        // plan: by content as well as by name (a directory of a no-op
        // `plan.json` beside a destroying `tfplan` passed).
        if binary::looks_like_plan_zip(&bytes) || is_json || decode::starts_like_json(&bytes) {
            load_bytes(&label, Some(path), bytes, true, terraform_bin, loaded);
        } else if let Some(format) = compressed(&bytes) {
            // Its content cannot be seen: a compressed plan that deletes a
            // database passed beside a no-op one, listed as skipped. A gate
            // an agent passes by gzipping its plan protects nothing.
            loaded.errors.push(InputError::Opaque {
                input: label,
                what: format!("a compressed file ({format})"),
                help: "decompress it to check the plan it holds, or move it out of the directory"
                    .to_owned(),
            });
        } else if is_text_plan(&bytes) {
            loaded.errors.push(InputError::Opaque {
                input: label,
                what: "a plan in Terraform's text form".to_owned(),
                help: "pass the plan as JSON (`terraform show -json plan.out > plan.json`) or the binary plan file; the text form is for people".to_owned(),
            });
        } else if is_named_like_a_plan_file(path) {
            loaded.errors.push(InputError::Opaque {
                input: label,
                what: "named like a plan file, yet neither a binary plan nor plan JSON".to_owned(),
                help: "pass the binary plan file `terraform plan -out` wrote, or its JSON (`terraform show -json`); move anything else out of the directory".to_owned(),
            });
        } else if mentions_plan_keys(&bytes) {
            // A plan after a log line or colour codes (`prod.log`, saved CI
            // output) is read as `check FILE` reads it; it was passed over
            // without a word while the directory passed. With any JSON key
            // separator it is read, so that a failure is an error, not a
            // skip (as for `.json` files); something that only names a
            // plan's sections (notes) is listed as skipped, never passed
            // over in silence.
            if split::holds_key_separator(&bytes) {
                load_bytes(&label, Some(path), bytes, true, terraform_bin, loaded);
            } else {
                loaded.skipped.push(Skipped {
                    input: label,
                    reason: "mentions a plan's sections but holds no JSON".to_owned(),
                });
            }
        }
    }
    if loaded.texts.len() + loaded.errors.len() == before {
        let skipped = loaded.skipped.len() - skipped_before;
        loaded.errors.push(InputError::NoPlans {
            input: label_of(root),
            skipped: if skipped == 0 {
                "no candidate file was found".to_owned()
            } else {
                format!("{skipped} JSON file(s) were found but none is a plan")
            },
        });
    }
}

fn load_bytes(
    label: &str,
    path: Option<&Path>,
    bytes: file::PlanBytes,
    from_directory: bool,
    terraform_bin: Option<&Path>,
    loaded: &mut Loaded,
) {
    // A file in a directory that fails to read as a plan yet holds a JSON
    // key separator is damaged JSON, perhaps a plan with its keys escaped
    // (`resource\u005fchanges`), not something recognisably else: never
    // skipped. Decided before `bytes` is consumed; the separator comes
    // first because any JSON file has one in its first bytes, where the
    // plan keys may be hundreds of megabytes in.
    let holds_plan_keys =
        from_directory && (split::holds_key_separator(&bytes) || mentions_plan_keys(&bytes));
    match read_text(
        label,
        path,
        bytes,
        from_directory,
        terraform_bin,
        &mut loaded.warnings,
    ) {
        Ok(Some(text)) => loaded.texts.push(text),
        Ok(None) => loaded.skipped.push(Skipped {
            input: label.to_owned(),
            reason: "empty file".to_owned(),
        }),
        Err(error) => match skip_reason(&error).filter(|_| from_directory && !holds_plan_keys) {
            Some(reason) => loaded.skipped.push(Skipped {
                input: label.to_owned(),
                reason,
            }),
            None => loaded.errors.push(error),
        },
    }
}

/// Whether `text` names a section only a plan has. In a directory, a file
/// or document that does is never skipped as "not a plan": a state's
/// `lineage`, a log's `@level`, a missing `format_version` or a log prefix
/// added to a plan would otherwise pass it over without a verdict.
pub fn mentions_plan_keys(text: &[u8]) -> bool {
    [
        &b"\"resource_changes\""[..],
        b"\"planned_values\"",
        b"\"prior_state\"",
        b"\"resource_drift\"",
    ]
    .iter()
    .any(|key| memchr::memmem::find(text, key).is_some())
}

/// In a directory, files that are recognisably not plans are skipped.
pub fn skip_reason(error: &InputError) -> Option<String> {
    let reason = match error {
        InputError::Empty { .. } => "empty file",
        InputError::TextPlan { .. } => "a human-readable plan text",
        InputError::PlanLog { .. } => "a `terraform plan -json` log",
        InputError::State { .. } => "a state JSON",
        InputError::RawState { .. } => "a raw terraform.tfstate",
        InputError::ProviderSchema { .. } => "a provider schema JSON",
        InputError::OtherJson { what, .. } => {
            return Some(format!("JSON that is not a plan ({what})"));
        }
        InputError::NotJson { .. } => "not JSON",
        _ => return None,
    };
    Some(reason.to_owned())
}

fn read_text(
    label: &str,
    path: Option<&Path>,
    bytes: file::PlanBytes,
    from_directory: bool,
    terraform_bin: Option<&Path>,
    warnings: &mut Vec<InputWarning>,
) -> Result<Option<LoadedText>, InputError> {
    let bytes = if binary::is_zip(&bytes) {
        file::PlanBytes::Read(convert_binary_plan(label, path, &bytes, terraform_bin)?)
    } else {
        bytes
    };
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(InputError::Empty {
            input: label.to_owned(),
        });
    }
    let decode::Decoded {
        text,
        encoding,
        holds_escape,
    } = decode::decode(bytes).map_err(|detail| InputError::Encoding {
        input: label.to_owned(),
        detail,
    })?;
    // A byte-order mark and nothing else (or only whitespace) is empty too.
    if text.trim_start_matches('\u{feff}').trim().is_empty() {
        return Err(InputError::Empty {
            input: label.to_owned(),
        });
    }
    if matches!(encoding, Encoding::Utf16Le | Encoding::Utf16Be) {
        warnings.push(InputWarning {
            input: label.to_owned(),
            message: format!("the input is {}; it was decoded", encoding.describe()),
            help: "in PowerShell, write plan JSON with `terraform show -json plan.out | Out-File -Encoding utf8 plan.json`".to_owned(),
        });
    }
    // Colour codes around the document are removed; one inside it is
    // refused as the JSON parser would (see `ansi`).
    if holds_escape {
        let ansi::Stripped {
            text: stripped,
            removed,
            swallowed_json,
        } = ansi::strip_outside_strings(&text);
        if removed.is_empty() {
            return finish_text(label, text, from_directory, warnings, &[]);
        }
        if let Some(offset) = swallowed_json {
            let failure = crate::model::JsonFailure {
                message: "an escape sequence here would remove JSON text (`{`, `}` or `\"`) with it; a terminal title, link or colour code must not hold part of a plan".to_owned(),
                offset,
                json_path: String::new(),
                category: serde_json::error::Category::Syntax,
            };
            return Err(json_error(label, &stripped, 0, &failure));
        }
        let text = PlanText::Owned(stripped);
        warnings.push(InputWarning {
            input: label.to_owned(),
            message: "ANSI colour codes were removed from the input".to_owned(),
            help: "write plan JSON without colours (`-no-color`; for Terragrunt `--no-color` / `TG_NO_COLOR=true`, and send its logs to stderr)".to_owned(),
        });
        return finish_text(label, text, from_directory, warnings, &removed);
    }
    finish_text(label, text, from_directory, warnings, &[])
}

/// `removed`: offsets in `text` where colour codes were taken out; one
/// strictly inside a JSON document was a raw ESC in it.
fn finish_text(
    label: &str,
    text: PlanText,
    from_directory: bool,
    warnings: &mut Vec<InputWarning>,
    removed: &[usize],
) -> Result<Option<LoadedText>, InputError> {
    if !starts_like_json(&text) && looks_like_text_plan(&text) {
        return Err(InputError::TextPlan {
            input: label.to_owned(),
        });
    }
    if removed.is_empty()
        && let Some(document) = whole_object(&text)
    {
        return Ok(Some(LoadedText {
            label: label.to_owned(),
            text,
            documents: vec![document],
            from_directory,
            provisional: true,
        }));
    }
    let (documents, warning) = split_text(label, &text, removed)?;
    warnings.extend(warning);
    Ok(Some(LoadedText {
        label: label.to_owned(),
        text,
        documents,
        from_directory,
        provisional: false,
    }))
}

/// The text between its first and last non-whitespace byte, when that is
/// `{`…`}`: what a single plan document looks like.
fn whole_object(text: &str) -> Option<Range<usize>> {
    const JSON_WHITESPACE: [char; 4] = [' ', '\t', '\r', '\n'];
    let start = text.len() - text.trim_start_matches(JSON_WHITESPACE).len();
    let end = text.trim_end_matches(JSON_WHITESPACE).len();
    (start < end && text[start..].starts_with('{') && text[..end].ends_with('}'))
        .then_some(start..end)
}

/// Finds the documents of a provisional text (see [`LoadedText::provisional`])
/// whose whole did not parse as one document: several documents, log lines
/// between them, or a broken one, reported exactly as if it had been split
/// from the start.
pub fn resplit(loaded: &mut LoadedText) -> Result<Option<InputWarning>, InputError> {
    let (documents, warning) = split_text(&loaded.label, &loaded.text, &[])?;
    loaded.documents = documents;
    loaded.provisional = false;
    Ok(warning)
}

fn split_text(
    label: &str,
    text: &str,
    removed: &[usize],
) -> Result<(Vec<Range<usize>>, Option<InputWarning>), InputError> {
    let split = split::split(text)
        .map_err(|broken| json_error(label, text, broken.start, &broken.failure))?;
    if split.documents.is_empty() {
        return Err(InputError::NotJson {
            input: label.to_owned(),
            start: describe_start(text),
        });
    }
    if let Some(offset) = removed.iter().copied().find(|offset| {
        split
            .documents
            .iter()
            .any(|document| document.start < *offset && *offset < document.end)
    }) {
        let failure = crate::model::JsonFailure {
            message: "control character (ESC) found inside the JSON document".to_owned(),
            offset,
            json_path: String::new(),
            category: serde_json::error::Category::Syntax,
        };
        return Err(json_error(label, text, 0, &failure));
    }
    Ok((split.documents, noise_warning(label, &split.noise)))
}

fn convert_binary_plan(
    label: &str,
    path: Option<&Path>,
    bytes: &[u8],
    terraform_bin: Option<&Path>,
) -> Result<Vec<u8>, InputError> {
    match path {
        Some(path) => binary::show_json(label, path, terraform_bin),
        None => {
            // `show` needs a file; the working directory holds the providers.
            let mut file = tempfile::Builder::new()
                .prefix(".blastwall-stdin-")
                .suffix(".tfplan")
                .tempfile_in(".")
                .or_else(|_| tempfile::NamedTempFile::new())
                .map_err(|error| InputError::io(label, error))?;
            std::io::Write::write_all(&mut file, bytes)
                .map_err(|error| InputError::io(label, error))?;
            let cwd = std::env::current_dir().map_err(|error| InputError::io(label, error))?;
            let in_cwd = cwd.join(file.path().file_name().unwrap_or_default());
            let target = if in_cwd.exists() {
                in_cwd
            } else {
                file.path().to_path_buf()
            };
            binary::show_json(label, &target, terraform_bin)
        }
    }
}

fn starts_like_json(text: &str) -> bool {
    text.trim_start().starts_with(['{', '['])
}

fn looks_like_text_plan(text: &str) -> bool {
    const MARKERS: &[&str] = &[
        "Terraform will perform the following actions",
        "OpenTofu will perform the following actions",
        "Resource actions are indicated with the following symbols",
        "No changes. Your infrastructure matches the configuration",
        "No changes. Infrastructure is up-to-date",
        "Terraform used the selected providers to generate the following execution",
        "OpenTofu used the selected providers to generate the following execution",
        "An execution plan has been generated and is shown below",
    ];
    MARKERS.iter().any(|marker| text.contains(marker))
        || text.lines().any(|line| {
            let line = line.trim();
            line.starts_with("Plan: ") && line.contains(" to add, ")
        })
}

/// The keys that hold a value (an object's attributes, a variable's
/// value): the keys inside it are the value's own, and can be sensitive.
const VALUE_KEYS: &[&str] = &[
    "before",
    "after",
    "after_unknown",
    "before_sensitive",
    "after_sensitive",
    "sensitive_values",
    "value",
    "default",
    "constant_value",
];

/// `json_path` cut after the first key that holds a value
/// (`resource_changes[0].change.before.…`): the rest names a value's keys,
/// which may be a sensitive map's.
fn within_values(json_path: &str) -> std::borrow::Cow<'_, str> {
    let mut at = 0;
    let mut previous = "";
    for segment in json_path.split('.') {
        let key = segment.split('[').next().unwrap_or_default();
        at += segment.len();
        // A state object's `values`, not a state's (`prior_state.values`).
        let holds_value =
            VALUE_KEYS.contains(&key) || (key == "values" && previous.starts_with("resources["));
        if holds_value && at < json_path.len() {
            return format!("{}.…", &json_path[..at]).into();
        }
        previous = segment;
        at += 1;
    }
    json_path.into()
}

/// What the input starts with, by kind, never by its text: what was given
/// instead of a plan may be a secret (`terraform output -raw db_password`),
/// and CI logs are read by many.
fn describe_start(text: &str) -> String {
    let trimmed = text.trim_start();
    let words = trimmed
        .lines()
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .count();
    match trimmed.chars().next() {
        Some('"') => "a quoted string".to_owned(),
        Some(first) if first.is_ascii_digit() || first == '-' => "a number".to_owned(),
        Some(first) if first.is_alphabetic() => {
            format!("text ({words} word(s) on its first line; not quoted, as it may hold a secret)")
        }
        Some(first) => format!("`{}`", escape::for_terminal(first.encode_utf8(&mut [0; 4]))),
        None => "nothing".to_owned(),
    }
}

fn noise_warning(label: &str, noise: &[(usize, Noise)]) -> Option<InputWarning> {
    let first = noise.first()?;
    let lines = noise.len();
    if noise
        .iter()
        .any(|(_, kind)| *kind == Noise::SetupTerraformWrapper)
    {
        return Some(InputWarning {
            input: label.to_owned(),
            message: format!(
                "the input holds output of hashicorp/setup-terraform's wrapper; {lines} non-JSON line(s) were ignored (first at line {})",
                first.0
            ),
            help: "set `terraform_wrapper: false` on hashicorp/setup-terraform, or write the plan with `terraform show -json plan.out > plan.json`".to_owned(),
        });
    }
    Some(InputWarning {
        input: label.to_owned(),
        message: format!(
            "{lines} non-JSON line(s) were ignored around the plan JSON (first at line {})",
            first.0
        ),
        help: "write only `terraform show -json` output to the file; send logs to stderr (Terragrunt: `--log-disable` or `TG_LOG_FORMAT=json` to stderr)".to_owned(),
    })
}

/// A JSON failure inside document text starting at `start` of `text`.
pub fn json_error(label: &str, text: &str, start: usize, failure: &JsonFailure) -> InputError {
    let offset = start + failure.offset;
    let excerpt = excerpt::around(text, start, offset);
    let (problem, help) = match failure.category {
        serde_json::error::Category::Eof => (
            format!("the JSON ends early ({})", failure.message),
            "the file is truncated: an interrupted redirect, a full disk, or a size-limited log or artifact; regenerate it with `terraform show -json plan.out > plan.json`".to_owned(),
        ),
        serde_json::error::Category::Syntax => (
            format!("invalid JSON: {}", failure.message),
            "the file is not valid JSON here; regenerate it with `terraform show -json plan.out > plan.json` and do not edit it by hand".to_owned(),
        ),
        _ => (
            failure.message.clone(),
            "the JSON is valid but this value does not match Terraform's plan format; check which tool wrote it, or regenerate it with `terraform show -json plan.out`".to_owned(),
        ),
    };
    let at_path = if failure.json_path.is_empty() {
        String::new()
    } else {
        let path = within_values(&failure.json_path);
        let path = escape::bounded_path(&path, escape::MAX_PATH_CHARS);
        format!(" (at {})", escape::for_terminal(&path))
    };
    let source = excerpt::ExcerptSource::new(label.to_owned(), excerpt.clone());
    InputError::Json(Box::new(crate::input::error::JsonError {
        input: label.to_owned(),
        problem: escape::for_terminal(&problem).into_owned(),
        line: excerpt.line,
        column: excerpt.column,
        at_path,
        help,
        span: source.span(),
        excerpt: source,
    }))
}

/// What a parsed JSON document is.
pub fn recognise(label: &str, document: &Document<'_>) -> Result<(), InputError> {
    let input = label.to_owned();
    if let Some(kind) = document.not_an_object {
        return Err(InputError::OtherJson {
            input,
            what: format!("{kind}, where a plan is an object"),
        });
    }
    if document.ui_level.is_some() || document.ui_message.is_some() {
        return Err(InputError::PlanLog { input });
    }

    if document.lineage.is_some() && document.serial.is_some() {
        let version = document
            .raw_state_version
            .map_or_else(|| "unknown".to_owned(), |raw| escape::bounded(raw.get(), 8));
        return Err(InputError::RawState { input, version });
    }
    let is_plan = document.resource_changes.is_some()
        || document.planned_values.is_some()
        || document.prior_state.is_some()
        || document.configuration.is_some()
        || !document.resource_drift.is_empty()
        || document.errored.is_some();
    // Terraform Cloud's redacted plan JSON carries provider_schemas beside the plan.
    if !is_plan && document.provider_schemas.is_some() {
        return Err(InputError::ProviderSchema { input });
    }
    if !is_plan {
        if document.values.is_some()
            || document.format_version.is_some()
                && document.terraform_version.is_some()
                && document.provider_selections.is_none()
        {
            return Err(InputError::State { input });
        }
        let what = if document.valid.is_some() && document.diagnostics.is_some() {
            "output of `terraform validate -json`".to_owned()
        } else if document.provider_selections.is_some() {
            "output of `terraform version -json`".to_owned()
        } else {
            "no format_version, planned_values or resource_changes".to_owned()
        };
        return Err(InputError::OtherJson { input, what });
    }
    let Some(version) = document.format_version.as_deref() else {
        return Err(InputError::OtherJson {
            input,
            what: "plan-like keys but no format_version".to_owned(),
        });
    };
    if !is_supported_format_version(version) {
        return Err(InputError::FormatVersion {
            input,
            version: escape::for_terminal(&escape::bounded(version, 16)).into_owned(),
        });
    }
    crate::model::validate(document).map_err(|invalid| InputError::Inconsistent {
        input: label.to_owned(),
        json_path: escape::for_terminal(&escape::bounded_path(
            &invalid.json_path,
            escape::MAX_PATH_CHARS,
        ))
        .into_owned(),
        problem: invalid.problem,
    })
}

/// 0.x and 1.x: minor versions only add fields, a major one may break them.
fn is_supported_format_version(version: &str) -> bool {
    let mut parts = version.split('.');
    let major = parts.next().and_then(|major| major.parse::<u32>().ok());
    let minor_ok = parts.all(|part| part.parse::<u32>().is_ok());
    matches!(major, Some(0 | 1)) && minor_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_diagnostics_path_stops_at_a_value() {
        assert_eq!(
            within_values("resource_changes[3].change.before.input.customer-7781"),
            "resource_changes[3].change.before.…"
        );
        assert_eq!(
            within_values("variables.tokens.value.k"),
            "variables.tokens.value.…"
        );
        assert_eq!(
            within_values("prior_state.values.root_module.resources[2].values.tags.k"),
            "prior_state.values.root_module.resources[2].values.…"
        );
        assert_eq!(
            within_values("resource_changes[3].change.actions"),
            "resource_changes[3].change.actions"
        );
        assert_eq!(
            within_values("resource_changes[3].change.before"),
            "resource_changes[3].change.before"
        );
    }

    #[test]
    fn format_versions() {
        for ok in ["0.1", "0.2", "1.0", "1.2", "1.15"] {
            assert!(is_supported_format_version(ok), "{ok}");
        }
        for refused in ["2.0", "10.1", "", "one", "1.x"] {
            assert!(!is_supported_format_version(refused), "{refused}");
        }
    }

    #[test]
    fn text_plan_markers() {
        assert!(looks_like_text_plan(
            "\nPlan: 1 to add, 0 to change, 0 to destroy.\n"
        ));
        assert!(!looks_like_text_plan("{\"format_version\":\"1.2\"}"));
    }
}
