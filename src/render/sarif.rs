//! `--format sarif`: SARIF 2.1.0 for code scanning (GitHub, Azure DevOps,
//! IDE viewers).
//!
//! One run. `tool.driver.rules` holds one reportingDescriptor per rule of the
//! rule set (its documentation as help, GitHub's `security-severity`); each
//! finding is one result, located on the `resource` block it is about when
//! the Terraform configuration sits beside the plan (see [`locate`]), else on
//! the plan file. A destructive change's blast radius becomes code flows:
//! one thread flow per affected resource, along the dependency chain that
//! reaches it. Findings accepted by an ignore or an approval carry a
//! suppression saying why.

use std::collections::{BTreeMap, HashMap};
use std::io::{self, Write};

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::analysis::PlanAnalysis;
use crate::graph::blast::{Member, Root};
use crate::report::Report;
use crate::rules::kinds::PLAN_ADDRESS;
use crate::rules::{Finding, Rule, RuleSet, Severity};

use locate::{Locator, PlanSite};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
/// The most affected resources shown as thread flows of one result.
pub const MAX_FLOW_MEMBERS: usize = 20;
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

pub fn render(report: &Report, rules: &RuleSet, out: &mut dyn Write) -> io::Result<()> {
    let mut locator = Locator::new();
    let rule_index: HashMap<&str, usize> = rules
        .rules
        .iter()
        .enumerate()
        .map(|(index, rule)| (rule.id.as_str(), index))
        .collect();
    let mut results = Vec::new();
    for (index, plan) in report.plans.iter().enumerate() {
        let site = locator.plan(&plan.label);
        let blast = BlastIndex::of(plan);
        for finding in &plan.findings {
            let accepted = report
                .decision
                .accepted_why(index, &finding.rule, &finding.address);
            results.push(SarifResult {
                rule_id: &finding.rule,
                rule_index: rule_index.get(finding.rule.as_str()).copied(),
                level: level(finding.severity),
                message: Text::new(message(finding)),
                locations: [location(&mut locator, &site, &finding.address, None)],
                partial_fingerprints: BTreeMap::from([(FINGERPRINT, fingerprint(finding))]),
                code_flows: blast.flows(&mut locator, &site, &finding.address),
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
    let threshold_base = rules.rules.len();
    if let Some(first) = report.plans.first() {
        let site = locator.plan(&first.label);
        for (reason, text) in report
            .decision
            .verdict_reasons
            .iter()
            .zip(&report.decision.reasons)
        {
            let Some(index) = THRESHOLDS
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
                rule_id: THRESHOLDS[index].id,
                rule_index: Some(threshold_base + index),
                level: level(severity),
                message: Text::new(text.as_str()),
                locations: [location(&mut locator, &site, PLAN_ADDRESS, None)],
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
                        .rules
                        .iter()
                        .map(descriptor)
                        .chain(THRESHOLDS.iter().map(threshold_descriptor))
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
struct Threshold {
    id: &'static str,
    summary: &'static str,
    what: &'static str,
    fix: &'static str,
}

const THRESHOLDS: &[Threshold] = &[
    Threshold {
        id: "threshold/max-blast-radius",
        summary: "More resources destroyed or disrupted than the profile allows",
        what: "The profile's `max_blast_radius`: resources destroyed plus disrupted, all plans together.",
        fix: "Split the change so each plan destroys or disrupts fewer resources, or have a person approve this exact plan.",
    },
    Threshold {
        id: "threshold/max-share-of-state",
        summary: "A larger share of the state destroyed or disrupted than the profile allows",
        what: "The profile's `max_share_of_state`: destroyed plus disrupted over the resources in state (from 3 resources).",
        fix: "Split the change so each plan touches a smaller share of the state, or have a person approve this exact plan.",
    },
    Threshold {
        id: "threshold/max-data-loss",
        summary: "More resources lose data than the profile allows",
        what: "The profile's `max_data_loss`: destroyed data stores whose data nothing keeps.",
        fix: "Keep the data before the destroy (each data-loss finding says how for its type), or have a person approve this exact plan.",
    },
    Threshold {
        id: "threshold/fail-score",
        summary: "The findings' points reach the profile's failing score",
        what: "The profile's `fail_score`: the sum of the points of the findings that count.",
        fix: "Resolve findings until the score is below the limit, or have a person approve this exact plan.",
    },
    Threshold {
        id: "threshold/warn-score",
        summary: "The findings' points reach the profile's warning score",
        what: "The profile's `warn_score`: the sum of the points of the findings that count.",
        fix: "Resolve findings until the score is below the limit.",
    },
];

fn threshold_descriptor(threshold: &Threshold) -> Descriptor<'_> {
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
            message: Text::new(format!(
                "{}: {} ({})",
                warning.input, warning.message, warning.help
            )),
        })
        .chain(report.skipped.iter().map(|skipped| Notification {
            level: "note",
            message: Text::new(format!("{} skipped: {}", skipped.input, skipped.reason)),
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
                message: Text::new(note.clone()),
            })
            .collect(),
    }
}

/// Where a result or a step of a code flow is: the resource's block in the
/// configuration when it is found, the plan otherwise.
fn location<'a>(
    locator: &mut Locator,
    site: &PlanSite,
    address: &'a str,
    message: Option<String>,
) -> Location<'a> {
    let place = locator.place(site, address);
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
        message: message.map(Text::new),
    }
}

/// A plan's blast radius, looked up by address.
struct BlastIndex<'p> {
    roots: HashMap<&'p str, &'p Root>,
    /// Each member with its root.
    members: HashMap<&'p str, (&'p Root, &'p Member)>,
}

