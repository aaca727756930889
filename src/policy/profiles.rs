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
    #[serde(default, deserialize_with = "finite")]
    pub max_share_of_state: Option<f64>,
    /// Destroyed data-bearing resources whose data is lost.
    pub max_data_loss: Option<usize>,
    /// The verdict from which the exit code is 3 [default: fail]; `--fail-on`
    /// may make it stricter, and in an agent's run never laxer.
    pub fail_on: Option<FailOn>,
}

/// Exit 3 on this verdict or worse. Ordered strictest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FailOn {
    Warn,
    Fail,
}

impl FailOn {
    pub fn label(self) -> &'static str {
        match self {
            Self::Warn => "warn",
            Self::Fail => "fail",
        }
    }
}

/// The stricter of two limits where lower is stricter and none is no limit.
fn stricter<T: PartialOrd + Copy>(a: Option<T>, b: Option<T>) -> Option<T> {
    match (a, b) {
        (Some(a), Some(b)) => Some(if b < a { b } else { a }),
        (a, None) => a,
        (None, b) => b,
    }
}

/// Whether `candidate` allows more than `floor` (no limit where the floor
/// has one). A candidate that does not compare (NaN) is laxer: `share >
/// NaN` is never true, so such a limit never failed anything.
fn laxer<T: PartialOrd + Copy>(candidate: Option<T>, floor: Option<T>) -> bool {
    use std::cmp::Ordering;
    match (candidate, floor) {
        (_, None) => false,
        (None, Some(_)) => true,
        (Some(candidate), Some(floor)) => !matches!(
            candidate.partial_cmp(&floor),
            Some(Ordering::Less | Ordering::Equal)
        ),
    }
}

/// A share limit that is a number: `nan` let every share pass (no share
/// is greater than it), and an untrusted file's `nan` was not seen as laxer.
fn finite<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<f64>, D::Error> {
    match Option::<f64>::deserialize(deserializer)? {
        Some(value) if !value.is_finite() => Err(de::Error::custom(format!(
            "`{value}` is not a share: write a number such as 0.2 (20 %)"
        ))),
        other => Ok(other),
    }
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
            fail_on: other.fail_on.or(self.fail_on),
        }
    }

    /// The stricter of each threshold: the floor an agent's run keeps
    /// whatever profile it uses.
    pub fn stricter_of(&self, other: &Thresholds) -> Thresholds {
        Thresholds {
            fail_severity: stricter(self.fail_severity, other.fail_severity),
            warn_severity: stricter(self.warn_severity, other.warn_severity),
            fail_score: stricter(self.fail_score, other.fail_score),
            warn_score: stricter(self.warn_score, other.warn_score),
            max_blast_radius: stricter(self.max_blast_radius, other.max_blast_radius),
            max_share_of_state: stricter(self.max_share_of_state, other.max_share_of_state),
            max_data_loss: stricter(self.max_data_loss, other.max_data_loss),
            fail_on: stricter(self.fail_on, other.fail_on),
        }
    }

    /// Each threshold where `self` allows more than `floor`, described as
    /// `name = value (floor: value)`; a missing threshold counts as laxer.
    pub fn laxer_than(&self, floor: &Thresholds) -> Vec<String> {
        fn show<T: std::fmt::Display>(value: Option<T>) -> String {
            value.map_or_else(|| "none".to_owned(), |value| value.to_string())
        }
        let severity = |value: Option<Severity>| value.map(Severity::label);
        let mut found = Vec::new();
        let mut check = |name: &str, is_laxer: bool, value: String, floor: String| {
            if is_laxer {
                found.push(format!("{name} = {value} (laxer than {floor})"));
            }
        };
        check(
            "fail_severity",
            laxer(self.fail_severity, floor.fail_severity),
            show(severity(self.fail_severity)),
            show(severity(floor.fail_severity)),
        );
        check(
            "warn_severity",
            laxer(self.warn_severity, floor.warn_severity),
            show(severity(self.warn_severity)),
            show(severity(floor.warn_severity)),
        );
        check(
            "fail_score",
            laxer(self.fail_score, floor.fail_score),
            show(self.fail_score),
            show(floor.fail_score),
        );
        check(
            "warn_score",
            laxer(self.warn_score, floor.warn_score),
            show(self.warn_score),
            show(floor.warn_score),
        );
        check(
            "max_blast_radius",
            laxer(self.max_blast_radius, floor.max_blast_radius),
            show(self.max_blast_radius),
            show(floor.max_blast_radius),
        );
        check(
            "max_share_of_state",
            laxer(self.max_share_of_state, floor.max_share_of_state),
            show(self.max_share_of_state),
            show(floor.max_share_of_state),
        );
        check(
            "max_data_loss",
            laxer(self.max_data_loss, floor.max_data_loss),
            show(self.max_data_loss),
            show(floor.max_data_loss),
        );
        check(
            "fail_on",
            // No fail_on means fail.
            laxer(Some(self.fail_on.unwrap_or(FailOn::Fail)), floor.fail_on),
            self.fail_on.unwrap_or(FailOn::Fail).label().to_owned(),
            show(floor.fail_on.map(FailOn::label)),
        );
        found
    }

    /// Splits `overrides` of `base` into the ones that only tighten it
    /// (kept) and a description of each that would loosen it.
    pub fn tightening(&self, overrides: &Thresholds) -> (Thresholds, Vec<String>) {
        let merged = self.merged_with(overrides);
        let mut kept = overrides.clone();
        let loosened = merged.laxer_than(self);
        // Drop each override that loosens: the base's value stays.
        if laxer(merged.fail_severity, self.fail_severity) {
            kept.fail_severity = None;
        }
        if laxer(merged.warn_severity, self.warn_severity) {
            kept.warn_severity = None;
        }
        if laxer(merged.fail_score, self.fail_score) {
            kept.fail_score = None;
        }
        if laxer(merged.warn_score, self.warn_score) {
            kept.warn_score = None;
        }
        if laxer(merged.max_blast_radius, self.max_blast_radius) {
            kept.max_blast_radius = None;
        }
        if laxer(merged.max_share_of_state, self.max_share_of_state) {
            kept.max_share_of_state = None;
        }
        if laxer(merged.max_data_loss, self.max_data_loss) {
            kept.max_data_loss = None;
        }
        if laxer(merged.fail_on, self.fail_on) {
            kept.fail_on = None;
        }
        (kept, loosened)
    }
}

