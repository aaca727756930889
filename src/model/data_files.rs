//! The data every stage reads from the embedded `rules/` directory (rules,
//! resource classes, retention, profiles, authors): the files themselves,
//! the error of one that cannot be used, and the severity scale they share.
//! Kept below `model` because classes and retention are read from it.

use miette::{Diagnostic, NamedSource, SourceSpan};
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Every embedded data file under `rules/`, as (path, text).
pub const BUILTIN_FILES: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/builtin_rules.rs"));

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub fn label(self) -> &'static str {
        match self {
            Self::Info => "info",
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
            Self::Critical => "critical",
        }
    }
}

/// A rule or class file that cannot be used.
#[derive(Debug, Error, Diagnostic)]
pub enum RuleError {
    #[error(transparent)]
    #[diagnostic(transparent)]
    Toml(Box<TomlError>),

    #[error("{path}: {message}")]
    #[diagnostic(code(blastwall::rules::invalid))]
    Invalid { path: String, message: String },

    #[error("{path}: cannot read: {message}")]
    #[diagnostic(code(blastwall::rules::io))]
    Io { path: String, message: String },
}

/// A rule or class file that is not valid TOML or does not match its schema.
#[derive(Debug, Error, Diagnostic)]
#[error("{path}: {message}")]
#[diagnostic(
    code(blastwall::rules::toml),
    help("fix the rule file; `blastwall explain <id>` shows a built-in rule to copy from")
)]
pub struct TomlError {
    pub path: String,
    pub message: String,
    #[source_code]
    source_code: NamedSource<String>,
    #[label("here")]
    pub span: Option<SourceSpan>,
}

impl RuleError {
    pub(crate) fn toml(path: &str, text: &str, error: &toml::de::Error) -> Self {
        Self::Toml(Box::new(TomlError {
            path: path.to_owned(),
            message: error.message().to_owned(),
            source_code: NamedSource::new(path, text.to_owned()).with_language("toml"),
            span: error.span().map(SourceSpan::from),
        }))
    }

    pub(crate) fn invalid(path: &str, message: &str) -> Self {
        Self::Invalid {
            path: path.to_owned(),
            message: message.to_owned(),
        }
    }
}
