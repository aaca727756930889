//! CLI ⊕ config ⊕ profile: every default of a check is decided here.

use std::path::{Path, PathBuf};

use crate::app::error::RunError;
use crate::cli::CheckArgs;
use crate::policy::Gate;
use crate::policy::approvals;
use crate::policy::authors::{self, Agents, AuthorChoice, Detection, Signal};
use crate::policy::config::{Config, Layer, WorkingTree};
use crate::policy::profiles::{self, FailOn, Profile, Thresholds};
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
    pub approvals: Vec<approvals::LoadedApproval>,
    /// Approval files that could not be read.
    pub approval_problems: Vec<String>,
    pub gate: Gate,
    pub today: (u32, u32, u32),
    /// What this run refused to apply (loosening from a configuration an
    /// agent could have written, untrusted approvals): said in the report.
    pub notes: Vec<String>,
    /// The configuration files read, in the order they apply, each with
    /// where it was found: `blastwall.toml (nearest)`.
    pub config_files: Vec<String>,
}

impl CheckOptions {
    /// Built-in rules and profiles, no config, an unknown author (so the
    /// agent profile), terraform from PATH.
    pub fn builtin() -> Result<Self, RunError> {
        let profiles = profiles::builtin()?;
        let author = Author {
            kind: AuthorKind::Unknown,
            reason: "not detected".to_owned(),
        };
        let (profile, profile_reason) =
            choose_profile(None, &author, None, &Config::default(), &profiles)?;
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
            notes: Vec::new(),
            config_files: Vec::new(),
        })
    }

    /// Uses `profile` whoever the author is.
    pub fn with_profile(mut self, name: &str) -> Result<Self, RunError> {
        let profiles = all_profiles(&self.config)?;
        let (profile, reason) =
            choose_profile(Some(name), &self.author, None, &self.config, &profiles)?;
        self.profile = profile;
        self.profile_reason = reason;
        Ok(self)
    }

    pub fn from_args(args: &CheckArgs) -> Result<Self, RunError> {
        let detection = detect_author(args.author.into())?;
        let plans: Vec<&Path> = args
            .paths
            .iter()
            .filter(|path| *path != "-")
            .map(Path::new)
            .collect();
        Self::resolve(Request {
            detection,
            config: args.config.as_deref(),
            plans,
            profile: args.profile.as_deref(),
            fail_on: args.fail_on.map(FailOn::from),
            exit_zero: args.exit_zero,
            approvals: &args.approvals,
            rules: &args.rules,
            terraform_bin: args.terraform_bin.clone(),
        })
    }

    /// The options of the MCP server: always an agent's run; `profile` is
    /// the one the server was started with or the caller asked for, refused
    /// when laxer than the agent profile.
    pub fn for_agent_tool(profile: Option<&str>, reason: &str) -> Result<Self, RunError> {
        Self::resolve(Request {
            detection: Detection {
                author: Author {
                    kind: AuthorKind::Agent,
                    reason: reason.to_owned(),
                },
                signals: vec![Signal {
                    kind: AuthorKind::Agent,
                    what: reason.to_owned(),
                    claim: false,
                }],
            },
            config: None,
            plans: Vec::new(),
            profile,
            fail_on: None,
            exit_zero: false,
            approvals: &[],
            rules: &[],
            terraform_bin: None,
        })
    }

    /// The options `blastwall approve` checks a plan with: the same
    /// configuration `check` finds here (rules, targets, ignores, severities,
    /// profiles), so an approval accepts exactly what a check will find.
    pub fn for_approval(
        detection: Detection,
        plan: &Path,
        terraform_bin: Option<PathBuf>,
    ) -> Result<Self, RunError> {
        Self::resolve(Request {
            detection,
            config: None,
            plans: vec![plan],
            profile: None,
            fail_on: None,
            exit_zero: false,
            approvals: &[],
            rules: &[],
            terraform_bin,
        })
    }

    fn resolve(request: Request<'_>) -> Result<Self, RunError> {
        let Request {
            detection,
            config,
            plans,
            profile,
            fail_on,
            exit_zero,
            approvals,
            rules,
            terraform_bin,
        } = request;
        let author = detection.author.clone();
        let cwd = std::env::current_dir().unwrap_or_default();
        let tree = WorkingTree::around(&cwd, &plans);
        let layers = crate::policy::config::layers(config).map_err(Box::new)?;
        let config_files = config_files(&layers, config.is_some());
        // Every layer's rule directories first: rules only add findings.
        let with_rules = Config {
            rules: layers
                .iter()
                .flat_map(|layer| {
                    layer
                        .config
                        .rules
                        .iter()
                        .map(|dir| layer.config.resolve(dir))
                })
                .collect(),
            ..Config::default()
        };
        let rules = rule_set(&with_rules, rules)?;
        let builtin = profiles::builtin()?;
        let whose = match author.kind {
            AuthorKind::Agent => Some(format!("an agent's run ({})", detection.agent_evidence())),
            AuthorKind::Unknown => {
                Some("a run whose author is unknown (possibly an agent)".to_owned())
            }
            AuthorKind::Human => None,
        };
        let mut merged = merge(&layers, &tree, whose.as_deref(), &builtin, &rules);
        let mut config = std::mem::take(&mut merged.config);
        config.rules = with_rules.rules;
        let mut notes = std::mem::take(&mut merged.notes);
        if !config_files.is_empty() {
            notes.insert(0, format!("configuration: {}", config_files.join(", ")));
        }
        let profiles = all_profiles(&config)?;
        let floor = profiles
            .get("agent")
            .cloned()
            .map(|mut agent| {
                if let Some(overrides) = config.profiles.get("agent") {
                    agent.thresholds = agent.thresholds.merged_with(overrides);
                }
                agent
            })
            .ok_or_else(|| RunError::UnknownProfile {
                name: "agent".to_owned(),
                known: profiles.keys().cloned().collect::<Vec<_>>().join(", "),
            })?;

        let mut refused = Vec::new();
        for claim in detection.overruled_claims() {
            refused.push(format!(
                "an agent cannot choose the human profile ({})",
                claim.what
            ));
        }
        let (mut chosen, mut profile_reason) =
            choose_profile(profile, &author, merged.pick.as_ref(), &config, &profiles)?;
        let agent_run = author.kind == AuthorKind::Agent;
        let laxer = chosen.thresholds.laxer_than(&floor.thresholds);
        if agent_run && profile.is_some() && !laxer.is_empty() {
            refused.push(format!(
                "an agent cannot choose a laxer profile (--profile {}: {})",
                crate::util::escape::for_terminal(&chosen.name),
                laxer.join(", ")
            ));
        }
        // Every profile keeps the agent floor in an agent's run; in an
        // unknown author's run, so does a profile an agent could have
        // defined or picked (from a configuration inside the working tree).
        let untrusted_choice = merged.untrusted_profiles.contains(&chosen.name)
            || (profile.is_none() && merged.pick.as_ref().is_some_and(|pick| !pick.trusted));
        let floored = agent_run || (author.kind == AuthorKind::Unknown && untrusted_choice);
        if floored && chosen.name != "agent" {
            if !laxer.is_empty() {
                profile_reason.push_str(&format!(
                    "; the agent profile's thresholds apply as a floor ({} laxer)",
                    laxer.len()
                ));
            }
            chosen = chosen.floored(&floor);
        }
        let profile_fail_on = chosen.thresholds.fail_on.unwrap_or(FailOn::Fail);
        if agent_run && let Some(asked) = fail_on.filter(|asked| *asked > profile_fail_on) {
            refused.push(format!(
                "an agent cannot relax the exit code (--fail-on {}: the {} profile fails on {})",
                asked.label(),
                chosen.name,
                profile_fail_on.label()
            ));
        }
        if agent_run && exit_zero {
            refused.push("an agent cannot turn the gate off (--exit-zero)".to_owned());
        }
        if !refused.is_empty() {
            let plan = if plans.is_empty() {
                "PLAN".to_owned()
            } else {
                plans
                    .iter()
                    .map(|plan| {
                        crate::util::escape::for_terminal(&plan.display().to_string()).into_owned()
                    })
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            return Err(RunError::Refused {
                message: format!(
                    "refused in an agent's run ({}): {}; a person approves this plan with `blastwall approve {plan}` at a terminal",
                    detection.agent_evidence(),
                    refused.join("; ")
                ),
            });
        }

        // Approvals: the user's own approvals directory (where `approve`
        // writes), the trusted paths of the configuration, and the flag's.
        let mut trusted_paths: Vec<PathBuf> = std::mem::take(&mut merged.trusted_approvals);
        if let Some(dir) = approvals::user_approvals_dir()
            && dir.is_dir()
            && !trusted_paths.contains(&dir)
        {
            trusted_paths.push(dir);
        }
        let (mut approvals_loaded, mut approval_problems) = approvals::load(&trusted_paths, true);
        if whose.is_some() {
            for loaded in &mut approvals_loaded {
                loaded.distrusted = tree.why_untrusted(&loaded.path);
            }
        }
        let (from_flag, flag_problems) = approvals::load(approvals, false);
        approvals_loaded.extend(from_flag);
        approval_problems.extend(flag_problems);
        notes.extend(merged.pick_notes(&chosen, agent_run));
        let targets = config.targets.clone();
        Ok(Self {
            terraform_bin,
            rules,
            targets,
            author,
            profile: chosen,
            profile_reason,
            config,
            approvals: approvals_loaded,
            approval_problems,
            gate: Gate {
                fail_on_warn: fail_on.unwrap_or(profile_fail_on) == FailOn::Warn,
                exit_zero,
            },
            today: crate::policy::today(),
            notes,
            config_files,
        })
    }
}

