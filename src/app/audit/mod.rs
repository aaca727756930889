//! The audit trail: every decision of `guard`, `check` in CI, `approve` (and
//! the agent hook) appends one JSON line to an append-only log. Each line
//! carries `prev`, the SHA-256 of the previous line's bytes, so a line
//! changed, removed or inserted later breaks the chain `blastwall audit
//! verify` walks.
//!
//! A line holds only what the report already shows safely: labels, rule ids,
//! fingerprints, the verdict. Never an argument of the wrapped command (a
//! `-var` may hold a password) and never an attribute value.

mod chain;
mod location;
mod show;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use chain::{Broken, GENESIS, append, verify};
pub use location::{LogPath, log_path};
pub use show::run as run_cli;

use crate::app::options::CheckOptions;
use crate::report::Report;

/// One decision. Build it with [`Entry::new`] and [`Entry::with_report`],
/// then [`record`] it; `seq`, `time` and `prev` are filled in when it is
/// appended.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// 1 for the first line of the log, then one more per line.
    #[serde(default)]
    pub seq: u64,
    /// RFC 3339, UTC, to the second.
    #[serde(default)]
    pub time: String,
    /// The blastwall command: `guard`, `check`, `approve`, `hook`.
    pub command: String,
    /// What the decision was about, without arguments: `terraform apply`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// The working directory.
    pub cwd: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<AuthorRecord>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub plans: Vec<PlanRecord>,
    /// pass, warn or fail; absent when no verdict was reached.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verdict: Option<String>,
    /// What happened: applied, blocked, refused, cancelled, changed, passed,
    /// approved, failed (terraform ran and failed), error.
    pub outcome: String,
    /// The rule ids of the findings that counted (not approved or ignored).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<String>,
    /// The approvals applied to the plans.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub approvals: Vec<ApprovalRecord>,
    /// terraform's exit code, where terraform applied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub terraform_exit: Option<i32>,
    /// One line on why (a refusal's reason); never a command's arguments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Hex SHA-256 of the previous line's bytes (its newline excluded);
    /// [`GENESIS`] on the first line.
    #[serde(default)]
    pub prev: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorRecord {
    /// agent, human or unknown.
    pub kind: String,
    /// How it was detected.
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanRecord {
    /// The plan as it was named.
    pub label: String,
    /// blastwall's fingerprint of what the plan does (`blake3:…`).
    pub fingerprint: String,
    /// SHA-256 of the plan file's bytes, when the guard read the file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalRecord {
    pub by: String,
    pub fingerprint: String,
    pub path: String,
}

impl Entry {
    /// An entry for `command` in the current working directory.
    pub fn new(command: &str, outcome: &str) -> Self {
        Self {
            command: command.to_owned(),
            cwd: std::env::current_dir()
                .map(|dir| dir.display().to_string())
                .unwrap_or_default(),
            outcome: outcome.to_owned(),
            ..Self::default()
        }
    }

    /// Author, profile, plans, verdict, counted rules and approvals used,
    /// from a finished report.
    pub fn with_report(mut self, report: &Report, options: &CheckOptions) -> Self {
        self.author = Some(AuthorRecord {
            kind: report.author.kind.label().to_owned(),
            reason: report.author.reason.clone(),
        });
        self.profile = Some(report.profile.clone());
        self.plans = report
            .plans
            .iter()
            .map(|plan| PlanRecord {
                label: plan.label.clone(),
                fingerprint: plan.fingerprint.clone(),
                sha256: None,
            })
            .collect();
        self.verdict = Some(report.decision.verdict.label().to_owned());
        let mut reasons: Vec<String> = report
            .plans
            .iter()
            .enumerate()
            .flat_map(|(index, plan)| {
                plan.findings
                    .iter()
                    .filter(move |finding| {
                        report
                            .decision
                            .accepted_why(index, &finding.rule, &finding.address)
                            .is_none()
                    })
                    .map(|finding| finding.rule.clone())
            })
            .collect();
        reasons.sort();
        reasons.dedup();
        self.reasons = reasons;
        self.approvals = options
            .approvals
            .iter()
            .filter(|loaded| loaded.trusted || !options.profile.trusted_approvals_only)
            .filter(|loaded| {
                report
                    .plans
                    .iter()
                    .any(|plan| plan.fingerprint == loaded.approval.fingerprint)
            })
            .map(|loaded| ApprovalRecord {
                by: loaded.approval.by.clone(),
                fingerprint: loaded.approval.fingerprint.clone(),
                path: loaded.path.display().to_string(),
            })
            .collect();
        self
    }
}

/// Why a decision could not be recorded. Whoever records treats it as a
/// failure: the guard applies nothing it cannot record.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum AuditError {
    #[error("cannot record the decision in the audit log {path}: {message}")]
    #[diagnostic(
        code(blastwall::audit::write),
        help(
            "blastwall records every decision before acting on it; make the log writable, or set `[audit] path` in ~/.config/blastwall/guard.toml (see docs/security.md)"
        )
    )]
    Write { path: PathBuf, message: String },

    #[error("no place for the audit log: {0}")]
    #[diagnostic(
        code(blastwall::audit::location),
        help(
            "set HOME or XDG_STATE_HOME, or `[audit] path` in ~/.config/blastwall/guard.toml (see docs/security.md)"
        )
    )]
    Location(String),

    #[error("cannot read the audit log {path}: {message}")]
    #[diagnostic(
        code(blastwall::audit::read),
        help("check the path and its permissions")
    )]
    Read { path: PathBuf, message: String },
}

