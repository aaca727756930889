//! Approvals bound to one plan: a record of who accepted which findings of
//! the plan with a given fingerprint. Any other plan — even one resource
//! different — has another fingerprint and is not covered.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::analysis::PlanAnalysis;
use crate::rules::Severity;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApprovedFinding {
    pub rule: String,
    pub address: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Approval {
    pub approval_version: u32,
    pub fingerprint: String,
    /// The plan as it was named when approved (information only).
    pub plan: String,
    pub by: String,
    pub reason: Option<String>,
    pub accepts: Vec<ApprovedFinding>,
}

impl Approval {
    /// Accepts every finding above info of the plan.
    pub fn of(plan: &PlanAnalysis, by: &str, reason: Option<&str>) -> Self {
        let mut accepts: Vec<ApprovedFinding> = plan
            .findings
            .iter()
            .filter(|finding| finding.severity > Severity::Info)
            .map(|finding| ApprovedFinding {
                rule: finding.rule.clone(),
                address: finding.address.clone(),
            })
            .collect();
        accepts.dedup();
        Approval {
            approval_version: 1,
            fingerprint: plan.fingerprint.clone(),
            plan: plan.label.clone(),
            by: by.to_owned(),
            reason: reason.map(str::to_owned),
            accepts,
        }
    }

    /// The (rule, address) pairs it accepts, for O(1) lookups.
    pub fn accepted_pairs(&self) -> std::collections::HashSet<(&str, &str)> {
        self.accepts
            .iter()
            .map(|accepted| (accepted.rule.as_str(), accepted.address.as_str()))
            .collect()
    }
}

/// An approval and where it came from.
#[derive(Debug, Clone)]
pub struct LoadedApproval {
    pub approval: Approval,
    pub path: PathBuf,
    /// From a path `blastwall.toml` trusts, not only from the command line.
    pub trusted: bool,
    /// Why an agent could have written it (inside the working tree, in a
    /// temporary directory…): then the agent profile does not honour it.
    pub distrusted: Option<String>,
}

/// Reads approval files (`*.json`) from files or directories; unreadable
/// ones are reported, not skipped silently.
pub fn load(paths: &[PathBuf], trusted: bool) -> (Vec<LoadedApproval>, Vec<String>) {
    let mut loaded = Vec::new();
    let mut problems = Vec::new();
    for path in paths {
        let files: Vec<PathBuf> = if path.is_dir() {
            let mut files: Vec<PathBuf> = std::fs::read_dir(path)
                .map(|entries| {
                    entries
                        .flatten()
                        .map(|entry| entry.path())
                        .filter(|file| is_json(file))
                        .collect()
                })
                .unwrap_or_default();
            files.sort();
            files
        } else {
            vec![path.clone()]
        };
        for file in files {
            match std::fs::read_to_string(&file)
                .map_err(|error| error.to_string())
                .and_then(|text| {
                    serde_json::from_str::<Approval>(&text).map_err(|error| error.to_string())
                }) {
                Ok(approval) => loaded.push(LoadedApproval {
                    approval,
                    path: file,
                    trusted,
                    distrusted: None,
                }),
                Err(error) => problems.push(format!(
                    "{}: not an approval record: {error}",
                    file.display()
                )),
            }
        }
    }
    (loaded, problems)
}

fn is_json(path: &Path) -> bool {
    path.extension()
        .is_some_and(|extension| extension == "json")
}

/// Where `blastwall approve` writes by default and every check reads:
/// `approvals/` in the user's blastwall directory, outside any working tree.
pub fn user_approvals_dir() -> Option<PathBuf> {
    crate::policy::config::user_dir(&|name| std::env::var(name).ok())
        .map(|dir| dir.join("approvals"))
}

/// How many characters of the fingerprint's digest the person types.
pub const CONFIRM_CHARS: usize = 8;