/// Each configuration file read, with where it was found, made visible
/// for a terminal: what the report names as the configuration used.
fn config_files(layers: &[Layer], explicit: bool) -> Vec<String> {
    layers
        .iter()
        .filter_map(|layer| {
            let path = layer.config.path.as_ref()?;
            let origin = match layer.origin {
                crate::policy::config::Origin::System => "system",
                crate::policy::config::Origin::User => "user",
                crate::policy::config::Origin::Project if explicit => "--config",
                crate::policy::config::Origin::Project => "nearest",
            };
            Some(format!(
                "{} ({origin})",
                crate::util::escape::for_terminal(&path.display().to_string())
            ))
        })
        .collect()
}

/// What `check`, `guard` and the MCP server ask for.
struct Request<'a> {
    detection: Detection,
    config: Option<&'a Path>,
    plans: Vec<&'a Path>,
    profile: Option<&'a str>,
    fail_on: Option<FailOn>,
    exit_zero: bool,
    approvals: &'a [PathBuf],
    rules: &'a [PathBuf],
    terraform_bin: Option<PathBuf>,
}

/// The `profile = NAME` a configuration picks for unknown authors.
#[derive(Debug, Clone)]
struct Pick {
    name: String,
    file: String,
    /// From a place an agent cannot write.
    trusted: bool,
}

