//! `blastwall.toml`: parsed strictly (unknown keys are errors) and every
//! problem reported at once, each pointing into the file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use miette::{Diagnostic, NamedSource};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use thiserror::Error;
use toml::de::{DeTable, DeValue, ValueDeserializer};

use crate::policy::profiles::{RuleOverride, Thresholds};
use crate::rules::kinds::Targets;
pub use crate::util::glob::glob_matches;

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
    /// The config file it comes from, when several are merged.
    #[serde(skip)]
    pub file: Option<PathBuf>,
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

/// Where a configuration layer was found, in the order layers apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// `/etc/blastwall/blastwall.toml`.
    System,
    /// `$XDG_CONFIG_HOME/blastwall/blastwall.toml`, else `~/.config/blastwall/blastwall.toml`.
    User,
    /// `--config PATH`, else the nearest `blastwall.toml` up to the repository root.
    Project,
}

/// One configuration file and where it was found.
#[derive(Debug, Clone)]
pub struct Layer {
    pub origin: Origin,
    pub config: Config,
}

pub const SYSTEM_DIR: &str = "/etc/blastwall";

/// The user's blastwall directory: `$XDG_CONFIG_HOME/blastwall` (when
/// absolute), else `$HOME/.config/blastwall`. Whatever the variables say,
/// a file found there loosens an agent's run only if [`WorkingTree::why_untrusted`]
/// finds nothing against its place.
pub fn user_dir(env: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    let set = |name: &str| {
        env(name)
            .filter(|value| !value.is_empty())
            .map(PathBuf::from)
    };
    match set("XDG_CONFIG_HOME").filter(|dir| dir.is_absolute()) {
        Some(dir) => Some(dir.join("blastwall")),
        None => set("HOME")
            .filter(|home| home.is_absolute())
            .map(|home| home.join(".config").join("blastwall")),
    }
}

/// The system's and the user's configuration (when present), then
/// `--config PATH` or `./blastwall.toml`: the layers, in the order they apply.
pub fn layers(explicit: Option<&Path>) -> Result<Vec<Layer>, ConfigError> {
    let env = |name: &str| std::env::var(name).ok();
    let mut found = Vec::new();
    let system = Path::new(SYSTEM_DIR).join(FILE_NAME);
    if system.is_file() {
        found.push(Layer {
            origin: Origin::System,
            config: Config::read(&system)?,
        });
    }
    if let Some(user) = user_dir(&env).map(|dir| dir.join(FILE_NAME))
        && user.is_file()
    {
        found.push(Layer {
            origin: Origin::User,
            config: Config::read(&user)?,
        });
    }
    let project = Config::discover(explicit)?;
    if project.path.is_some() {
        found.push(Layer {
            origin: Origin::Project,
            config: project,
        });
    }
    Ok(found)
}

/// The places an agent working here can write: the git repository holding
/// the working directory and each one holding a plan (or, outside git,
/// those directories themselves), and the temporary directories.
#[derive(Debug, Clone, Default)]
pub struct WorkingTree {
    pub roots: Vec<PathBuf>,
}

/// Directories any local process may write, whatever `TMPDIR` says.
const TEMPORARY: &[&str] = &[
    "/tmp",
    "/var/tmp",
    "/dev/shm",
    "/private/tmp",
    "/private/var/tmp",
];

impl WorkingTree {
    /// Around the working directory and the plans named on the command line.
    pub fn around(cwd: &Path, plans: &[&Path]) -> Self {
        let mut roots = Vec::new();
        let dirs = std::iter::once(cwd.to_path_buf()).chain(plans.iter().map(|plan| {
            let plan = cwd.join(plan);
            if plan.is_dir() {
                plan
            } else {
                plan.parent()
                    .map_or_else(|| cwd.to_path_buf(), Path::to_path_buf)
            }
        }));
        for dir in dirs {
            let Ok(dir) = std::fs::canonicalize(&dir) else {
                continue;
            };
            let root = dir
                .ancestors()
                .find(|ancestor| ancestor.join(".git").exists())
                .map_or_else(|| dir.clone(), Path::to_path_buf);
            if !roots.contains(&root) {
                roots.push(root);
            }
        }
        Self { roots }
    }

