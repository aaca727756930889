//! `--format github`: workflow-command annotations.
//!
//! One annotation per finding (`::error` for critical and high, `::warning`
//! for medium and low, `::notice` for info), most severe first, then the
//! verdict. GitHub shows at most 10 annotations of each kind per step, so
//! findings beyond that are printed as plain log lines and the verdict,
//! which always gets its annotation, counts them. (The check command,
//! `app/check.rs`, appends the Markdown report to `$GITHUB_STEP_SUMMARY`.)
//!
//! Plan-supplied strings are made visible first ([`for_terminal`]: no raw
//! newline, control or bidi character reaches the log), then escaped by
//! GitHub's rules, so nothing in a plan can end a command or start another.

use std::io::{self, Write};

use crate::policy::Verdict;
use crate::report::Report;
use crate::rules::{Finding, Severity};
use crate::util::escape::{bounded, for_terminal};

/// Annotations of one kind GitHub shows per step.
const PER_KIND: usize = 10;
/// Characters of an address kept in an annotation's title.
const TITLE_ADDRESS_CHARS: usize = 120;

/// Workflow-command data (the message): `%`, CR and LF percent-encoded.
pub fn escape_data(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '%' => escaped.push_str("%25"),
            '\r' => escaped.push_str("%0D"),
            '\n' => escaped.push_str("%0A"),
            other => escaped.push(other),
        }
    }
    escaped
}

/// A workflow-command property value (`title`, `file`): as data, and `:`
/// and `,` too, which end a value.
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Level {
    Error,
    Warning,
    Notice,
}

impl Level {
    fn command(self) -> &'static str {
        match self {
            Self::Error => "error",
            Self::Warning => "warning",
            Self::Notice => "notice",
        }
    }

    fn of(severity: Severity) -> Self {
        match severity {
            Severity::Critical | Severity::High => Self::Error,
            Severity::Medium | Severity::Low => Self::Warning,
            Severity::Info => Self::Notice,
        }
    }

    fn of_verdict(verdict: Verdict) -> Self {
        match verdict {
            Verdict::Pass => Self::Notice,
            Verdict::Warn => Self::Warning,
            Verdict::Fail => Self::Error,
        }
    }
}

/// The plan file an annotation points at: the path as given, without the
/// ` (document 2 of 3)` of a multi-plan stream; none for stdin.
fn plan_file(label: &str) -> Option<&str> {
    if label.starts_with('<') {
        return None;
    }
    let path = match label.rfind(" (document ") {
        Some(at) if label.ends_with(')') => &label[..at],
        _ => label,
    };
    Some(path)
}

fn properties(file: Option<&str>, line: Option<usize>, title: &str) -> String {
    match (file, line) {
        (Some(file), Some(line)) => format!(
            "file={},line={line},title={}",
            escape_property(&for_terminal(file)),
            escape_property(title)
        ),
        (Some(file), None) => format!(
            "file={},title={}",
            escape_property(&for_terminal(file)),
            escape_property(title)
        ),
        (None, _) => format!("title={}", escape_property(title)),
    }
}

