//! Profiles as data (`rules/profiles/*.toml`): the thresholds that turn
//! findings into a verdict, and per-rule severity overrides.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde::de::{self, Deserializer};

use crate::rules::{BUILTIN_FILES, RuleError, Severity};

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    /// Any finding at or above this severity fails the plan.
    pub fail_severity: Option<Severity>,
    /// Any finding at or above this severity warns.
    pub warn_severity: Option<Severity>,
    pub fail_score: Option<u32>,
    pub warn_score: Option<u32>,
    /// Destroyed plus disrupted resources, all plans together.
    pub max_blast_radius: Option<usize>,
    /// Destroyed resources over resources in state, 0..1.
    pub max_share_of_state: Option<f64>,
    /// Destroyed data-bearing resources whose data is lost.
    pub max_data_loss: Option<usize>,
}

impl Thresholds {
    /// `other`'s settings win where it has them.
    pub fn merged_with(&self, other: &Thresholds) -> Thresholds {
        Thresholds {
            fail_severity: other.fail_severity.or(self.fail_severity),
            warn_severity: other.warn_severity.or(self.warn_severity),
            fail_score: other.fail_score.or(self.fail_score),
            warn_score: other.warn_score.or(self.warn_score),
            max_blast_radius: other.max_blast_radius.or(self.max_blast_radius),
            max_share_of_state: other.max_share_of_state.or(self.max_share_of_state),
            max_data_loss: other.max_data_loss.or(self.max_data_loss),
        }
    }
}

/// A rule's severity in a profile or config: another severity, or `off`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleOverride {
    Off,
    Severity(Severity),
}

impl<'de> Deserialize<'de> for RuleOverride {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        match text.as_str() {
            "off" => Ok(Self::Off),
            "info" => Ok(Self::Severity(Severity::Info)),
            "low" => Ok(Self::Severity(Severity::Low)),
            "medium" => Ok(Self::Severity(Severity::Medium)),
            "high" => Ok(Self::Severity(Severity::High)),
            "critical" => Ok(Self::Severity(Severity::Critical)),
            other => Err(de::Error::custom(format!(
                "`{other}` is not a severity; use off, info, low, medium, high or critical"
            ))),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    pub name: String,
    pub description: String,
    pub thresholds: Thresholds,
    #[serde(default)]
    pub rules: BTreeMap<String, RuleOverride>,
    /// Honour only approvals from paths the config trusts, never from a
    /// flag the plan's author could pass itself.
    #[serde(default)]
    pub trusted_approvals_only: bool,
}

/// The built-in profiles, by name.
pub fn builtin() -> Result<BTreeMap<String, Profile>, RuleError> {
    let mut profiles = BTreeMap::new();
    for (path, text) in BUILTIN_FILES
        .iter()
        .filter(|(path, _)| path.contains("profiles/"))
    {
        let profile: Profile =
            toml::from_str(text).map_err(|error| RuleError::toml(path, text, &error))?;
        profiles.insert(profile.name.clone(), profile);
    }
    Ok(profiles)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agent_is_stricter_than_human() {
        let profiles = builtin().unwrap();
        let (agent, human) = (&profiles["agent"], &profiles["human"]);
        assert!(agent.thresholds.fail_severity < human.thresholds.fail_severity);
        assert!(agent.thresholds.max_blast_radius.is_some());
        assert_eq!(human.thresholds.max_data_loss, Some(0));
    }
}
