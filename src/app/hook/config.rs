//! The hook's own configuration, from outside the working tree:
//! `--config FILE`, else `$XDG_CONFIG_HOME/blastwall/hook.toml` (or
//! `~/.config/blastwall/hook.toml`), then the flags. Binaries it does not
//! name are looked up on the hook's own PATH (the one the agent started it
//! with), never on a PATH the command sets.

use std::path::{Path, PathBuf};

use serde::Deserialize;

pub const DEFAULT_TIMEOUT_SECONDS: u64 = 45;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HookConfig {
    pub terraform: Option<PathBuf>,
    pub tofu: Option<PathBuf>,
    pub blastwall: Option<PathBuf>,
    /// The hook's whole run, planning included.
    pub timeout_seconds: Option<u64>,
}

impl HookConfig {
    /// Reads the file; a file that exists but does not parse is an error.
    pub fn load(
        explicit: Option<&Path>,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Self, String> {
        let path = match explicit {
            Some(path) => path.to_path_buf(),
            None => {
                let base = env("XDG_CONFIG_HOME")
                    .filter(|dir| Path::new(dir).is_absolute())
                    .map(PathBuf::from)
                    .or_else(|| env("HOME").map(|home| Path::new(&home).join(".config")));
                match base {
                    Some(base) => base.join("blastwall/hook.toml"),
                    None => return Ok(Self::default()),
                }
            }
        };
        if explicit.is_none() && !path.is_file() {
            return Ok(Self::default());
        }
        let text = std::fs::read_to_string(&path)
            .map_err(|error| format!("cannot read {}: {error}", path.display()))?;
        let config: Self = toml::from_str(&text)
            .map_err(|error| format!("{}: {}", path.display(), error.message()))?;
        for binary in [&config.terraform, &config.tofu, &config.blastwall]
            .into_iter()
            .flatten()
        {
            if !binary.is_absolute() {
                return Err(format!(
                    "{}: `{}` is not an absolute path",
                    path.display(),
                    binary.display()
                ));
            }
        }
        Ok(config)
    }

    pub fn timeout(&self) -> std::time::Duration {
        std::time::Duration::from_secs(
            self.timeout_seconds
                .unwrap_or(DEFAULT_TIMEOUT_SECONDS)
                .max(1),
        )
    }
}
