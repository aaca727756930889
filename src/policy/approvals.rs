//! Approvals bound to one plan: a record of who accepted which findings of
//! the plan with a given fingerprint. Any other plan — even one resource
//! different — has another fingerprint and is not covered.

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::analysis::PlanAnalysis;
use crate::rules::Severity;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Accepted {
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
    pub accepts: Vec<Accepted>,
}

impl Approval {
    /// Accepts every finding above info of the plan.
    pub fn of(plan: &PlanAnalysis, by: &str, reason: Option<&str>) -> Self {
        let mut accepts: Vec<Accepted> = plan
            .findings
            .iter()
            .filter(|finding| finding.severity > Severity::Info)
            .map(|finding| Accepted {
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
pub struct Loaded {
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
pub fn load(paths: &[PathBuf], trusted: bool) -> (Vec<Loaded>, Vec<String>) {
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
                Ok(approval) => loaded.push(Loaded {
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

/// `blastwall approve PLAN`: refused when any agent signal is present or
/// when standard input and standard error are not both a terminal (agents
/// run commands without one); otherwise shows the plan's summary and
/// fingerprint, has the person type the fingerprint's first characters,
/// and writes the record (mode 0600) where checks of an agent's run trust it.
pub fn approve(
    args: &crate::cli::ApproveArgs,
) -> Result<crate::exit::Exit, crate::error::RunError> {
    use crate::error::RunError;
    let detection = crate::app::options::detect_author(crate::policy::authors::AuthorChoice::Auto)?;
    if detection.author.kind == crate::report::AuthorKind::Agent {
        crate::app::audit::record_refused_approval(&detection.author);
        return Err(RunError::AgentApproval {
            reason: detection.agent_evidence(),
        });
    }
    let (stdin, stderr) = (std::io::stdin(), std::io::stderr());
    let missing = match (stdin.is_terminal(), stderr.is_terminal()) {
        (true, true) => None,
        (false, true) => Some("standard input"),
        (true, false) => Some("standard error"),
        (false, false) => Some("standard input (nor standard error)"),
    };
    if let Some(missing) = missing {
        return Err(RunError::ApproveNeedsTerminal {
            missing: missing.to_owned(),
        });
    }
    // The options `check` and `guard` resolve here, so the approval accepts
    // exactly the findings they will find.
    let options = crate::CheckOptions::for_approval(
        detection.clone(),
        Path::new(&args.plan),
        args.terraform_bin.clone(),
    )?;
    let report = crate::check(&[crate::input::Source::from_arg(&args.plan)], &options)?;
    if report.plans.len() != 1 {
        return Err(RunError::ApproveOnePlan {
            count: report.plans.len(),
        });
    }
    let by = args
        .by
        .clone()
        .or_else(|| {
            ["USER", "LOGNAME", "USERNAME"]
                .iter()
                .find_map(|name| std::env::var(name).ok().filter(|value| !value.is_empty()))
        })
        .unwrap_or_else(|| "unknown".to_owned());
    let record = Approval::of(&report.plans[0], &by, args.reason.as_deref());
    // `blake3:<hex>`: the person types the start of the hex digest.
    let digest = record
        .fingerprint
        .split_once(':')
        .map_or(record.fingerprint.as_str(), |(_, hex)| hex)
        .to_owned();
    let expected: String = digest.chars().take(CONFIRM_CHARS).collect();

    let mut err = stderr.lock();
    let color = std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty());
    crate::render::human::render(&report, &mut err, color).map_err(RunError::Output)?;
    write!(
        err,
        "\nYou are about to approve {} finding(s) of this exact plan as {}.\nfingerprint {}\nType the first {CONFIRM_CHARS} characters of the fingerprint (after `blake3:`) to approve, anything else to cancel: ",
        record.accepts.len(),
        crate::util::escape::for_terminal(&by),
        record.fingerprint
    )
    .and_then(|()| err.flush())
    .map_err(RunError::Output)?;
    let mut typed = String::new();
    stdin
        .lock()
        .read_line(&mut typed)
        .map_err(RunError::Stdin)?;
    let typed = typed.trim();
    if expected.len() < CONFIRM_CHARS || !typed.eq_ignore_ascii_case(&expected) {
        return Err(RunError::ApproveNotConfirmed {
            typed: crate::util::escape::bounded(typed, 40),
        });
    }

    let out = args.out.clone().unwrap_or_else(|| {
        let name = format!("{}.json", digest.chars().take(16).collect::<String>());
        user_approvals_dir().map_or_else(
            || PathBuf::from(".blastwall/approvals").join(&name),
            |dir| dir.join(&name),
        )
    });
    write_private(&out, &record).map_err(|source| RunError::WriteFile {
        path: out.clone(),
        source,
    })?;
    // An approval nobody can trace is not given.
    if let Err(error) =
        crate::app::audit::record_approval(&report, &options, &detection.author, &record, &out)
    {
        let _ = std::fs::remove_file(&out);
        return Err(error.into());
    }
    println!(
        "approved {} finding(s) of {} (fingerprint {}) by {}; written to {}",
        record.accepts.len(),
        crate::util::escape::for_terminal(&record.plan),
        record.fingerprint,
        crate::util::escape::for_terminal(&record.by),
        out.display()
    );
    Ok(crate::exit::Exit::Pass)
}

/// Writes the record readable and writable by its owner only, in a
/// directory only its owner may enter (when it creates it).
fn write_private(out: &Path, record: &Approval) -> std::io::Result<()> {
    let text = serde_json::to_string_pretty(record).map_err(std::io::Error::from)? + "\n";
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    if let Some(dir) = out.parent().filter(|dir| !dir.as_os_str().is_empty()) {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            builder.mode(0o700);
        }
        builder.create(dir)?;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(out)?.write_all(text.as_bytes())
}
