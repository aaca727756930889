//! `--format sarif`: SARIF 2.1.0 for code scanning (GitHub, Azure DevOps,
//! IDE viewers).
//!
//! One run. `tool.driver.rules` holds one reportingDescriptor per rule of the
//! rule set (its documentation as help, GitHub's `security-severity`); each
//! finding is one result, located on the `resource` block it is about when
//! the Terraform configuration sits beside the plan (the report's
//! [`places`](crate::report::places)), else on the plan file. A destructive
//! change's blast radius becomes code flows: one thread flow per affected
//! resource, along the dependency chain that reaches it. Findings accepted
//! by an ignore or an approval carry a suppression saying why.

use std::collections::{BTreeMap, HashMap};
use std::io::{self, Write};

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::analysis::PlanAnalysis;
use crate::blast::{Member, Root};
use crate::report::Report;
use crate::rules::kinds::PLAN_ADDRESS;
use crate::rules::{Finding, Rule, Severity};

use crate::policy::thresholds::{THRESHOLD_RULES, ThresholdRule};
use crate::report::locate;
use crate::report::places::Places;

mod flows;

use flows::*;

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
pub use crate::report::places::MAX_FLOW_MEMBERS;
/// The key of the one partial fingerprint: rule id and address, so an alert
/// stays the same alert when lines move or the message is reworded.
const FINGERPRINT: &str = "blastwall/v1";

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool<'a>,
    invocations: [Invocation; 1],
    results: Vec<SarifResult<'a>>,
    properties: RunProperties<'a>,
}

#[derive(Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver<'a> {
    name: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    information_uri: Option<&'static str>,
    rules: Vec<Descriptor<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Descriptor<'a> {
    id: &'a str,
    /// `DataLoss` for `data-loss`. SARIF wants a name that differs from the
    /// id (a one-word id, `import`, has none).
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    short_description: Text<'a>,
    full_description: Text<'a>,
    help: Help,
    default_configuration: Configuration,
    properties: DescriptorProperties,
}

#[derive(Serialize)]
struct Text<'a> {
    text: std::borrow::Cow<'a, str>,
}

impl<'a> Text<'a> {
    fn new(text: impl Into<std::borrow::Cow<'a, str>>) -> Self {
        Self { text: text.into() }
    }

    /// A message holding text from the plan. SARIF reads `[text](target)`
    /// in a message as an embedded link (§3.11.6), so a `for_each` key
    /// `[docs](https://evil.example)` rendered as one in code scanning:
    /// literal brackets are escaped, as the format asks, and so are
    /// literal backslashes (`\\`), or a key `\[docs\](…)` would turn the
    /// escapes into escaped backslashes and leave the link.
    fn with_plan_text(text: impl Into<std::borrow::Cow<'a, str>>) -> Self {
        let text = text.into();
        if !text.contains(['[', ']', '\\']) {
            return Self { text };
        }
        let mut escaped = String::with_capacity(text.len() + 8);
        for character in text.chars() {
            if matches!(character, '[' | ']' | '\\') {
                escaped.push('\\');
            }
            escaped.push(character);
        }
        Self {
            text: escaped.into(),
        }
    }
}

#[derive(Serialize)]
struct Help {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct DescriptorProperties {
    tags: Vec<&'static str>,
    precision: &'static str,
    #[serde(rename = "security-severity")]
    security_severity: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    execution_successful: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tool_execution_notifications: Vec<Notification>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tool_configuration_notifications: Vec<Notification>,
}

#[derive(Serialize)]
struct Notification {
    level: &'static str,
    message: Text<'static>,
}

#[derive(Serialize)]
struct RunProperties<'a> {
    verdict: &'static str,
    score: u32,
    profile: &'a str,
    author: &'static str,
    reasons: &'a [String],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule_index: Option<usize>,
    level: &'static str,
    message: Text<'a>,
    locations: [Location<'a>; 1],
    partial_fingerprints: BTreeMap<&'static str, String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    code_flows: Vec<CodeFlow<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suppressions: Vec<Suppression<'a>>,
    properties: ResultProperties<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location<'a> {
    physical_location: PhysicalLocation,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    logical_locations: Vec<LogicalLocation<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Text<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
struct ArtifactLocation {
    uri: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LogicalLocation<'a> {
    fully_qualified_name: &'a str,
    kind: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CodeFlow<'a> {
    message: Text<'a>,
    thread_flows: Vec<ThreadFlow<'a>>,
}

#[derive(Serialize)]
struct ThreadFlow<'a> {
    message: Text<'a>,
    locations: Vec<ThreadFlowLocation<'a>>,
}

#[derive(Serialize)]
struct ThreadFlowLocation<'a> {
    location: Location<'a>,
    importance: &'static str,
}