    /// Why a file at `path` may have been written by an agent working here
    /// (so it may tighten the gate of an agent's run, never loosen it), or
    /// `None` when it lies outside the working tree, every git repository,
    /// the temporary directories and every world-writable directory, and
    /// only its owner may write it.
    pub fn why_untrusted(&self, path: &Path) -> Option<String> {
        let Ok(canonical) = std::fs::canonicalize(path) else {
            return Some(format!("{} cannot be resolved", path.display()));
        };
        if let Some(root) = self.roots.iter().find(|root| canonical.starts_with(root)) {
            return Some(format!("it is inside the working tree {}", root.display()));
        }
        // The working directory is the agent's to choose: run from outside
        // its repository (`cd /usr`, the plan on stdin), a file it wrote
        // there counted as trusted. Any repository is a place an agent may
        // work in.
        if let Some(repository) = canonical
            .ancestors()
            .skip(1)
            .find(|ancestor| ancestor.join(".git").exists() || is_bare_repository(ancestor))
        {
            return Some(format!(
                "it is inside the git repository {}, where an agent may work",
                repository.display()
            ));
        }
        let temporary = TEMPORARY
            .iter()
            .map(PathBuf::from)
            .chain(std::fs::canonicalize(std::env::temp_dir()));
        for dir in temporary {
            if canonical.starts_with(&dir) {
                return Some(format!(
                    "it is in the temporary directory {}, which any process may write",
                    dir.display()
                ));
            }
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            if let Ok(metadata) = std::fs::metadata(&canonical)
                && metadata.permissions().mode() & 0o022 != 0
            {
                return Some("other users may write it (group or world writable)".to_owned());
            }
            // A directory anyone may write lets anyone put the file there
            // or replace it, whatever the file's own mode (`/run/lock`).
            // (Group-writable homes are the norm with per-user groups.)
            if let Some(directory) = canonical.ancestors().skip(1).find(|ancestor| {
                std::fs::metadata(ancestor)
                    .is_ok_and(|metadata| metadata.permissions().mode() & 0o002 != 0)
            }) {
                return Some(format!(
                    "any user may write its directory {} (world writable)",
                    directory.display()
                ));
            }
        }
        None
    }
}

/// A bare git repository (`git init --bare`, a server's `project.git`):
/// its files are a repository's as much as a work tree's are.
fn is_bare_repository(directory: &Path) -> bool {
    directory.join("HEAD").is_file()
        && directory.join("objects").is_dir()
        && directory.join("refs").is_dir()
}

/// The nearest `blastwall.toml` at or above `start`, as ruff and tflint look:
/// upwards to the repository root (the nearest directory holding `.git`),
/// and outside a repository in `start` only, so a file in a shared parent
/// (a home directory, `/tmp`) is never picked up by accident. The path is
/// relative to `start` (`blastwall.toml`, `../blastwall.toml`), as a user
/// would type it. Whatever its place, a file found here is inside the
/// working tree: it may tighten an agent's run, never loosen it
/// ([`WorkingTree`]).
pub fn nearest(start: &Path) -> Option<PathBuf> {
    let absolute = std::fs::canonicalize(start).ok()?;
    let repository = absolute
        .ancestors()
        .find(|ancestor| ancestor.join(".git").exists());
    let mut relative = PathBuf::new();
    for dir in absolute.ancestors() {
        if dir.join(FILE_NAME).is_file() {
            return Some(relative.join(FILE_NAME));
        }
        if repository.is_none_or(|root| root == dir) {
            return None;
        }
        relative.push("..");
    }
    None
}

impl Config {
    fn read(path: &Path) -> Result<Config, ConfigError> {
        Config::discover(Some(path))
    }

