//! The user's own settings for the guard and the audit log, read only from
//! outside the working tree: `$XDG_CONFIG_HOME/blastwall/guard.toml`, else
//! `~/.config/blastwall/guard.toml`. A repository cannot ship them, so an
//! agent that writes files in the repository cannot point the guard at a
//! fake terraform or the audit log at `/dev/null`.
//!
//! ```toml
//! [guard]
//! terraform = "/usr/local/bin/terraform"   # used for `terraform`, instead of PATH
//! tofu = "/usr/local/bin/tofu"
//! [audit]
//! path = "/var/log/blastwall/audit.jsonl"   # instead of ~/.local/state/blastwall/audit.jsonl
//! ```

use std::path::{Path, PathBuf};

use serde::Deserialize;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserConfig {
    #[serde(default)]
    pub guard: GuardSection,
    #[serde(default)]
    pub audit: AuditSection,
    /// Where it was read from.
    #[serde(skip)]
    pub path: Option<PathBuf>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GuardSection {
    pub terraform: Option<PathBuf>,
    pub tofu: Option<PathBuf>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditSection {
    pub path: Option<PathBuf>,
}

pub const FILE_NAME: &str = "guard.toml";

/// `$XDG_CONFIG_HOME/blastwall/guard.toml` (an absolute XDG_CONFIG_HOME, as
/// the spec requires), else `$HOME/.config/blastwall/guard.toml`.
pub fn location() -> Option<PathBuf> {
    let absolute = |name: &str| {
        std::env::var_os(name)
            .map(PathBuf::from)
            .filter(|path| path.is_absolute())
    };
    absolute("XDG_CONFIG_HOME")
        .or_else(|| absolute("HOME").map(|home| home.join(".config")))
        .map(|dir| dir.join("blastwall").join(FILE_NAME))
}

/// The user's configuration; none when the file does not exist. A file
/// inside `working_dir` is refused: it is not outside the working tree.
pub fn load(working_dir: &Path) -> Result<UserConfig, String> {
    let Some(path) = location() else {
        return Ok(UserConfig::default());
    };
    if !path.is_file() {
        return Ok(UserConfig::default());
    }
    if crate::app::audit::is_inside(&path, working_dir) {
        return Err(format!(
            "{} lies inside the working directory; the user configuration must come from outside it",
            path.display()
        ));
    }
    let text = std::fs::read_to_string(&path)
        .map_err(|error| format!("cannot read {}: {error}", path.display()))?;
    let mut config: UserConfig = toml::from_str(&text).map_err(|error| {
        format!(
            "{}: {}",
            path.display(),
            error.message().lines().next().unwrap_or_default()
        )
    })?;
    for (key, value) in [
        ("guard.terraform", &config.guard.terraform),
        ("guard.tofu", &config.guard.tofu),
        ("audit.path", &config.audit.path),
    ] {
        if value.as_ref().is_some_and(|path| !path.is_absolute()) {
            return Err(format!(
                "{}: `{key}` must be an absolute path",
                path.display()
            ));
        }
    }
    config.path = Some(path);
    Ok(config)
}