#[derive(Serialize)]
struct Suppression<'a> {
    kind: &'static str,
    status: &'static str,
    justification: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResultProperties<'a> {
    /// `blastwall/<rule-id>`: the rule qualified by the tool, for consumers
    /// that mix several tools' results.
    rule_qualified_id: String,
    plan: &'a str,
    address: &'a str,
    severity: &'static str,
    points: u32,
    evidence: Vec<EvidenceProperty<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    suggestion: Option<&'a str>,
}

#[derive(Serialize)]
struct EvidenceProperty<'a> {
    path: &'a str,
    before: Option<&'a str>,
    after: Option<&'a str>,
}

pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let rules = &report.rules;
    let rule_index: HashMap<&str, usize> = rules
        .iter()
        .enumerate()
        .map(|(index, rule)| (rule.id.as_str(), index))
        .collect();
    let mut results = Vec::new();
    for (index, plan) in report.plans.iter().enumerate() {
        let blast = BlastIndex::of(plan);
        for finding in &plan.findings {
            let accepted = report
                .decision
                .accepted_why(index, &finding.rule, &finding.address);
            results.push(SarifResult {
                rule_id: &finding.rule,
                rule_index: rule_index.get(finding.rule.as_str()).copied(),
                level: level(finding.severity),
                message: Text::with_plan_text(message(finding)),
                locations: [location(report.places(), index, &finding.address, None)],
                partial_fingerprints: BTreeMap::from([(FINGERPRINT, fingerprint(finding))]),
                code_flows: blast.flows(report.places(), index, &finding.address),
                suppressions: accepted
                    .map(|why| Suppression {
                        kind: "external",
                        status: "accepted",
                        justification: why,
                    })
                    .into_iter()
                    .collect(),
                properties: ResultProperties {
                    rule_qualified_id: format!("{}/{}", env!("CARGO_PKG_NAME"), finding.rule),
                    plan: &plan.label,
                    address: &finding.address,
                    severity: finding.severity.label(),
                    points: finding.points,
                    evidence: finding
                        .evidence
                        .iter()
                        .map(|evidence| EvidenceProperty {
                            path: &evidence.path,
                            before: evidence.before.as_deref(),
                            after: evidence.after.as_deref(),
                        })
                        .collect(),
                    suggestion: finding.suggestion.as_deref(),
                },
            });
        }
    }
    // Plan-level thresholds that decided the verdict are results too, on the
    // first plan, under their own rule ids (`threshold/…`).
    let threshold_base = rules.len();
    if let Some(first) = report.plans.first() {
        for (reason, text) in report
            .decision
            .verdict_reasons
            .iter()
            .zip(&report.decision.reasons)
        {
            let Some(index) = THRESHOLD_RULES
                .iter()
                .position(|threshold| reason.rule == threshold.id)
            else {
                continue;
            };
            let severity = if reason.effect == "fail" {
                Severity::High
            } else {
                Severity::Medium
            };
            let mut hasher = Sha256::new();
            hasher.update(reason.rule.as_bytes());
            let digest: String = hasher
                .finalize()
                .iter()
                .map(|byte| format!("{byte:02x}"))
                .collect();
            results.push(SarifResult {
                rule_id: THRESHOLD_RULES[index].id,
                rule_index: Some(threshold_base + index),
                level: level(severity),
                message: Text::with_plan_text(text.as_str()),
                locations: [location(report.places(), 0, PLAN_ADDRESS, None)],
                partial_fingerprints: BTreeMap::from([(FINGERPRINT, digest)]),
                code_flows: Vec::new(),
                suppressions: Vec::new(),
                properties: ResultProperties {
                    rule_qualified_id: format!("{}/{}", env!("CARGO_PKG_NAME"), reason.rule),
                    plan: &first.label,
                    address: PLAN_ADDRESS,
                    severity: severity.label(),
                    points: 0,
                    evidence: Vec::new(),
                    suggestion: None,
                },
            });
        }
    }
    let log = Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: env!("CARGO_PKG_NAME"),
                    version: env!("CARGO_PKG_VERSION"),
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    information_uri: information_uri(),
                    rules: rules
                        .iter()
                        .map(descriptor)
                        .chain(THRESHOLD_RULES.iter().map(threshold_descriptor))
                        .collect(),
                },
            },
            invocations: [invocation(report)],
            results,
            properties: RunProperties {
                verdict: report.decision.verdict.label(),
                score: report.score,
                profile: &report.profile,
                author: report.author.kind.label(),
                reasons: &report.decision.reasons,
            },
        }],
    };
    let text = serde_json::to_string_pretty(&log).map_err(io::Error::from)?;
    out.write_all(terminal_safe(&text).as_bytes())?;
    writeln!(out)
}

