//! Rule documentation, from the one source (the rule files): the terminal
//! list and `explain`, and the generated docs/rules.md.

use std::io::{self, Write};

use crate::rules::{Rule, RuleSet};

pub const REGENERATE: &str = "cargo run --quiet -- rules --format markdown > docs/rules.md";

pub fn list(rules: &RuleSet, out: &mut dyn Write) -> io::Result<()> {
    let width = rules
        .rules
        .iter()
        .map(|rule| rule.id.len())
        .max()
        .unwrap_or(0);
    for rule in &rules.rules {
        writeln!(
            out,
            "{:<width$}  {:<8}  {:>3}  {}",
            rule.id,
            rule.severity.label(),
            rule.points,
            rule.summary
        )?;
    }
    writeln!(
        out,
        "\n`blastwall explain <id>` prints a rule's documentation."
    )
}

pub fn explain(rule: &Rule, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "{}: {}", rule.id, rule.summary)?;
    writeln!(
        out,
        "severity {} · {} points · kind {} · {}",
        rule.severity.label(),
        rule.points,
        rule.kind.name(),
        rule.source
    )?;
    for (title, text) in sections(rule) {
        writeln!(out, "\n{title}\n{}", text.trim())?;
    }
    Ok(())
}

pub fn markdown(rules: &RuleSet, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "# Rules")?;
    writeln!(out)?;
    writeln!(
        out,
        "<!-- Generated from rules/*.toml by `{REGENERATE}`. Do not edit by hand. -->"
    )?;
    writeln!(out)?;
    writeln!(out, "| rule | severity | points | what it finds |")?;
    writeln!(out, "|---|---|---:|---|")?;
    for rule in &rules.rules {
        writeln!(
            out,
            "| [`{}`](#{}) | {} | {} | {} |",
            rule.id,
            rule.id,
            rule.severity.label(),
            rule.points,
            rule.summary
        )?;
    }
    for rule in &rules.rules {
        writeln!(out, "\n## {}\n", rule.id)?;
        writeln!(
            out,
            "{}. Severity **{}**, {} points; kind `{}`, defined in `{}`.",
            rule.summary,
            rule.severity.label(),
            rule.points,
            rule.kind.name(),
            rule.source
        )?;
        for (title, text) in sections(rule) {
            writeln!(out, "\n### {title}\n\n{}", text.trim())?;
        }
    }
    Ok(())
}

fn sections(rule: &Rule) -> [(&'static str, &str); 4] {
    [
        ("What it does", &rule.docs.what),
        ("Why it matters", &rule.docs.why),
        ("Example", &rule.docs.example),
        ("How to fix", &rule.docs.fix),
    ]
}
