//! Where the audit log lives. Never from a variable an agent can set on its
//! own command line alone: there is no `BLASTWALL_AUDIT_LOG`, because
//! `BLASTWALL_AUDIT_LOG=/dev/null blastwall guard …` would erase the record.
//!
//! 1. `[audit] path` in the user's `guard.toml` (outside the working tree);
//! 2. in GitHub Actions, `$RUNNER_TEMP/blastwall/audit.jsonl` (the Action's
//!    docs upload it as an artifact);
//! 3. `$XDG_STATE_HOME/blastwall/audit.jsonl`;
//! 4. `~/.local/state/blastwall/audit.jsonl`.
//!
//! In an agent's run a log inside the working directory is refused, and
//! anywhere a non-regular file (`/dev/null`, a FIFO) is refused when writing.

use std::path::PathBuf;

use super::AuditError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogPath {
    pub path: PathBuf,
    /// Which rule chose it, for `audit show` and docs.
    pub why: &'static str,
}

pub fn log_path() -> Result<LogPath, AuditError> {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let user = crate::app::guard::user_config::load(&cwd).map_err(AuditError::Location)?;
    let absolute = |name: &str| {
        std::env::var_os(name)
            .map(PathBuf::from)
            .filter(|path| path.is_absolute())
    };
    let found = if let Some(path) = user.audit.path {
        LogPath {
            path,
            why: "[audit] path in the user's guard.toml",
        }
    } else if std::env::var("GITHUB_ACTIONS").as_deref() == Ok("true")
        && let Some(temp) = absolute("RUNNER_TEMP")
    {
        LogPath {
            path: temp.join("blastwall").join("audit.jsonl"),
            why: "$RUNNER_TEMP in GitHub Actions",
        }
    } else if let Some(state) = absolute("XDG_STATE_HOME") {
        LogPath {
            path: state.join("blastwall").join("audit.jsonl"),
            why: "$XDG_STATE_HOME",
        }
    } else if let Some(home) = absolute("HOME") {
        LogPath {
            path: home.join(".local/state/blastwall/audit.jsonl"),
            why: "~/.local/state",
        }
    } else {
        return Err(AuditError::Location(
            "neither HOME nor XDG_STATE_HOME is set to an absolute path".to_owned(),
        ));
    };
    if let Some(signal) = crate::app::guard::agent_signal()
        && super::is_inside(&found.path, &cwd)
    {
        return Err(AuditError::Location(format!(
            "{} lies inside the working directory, and {signal} is set: an agent's run is recorded outside the tree it can write",
            found.path.display()
        )));
    }
    Ok(found)
}
