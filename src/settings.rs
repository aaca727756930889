//! CLI ⊕ config ⊕ profile: every default of a check is decided here.

use std::path::PathBuf;

use crate::approval;
use crate::author::{self, Agents, AuthorChoice};
use crate::cli::{CheckArgs, FailOn};
use crate::config::Config;
use crate::error::RunError;
use crate::policy::Gate;
use crate::profile::{self, Profile, Thresholds};
use crate::report::{Author, AuthorKind};
use crate::rules::{RuleSet, kinds::Targets};

/// Everything `check` needs besides the inputs.
#[derive(Clone)]
pub struct CheckOptions {
    pub terraform_bin: Option<PathBuf>,
    pub rules: RuleSet,
    pub targets: Targets,
    pub author: Author,
    /// The chosen profile, its thresholds with the config's overrides applied.
    pub profile: Profile,
    /// Why this profile was chosen, printed in every report.
    pub profile_reason: String,
    pub config: Config,
    pub approvals: Vec<approval::Loaded>,
    /// Approval files that could not be read.
    pub approval_problems: Vec<String>,
    pub gate: Gate,
    pub today: (u32, u32, u32),
}

impl CheckOptions {
    /// Built-in rules and profiles, no config, an unknown author (so the
    /// agent profile), terraform from PATH.
    pub fn builtin() -> Result<Self, RunError> {
        let profiles = profile::builtin()?;
        let author = Author {
            kind: AuthorKind::Unknown,
            reason: "not detected".to_owned(),
        };
        let (profile, profile_reason) =
            choose_profile(None, &author, &Config::default(), &profiles)?;
        Ok(Self {
            terraform_bin: None,
            rules: RuleSet::builtin()?,
            targets: Targets::default(),
            author,
            profile,
            profile_reason,
            config: Config::default(),
            approvals: Vec::new(),
            approval_problems: Vec::new(),
            gate: Gate::default(),
            today: crate::policy::today(),
        })
    }

    /// Uses `profile` whoever the author is.
    pub fn with_profile(mut self, name: &str) -> Result<Self, RunError> {
        let profiles = all_profiles(&self.config)?;
        let (profile, reason) = choose_profile(Some(name), &self.author, &self.config, &profiles)?;
        self.profile = profile;
        self.profile_reason = reason;
        Ok(self)
    }

    pub fn from_args(args: &CheckArgs) -> Result<Self, RunError> {
        let config = Config::discover(args.config.as_deref()).map_err(Box::new)?;
        let rules = rule_set(&config, &args.rules)?;
        let author = detect_author(args.author)?;
        let profiles = all_profiles(&config)?;
        let (profile, profile_reason) =
            choose_profile(args.profile.as_deref(), &author, &config, &profiles)?;
        let trusted: Vec<PathBuf> = config
            .approvals
            .trusted
            .iter()
            .map(|path| config.resolve(path))
            .collect();
        let (mut approvals, mut approval_problems) = approval::load(&trusted, true);
        let (from_flag, flag_problems) = approval::load(&args.approvals, false);
        approvals.extend(from_flag);
        approval_problems.extend(flag_problems);
        let targets = config.targets.clone();
        Ok(Self {
            terraform_bin: args.terraform_bin.clone(),
            rules,
            targets,
            author,
            profile,
            profile_reason,
            config,
            approvals,
            approval_problems,
            gate: Gate {
                fail_on_warn: args.fail_on == FailOn::Warn,
                exit_zero: args.exit_zero,
            },
            today: crate::policy::today(),
        })
    }
}

/// Built-in rules, the config's rule directories, then `extra`: the rule
/// set of `check`, `rules` and `explain`. A directory named twice (in the
/// config and by a flag) is loaded once.
pub fn rule_set(config: &Config, extra: &[PathBuf]) -> Result<RuleSet, RunError> {
    let mut rules = RuleSet::builtin()?;
    let mut loaded: Vec<PathBuf> = Vec::new();
    for dir in config
        .rules
        .iter()
        .map(|dir| config.resolve(dir))
        .chain(extra.iter().cloned())
    {
        let canonical = std::fs::canonicalize(&dir).unwrap_or_else(|_| dir.clone());
        if !loaded.contains(&canonical) {
            rules.add_dir(&dir)?;
            loaded.push(canonical);
        }
    }
    Ok(rules)
}

/// Who wrote the plan, from this process's environment, git and the GitHub
/// event payload.
pub fn detect_author(choice: AuthorChoice) -> Result<Author, RunError> {
    let agents = Agents::builtin()?;
    let env = |name: &str| std::env::var(name).ok();
    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .args(args)
            .output()
            .ok()
            .filter(|output| output.status.success())
            .map(|output| String::from_utf8_lossy(&output.stdout).into_owned())
    };
    let read = |path: &str| std::fs::read_to_string(path).ok();
    Ok(author::detect(
        choice,
        &agents,
        &author::Context {
            env: &env,
            git: &git,
            read: &read,
        },
    ))
}

/// The built-in profiles, plus one for each `[profiles.NAME]` of the config
/// that names no built-in profile (its thresholds only; approvals from
/// trusted paths only, the safe default for a profile nobody described).
fn all_profiles(config: &Config) -> Result<std::collections::BTreeMap<String, Profile>, RunError> {
    let mut profiles = profile::builtin()?;
    for name in config.profiles.keys() {
        profiles.entry(name.clone()).or_insert_with(|| Profile {
            name: name.clone(),
            description: "defined in blastwall.toml".to_owned(),
            thresholds: Thresholds::default(),
            rules: Default::default(),
            trusted_approvals_only: true,
        });
    }
    Ok(profiles)
}

/// `--profile`, else the author's profile; an unknown author gets the
/// config's default profile, or `agent`: it may be an agent.
fn choose_profile(
    explicit: Option<&str>,
    author: &Author,
    config: &Config,
    profiles: &std::collections::BTreeMap<String, Profile>,
) -> Result<(Profile, String), RunError> {
    let (name, reason) = match (explicit, author.kind) {
        (Some(name), _) => (name.to_owned(), format!("--profile {name}")),
        (None, AuthorKind::Agent) => (
            "agent".to_owned(),
            format!("author is an agent: {}", author.reason),
        ),
        (None, AuthorKind::Human) => (
            "human".to_owned(),
            format!("author is a person: {}", author.reason),
        ),
        (None, AuthorKind::Unknown) => match &config.profile {
            Some(name) => (
                name.clone(),
                format!(
                    "author unknown ({}); blastwall.toml sets profile = \"{name}\"",
                    author.reason
                ),
            ),
            None => (
                "agent".to_owned(),
                format!(
                    "author unknown ({}); an unknown author is treated as possibly an agent",
                    author.reason
                ),
            ),
        },
    };
    let mut profile = profiles
        .get(&name)
        .cloned()
        .ok_or_else(|| RunError::UnknownProfile {
            name: crate::escape::for_terminal(&name).into_owned(),
            known: profiles.keys().cloned().collect::<Vec<_>>().join(", "),
        })?;
    if let Some(overrides) = config.profiles.get(&profile.name) {
        profile.thresholds = profile.thresholds.merged_with(overrides);
    }
    Ok((profile, reason))
}
