//! Resource classes as data: `rules/classes.toml` says what each class
//! means and weighs, `rules/classes/*.toml` which types belong to it.

use std::collections::BTreeMap;

use rayon::prelude::*;
use rustc_hash::FxHashMap as HashMap;

use serde::Deserialize;

use crate::model::data_files::RuleError;
use crate::model::retention::RetentionModel;

pub const UNKNOWN: &str = "unknown";

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClassInfo {
    pub weight: u32,
    pub description: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClassesFile {
    classes: BTreeMap<String, ClassInfo>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Members {
    #[serde(default)]
    types: Vec<String>,
    #[serde(default)]
    prefixes: Vec<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Classes {
    info: BTreeMap<String, ClassInfo>,
    by_type: HashMap<String, String>,
    /// Longest prefix first, so `aws_fsx_` wins over `aws_`.
    prefixes: Vec<(String, String)>,
    /// What destroying each data-bearing type loses and what keeps it.
    retention: RetentionModel,
}

impl Classes {
    /// `files` are (path, text); `rules/classes.toml` defines the classes,
    /// every `rules/classes/*.toml` assigns types to them.
    pub fn load<'f>(
        files: impl Iterator<Item = (&'f str, &'f str)> + Clone + Send,
    ) -> Result<Self, RuleError> {
        let mut classes = Classes::default();
        for (path, text) in files
            .clone()
            .filter(|(path, _)| path.ends_with("classes.toml") && !path.contains("classes/"))
        {
            let file: ClassesFile =
                toml::from_str(text).map_err(|error| RuleError::toml(path, text, &error))?;
            classes.info.extend(file.classes);
        }
        if !classes.info.contains_key(UNKNOWN) {
            return Err(RuleError::invalid(
                "rules/classes.toml",
                "the class `unknown` (the default for unlisted types) is not defined",
            ));
        }
        // Each file parses on its own (TOML is most of a small check's
        // start-up: 192 KB of class lists); they are merged in order.
        let member_files: Vec<(&str, &str)> = files
            .clone()
            .filter(|(path, _)| path.contains("classes/"))
            .collect();
        let (retention, parsed) = rayon::join(
            || RetentionModel::load(files.filter(|(path, _)| path.contains("retention/"))),
            || {
                member_files
                    .par_iter()
                    .map(|&(path, text)| {
                        toml::from_str::<BTreeMap<String, Members>>(text)
                            .map(|file| (path, file))
                            .map_err(|error| RuleError::toml(path, text, &error))
                    })
                    .collect::<Vec<_>>()
            },
        );
        classes.retention = retention?;
        for parsed in parsed {
            let (path, file) = parsed?;
            for (class, members) in file {
                if !classes.info.contains_key(&class) {
                    return Err(RuleError::invalid(
                        path,
                        &format!("`{class}` is not a class defined in rules/classes.toml"),
                    ));
                }
                for resource_type in members.types {
                    if let Some(previous) =
                        classes.by_type.insert(resource_type.clone(), class.clone())
                        && previous != class
                    {
                        return Err(RuleError::invalid(
                            path,
                            &format!("`{resource_type}` is in both `{previous}` and `{class}`"),
                        ));
                    }
                }
                classes.prefixes.extend(
                    members
                        .prefixes
                        .into_iter()
                        .map(|prefix| (prefix, class.clone())),
                );
            }
        }
        classes
            .prefixes
            .sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.0.cmp(&b.0)));
        Ok(classes)
    }

    pub fn class_of(&self, resource_type: &str) -> &str {
        if let Some(class) = self.by_type.get(resource_type) {
            return class;
        }
        self.prefixes
            .iter()
            .find(|(prefix, _)| resource_type.starts_with(prefix.as_str()))
            .map_or(UNKNOWN, |(_, class)| class.as_str())
    }

    /// A type of the `data` class whose destroy can lose data: not one whose
    /// value the configuration holds (an SSM parameter, a secret version).
    pub fn is_data_bearing(&self, resource_type: &str) -> bool {
        self.class_of(resource_type) == "data"
            && self.retention.nothing_lost(resource_type).is_none()
    }

    pub fn retention(&self) -> &RetentionModel {
        &self.retention
    }
}
