//! `blastwall rules` and `blastwall explain ID`: the rules a check here would
//! use, listed or explained.

use std::io::Write;

use crate::app::error::RunError;
use crate::app::options;
use crate::cli::{self, ExplainArgs, RulesArgs};
use crate::exit::Exit;
use crate::policy::config;
use crate::render;
use crate::util::escape;

pub fn list(args: &RulesArgs) -> Result<Exit, RunError> {
    let rules = load_rules(&args.rules)?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    match args.format {
        cli::RulesFormat::Human => render::rules_doc::list(&rules, &mut out),
        cli::RulesFormat::Markdown => render::rules_doc::markdown(&rules, &mut out),
    }
    .and_then(|()| out.flush())
    .map_err(RunError::Output)?;
    Ok(Exit::Pass)
}

pub fn explain(args: &ExplainArgs) -> Result<Exit, RunError> {
    let rules = load_rules(&args.rules)?;
    let Some(rule) = rules.get(&args.id) else {
        return Err(RunError::UnknownRule {
            id: escape::for_terminal(&args.id).into_owned(),
            known: rules
                .rules
                .iter()
                .map(|rule| rule.id.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        });
    };
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    render::rules_doc::explain(rule, &mut out)
        .and_then(|()| out.flush())
        .map_err(RunError::Output)?;
    Ok(Exit::Pass)
}

/// The rule set `check` would use here, so `rules` and `explain` list what applies.
fn load_rules(dirs: &[std::path::PathBuf]) -> Result<crate::rules::RuleSet, RunError> {
    let config = config::Config::discover(None).map_err(Box::new)?;
    options::rule_set(&config, dirs)
}