/// A severity override's rank: `off` below every severity.
pub fn rank(value: RuleOverride) -> Option<Severity> {
    match value {
        RuleOverride::Off => None,
        RuleOverride::Severity(severity) => Some(severity),
    }
}

impl RuleOverride {
    pub fn label(self) -> &'static str {
        match self {
            Self::Off => "off",
            Self::Severity(severity) => severity.label(),
        }
    }
}

impl Profile {
    /// This profile kept at least as strict as `floor` in every threshold
    /// and every per-rule severity, honouring only trusted approvals.
    pub fn floored(&self, floor: &Profile) -> Profile {
        let mut profile = self.clone();
        profile.thresholds = self.thresholds.stricter_of(&floor.thresholds);
        for (rule, level) in &floor.rules {
            let entry = profile.rules.entry(rule.clone()).or_insert(*level);
            if rank(*entry) < rank(*level) {
                *entry = *level;
            }
        }
        profile.trusted_approvals_only |= floor.trusted_approvals_only;
        profile
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
        let laxer = human.thresholds.laxer_than(&agent.thresholds);
        assert!(
            laxer
                .iter()
                .any(|item| item == "fail_severity = critical (laxer than high)"),
            "{laxer:?}"
        );
        assert!(agent.thresholds.laxer_than(&agent.thresholds).is_empty());
    }

    #[test]
    fn an_empty_profile_floored_is_the_agent_profile() {
        let profiles = builtin().unwrap();
        let agent = &profiles["agent"];
        let empty = Profile {
            name: "lax".to_owned(),
            description: String::new(),
            thresholds: Thresholds::default(),
            rules: BTreeMap::new(),
            trusted_approvals_only: false,
        };
        assert_eq!(empty.thresholds.laxer_than(&agent.thresholds).len(), 7);
        let floored = empty.floored(agent);
        assert_eq!(floored.thresholds, agent.thresholds);
        assert_eq!(floored.rules, agent.rules);
        assert!(floored.trusted_approvals_only);
        // Stricter settings survive the floor.
        let strict = Thresholds {
            max_blast_radius: Some(1),
            fail_on: Some(FailOn::Warn),
            ..Thresholds::default()
        };
        let kept = strict.stricter_of(&agent.thresholds);
        assert_eq!(kept.max_blast_radius, Some(1));
        assert_eq!(kept.fail_on, Some(FailOn::Warn));
        assert_eq!(kept.max_share_of_state, Some(0.2));
    }

    #[test]
    fn tightening_keeps_stricter_overrides_and_names_looser_ones() {
        let agent = builtin().unwrap()["agent"].thresholds.clone();
        let overrides = Thresholds {
            max_share_of_state: Some(1.0),
            max_blast_radius: Some(2),
            ..Thresholds::default()
        };
        let (kept, loosened) = agent.tightening(&overrides);
        assert_eq!(kept.max_share_of_state, None);
        assert_eq!(kept.max_blast_radius, Some(2));
        assert_eq!(
            loosened,
            vec!["max_share_of_state = 1 (laxer than 0.2)".to_owned()]
        );
    }
}