    /// `--config PATH`, else the nearest `blastwall.toml` from the working
    /// directory up to its repository root ([`nearest`]), else defaults.
    pub fn discover(explicit: Option<&Path>) -> Result<Config, ConfigError> {
        let path = match explicit {
            Some(path) => path.to_path_buf(),
            None => match std::env::current_dir().ok().and_then(|cwd| nearest(&cwd)) {
                Some(found) => found,
                None => return Ok(Config::default()),
            },
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

    /// Under the user's cache: outside every repository (this one holds
    /// the build) and every temporary directory.
    fn outside_any_repository() -> tempfile::TempDir {
        let home = PathBuf::from(std::env::var_os("HOME").expect("HOME is set"));
        let base = home.join(".cache").join("blastwall-tests");
        std::fs::create_dir_all(&base).unwrap();
        tempfile::tempdir_in(&base).unwrap()
    }

    #[test]
    fn the_working_tree_is_the_repository_and_temporary_directories_are_untrusted() {
        let outside = outside_any_repository();
        let repo = outside.path().join("repo");
        std::fs::create_dir_all(repo.join(".git")).unwrap();
        std::fs::create_dir_all(repo.join("infra")).unwrap();
        std::fs::write(repo.join("blastwall.toml"), "").unwrap();
        std::fs::write(outside.path().join("user.toml"), "").unwrap();
        let tree = WorkingTree::around(&repo.join("infra"), &[]);
        assert_eq!(tree.roots, vec![std::fs::canonicalize(&repo).unwrap()]);
        let inside = tree.why_untrusted(&repo.join("blastwall.toml")).unwrap();
        assert!(inside.contains("inside the working tree"), "{inside}");
        assert_eq!(tree.why_untrusted(&outside.path().join("user.toml")), None);
        let temporary = tempfile::NamedTempFile::new_in("/tmp").unwrap();
        assert!(
            tree.why_untrusted(temporary.path())
                .unwrap()
                .contains("temporary directory")
        );
        // A plan elsewhere adds its own repository (or directory).
        let tree = WorkingTree::around(&repo, &[&outside.path().join("user.toml")]);
        assert!(
            tree.why_untrusted(&outside.path().join("user.toml"))
                .is_some()
        );
        // Run from outside it, a repository is still where an agent works.
        let elsewhere = outside_any_repository();
        let tree = WorkingTree::around(elsewhere.path(), &[]);
        let in_repository = tree.why_untrusted(&repo.join("blastwall.toml")).unwrap();
        assert!(
            in_repository.contains("inside the git repository"),
            "{in_repository}"
        );
        assert_eq!(tree.why_untrusted(&outside.path().join("user.toml")), None);
        // A bare repository is a repository; a world-writable directory
        // (sticky or not) lets anyone put a file there.
        let bare = outside.path().join("infra.git");
        std::fs::create_dir_all(bare.join("objects")).unwrap();
        std::fs::create_dir_all(bare.join("refs")).unwrap();
        std::fs::write(bare.join("HEAD"), "ref: refs/heads/main\n").unwrap();
        std::fs::write(bare.join("loose.toml"), "").unwrap();
        let in_bare = tree.why_untrusted(&bare.join("loose.toml")).unwrap();
        assert!(in_bare.contains("git repository"), "{in_bare}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let open = outside.path().join("open");
            std::fs::create_dir(&open).unwrap();
            std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o1777)).unwrap();
            std::fs::write(open.join("loose.toml"), "").unwrap();
            let in_open = tree.why_untrusted(&open.join("loose.toml")).unwrap();
            assert!(in_open.contains("world writable"), "{in_open}");
        }
    }

    #[test]
    fn the_nearest_file_is_found_upwards_to_the_repository_root_only() {
        let outside = tempfile::tempdir_in(env!("CARGO_MANIFEST_DIR")).unwrap();
        let repo = outside.path().join("repo");
        let deep = repo.join("infra").join("prod");
        std::fs::create_dir_all(&deep).unwrap();
        std::fs::create_dir_all(repo.join(".git")).unwrap();
        // Above the repository: never found from inside it.
        std::fs::write(outside.path().join(FILE_NAME), "").unwrap();
        assert_eq!(nearest(&deep), None);
        std::fs::write(repo.join(FILE_NAME), "").unwrap();
        assert_eq!(nearest(&deep), Some(PathBuf::from("../../blastwall.toml")));
        std::fs::write(repo.join("infra").join(FILE_NAME), "").unwrap();
        assert_eq!(nearest(&deep), Some(PathBuf::from("../blastwall.toml")));
        assert_eq!(nearest(&repo), Some(PathBuf::from(FILE_NAME)));
        // Outside a repository: the directory itself only.
        let shared = tempfile::tempdir().unwrap();
        let loose = shared.path().join("loose");
        std::fs::create_dir_all(&loose).unwrap();
        std::fs::write(shared.path().join(FILE_NAME), "").unwrap();
        assert_eq!(nearest(&loose), None);
        assert_eq!(nearest(shared.path()), Some(PathBuf::from(FILE_NAME)));
    }

    #[test]
    fn the_user_directory_follows_xdg_then_home() {
        let env = |name: &str| match name {
            "XDG_CONFIG_HOME" => Some("/x".to_owned()),
            "HOME" => Some("/home/a".to_owned()),
            _ => None,
        };
        assert_eq!(user_dir(&env), Some(PathBuf::from("/x/blastwall")));
        let env = |name: &str| (name == "HOME").then(|| "/home/a".to_owned());
        assert_eq!(
            user_dir(&env),
            Some(PathBuf::from("/home/a/.config/blastwall"))
        );
        assert_eq!(user_dir(&|_| None), None);
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