/// Appends `entry` to the audit log at its configured place; returns the
/// line as written and the log's path.
pub fn record(entry: &Entry) -> Result<(PathBuf, Entry), AuditError> {
    let LogPath { path, .. } = log_path()?;
    let written = append(&path, entry)?;
    Ok((path, written))
}

/// `check` records its decision in CI (`CI` or `GITHUB_ACTIONS` set): one
/// line per pipeline run, where the log is kept as an artifact. Local
/// checks are exploratory (an agent may run dozens) and are not recorded.
pub fn record_check(report: &Report, options: &CheckOptions) -> Result<(), AuditError> {
    if !in_ci() {
        return Ok(());
    }
    let outcome = match options.gate.exit(report.decision.verdict) {
        crate::exit::Exit::Blocked => "blocked",
        _ => "passed",
    };
    record(&Entry::new("check", outcome).with_report(report, options)).map(|_| ())
}

/// `approve` records the approval it wrote, with who detected as the
/// author and the approval's fingerprint.
pub fn record_approval(
    report: &Report,
    options: &CheckOptions,
    author: &crate::report::Author,
    approval: &crate::policy::approvals::Approval,
    path: &Path,
) -> Result<(), AuditError> {
    let mut entry = Entry::new("approve", "approved").with_report(report, options);
    entry.author = Some(AuthorRecord {
        kind: author.kind.label().to_owned(),
        reason: author.reason.clone(),
    });
    entry.approvals = vec![ApprovalRecord {
        by: approval.by.clone(),
        fingerprint: approval.fingerprint.clone(),
        path: path.display().to_string(),
    }];
    record(&entry).map(|_| ())
}

/// `approve` refused an agent: recorded when possible (nothing was written anyway).
pub fn record_refused_approval(author: &crate::report::Author) {
    let mut entry = Entry::new("approve", "refused");
    entry.author = Some(AuthorRecord {
        kind: author.kind.label().to_owned(),
        reason: author.reason.clone(),
    });
    entry.note = Some("an AI agent cannot approve a plan".to_owned());
    if let Err(error) = record(&entry) {
        eprintln!("{:?}", miette::Report::new(error));
    }
}

pub fn in_ci() -> bool {
    ["CI", "GITHUB_ACTIONS"]
        .iter()
        .any(|name| std::env::var_os(name).is_some_and(|value| !value.is_empty()))
}

/// The current time as RFC 3339 in UTC, to the second.
pub fn now_rfc3339() -> String {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs());
    rfc3339(seconds)
}

fn rfc3339(seconds: u64) -> String {
    let days = (seconds / 86_400) as i64;
    let (year, month, day) = crate::policy::civil_from_days(days);
    let of_day = seconds % 86_400;
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        of_day / 3600,
        of_day / 60 % 60,
        of_day % 60
    )
}

/// Hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(bytes);
    let mut hex = String::with_capacity(64);
    for byte in digest {
        hex.push_str(&format!("{byte:02x}"));
    }
    hex
}

/// Whether `path` lies inside `dir` (both made absolute, symlinks resolved
/// where they exist).
pub(crate) fn is_inside(path: &Path, dir: &Path) -> bool {
    let canonical = |path: &Path| {
        // The file may not exist yet: resolve its nearest existing ancestor.
        let mut existing = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        let mut rest = Vec::new();
        while !existing.exists() {
            match (existing.parent(), existing.file_name()) {
                (Some(parent), Some(name)) => {
                    rest.push(name.to_owned());
                    existing = parent.to_path_buf();
                }
                _ => break,
            }
        }
        let mut resolved = std::fs::canonicalize(&existing).unwrap_or(existing);
        for name in rest.iter().rev() {
            resolved.push(name);
        }
        resolved
    };
    canonical(path).starts_with(canonical(dir))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_in_utc() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_709_251_199), "2024-02-29T23:59:59Z");
    }

    #[test]
    fn sha256_of_empty_is_the_genesis() {
        assert_eq!(sha256_hex(b""), GENESIS);
    }
}
