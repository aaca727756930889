//! `--format junit`: JUnit XML, the test-report format GitLab, Jenkins,
//! Azure DevOps and CircleCI show beside a pipeline.
//!
//! One `<testsuite>` per plan, holding one test case for the plan's verdict
//! and one per finding at or above the profile's warning severity. A case
//! fails (`<failure>`) when the policy counts it against the plan: the plan's
//! case when the verdict is `fail` and the plan has a finding that warns (or
//! is the only plan), a finding's case when its severity is at or above the
//! profile's failing severity and nothing accepted it. Other cases pass and
//! say why in `<system-out>`, so a `warn` reads as a passing pipeline with
//! its reasons one click away, as the exit code says.
//!
//! Valid against the Jenkins xUnit plugin's `junit-10.xsd` (tests/junit/).
//! Every plan-supplied string is made visible first ([`for_terminal`]: no
//! control, bidi or zero-width character reaches a report page), then
//! escaped for XML.

use std::io::{self, Write};

use crate::policy::Verdict;
use crate::report::Report;
use crate::rules::{Finding, Severity};
use crate::util::escape::{bounded, for_terminal};

/// Characters of a `message` attribute: CI pages show it on one line.
const MESSAGE_CHARS: usize = 300;

/// Text for XML content or an attribute value. Plan-supplied text goes
/// through [`for_terminal`] first (see `t`); this keeps line breaks of
/// blastwall's own text and drops what XML 1.0 cannot carry.
pub fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&apos;"),
            // Not allowed in XML 1.0 at all (for_terminal already shows controls).
            '\u{FFFE}' | '\u{FFFF}' => escaped.push('\u{FFFD}'),
            character if character.is_control() && !matches!(character, '\t' | '\n') => {
                escaped.push('\u{FFFD}')
            }
            other => escaped.push(other),
        }
    }
    escaped
}

/// A plan-supplied string, made visible.
fn t(text: &str) -> std::borrow::Cow<'_, str> {
    for_terminal(text)
}

struct Case {
    name: String,
    classname: String,
    failure: Option<(String, String, String)>,
    out: String,
}

pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let warn_at = report
        .warn_severity
        .or(report.fail_severity)
        .unwrap_or(Severity::Critical);
    let fail_at = report.fail_severity;
    let verdict = report.decision.verdict;
    let headline = format!(
        "{} (score {}, profile {}): {}",
        verdict.label(),
        report.score,
        report.profile,
        match verdict {
            Verdict::Pass => "nothing stops this plan",
            Verdict::Warn => "apply with care",
            Verdict::Fail => "do not apply this plan as it is",
        }
    );
    let mut fixes = String::new();
    for fix in &report.decision.fixes {
        let rule = fix.rule.as_deref().unwrap_or("threshold");
        fixes.push_str(&format!("help: {rule}: {}\n", fix.text));
    }
    // Each plan's case gives the reasons about that plan and the plan-wide
    // ones: every plan's case giving every reason made the report grow as
    // the square of the plans (8,000 plans: 24 GB).
    let reasons_of = |plan: usize| {
        let mut reasons = String::new();
        for (reason, detail) in report
            .decision
            .reasons
            .iter()
            .zip(&report.decision.verdict_reasons)
        {
            if detail.plan.is_none_or(|of| of == plan) {
                reasons.push_str(&format!("- {reason}\n"));
            }
        }
        reasons.push_str(&fixes);
        reasons
    };

    let mut suites = Vec::new();
    for (index, plan) in report.plans.iter().enumerate() {
        let reasons = reasons_of(index);
        let warned: Vec<&Finding> = plan
            .findings
            .iter()
            .filter(|finding| finding.severity >= warn_at)
            .collect();
        let plan_fails =
            verdict == Verdict::Fail && (report.plans.len() == 1 || !warned.is_empty());
        let mut cases = vec![Case {
            name: format!("plan {}", t(&plan.label)),
            classname: "blastwall.plan".to_owned(),
            failure: plan_fails.then(|| ("verdict".to_owned(), headline.clone(), reasons.clone())),
            out: format!(
                "{headline}\n{reasons}profile: {} ({}), author: {}\n",
                report.profile,
                t(&report.profile_reason),
                report.author.kind.label()
            ),
        }];
        for finding in warned {
            let accepted = report
                .decision
                .accepted_why(index, &finding.rule, &finding.address);
            let mut body = format!(
                "{} {}: {}\n",
                finding.severity.label(),
                finding.rule,
                t(&finding.message)
            );
            for evidence in &finding.evidence {
                body.push_str(&format!("  {}", t(&evidence.path)));
                if let Some(before) = &evidence.before {
                    body.push_str(&format!(" before: {}", t(before)));
                }
                if let Some(after) = &evidence.after {
                    body.push_str(&format!(" after: {}", t(after)));
                }
                body.push('\n');
            }
            if !finding.fix.trim().is_empty() {
                body.push_str(&format!("help: {}\n", finding.fix.trim()));
            }
            body.push_str(&format!("more: blastwall explain {}\n", finding.rule));
            let fails = accepted.is_none() && fail_at.is_some_and(|at| finding.severity >= at);
            if let Some(why) = accepted {
                body.push_str(&format!("accepted: {}\n", t(why)));
            }
            cases.push(Case {
                name: format!("{} {}", finding.rule, t(&finding.address)),
                classname: format!("blastwall.{}", finding.rule),
                failure: fails.then(|| {
                    (
                        finding.severity.label().to_owned(),
                        bounded(&t(&finding.message), MESSAGE_CHARS),
                        body.clone(),
                    )
                }),
                out: body,
            });
        }
        suites.push((plan, cases));
    }

    let total: usize = suites.iter().map(|(_, cases)| cases.len()).sum();
    let failures: usize = suites
        .iter()
        .flat_map(|(_, cases)| cases)
        .filter(|case| case.failure.is_some())
        .count();
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        out,
        r#"<testsuites name="blastwall" tests="{total}" failures="{failures}" errors="0">"#
    )?;
    for (plan, cases) in &suites {
        let failed = cases.iter().filter(|case| case.failure.is_some()).count();
        writeln!(
            out,
            r#"  <testsuite name="{}" tests="{}" failures="{failed}" errors="0" skipped="0" file="{}">"#,
            escape(&format!("blastwall {}", t(&plan.label))),
            cases.len(),
            escape(&t(&plan.label)),
        )?;
        writeln!(out, "    <properties>")?;
        for (name, value) in [
            ("verdict", verdict.label().to_owned()),
            ("score", report.score.to_string()),
            ("profile", report.profile.clone()),
            ("author", report.author.kind.label().to_owned()),
            ("fingerprint", plan.fingerprint.clone()),
            ("tool", format!("blastwall {}", env!("CARGO_PKG_VERSION"))),
        ] {
            writeln!(
                out,
                r#"      <property name="{name}" value="{}"/>"#,
                escape(&value)
            )?;
        }
        writeln!(out, "    </properties>")?;
        for case in cases {
            writeln!(
                out,
                r#"    <testcase name="{}" classname="{}">"#,
                escape(&case.name),
                escape(&case.classname)
            )?;
            if let Some((kind, message, body)) = &case.failure {
                writeln!(
                    out,
                    r#"      <failure type="{}" message="{}">{}</failure>"#,
                    escape(kind),
                    escape(message),
                    escape(body)
                )?;
            } else {
                writeln!(out, "      <system-out>{}</system-out>", escape(&case.out))?;
            }
            writeln!(out, "    </testcase>")?;
        }
        writeln!(out, "  </testsuite>")?;
    }
    writeln!(out, "</testsuites>")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_and_invisible_characters_are_escaped() {
        assert_eq!(escape("a<b>&\"c\"'"), "a&lt;b&gt;&amp;&quot;c&quot;&apos;");
        let hostile = escape(&t("x\u{202E}y\u{1b}[31m\u{0}z\n"));
        assert!(
            !hostile.contains(['\u{202E}', '\u{1b}', '\u{0}', '\n']),
            "{hostile:?}"
        );
        assert!(!escape("]]></failure><failure>").contains('<'));
        assert_eq!(escape("a\u{1}b\nc"), "a\u{FFFD}b\nc");
    }
}
