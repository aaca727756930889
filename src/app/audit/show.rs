//! `blastwall audit verify [PATH]` and `blastwall audit show [PATH]`.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::{AuditError, Entry, log_path, verify};
use crate::app::error::RunError;
use crate::cli::{AuditArgs, AuditCommand, AuditFormat};
use crate::exit::Exit;
use crate::util::escape::{self, for_terminal};

pub fn run(args: &AuditArgs) -> Result<Exit, RunError> {
    match &args.command {
        AuditCommand::Verify { path } => {
            let path = chosen(path.as_deref())?;
            let bytes = read(&path)?;
            let shown = for_terminal(&path.to_string_lossy()).into_owned();
            match verify(&bytes) {
                Ok(count) => {
                    println!("audit log {shown}: {count} record(s), the chain is intact");
                    Ok(Exit::Pass)
                }
                Err(broken) => {
                    println!(
                        "audit log {shown}: broken at line {}: {}",
                        broken.line,
                        for_terminal(&broken.reason)
                    );
                    Ok(Exit::NoVerdict)
                }
            }
        }
        AuditCommand::Show {
            path,
            limit,
            format,
        } => {
            let path = chosen(path.as_deref())?;
            let bytes = match std::fs::read(&path) {
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                    eprintln!(
                        "no decision recorded yet: {} does not exist",
                        for_terminal(&path.to_string_lossy())
                    );
                    return Ok(Exit::Pass);
                }
                other => other.map_err(|error| AuditError::Read {
                    path: path.clone(),
                    message: error.to_string(),
                })?,
            };
            let lines: Vec<(usize, &[u8])> = bytes
                .split(|&byte| byte == b'\n')
                .enumerate()
                .filter(|(_, line)| !line.is_empty())
                .map(|(index, line)| (index + 1, line))
                .collect();
            let skip = limit.map_or(0, |limit| lines.len().saturating_sub(limit));
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            for (number, line) in &lines[skip..] {
                let written = match serde_json::from_slice::<Entry>(line) {
                    Ok(entry) => match format {
                        AuditFormat::Human => writeln!(out, "{}", human(&entry)),
                        AuditFormat::Json => {
                            let json = serde_json::to_string(&entry).unwrap_or_default();
                            writeln!(out, "{}", escape::json_terminal_safe(&json))
                        }
                    },
                    Err(error) => {
                        eprintln!("line {number}: not a record: {error}");
                        Ok(())
                    }
                };
                written.map_err(RunError::Output)?;
            }
            out.flush().map_err(RunError::Output)?;
            Ok(Exit::Pass)
        }
    }
}

fn chosen(path: Option<&Path>) -> Result<PathBuf, RunError> {
    match path {
        Some(path) => Ok(path.to_path_buf()),
        None => Ok(log_path()?.path),
    }
}

fn read(path: &Path) -> Result<Vec<u8>, RunError> {
    std::fs::read(path).map_err(|error| {
        AuditError::Read {
            path: path.to_path_buf(),
            message: error.to_string(),
        }
        .into()
    })
}

/// One decision on one line, every field escaped.
fn human(entry: &Entry) -> String {
    let text = |value: &str| for_terminal(value).into_owned();
    let mut line = format!(
        "#{} {} {}",
        entry.seq,
        text(&entry.time),
        text(&entry.command)
    );
    if let Some(action) = &entry.action {
        line.push_str(&format!(" ({})", text(action)));
    }
    line.push_str(&format!(": {}", text(&entry.outcome)));
    if let Some(verdict) = &entry.verdict {
        line.push_str(&format!(" · verdict {}", text(verdict)));
    }
    if let Some(author) = &entry.author {
        line.push_str(&format!(
            " · author {} ({})",
            text(&author.kind),
            text(&author.reason)
        ));
    }
    if let Some(profile) = &entry.profile {
        line.push_str(&format!(" · profile {}", text(profile)));
    }
    for plan in &entry.plans {
        line.push_str(&format!(
            " · plan {} {}",
            text(&plan.label),
            text(&escape::bounded(&plan.fingerprint, 23))
        ));
    }
    if !entry.reasons.is_empty() {
        line.push_str(&format!(" · reasons {}", text(&entry.reasons.join(", "))));
    }
    for approval in &entry.approvals {
        line.push_str(&format!(
            " · approved by {} ({})",
            text(&approval.by),
            text(&approval.path)
        ));
    }
    if let Some(code) = entry.terraform_exit {
        line.push_str(&format!(" · terraform exit {code}"));
    }
    if let Some(note) = &entry.note {
        line.push_str(&format!(" · {}", text(note)));
    }
    line.push_str(&format!(" · in {}", text(&entry.cwd)));
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_is_escaped_for_the_terminal() {
        let mut entry = Entry::new("guard\u{1b}[2J", "blocked\u{202e}");
        entry.cwd = "/tmp/\u{9b}x".to_owned();
        entry.note = Some("line\nbreak".to_owned());
        entry.plans = vec![super::super::PlanRecord {
            label: "plan\u{200b}.out".to_owned(),
            fingerprint: "blake3:00".to_owned(),
            sha256: None,
        }];
        let line = human(&entry);
        assert!(
            !line.chars().any(crate::util::escape::needs_escape),
            "{line:?}"
        );
        assert!(line.contains("guard\\u{1b}[2J"), "{line}");
        assert!(line.contains("line\\nbreak"), "{line}");
    }
}