impl<'p> BlastIndex<'p> {
    fn of(plan: &'p PlanAnalysis) -> Self {
        let mut index = Self {
            roots: HashMap::new(),
            members: HashMap::new(),
        };
        for root in &plan.blast.roots {
            index.roots.entry(&root.address).or_insert(root);
            for member in &root.members {
                index
                    .members
                    .entry(&member.address)
                    .or_insert((root, member));
            }
        }
        index
    }

    /// For a root, one thread flow per member (at most [`MAX_FLOW_MEMBERS`]);
    /// for a member, the chain from its root to it.
    fn flows(&self, locator: &mut Locator, site: &PlanSite, address: &str) -> Vec<CodeFlow<'p>> {
        if let Some(root) = self.roots.get(address) {
            if root.members.is_empty() {
                return Vec::new();
            }
            let total = root.members.len();
            let shown = total.min(MAX_FLOW_MEMBERS);
            let mut summary = format!(
                "blast radius of {}: {total} affected resource(s)",
                root.address
            );
            if shown < total {
                summary.push_str(&format!("; the first {shown} are shown"));
            }
            let thread_flows = root
                .members
                .iter()
                .take(shown)
                .map(|member| self.thread_flow(locator, site, root, member))
                .collect();
            return vec![CodeFlow {
                message: Text::new(summary),
                thread_flows,
            }];
        }
        if let Some((root, member)) = self.members.get(address) {
            return vec![CodeFlow {
                message: Text::new(format!(
                    "how {} is reached from {}",
                    member.address, root.address
                )),
                thread_flows: vec![self.thread_flow(locator, site, root, member)],
            }];
        }
        Vec::new()
    }

    fn thread_flow(
        &self,
        locator: &mut Locator,
        site: &PlanSite,
        root: &'p Root,
        member: &'p Member,
    ) -> ThreadFlow<'p> {
        let last = member.path.len().saturating_sub(1);
        let locations = member
            .path
            .iter()
            .enumerate()
            .map(|(step, address)| {
                let text = if step == 0 {
                    format!("root: {}", root.actions.label())
                } else {
                    let role = match self.members.get(address.as_str()) {
                        Some((_, on_path)) => on_path.role.label(),
                        None => "reached",
                    };
                    match member.via.get(step - 1).map(|sources| sources.labels()) {
                        Some(labels) if !labels.is_empty() => {
                            format!("{role} via {}", labels.join(", "))
                        }
                        _ => role.to_owned(),
                    }
                };
                ThreadFlowLocation {
                    location: location(locator, site, address, Some(text)),
                    importance: if step == 0 || step == last {
                        "essential"
                    } else {
                        "important"
                    },
                }
            })
            .collect();
        ThreadFlow {
            message: Text::new(format!("{}: {}", member.address, member.role.label())),
            locations,
        }
    }
}

