//! `blastwall approve PLAN`: a person, at a terminal, accepts one exact plan.
//! An agent cannot approve its own plan.

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};

use crate::app::error::RunError;
use crate::cli::ApproveArgs;
use crate::exit::Exit;
use crate::policy::approvals::{Approval, CONFIRM_CHARS, user_approvals_dir};
use crate::policy::authors::AuthorChoice;
use crate::report::AuthorKind;
use crate::util::escape;

/// `blastwall approve PLAN`: refused when any agent signal is present or
/// when standard input and standard error are not both a terminal (agents
/// run commands without one); otherwise shows the plan's summary and
/// fingerprint, has the person type the fingerprint's first characters,
/// and writes the record (mode 0600) where checks of an agent's run trust it.
pub fn approve(args: &ApproveArgs) -> Result<Exit, RunError> {
    let detection = crate::app::options::detect_author(AuthorChoice::Auto)?;
    if detection.author.kind == AuthorKind::Agent {
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
    let options = crate::app::CheckOptions::for_approval(
        detection.clone(),
        Path::new(&args.plan),
        args.terraform_bin.clone(),
    )?;
    let report = crate::app::check(&[crate::input::Source::from_arg(&args.plan)], &options)?;
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
        escape::for_terminal(&by),
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
            typed: escape::bounded(typed, 40),
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
        escape::for_terminal(&record.plan),
        record.fingerprint,
        escape::for_terminal(&record.by),
        out.display()
    );
    Ok(Exit::Pass)
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
