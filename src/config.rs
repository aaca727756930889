//! `blastwall.toml`: parsed strictly (unknown keys are errors) and every
//! problem reported at once, each pointing into the file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use miette::{Diagnostic, NamedSource};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use thiserror::Error;
use toml::de::{DeTable, DeValue, ValueDeserializer};

use crate::profile::{RuleOverride, Thresholds};
use crate::rules::kinds::Targets;

pub const FILE_NAME: &str = "blastwall.toml";

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ignore {
    pub rule: String,
    /// A glob over resource addresses: `*` matches any run of characters.
    pub address: String,
    pub reason: String,
    /// `YYYY-MM-DD`; after it the ignore no longer applies.
    pub expires: Option<String>,
    /// 1-based line of the entry in the config file, for warnings.
    #[serde(skip)]
    pub line: usize,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApprovalsConfig {
    /// Files or directories whose approvals are trusted even for the agent
    /// profile: keep them where an agent cannot write (the base branch).
    #[serde(default)]
    pub trusted: Vec<PathBuf>,
}

#[derive(Debug, Clone, Default)]
pub struct Config {
    /// Where it was read from; relative paths inside are relative to its directory.
    pub path: Option<PathBuf>,
    /// Profile used when the author is unknown.
    pub profile: Option<String>,
    pub profiles: BTreeMap<String, Thresholds>,
    pub severity: BTreeMap<String, RuleOverride>,
    pub rules: Vec<PathBuf>,
    /// Allowed accounts, regions, projects and subscriptions (`wrong-target`).
    pub targets: Targets,
    pub ignores: Vec<Ignore>,
    pub approvals: ApprovalsConfig,
}

/// Every problem of a config file, each with its span.
#[derive(Debug, Error, Diagnostic)]
#[error("{path}: {count} problem(s) in the configuration", count = problems.len())]
#[diagnostic(
    code(blastwall::config),
    help("see README.md (Configuration) for the keys blastwall.toml accepts")
)]
pub struct ConfigError {
    pub path: String,
    #[source_code]
    pub source_code: NamedSource<String>,
    #[label(collection)]
    pub problems: Vec<miette::LabeledSpan>,
}

impl Config {
    /// `--config PATH`, else `blastwall.toml` in the working directory, else defaults.
    pub fn discover(explicit: Option<&Path>) -> Result<Config, ConfigError> {
        let path = match explicit {
            Some(path) => path.to_path_buf(),
            None => {
                let candidate = PathBuf::from(FILE_NAME);
                if !candidate.is_file() {
                    return Ok(Config::default());
                }
                candidate
            }
        };
        let label = path.display().to_string();
        let text = std::fs::read_to_string(&path).map_err(|error| ConfigError {
            path: label.clone(),
            source_code: NamedSource::new(&label, String::new()),
            problems: vec![miette::LabeledSpan::new(
                Some(format!("cannot read: {error}")),
                0,
                0,
            )],
        })?;
        let mut config = Config::parse(&label, &text)?;
        config.path = Some(path);
        Ok(config)
    }

    pub fn parse(label: &str, text: &str) -> Result<Config, ConfigError> {
        let mut problems: Vec<miette::LabeledSpan> = Vec::new();
        let mut config = Config::default();
        let fail = |problems: Vec<miette::LabeledSpan>| ConfigError {
            path: label.to_owned(),
            source_code: NamedSource::new(label, text.to_owned()).with_language("toml"),
            problems,
        };
        let table = match DeTable::parse(text) {
            Ok(table) => table.into_inner(),
            Err(error) => {
                let span = error.span().unwrap_or(0..0);
                return Err(fail(vec![miette::LabeledSpan::new(
                    Some(error.message().to_owned()),
                    span.start,
                    span.len(),
                )]));
            }
        };
        for (key, value) in table {
            let key_span = key.span();
            let value_span = value.span();
            match key.get_ref().as_ref() {
                "profile" => config.profile = take(value, &mut problems),
                "profiles" => config.profiles = take(value, &mut problems).unwrap_or_default(),
                "severity" => config.severity = take(value, &mut problems).unwrap_or_default(),
                "rules" => config.rules = take(value, &mut problems).unwrap_or_default(),
                "targets" => config.targets = take(value, &mut problems).unwrap_or_default(),
                "approvals" => config.approvals = take(value, &mut problems).unwrap_or_default(),
                "ignore" => match value.into_inner() {
                    DeValue::Array(entries) => {
                        for entry in entries {
                            let line = line_of_entry(text, entry.span().start);
                            if let Some(mut ignore) = take::<Ignore>(entry, &mut problems) {
                                ignore.line = line;
                                check_expiry(&ignore, value_span.clone(), &mut problems);
                                config.ignores.push(ignore);
                            }
                        }
                    }
                    _ => problems.push(label_at(value_span, "`ignore` must be an array of tables: [[ignore]]")),
                },
                other => problems.push(label_at(
                    key_span,
                    &format!("unknown key `{other}`; expected one of profile, profiles, severity, rules, targets, ignore, approvals"),
                )),
            }
        }
        if problems.is_empty() {
            Ok(config)
        } else {
            problems.sort_by_key(|problem| problem.offset());
            Err(fail(problems))
        }
    }