/// serde_json leaves C1 controls, bidi overrides and zero-width characters
/// raw; escape them as `\uXXXX` so the file is as safe on a terminal as the
/// JSON report. Outside strings the pretty printer writes only ASCII, spaces
/// and newlines, so every other character here is inside a string.
fn terminal_safe(text: &str) -> std::borrow::Cow<'_, str> {
    let unsafe_char = |character: char| character != '\n' && crate::escape::needs_escape(character);
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

/// Finding a resource's block in the Terraform configuration beside a plan.
///
/// The root module is the plan file's directory, or its parent, when it holds
/// `*.tf` (or `*.tofu`) files; for standard input, the current directory.
/// An address's module calls are followed through `module "NAME"` blocks
/// whose `source` is a local path (`./…`, `../…`); then the module
/// directory's files are scanned for `resource "TYPE" "NAME"` (or `data`).
/// A module from a registry or a Git URL is not read: its resources are
/// located on the `module` block that calls it. What is not found is located
/// on the plan file, line 1.
///
/// URIs are relative to the repository root (the nearest directory above the
/// file holding `.git`), else to the current directory, else absolute
/// `file://` URIs.
pub mod locate {
    use std::collections::HashMap;
    use std::path::{Component, Path, PathBuf};
    use std::rc::Rc;

    use crate::model::Address;

