//! Risk rules: a few kinds in code (`kinds/`), many rules as data
//! (`rules/*.toml`, embedded at build time; users add their own with
//! `--rules DIR`). Each rule file carries its id, severity, points,
//! parameters and the user documentation.

pub mod finding;
pub mod kinds;
pub mod payload;
pub mod policy;
pub mod redact;

use std::path::Path;

use rayon::prelude::*;
use serde::Deserialize;

pub use crate::model::classes::{self, Classes};
pub use crate::model::data_files::{BUILTIN_FILES, RuleError, Severity, TomlError};
pub use finding::{Draft, Evidence, Finding};
pub use kinds::{RuleInput, RuleKind};

/// The fixed sections of a rule's documentation.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Docs {
    pub what: String,
    pub why: String,
    pub example: String,
    pub fix: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    id: String,
    kind: String,
    severity: Severity,
    points: u32,
    summary: String,
    #[serde(default)]
    #[allow(dead_code)]
    params: toml::Table,
    docs: Docs,
}

#[derive(Debug, Clone)]
pub struct Rule {
    pub id: String,
    pub kind: RuleKind,
    pub severity: Severity,
    pub points: u32,
    pub summary: String,
    pub docs: Docs,
    /// `rules/data-loss.toml` for built-ins, the user's path otherwise.
    pub source: String,
}

#[derive(Debug, Clone)]
pub struct RuleSet {
    pub rules: Vec<Rule>,
    pub classes: Classes,
}

impl RuleSet {
    pub fn builtin() -> Result<Self, RuleError> {
        Self::from_files(BUILTIN_FILES.iter().map(|(path, text)| (*path, *text)))
    }

    fn from_files<'f>(
        files: impl Iterator<Item = (&'f str, &'f str)> + Clone + Send,
    ) -> Result<Self, RuleError> {
        let rule_files: Vec<(&str, &str)> = files
            .clone()
            .filter(|(path, _)| is_rule_file(path))
            .collect();
        let (classes, rules) =
            rayon::join(
                || {
                    Classes::load(files.filter(|(path, _)| {
                        path.contains("classes") || path.contains("retention/")
                    }))
                },
                || {
                    rule_files
                        .par_iter()
                        .map(|&(path, text)| parse_rule(path, text))
                        .collect::<Vec<_>>()
                },
            );
        // The first problem in file order, classes first, as when read in turn.
        let classes = classes?;
        let rules = rules.into_iter().collect::<Result<Vec<_>, _>>()?;
        let mut set = RuleSet { rules, classes };
        set.check_unique_ids()?;
        set.rules.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(set)
    }

    /// Adds every `*.toml` rule file of `dir` (not recursive).
    pub fn add_dir(&mut self, dir: &Path) -> Result<(), RuleError> {
        let entries = std::fs::read_dir(dir).map_err(|error| RuleError::Io {
            path: dir.display().to_string(),
            message: error.to_string(),
        })?;
        let mut paths: Vec<_> = entries
            .flatten()
            .map(|entry| entry.path())
            .filter(|path| {
                path.extension()
                    .is_some_and(|extension| extension == "toml")
            })
            .collect();
        paths.sort();
        for path in paths {
            let label = path.display().to_string();
            let text = std::fs::read_to_string(&path).map_err(|error| RuleError::Io {
                path: label.clone(),
                message: error.to_string(),
            })?;
            self.rules.push(parse_rule(&label, &text)?);
        }
        self.check_unique_ids()?;
        self.rules.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(())
    }

    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|rule| rule.id == id)
    }

    fn check_unique_ids(&self) -> Result<(), RuleError> {
        let mut seen: std::collections::HashMap<&str, &str> = std::collections::HashMap::new();
        for rule in &self.rules {
            if let Some(first) = seen.insert(&rule.id, &rule.source) {
                return Err(RuleError::invalid(
                    &rule.source,
                    &format!("rule id `{}` is already defined in {first}", rule.id),
                ));
            }
        }
        Ok(())
    }

    /// Runs every rule on one plan. Findings come back sorted: severity
    /// (most severe first), then rule, then address.
    pub fn evaluate(&self, context: &RuleInput<'_, '_>) -> Vec<Finding> {
        use rayon::prelude::*;
        // Rules are independent and read the context only: one task per
        // rule, collected in rule order (then sorted), so the result is the
        // same as a sequential run.
        let mut findings: Vec<Finding> = self
            .rules
            .par_iter()
            .flat_map_iter(|rule| {
                rule.kind
                    .check(context)
                    .into_iter()
                    .map(move |draft| Finding::new(rule, draft))
            })
            .collect();
        findings.sort_by(|a, b| {
            b.severity
                .cmp(&a.severity)
                .then_with(|| a.rule.cmp(&b.rule))
                .then_with(|| a.address.cmp(&b.address))
                .then_with(|| a.message.cmp(&b.message))
        });
        findings
    }
}