/// The project's page, when Cargo.toml names one (`homepage` or `repository`).
fn information_uri() -> Option<&'static str> {
    [env!("CARGO_PKG_HOMEPAGE"), env!("CARGO_PKG_REPOSITORY")]
        .into_iter()
        .find(|uri| !uri.is_empty())
}

pub fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium | Severity::Low => "warning",
        Severity::Info => "note",
    }
}

/// GitHub code scanning's 0–10 scale (critical ≥ 9, high ≥ 7, medium ≥ 4, low > 0).
pub fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "1.0",
    }
}

fn descriptor(rule: &Rule) -> Descriptor<'_> {
    let sections = [
        ("What it does", rule.docs.what.trim()),
        ("Why it matters", rule.docs.why.trim()),
        ("Example", rule.docs.example.trim()),
        ("How to fix", rule.docs.fix.trim()),
    ];
    let text = sections
        .iter()
        .map(|(title, body)| format!("{title}\n{body}"))
        .collect::<Vec<_>>()
        .join("\n\n");
    let markdown = sections
        .iter()
        .map(|(title, body)| format!("## {title}\n\n{body}"))
        .collect::<Vec<_>>()
        .join("\n\n");
    Descriptor {
        id: &rule.id,
        name: Some(pascal_case(&rule.id)).filter(|name| !name.eq_ignore_ascii_case(&rule.id)),
        short_description: Text::new(rule.summary.as_str()),
        full_description: Text::new(rule.docs.what.trim()),
        help: Help { text, markdown },
        default_configuration: Configuration {
            level: level(rule.severity),
        },
        properties: DescriptorProperties {
            // GitHub reads `security-severity` only from rules tagged `security`.
            tags: vec!["security", "terraform", rule.kind.name()],
            precision: "high",
            security_severity: security_severity(rule.severity),
        },
    }
}

/// A profile threshold, described as a rule so a plan it fails is a result.
fn threshold_descriptor(threshold: &ThresholdRule) -> Descriptor<'_> {
    let text = format!(
        "What it does\n{}\n\nHow to fix\n{}",
        threshold.what, threshold.fix
    );
    let markdown = format!(
        "## What it does\n\n{}\n\n## How to fix\n\n{}",
        threshold.what, threshold.fix
    );
    Descriptor {
        id: threshold.id,
        name: Some(pascal_case(&threshold.id.replace('/', "-"))),
        short_description: Text::new(threshold.summary),
        full_description: Text::new(threshold.what),
        help: Help { text, markdown },
        default_configuration: Configuration {
            level: level(Severity::High),
        },
        properties: DescriptorProperties {
            tags: vec!["security", "terraform", "threshold"],
            precision: "high",
            security_severity: security_severity(Severity::High),
        },
    }
}