    /// A file and a 1-based line, as SARIF wants it.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct Place {
        pub uri: String,
        pub line: usize,
    }

    /// Where a plan came from and where its configuration is.
    #[derive(Debug, Clone)]
    pub struct PlanSite {
        label: String,
        file: Option<PathBuf>,
        root: Option<PathBuf>,
    }

    impl PlanSite {
        pub fn root(&self) -> Option<&Path> {
            self.root.as_deref()
        }
    }

    /// A top-level block of a `.tf` file.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct Block {
        pub kind: String,
        pub labels: Vec<String>,
        /// 1-based line of the block's first word.
        pub line: usize,
        /// The literal `source = "…"` among its attributes (module calls).
        pub source: Option<String>,
    }

    struct ConfigFile {
        path: PathBuf,
        blocks: Vec<Block>,
    }

    #[derive(Default)]
    pub struct Locator {
        cwd: Option<PathBuf>,
        dirs: HashMap<PathBuf, Rc<Vec<ConfigFile>>>,
        repos: HashMap<PathBuf, Option<PathBuf>>,
    }

    impl Locator {
        pub fn new() -> Self {
            Self {
                cwd: std::env::current_dir()
                    .ok()
                    .map(|cwd| cwd.canonicalize().unwrap_or(cwd)),
                ..Self::default()
            }
        }

        /// Reads a plan's label (`path`, `path (document 2 of 3)` or `<stdin>`).
        pub fn plan(&mut self, label: &str) -> PlanSite {
            let (file, dir, several) = if label == "<stdin>" {
                (None, self.cwd.clone(), false)
            } else {
                let (path, several) = match document_suffix(label) {
                    Some(path) => (path, true),
                    None => (label, false),
                };
                let file = PathBuf::from(path);
                let dir = file.parent().map(|dir| {
                    if dir.as_os_str().is_empty() {
                        PathBuf::from(".")
                    } else {
                        dir.to_path_buf()
                    }
                });
                (Some(file), dir, several)
            };
            // One file holding several plans (Terragrunt) does not sit beside
            // any one configuration.
            let root = dir.filter(|_| !several).and_then(|dir| {
                [Some(dir.as_path()), dir.parent()]
                    .into_iter()
                    .flatten()
                    .find(|candidate| !self.files(candidate).is_empty())
                    .map(Path::to_path_buf)
            });
            PlanSite {
                label: label.to_owned(),
                file,
                root,
            }
        }

        /// Where `address` is: its block, else the plan.
        pub fn place(&mut self, site: &PlanSite, address: &str) -> Place {
            let found = site.root.as_deref().and_then(|root| {
                let address = address.parse::<Address>().ok()?;
                self.find(root, &address)
            });
            if let Some((path, line)) = found {
                return Place {
                    uri: self.uri(&path),
                    line,
                };
            }
            let fallback = match (&site.file, &site.root) {
                (Some(file), _) => Some(file.clone()),
                // Standard input: the root module's main file.
                (None, Some(root)) => {
                    let files = self.files(root);
                    files
                        .iter()
                        .find(|file| file.path.file_name().is_some_and(|name| name == "main.tf"))
                        .or(files.first())
                        .map(|file| file.path.clone())
                }
                (None, None) => None,
            };
            Place {
                uri: match fallback {
                    Some(path) => self.uri(&path),
                    None => encode(&site.label),
                },
                line: 1,
            }
        }

        /// The file and line of `address`'s block below the root module `root`,
        /// or of the nearest module call found on the way.
        pub fn find(&mut self, root: &Path, address: &Address) -> Option<(PathBuf, usize)> {
            let mut dir = root.to_path_buf();
            let mut call: Option<(PathBuf, usize)> = None;
            for step in &address.module {
                let files = self.files(&dir);
                let Some((path, block)) = files.iter().find_map(|file| {
                    file.blocks
                        .iter()
                        .find(|block| {
                            block.kind == "module" && block.labels == [step.name.as_str()]
                        })
                        .map(|block| (&file.path, block))
                }) else {
                    return call;
                };
                call = Some((path.clone(), block.line));
                match block.source.as_deref().filter(|source| is_local(source)) {
                    Some(source) if dir.join(source).is_dir() => dir = dir.join(source),
                    _ => return call,
                }
            }
            let kind = if address.is_data() {
                "data"
            } else {
                "resource"
            };
            let labels = [address.resource_type.as_str(), address.name.as_str()];
            self.files(&dir)
                .iter()
                .find_map(|file| {
                    file.blocks
                        .iter()
                        .find(|block| block.kind == kind && block.labels == labels)
                        .map(|block| (file.path.clone(), block.line))
                })
                .or(call)
        }

        /// The configuration files of `dir`, parsed once: `*.tf` and `*.tofu`,
        /// by name, override files last.
        fn files(&mut self, dir: &Path) -> Rc<Vec<ConfigFile>> {
            let key = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
            if let Some(files) = self.dirs.get(&key) {
                return Rc::clone(files);
            }
            let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
                .map(|entries| {
                    entries
                        .flatten()
                        .map(|entry| entry.path())
                        .filter(|path| {
                            path.extension()
                                .is_some_and(|extension| extension == "tf" || extension == "tofu")
                                && path.is_file()
                        })
                        .collect()
                })
                .unwrap_or_default();
            paths.sort_by_key(|path| {
                let stem = path
                    .file_stem()
                    .map(|stem| stem.to_string_lossy().into_owned())
                    .unwrap_or_default();
                (
                    stem == "override" || stem.ends_with("_override"),
                    path.clone(),
                )
            });
            let files: Vec<ConfigFile> = paths
                .into_iter()
                .filter_map(|path| {
                    let bytes = std::fs::read(&path).ok()?;
                    let blocks = blocks(&String::from_utf8_lossy(&bytes));
                    Some(ConfigFile { path, blocks })
                })
                .collect();
            let files = Rc::new(files);
            self.dirs.insert(key, Rc::clone(&files));
            files
        }

        /// `path` as a URI reference: relative to its repository root, else to
        /// the current directory, else an absolute `file://` URI.
        pub fn uri(&mut self, path: &Path) -> String {
            let absolute = match path.canonicalize() {
                Ok(absolute) => absolute,
                Err(_) => match &self.cwd {
                    Some(cwd) if path.is_relative() => cwd.join(path),
                    _ => path.to_path_buf(),
                },
            };
            let repo = absolute.parent().and_then(|dir| self.repository(dir));
            let relative = repo
                .as_deref()
                .and_then(|repo| absolute.strip_prefix(repo).ok())
                .or_else(|| {
                    self.cwd
                        .as_deref()
                        .and_then(|cwd| absolute.strip_prefix(cwd).ok())
                });
            match relative {
                Some(relative) => encode_path(relative),
                None => format!("file://{}", encode_path(&absolute)),
            }
        }

        /// The nearest directory at or above `dir` holding `.git` (a directory,
        /// or a file in worktrees and submodules): what `git rev-parse
        /// --show-toplevel` prints, without running git.
        fn repository(&mut self, dir: &Path) -> Option<PathBuf> {
            if let Some(known) = self.repos.get(dir) {
                return known.clone();
            }
            let found = dir
                .ancestors()
                .find(|ancestor| ancestor.join(".git").exists())
                .map(Path::to_path_buf);
            self.repos.insert(dir.to_path_buf(), found.clone());
            found
        }
    }

    /// A resource instance address (not `(plan)` or a provider).
    pub fn is_resource(address: &str) -> bool {
        address.parse::<Address>().is_ok()
    }

    /// `path` of a `path (document N of M)` label.
    fn document_suffix(label: &str) -> Option<&str> {
        let (path, rest) = label.rsplit_once(" (document ")?;
        let (n, m) = rest.strip_suffix(')')?.split_once(" of ")?;
        (n.parse::<usize>().is_ok() && m.parse::<usize>().is_ok()).then_some(path)
    }

    /// Terraform's local module sources; anything else is fetched by `init`.
    fn is_local(source: &str) -> bool {
        ["./", "../", ".\\", "..\\"]
            .iter()
            .any(|prefix| source.starts_with(prefix))
    }

    fn encode_path(path: &Path) -> String {
        let mut parts = Vec::new();
        for component in path.components() {
            match component {
                Component::RootDir => parts.push(String::new()),
                Component::Normal(part) => parts.push(encode(&part.to_string_lossy())),
                Component::CurDir => {}
                Component::ParentDir => parts.push("..".to_owned()),
                Component::Prefix(prefix) => {
                    parts.push(encode(&prefix.as_os_str().to_string_lossy()))
                }
            }
        }
        let joined = parts.join("/");
        if joined.is_empty() {
            ".".to_owned()
        } else {
            joined
        }
    }

    /// Percent-encodes everything but RFC 3986 unreserved characters.
    pub fn encode(text: &str) -> String {
        let mut encoded = String::with_capacity(text.len());
        for byte in text.bytes() {
            if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
                encoded.push(byte as char);
            } else {
                encoded.push_str(&format!("%{byte:02X}"));
            }
        }
        encoded
    }

    #[derive(Debug, Clone, PartialEq)]
    enum Token {
        Word(String),
        /// A quoted string without interpolation.
        Literal(String),
        /// Any other value: a template, a heredoc, a number, an operator.
        Other,
        Open,
        Close,
        Equals,
        Newline,
    }

    /// The top-level blocks of a `.tf` file, with each block's literal
    /// `source` attribute. A small HCL lexer: comments, quoted strings with
    /// `${…}` and `%{…}` templates (braces in them do not nest blocks) and
    /// heredocs are skipped; everything else is words and braces.
    pub fn blocks(text: &str) -> Vec<Block> {
        let tokens = tokens(text);
        let mut blocks: Vec<Block> = Vec::new();
        let mut depth = 0usize;
        let mut index = 0;
        let mut line_start = true;
        while index < tokens.len() {
            let (line, token) = &tokens[index];
            match token {
                Token::Word(kind) if depth == 0 && line_start => {
                    let mut labels = Vec::new();
                    let mut next = index + 1;
                    while let Some((_, Token::Word(label) | Token::Literal(label))) =
                        tokens.get(next)
                    {
                        labels.push(label.clone());
                        next += 1;
                    }
                    if let Some((_, Token::Open)) = tokens.get(next) {
                        blocks.push(Block {
                            kind: kind.clone(),
                            labels,
                            line: *line,
                            source: None,
                        });
                        depth = 1;
                        index = next + 1;
                        line_start = true;
                        continue;
                    }
                    line_start = false;
                }
                Token::Word(name) if depth == 1 && line_start && name == "source" => {
                    // `source = "…"` and nothing after the string on its line.
                    let alone = matches!(
                        tokens.get(index + 3),
                        None | Some((_, Token::Newline | Token::Close))
                    );
                    if let (Some((_, Token::Equals)), Some((_, Token::Literal(source)))) =
                        (tokens.get(index + 1), tokens.get(index + 2))
                        && alone
                        && let Some(block) = blocks.last_mut()
                        && block.source.is_none()
                    {
                        block.source = Some(source.clone());
                    }
                    line_start = false;
                }
                Token::Open => {
                    depth += 1;
                    line_start = true;
                }
                Token::Close => {
                    depth = depth.saturating_sub(1);
                    line_start = true;
                }
                Token::Newline => line_start = true,
                _ => line_start = false,
            }
            index += 1;
        }
        blocks
    }

    enum Frame {
        /// Inside a quoted string: its text so far, `None` once it interpolates.
        Quoted(Option<String>),
        /// Inside `${…}` or `%{…}`: open braces within.
        Template(usize),
    }

    fn tokens(text: &str) -> Vec<(usize, Token)> {
        let chars: Vec<char> = text.chars().collect();
        let mut tokens = Vec::new();
        let mut stack: Vec<Frame> = Vec::new();
        let mut line = 1;
        let mut at = 0;
        let emit = |stack: &Vec<Frame>, tokens: &mut Vec<(usize, Token)>, line, token| {
            if stack.is_empty() {
                tokens.push((line, token));
            }
        };
        while at < chars.len() {
            let character = chars[at];
            let next = chars.get(at + 1).copied();
            if let Some(Frame::Quoted(buffer)) = stack.last_mut() {
                match character {
                    '\\' => {
                        if let (Some(buffer), Some(escaped)) = (buffer.as_mut(), next) {
                            buffer.push(escaped);
                        }
                        at += 2;
                    }
                    '"' => {
                        let Some(Frame::Quoted(buffer)) = stack.pop() else {
                            unreachable!()
                        };
                        let token = buffer.map_or(Token::Other, Token::Literal);
                        emit(&stack, &mut tokens, line, token);
                        at += 1;
                    }
                    // A quoted string cannot span lines: recover at the newline.
                    '\n' => {
                        stack.clear();
                        tokens.push((line, Token::Newline));
                        line += 1;
                        at += 1;
                    }
                    '$' | '%' if next == Some(character) && chars.get(at + 2) == Some(&'{') => {
                        if let Some(buffer) = buffer.as_mut() {
                            buffer.push(character);
                            buffer.push('{');
                        }
                        at += 3;
                    }
                    '$' | '%' if next == Some('{') => {
                        *buffer = None;
                        stack.push(Frame::Template(0));
                        at += 2;
                    }
                    _ => {
                        if let Some(buffer) = buffer.as_mut() {
                            buffer.push(character);
                        }
                        at += 1;
                    }
                }
                continue;
            }
            match character {
                '\n' => {
                    emit(&stack, &mut tokens, line, Token::Newline);
                    line += 1;
                    at += 1;
                }
                '#' => at = skip_line(&chars, at),
                '/' if next == Some('/') => at = skip_line(&chars, at),
                '/' if next == Some('*') => {
                    at += 2;
                    while at < chars.len() && !(chars[at] == '*' && chars.get(at + 1) == Some(&'/'))
                    {
                        if chars[at] == '\n' {
                            line += 1;
                        }
                        at += 1;
                    }
                    at += 2;
                }
                '"' => {
                    stack.push(Frame::Quoted(Some(String::new())));
                    at += 1;
                }
                '<' if next == Some('<') => {
                    let start = at;
                    at += 2;
                    if chars.get(at) == Some(&'-') {
                        at += 1;
                    }
                    let marker: String = chars[at..]
                        .iter()
                        .take_while(|c| c.is_alphanumeric() || **c == '_')
                        .collect();
                    if marker.is_empty() {
                        emit(&stack, &mut tokens, line, Token::Other);
                        at = start + 2;
                        continue;
                    }
                    // The body runs from the next line to a line holding only the marker.
                    at = skip_line(&chars, at);
                    let heredoc_line = line;
                    while at < chars.len() {
                        at += 1;
                        line += 1;
                        let end = skip_line(&chars, at);
                        let body: String = chars[at..end].iter().collect();
                        at = end;
                        if body.trim() == marker {
                            break;
                        }
                    }
                    emit(&stack, &mut tokens, heredoc_line, Token::Other);
                }
                '{' => {
                    match stack.last_mut() {
                        Some(Frame::Template(open)) => *open += 1,
                        _ => tokens.push((line, Token::Open)),
                    }
                    at += 1;
                }
                '}' => {
                    match stack.last_mut() {
                        Some(Frame::Template(0)) => {
                            stack.pop();
                        }
                        Some(Frame::Template(open)) => *open -= 1,
                        _ => tokens.push((line, Token::Close)),
                    }
                    at += 1;
                }
                '=' if next != Some('=') && next != Some('>') => {
                    emit(&stack, &mut tokens, line, Token::Equals);
                    at += 1;
                }
                c if c.is_alphabetic() || c == '_' => {
                    let word: String = chars[at..]
                        .iter()
                        .take_while(|c| c.is_alphanumeric() || **c == '_' || **c == '-')
                        .collect();
                    at += word.chars().count();
                    emit(&stack, &mut tokens, line, Token::Word(word));
                }
                c if c.is_whitespace() => at += 1,
                _ => {
                    emit(&stack, &mut tokens, line, Token::Other);
                    at += 1;
                }
            }
        }
        tokens
    }

    /// The index of the next newline at or after `at` (or the end).
    fn skip_line(chars: &[char], at: usize) -> usize {
        chars[at.min(chars.len())..]
            .iter()
            .position(|c| *c == '\n')
            .map_or(chars.len(), |offset| at + offset)
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        fn find(blocks: &[Block], kind: &str, labels: &[&str]) -> Option<usize> {
            blocks
                .iter()
                .find(|block| block.kind == kind && block.labels == labels)
                .map(|block| block.line)
        }

        #[test]
        fn top_level_blocks_with_their_lines() {
            let text = r#"
resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
  tags = { Name = "x" }
}

data "aws_ami" "ubuntu" {}
resource aws_subnet bare { vpc_id = aws_vpc.main.id }
module "app" {
  source   = "./modules/app"
  for_each = { a = 1 }
}
"#;
            let blocks = blocks(text);
            assert_eq!(find(&blocks, "resource", &["aws_vpc", "main"]), Some(2));
            assert_eq!(find(&blocks, "data", &["aws_ami", "ubuntu"]), Some(7));
            assert_eq!(find(&blocks, "resource", &["aws_subnet", "bare"]), Some(8));
            assert_eq!(find(&blocks, "module", &["app"]), Some(9));
            assert_eq!(blocks[3].source.as_deref(), Some("./modules/app"));
            assert_eq!(
                blocks.len(),
                4,
                "nested blocks are not top-level: {blocks:?}"
            );
        }

        #[test]
        fn comments_strings_and_heredocs_hide_lookalikes() {
            let text = r#"# resource "aws_vpc" "commented" {
/* resource "aws_vpc" "block_comment" {
} */
resource "aws_iam_policy" "p" {
  policy = <<-EOT
    resource "aws_vpc" "in_heredoc" {
    }
  EOT
  description = "braces } { in ${jsonencode({ a = "}" })} a string"
  name = "%{ if true }x%{ endif }"
}
// resource "aws_vpc" "slashes" {}
resource "aws_vpc" "real" {
}
"#;
            let blocks = blocks(text);
            let names: Vec<_> = blocks.iter().map(|block| block.labels.join(".")).collect();
            assert_eq!(names, ["aws_iam_policy.p", "aws_vpc.real"]);
            assert_eq!(blocks[1].line, 13);
        }

        #[test]
        fn only_a_literal_source_counts() {
            let blocks = blocks(
                "module \"a\" {\n  source = \"${path.module}/x\"\n}\nmodule \"b\" {\n  inner {\n    source = \"./no\"\n  }\n  source = \"../b\"\n}\n",
            );
            assert_eq!(blocks[0].source, None);
            assert_eq!(blocks[1].source.as_deref(), Some("../b"));
        }

        #[test]
        fn labels_of_documents_and_uris() {
            assert_eq!(
                document_suffix("a b/plans.json (document 2 of 3)"),
                Some("a b/plans.json")
            );
            assert_eq!(document_suffix("plan.json"), None);
            assert_eq!(
                encode_path(Path::new("a b/ü/main.tf")),
                "a%20b/%C3%BC/main.tf"
            );
            assert_eq!(encode("<stdin>"), "%3Cstdin%3E");
            assert!(is_local("./modules/app") && is_local("../shared"));
            assert!(!is_local("terraform-aws-modules/vpc/aws") && !is_local("git::https://x"));
        }
    }
}