fn is_rule_file(path: &str) -> bool {
    !path.contains("classes")
        && !path.contains("retention/")
        && !path.contains("profiles/")
        && !path.contains("authors")
}

fn parse_rule(path: &str, text: &str) -> Result<Rule, RuleError> {
    let file: RuleFile =
        toml::from_str(text).map_err(|error| RuleError::toml(path, text, &error))?;
    if !is_kebab_case(&file.id) {
        return Err(RuleError::invalid(
            path,
            &format!("rule id `{}` must be kebab-case", file.id),
        ));
    }
    let kind = RuleKind::parse(&file.kind, text).map_err(|error| match error {
        kinds::KindError::Unknown => RuleError::invalid(
            path,
            &format!(
                "unknown rule kind `{}`; known kinds: {}",
                file.kind,
                kinds::KIND_NAMES.join(", ")
            ),
        ),
        kinds::KindError::Params(error) => RuleError::toml(path, text, &error),
    })?;
    Ok(Rule {
        id: file.id,
        kind,
        severity: file.severity,
        points: file.points,
        summary: file.summary,
        docs: file.docs,
        source: path.to_owned(),
    })
}

fn is_kebab_case(id: &str) -> bool {
    !id.is_empty()
        && id.split('-').all(|part| {
            !part.is_empty()
                && part
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_rules_load_and_have_unique_kebab_ids() {
        let set = RuleSet::builtin().unwrap();
        assert!(set.rules.len() >= 15, "{} rules", set.rules.len());
        for rule in &set.rules {
            assert!(is_kebab_case(&rule.id));
            assert_eq!(
                rule.source,
                format!("rules/{}.toml", rule.id),
                "a rule's file is named after its id"
            );
        }
    }

    #[test]
    fn malformed_rule_file_points_at_the_line() {
        let text = "id = \"x-y\"\nkind = \"plan-health\"\nseverity = \"catastrophic\"\npoints = 1\nsummary = \"s\"\n[docs]\nwhat = \"\"\nwhy = \"\"\nexample = \"\"\nfix = \"\"\n";
        let error = parse_rule("my-rules/x.toml", text).unwrap_err();
        let RuleError::Toml(toml) = &error else {
            panic!("{error:?}")
        };
        let (Some(span), message) = (&toml.span, &toml.message) else {
            panic!("{error:?}")
        };
        assert_eq!(
            &text[span.offset()..span.offset() + span.len()],
            "\"catastrophic\""
        );
        assert!(message.contains("unknown variant"), "{message}");
    }

    #[test]
    fn unknown_kind_is_named() {
        let text = "id = \"x\"\nkind = \"telepathy\"\nseverity = \"low\"\npoints = 1\nsummary = \"s\"\n[docs]\nwhat = \"\"\nwhy = \"\"\nexample = \"\"\nfix = \"\"\n";
        let error = parse_rule("x.toml", text).unwrap_err();
        assert!(
            error.to_string().contains("unknown rule kind `telepathy`"),
            "{error}"
        );
    }
}