/// The configuration layers merged: what applies, and what was refused.
#[derive(Debug, Default)]
struct Merged {
    config: Config,
    pick: Option<Pick>,
    trusted_approvals: Vec<PathBuf>,
    /// Profiles first defined by a configuration an agent could have written.
    untrusted_profiles: std::collections::BTreeSet<String>,
    notes: Vec<String>,
    whose: Option<String>,
}

impl Merged {
    /// A note when a configuration inside the working tree picked a
    /// profile that this run did not use as it stands.
    fn pick_notes(&self, chosen: &Profile, agent_run: bool) -> Vec<String> {
        match (&self.pick, &self.whose) {
            (Some(pick), Some(whose))
                if !pick.trusted && (agent_run || pick.name != chosen.name) =>
            {
                vec![format!(
                    "refused: {}: profile = \"{}\" was not applied: a configuration inside the working tree cannot pick the profile of {whose}",
                    pick.file,
                    crate::util::escape::for_terminal(&pick.name)
                )]
            }
            _ => Vec::new(),
        }
    }
}

/// Merges the layers in order. In a run that is not a person's (`whose`
/// names it), a layer an agent could have written (inside the working
/// tree, in a temporary directory…) may only tighten the gate: each
/// setting that would loosen it is left out and named in a note.
fn merge(
    layers: &[Layer],
    tree: &WorkingTree,
    whose: Option<&str>,
    builtin: &std::collections::BTreeMap<String, Profile>,
    rules: &RuleSet,
) -> Merged {
    let mut merged = Merged {
        whose: whose.map(str::to_owned),
        ..Merged::default()
    };
    for layer in layers {
        let config = &layer.config;
        let file = config
            .path
            .as_ref()
            .map_or_else(String::new, |path| path.display().to_string());
        let why = whose.and_then(|_| {
            config
                .path
                .as_ref()
                .and_then(|path| tree.why_untrusted(path))
        });
        let mut refused: Vec<String> = Vec::new();
        let into = &mut merged.config;

        // Thresholds of each profile.
        for (name, overrides) in &config.profiles {
            let known = builtin.contains_key(name) || into.profiles.contains_key(name);
            let current = builtin
                .get(name)
                .map(|profile| profile.thresholds.clone())
                .unwrap_or_default()
                .merged_with(into.profiles.get(name).unwrap_or(&Thresholds::default()));
            let kept = if why.is_some() && known {
                let (kept, loosened) = current.tightening(overrides);
                refused.extend(
                    loosened
                        .into_iter()
                        .map(|item| format!("[profiles.{name}] {item}")),
                );
                kept
            } else {
                if why.is_some() {
                    merged.untrusted_profiles.insert(name.clone());
                }
                overrides.clone()
            };
            let entry = into.profiles.entry(name.clone()).or_default();
            *entry = entry.merged_with(&kept);
        }

        // Per-rule severities: from an untrusted place, only raised.
        for (rule, level) in &config.severity {
            if why.is_some() {
                let current = into
                    .severity
                    .get(rule)
                    .copied()
                    .map(profiles::rank)
                    .unwrap_or_else(|| {
                        let default = rules.get(rule).map(|rule| rule.severity);
                        let agent = builtin
                            .get("agent")
                            .and_then(|agent| agent.rules.get(rule))
                            .copied()
                            .and_then(profiles::rank);
                        default.max(agent)
                    });
                if profiles::rank(*level) < current {
                    refused.push(format!(
                        "[severity] {rule} = \"{}\" (the rule is {})",
                        level.label(),
                        current.map_or("off", |severity| severity.label())
                    ));
                    continue;
                }
            }
            into.severity.insert(rule.clone(), *level);
        }

        // Ignores and trusted approvals only ever loosen.
        for ignore in &config.ignores {
            if why.is_some() {
                refused.push(format!(
                    "[[ignore]] at line {} ({} on {})",
                    ignore.line,
                    crate::util::escape::for_terminal(&ignore.rule),
                    crate::util::escape::for_terminal(&ignore.address)
                ));
            } else {
                let mut ignore = ignore.clone();
                ignore.file = config.path.clone();
                into.ignores.push(ignore);
            }
        }
        for path in &config.approvals.trusted {
            if why.is_some() {
                refused.push(format!(
                    "[approvals] trusted = {}",
                    crate::util::escape::for_terminal(&path.display().to_string())
                ));
            } else {
                merged.trusted_approvals.push(config.resolve(path));
            }
        }

        // Allow-lists: set where there were none, or narrowed.
        let targets = &config.targets;
        let lists = [
            ("accounts", &targets.accounts, &mut into.targets.accounts),
            ("regions", &targets.regions, &mut into.targets.regions),
            ("projects", &targets.projects, &mut into.targets.projects),
            (
                "subscriptions",
                &targets.subscriptions,
                &mut into.targets.subscriptions,
            ),
        ];
        for (key, new, current) in lists {
            if new.is_empty() {
                continue;
            }
            let narrows = current.is_empty() || new.iter().all(|item| current.contains(item));
            if why.is_some() && !narrows {
                refused.push(format!("[targets] {key} widens the allow-list"));
            } else {
                current.clone_from(new);
            }
        }

        if let Some(name) = &config.profile {
            merged.pick = Some(Pick {
                name: name.clone(),
                file: file.clone(),
                trusted: why.is_none(),
            });
        }
        merged.config.path = config.path.clone();
        if let (Some(why), Some(whose)) = (&why, whose)
            && !refused.is_empty()
        {
            merged.notes.push(format!(
                "refused: {file} would loosen the gate, and {why}, where an agent can write; not applied to {whose}: {}; loosening comes only from {} or {}",
                refused.join("; "),
                user_config_hint(),
                Path::new(crate::policy::config::SYSTEM_DIR).join(crate::policy::config::FILE_NAME).display()
            ));
        }
    }
    merged
}

fn user_config_hint() -> String {
    crate::policy::config::user_dir(&|name| std::env::var(name).ok()).map_or_else(
        || "~/.config/blastwall/blastwall.toml".to_owned(),
        |dir| {
            dir.join(crate::policy::config::FILE_NAME)
                .display()
                .to_string()
        },
    )
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
pub fn detect_author(choice: AuthorChoice) -> Result<Detection, RunError> {
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
    Ok(authors::detect(
        choice,
        &agents,
        &authors::DetectionSources {
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
    let mut profiles = profiles::builtin()?;
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
    pick: Option<&Pick>,
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
        (None, AuthorKind::Unknown) => match pick {
            Some(pick) => (
                pick.name.clone(),
                format!(
                    "author unknown ({}); blastwall.toml sets profile = \"{}\"",
                    author.reason, pick.name
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
            name: crate::util::escape::for_terminal(&name).into_owned(),
            known: profiles.keys().cloned().collect::<Vec<_>>().join(", "),
        })?;
    if let Some(overrides) = config.profiles.get(&profile.name) {
        profile.thresholds = profile.thresholds.merged_with(overrides);
    }
    Ok((profile, reason))
}