    /// A path from the config, relative to the config file's directory.
    pub fn resolve(&self, path: &Path) -> PathBuf {
        match self.path.as_ref().and_then(|file| file.parent()) {
            Some(dir) if path.is_relative() => dir.join(path),
            _ => path.to_path_buf(),
        }
    }
}

/// The 1-based line of an `[[ignore]]` entry (its span is its header).
fn line_of_entry(text: &str, start: usize) -> usize {
    text[..start.min(text.len())].matches('\n').count() + 1
}

fn take<T: DeserializeOwned>(
    value: toml::Spanned<DeValue<'_>>,
    problems: &mut Vec<miette::LabeledSpan>,
) -> Option<T> {
    let span = value.span();
    match T::deserialize(ValueDeserializer::from(value)) {
        Ok(parsed) => Some(parsed),
        Err(error) => {
            let at = error.span().unwrap_or(span);
            problems.push(label_at(at, error.message()));
            None
        }
    }
}

fn check_expiry(
    ignore: &Ignore,
    span: std::ops::Range<usize>,
    problems: &mut Vec<miette::LabeledSpan>,
) {
    if let Some(expires) = &ignore.expires
        && parse_date(expires).is_none()
    {
        problems.push(label_at(
            span,
            &format!("`expires = \"{expires}\"` is not a date: use YYYY-MM-DD"),
        ));
    }
}

fn label_at(span: std::ops::Range<usize>, message: &str) -> miette::LabeledSpan {
    miette::LabeledSpan::new(Some(message.to_owned()), span.start, span.len())
}

/// `YYYY-MM-DD` as (year, month, day), comparable.
pub fn parse_date(text: &str) -> Option<(u32, u32, u32)> {
    let mut parts = text.splitn(3, '-');
    let year = parts.next()?.parse().ok()?;
    let month: u32 = parts.next()?.parse().ok()?;
    let day: u32 = parts.next()?.parse().ok()?;
    ((1..=12).contains(&month) && (1..=31).contains(&day)).then_some((year, month, day))
}

/// `*` matches any run of characters (dots and brackets included).
pub fn glob_matches(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let mut rest = text;
    for (index, part) in parts.iter().enumerate() {
        if index == 0 {
            let Some(stripped) = rest.strip_prefix(part) else {
                return false;
            };
            rest = stripped;
        } else if index == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            let Some(found) = rest.find(part) else {
                return false;
            };
            rest = &rest[found + part.len()..];
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_config_parses() {
        let config = Config::parse(
            "blastwall.toml",
            r#"
profile = "human"
rules = ["policies"]
[profiles.agent]
max_blast_radius = 10
[severity]
replace-downtime = "off"
[targets]
accounts = ["123456789012"]
[[ignore]]
rule = "index-shift"
address = "module.legacy.*"
reason = "being removed"
expires = "2027-01-31"
[approvals]
trusted = [".blastwall/approvals"]
"#,
        )
        .unwrap();
        assert_eq!(config.profile.as_deref(), Some("human"));
        assert_eq!(config.profiles["agent"].max_blast_radius, Some(10));
        assert_eq!(config.severity["replace-downtime"], RuleOverride::Off);
        assert_eq!(config.ignores[0].line, 10);
    }

    #[test]
    fn every_problem_is_reported_at_once_with_its_place() {
        let text = "profil = \"agent\"\n[targets]\naccount = [\"1\"]\n[[ignore]]\nrule = \"x\"\naddress = \"*\"\nreason = \"r\"\nexpires = \"soon\"\n[severity]\ndata-loss = \"extreme\"\n";
        let error = Config::parse("blastwall.toml", text).unwrap_err();
        let spans: Vec<&str> = error
            .problems
            .iter()
            .map(|problem| &text[problem.offset()..problem.offset() + problem.len()])
            .collect();
        assert_eq!(error.problems.len(), 4, "{:#?}", error.problems);
        assert_eq!(spans[0], "profil");
        assert!(spans[1].contains("account"), "{spans:?}");
    }

    #[test]
    fn globs() {
        assert!(glob_matches(
            "module.legacy.*",
            r#"module.legacy.aws_s3_bucket.b["x"]"#
        ));
        assert!(glob_matches(
            "*.aws_db_instance.*",
            "module.a.aws_db_instance.main"
        ));
        assert!(!glob_matches(
            "aws_db_instance.*",
            "module.a.aws_db_instance.main"
        ));
        assert!(glob_matches("aws_vpc.main", "aws_vpc.main"));
    }
}
