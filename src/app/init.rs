//! Getting set up: `blastwall init` (a commented starter `blastwall.toml`),
//! `blastwall completions SHELL` and `blastwall man`, both generated from the
//! clap definition so they never drift from the real flags.

use std::io::Write;
use std::path::Path;

use clap::CommandFactory;

use crate::app::error::RunError;
use crate::cli::Cli;
use crate::exit::Exit;

/// The starter configuration: every key, commented out, with its default and why.
pub const STARTER: &str = include_str!("../../docs/blastwall.starter.toml");

/// Writes [`STARTER`] to `path`, refusing (exit 2) when anything is there:
/// the file is created with `create_new`, so a file that appears between a
/// check and the write is not overwritten either.
pub fn write_starter(path: &Path) -> Result<Exit, RunError> {
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path);
    let mut file = match file {
        Ok(file) => file,
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(RunError::InitExists {
                path: path.to_path_buf(),
            });
        }
        Err(source) => {
            return Err(RunError::WriteFile {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    file.write_all(STARTER.as_bytes())
        .map_err(|source| RunError::WriteFile {
            path: path.to_path_buf(),
            source,
        })?;
    let shown = crate::util::escape::for_terminal(&path.display().to_string()).into_owned();
    eprintln!(
        "wrote {shown}: every key is commented out with its default; `blastwall check` reads it from here and below"
    );
    Ok(Exit::Pass)
}

/// The completion script for `shell`, on stdout.
pub fn completions(shell: clap_complete::Shell) -> Result<Exit, RunError> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    clap_complete::generate(shell, &mut Cli::command(), "blastwall", &mut out);
    out.flush().map_err(RunError::Output)?;
    Ok(Exit::Pass)
}

/// blastwall(1) on stdout, or every command's page written to `dir`.
pub fn man(dir: Option<&Path>) -> Result<Exit, RunError> {
    match dir {
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .and_then(|()| clap_mangen::generate_to(Cli::command(), dir))
                .map_err(|source| RunError::WriteFile {
                    path: dir.to_path_buf(),
                    source,
                })?;
        }
        None => {
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            clap_mangen::Man::new(Cli::command())
                .render(&mut out)
                .and_then(|()| out.flush())
                .map_err(RunError::Output)?;
        }
    }
    Ok(Exit::Pass)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::config::Config;

    /// The starter with every setting uncommented (`#key = …`, `#[table]`):
    /// prose comments start with `# ` and stay comments.
    fn uncommented() -> String {
        STARTER
            .lines()
            .map(|line| match line.strip_prefix('#') {
                Some(rest) if !rest.is_empty() && !rest.starts_with([' ', '#']) => rest,
                _ => line,
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn the_starter_parses_as_it_is_and_with_every_setting_uncommented() {
        let config = Config::parse("blastwall.toml", STARTER).unwrap();
        assert!(config.profile.is_none() && config.profiles.is_empty());
        let text = uncommented();
        let config = Config::parse("blastwall.toml", &text).unwrap_or_else(|error| {
            panic!("{:?}", miette::Report::new(error));
        });
        assert_eq!(config.profile.as_deref(), Some("agent"));
        assert_eq!(config.ignores.len(), 1);
        assert_eq!(config.approvals.trusted.len(), 1);
        assert_eq!(config.targets.regions, ["eu-west-1"]);
    }

    #[test]
    fn the_starter_shows_every_key_with_the_built_in_agent_defaults() {
        let text = uncommented();
        let agent = &crate::policy::profiles::builtin().unwrap()["agent"].thresholds;
        let config = Config::parse("blastwall.toml", &text).unwrap();
        let shown = &config.profiles["agent"];
        // The values shown are the built-in agent profile's, so "default" is true.
        assert_eq!(shown.fail_severity, agent.fail_severity);
        assert_eq!(shown.warn_severity, agent.warn_severity);
        assert_eq!(shown.fail_score, agent.fail_score);
        assert_eq!(shown.warn_score, agent.warn_score);
        assert_eq!(shown.max_blast_radius, agent.max_blast_radius);
        assert_eq!(shown.max_share_of_state, agent.max_share_of_state);
        assert_eq!(shown.max_data_loss, agent.max_data_loss);
        for key in [
            "profile",
            "rules",
            "[profiles.",
            "[severity]",
            "[targets]",
            "accounts",
            "regions",
            "projects",
            "subscriptions",
            "[[ignore]]",
            "expires",
            "[approvals]",
            "trusted",
            "fail_on",
        ] {
            assert!(text.contains(key), "the starter does not show `{key}`");
        }
    }
}