fn first_paragraph(text: &str) -> String {
    text.trim()
        .split("\n\n")
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn is_accepted(report: &Report, plan: usize, finding: &Finding) -> bool {
    report
        .decision
        .accepted_why(plan, &finding.rule, &finding.address)
        .is_some()
}

/// A plain log line (not a command): made visible, and with the runner's
/// older `##[command]` syntax, which it looks for anywhere in a line, broken.
fn log_line(out: &mut dyn Write, text: &str) -> io::Result<()> {
    writeln!(out, "{}", for_terminal(text).replace("##[", "#%23["))
}

pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let mut open: Vec<(usize, &Finding)> = report
        .plans
        .iter()
        .enumerate()
        .flat_map(|(index, plan)| plan.findings.iter().map(move |finding| (index, finding)))
        .filter(|(index, finding)| !is_accepted(report, *index, finding))
        .collect();
    open.sort_by_key(|(_, finding)| std::cmp::Reverse(finding.severity));

    let verdict_level = Level::of_verdict(report.decision.verdict);
    let limit = |level: Level| {
        if level == verdict_level {
            PER_KIND - 1
        } else {
            PER_KIND
        }
    };
    let mut shown = [0usize; 3];
    let mut unshown = 0;
    for (index, finding) in &open {
        let level = Level::of(finding.severity);
        let address = for_terminal(&finding.address);
        let message = for_terminal(&finding.message);
        if shown[level as usize] < limit(level) {
            shown[level as usize] += 1;
            let mut title = format!("{} ({})", finding.rule, finding.severity.label());
            // Plan-wide findings name `(plan)`, which the file already says.
            if !address.is_empty() && address != "(plan)" {
                title.push_str(": ");
                title.push_str(&bounded(&address, TITLE_ADDRESS_CHARS));
            }
            let mut text = message.into_owned();
            let fix = first_paragraph(&finding.fix);
            if !fix.is_empty() && finding.severity > Severity::Info {
                text.push_str("\nHow to fix: ");
                text.push_str(&for_terminal(&fix));
            }
            // The resource's block in the `.tf` file (the place SARIF shows
            // too), so the annotation shows in the pull request's diff.
            let place = report.places().of(*index, &finding.address);
            let properties = match &place.config_file {
                Some(file) => properties(Some(file), Some(place.line), &title),
                None => properties(plan_file(&report.plans[*index].label), None, &title),
            };
            writeln!(
                out,
                "::{} {properties}::{}",
                level.command(),
                escape_data(&text)
            )?;
        } else {
            unshown += 1;
            log_line(
                out,
                &format!(
                    "blastwall: {} {} on {address}: {message}",
                    finding.severity.label(),
                    finding.rule,
                ),
            )?;
        }
    }
    for accepted in &report.decision.accepted {
        log_line(
            out,
            &format!(
                "blastwall: accepted (not counted): {} on {}: {}",
                accepted.rule, accepted.address, accepted.why
            ),
        )?;
    }

    let crate::report::BlastCounts {
        destroyed,
        disrupted,
        data_loss,
        ..
    } = report.blast;
    let mut text = format!(
        "verdict {} — score {}/100 · {destroyed} destroyed, {disrupted} disrupted, {data_loss} with data loss · {}",
        report.decision.verdict.label(),
        report.score,
        super::summary_line(&report.summary)
    );
    if let Some(reason) = report.decision.reasons.first() {
        text.push('\n');
        text.push_str(&for_terminal(reason));
        if report.decision.reasons.len() > 1 {
            text.push_str(&format!(" (+{} more)", report.decision.reasons.len() - 1));
        }
    }
    if unshown > 0 {
        text.push_str(&format!(
            "\n{unshown} more finding(s) are in the log and the job summary (GitHub shows {PER_KIND} annotations of a kind per step)"
        ));
    }
    let file = match report.plans.as_slice() {
        [only] => plan_file(&only.label),
        _ => None,
    };
    writeln!(
        out,
        "::{} {}::{}",
        verdict_level.command(),
        properties(file, None, "blastwall"),
        escape_data(&text)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_escapes_percent_and_line_breaks() {
        assert_eq!(escape_data("50%\r\nnext: a,b"), "50%25%0D%0Anext: a,b");
    }

    #[test]
    fn properties_also_escape_colon_and_comma() {
        assert_eq!(
            escape_property("50%\r\nnext: a,b"),
            "50%25%0D%0Anext%3A a%2Cb"
        );
    }

    #[test]
    fn plain_log_lines_cannot_be_commands() {
        let mut out = Vec::new();
        log_line(&mut out, "blastwall: x ##[error]fake\n::error::fake").unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "blastwall: x #%23[error]fake\\n::error::fake\n"
        );
    }

    #[test]
    fn plan_file_drops_the_document_suffix_and_stdin() {
        assert_eq!(
            plan_file("a/plan.json (document 2 of 3)"),
            Some("a/plan.json")
        );
        assert_eq!(plan_file("a/plan.json"), Some("a/plan.json"));
        assert_eq!(plan_file("<stdin>"), None);
    }
}