/// `data-loss` → `DataLoss`.
pub fn pascal_case(id: &str) -> String {
    id.split('-')
        .flat_map(|word| {
            let mut chars = word.chars();
            chars
                .next()
                .map(|first| first.to_ascii_uppercase())
                .into_iter()
                .chain(chars)
        })
        .collect()
}

fn message(finding: &Finding) -> String {
    match &finding.suggestion {
        Some(suggestion) => format!("{}\nSuggested change:\n{suggestion}", finding.message),
        None => finding.message.clone(),
    }
}

fn fingerprint(finding: &Finding) -> String {
    let mut hasher = Sha256::new();
    hasher.update(finding.rule.as_bytes());
    hasher.update([0]);
    hasher.update(finding.address.as_bytes());
    hasher
        .finalize()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

fn invocation(report: &Report) -> Invocation {
    let execution = report
        .warnings
        .iter()
        .map(|warning| Notification {
            level: "warning",
            message: Text::with_plan_text(format!(
                "{}: {} ({})",
                warning.input, warning.message, warning.help
            )),
        })
        .chain(report.skipped.iter().map(|skipped| Notification {
            level: "note",
            message: Text::with_plan_text(format!("{} skipped: {}", skipped.input, skipped.reason)),
        }))
        .collect();
    Invocation {
        execution_successful: true,
        tool_execution_notifications: execution,
        tool_configuration_notifications: report
            .decision
            .notes
            .iter()
            .map(|note| Notification {
                level: "warning",
                message: Text::with_plan_text(note.clone()),
            })
            .collect(),
    }
}

/// Where a result or a step of a code flow is: the resource's block in the
/// configuration when it is found, the plan otherwise.
fn location<'a>(
    places: &Places,
    plan: usize,
    address: &'a str,
    message: Option<String>,
) -> Location<'a> {
    let place = places.of(plan, address).clone();
    Location {
        physical_location: PhysicalLocation {
            artifact_location: ArtifactLocation { uri: place.uri },
            region: Region {
                start_line: place.line,
            },
        },
        logical_locations: if locate::is_resource(address) {
            vec![LogicalLocation {
                fully_qualified_name: address,
                kind: "resource",
            }]
        } else {
            Vec::new()
        },
        message: message.map(Text::with_plan_text),
    }
}

/// serde_json leaves C1 controls, bidi overrides and zero-width characters
/// raw; escape them as `\uXXXX` so the file is as safe on a terminal as the
/// JSON report. Outside strings the pretty printer writes only ASCII, spaces
/// and newlines, so every other character here is inside a string.
fn terminal_safe(text: &str) -> std::borrow::Cow<'_, str> {
    let unsafe_char =
        |character: char| character != '\n' && crate::util::escape::needs_escape(character);
    if !text.chars().any(unsafe_char) {
        return text.into();
    }
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        if unsafe_char(character) {
            let mut units = [0u16; 2];
            for unit in character.encode_utf16(&mut units) {
                escaped.push_str(&format!("\\u{unit:04x}"));
            }
        } else {
            escaped.push(character);
        }
    }
    escaped.into()
}

#[cfg(test)]
mod tests {
    use super::Text;

    /// Read as SARIF reads a message: a backslash escapes the character
    /// after it; an unescaped `[` would open an embedded link.
    fn opens_a_link(message: &str) -> bool {
        let mut characters = message.chars();
        while let Some(character) = characters.next() {
            match character {
                '\\' => {
                    characters.next();
                }
                '[' => return true,
                _ => {}
            }
        }
        false
    }

    #[test]
    fn plan_text_never_opens_a_link() {
        for key in [
            "[docs](https://evil.example)",
            r"\[docs\](https://evil.example)",
            r"\\[docs](https://evil.example)",
            r"C:\path\[x]",
        ] {
            let message = Text::with_plan_text(format!("aws_s3_bucket.b[\"{key}\"]")).text;
            assert!(!opens_a_link(&message), "{key} -> {message}");
        }
        assert_eq!(Text::with_plan_text("no brackets").text, "no brackets");
        assert_eq!(Text::with_plan_text(r"a\b[0]").text, r"a\\b\[0\]");
    }
}
