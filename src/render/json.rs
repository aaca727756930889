//! `--format json`: the frozen, versioned output contract (schema_version 1,
//! described by docs/report.schema.json). Its structs are its own, not the
//! internal types, so refactoring the analysis cannot change the contract.

use std::io::{self, Write};

use serde::Serialize;

use crate::analysis::Summary;
use crate::blast::Root;
use crate::model::retention::Retention;
use crate::report::Report;

#[derive(Serialize)]
struct VerdictReasonV1<'a> {
    effect: &'static str,
    rule: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    plan: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    address: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    severity: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    measured: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    limit: Option<f64>,
}

#[derive(Serialize)]
struct ReportV1<'a> {
    schema_version: u32,
    tool: Tool,
    plans: Vec<PlanV1<'a>>,
    author: AuthorV1<'a>,
    profile: &'a str,
    profile_reason: &'a str,
    /// The configuration files read, in the order they apply: `PATH (ORIGIN)`;
    /// absent when none was.
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    config_files: &'a [String],
    /// Findings not counted: ignored by the config or approved, with why.
    accepted: Vec<AcceptedV1<'a>>,
    /// Ignores that matched nothing or expired, approvals that did not apply.
    notes: &'a [String],
    /// For each failing rule or threshold, what would make the plan pass.
    fixes: Vec<FixV1<'a>>,
    verdict: &'static str,
    reasons: &'a [String],
    /// `reasons`, structured and in the same order.
    verdict_reasons: Vec<VerdictReasonV1<'a>>,
    score: u32,
    summary: SummaryV1,
    changes: Vec<ChangeV1<'a>>,
    blast_radius: BlastRadiusV1<'a>,
    findings: Vec<FindingV1<'a>>,
    warnings: Vec<WarningV1<'a>>,
    skipped: Vec<SkippedV1<'a>>,
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct DriftV1<'a> {
    address: &'a str,
    action: &'static str,
    actions: &'static [&'static str],
}

#[derive(Serialize)]
struct PlanV1<'a> {
    path: &'a str,
    /// Changes made outside Terraform (`resource_drift`).
    drift: Vec<DriftV1<'a>>,
    format_version: &'a str,
    terraform_version: Option<&'a str>,
    fingerprint: &'a str,
    health: Vec<String>,
    summary: SummaryV1,
}

#[derive(Serialize)]
struct AuthorV1<'a> {
    kind: &'static str,
    reason: &'a str,
}

#[derive(Serialize)]
struct SummaryV1 {
    create: usize,
    update: usize,
    delete: usize,
    replace: usize,
    read: usize,
    no_op: usize,
    forget: usize,
    import: usize,
    #[serde(rename = "move")]
    moved: usize,
    resources_in_state: usize,
}

impl From<&Summary> for SummaryV1 {
    fn from(summary: &Summary) -> Self {
        Self {
            create: summary.create,
            update: summary.update,
            delete: summary.delete,
            replace: summary.replace,
            read: summary.read,
            no_op: summary.no_op,
            forget: summary.forget,
            import: summary.import,
            moved: summary.moved,
            resources_in_state: summary.resources_in_state,
        }
    }
}

#[derive(Serialize)]
struct ChangeV1<'a> {
    /// Index into `plans`.
    plan: usize,
    address: &'a str,
    #[serde(rename = "type")]
    resource_type: &'a str,
    action: &'static str,
    actions: &'static [&'static str],
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
    class: &'a str,
    mode: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    previous_address: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    deposed: Option<&'a str>,
    importing: bool,
}

#[derive(Serialize, Default)]
struct BlastRadiusV1<'a> {
    destroyed: Vec<&'a str>,
    disrupted: Vec<&'a str>,
    data_loss: Vec<&'a str>,
    share_of_state: f64,
    roots: Vec<RootV1<'a>>,
    /// What happens to the data of every destroyed data-bearing resource.
    data: Vec<DataV1<'a>>,
    /// Why the dependency graph may miss edges.
    gaps: Vec<&'a str>,
}

#[derive(Serialize)]
struct RootV1<'a> {
    plan: usize,
    address: &'a str,
    #[serde(rename = "type")]
    resource_type: &'a str,
    action: &'static str,
    actions: &'static [&'static str],
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
    data_loss: bool,
    members: MembersV1<'a>,
}

/// A root's members, each one's view built as it is written: on a long
/// chain every resource is a member, and the views of all of them (their
/// printed chains included) took 65 MB beside the report of the
/// 100,000-resource chain before a byte was written.
struct MembersV1<'a>(&'a Root);

impl Serialize for MembersV1<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let root = self.0;
        serializer.collect_seq(root.members.iter().map(|member| {
            let chain = root.printed_chain(member);
            MemberV1 {
                address: &member.address,
                resource_type: &member.resource_type,
                role: member.role.label(),
                actions: member.actions.map(|actions| actions.as_list()),
                disruption: member.disruption.map(|disruption| disruption.label()),
                path: chain.addresses,
                via: chain.via.iter().map(|sources| sources.labels()).collect(),
            }
        }))
    }
}

#[derive(Serialize)]
struct MemberV1<'a> {
    address: &'a str,
    #[serde(rename = "type")]
    resource_type: &'a str,
    role: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    actions: Option<&'static [&'static str]>,
    /// For a disrupted member: `changed` (the plan updates or replaces it) or
    /// `refers` (left as it is, but what it refers to is gone).
    #[serde(skip_serializing_if = "Option::is_none")]
    disruption: Option<&'static str>,
    /// From the root to this member, both included; a chain of more than
    /// 32 addresses keeps its first and last 3 links around a `… N more …`
    /// marker (whose two links have no sources).
    path: Vec<std::borrow::Cow<'a, str>>,
    /// How each link of `path` was learnt: state, config, value.
    via: Vec<Vec<&'static str>>,
}

#[derive(Serialize)]
struct DataV1<'a> {
    address: &'a str,
    outcome: &'static str,
    why: &'a str,
}

#[derive(Serialize)]
struct FindingV1<'a> {
    plan: usize,
    rule: &'a str,
    severity: &'static str,
    address: &'a str,
    message: &'a str,
    points: u32,
    evidence: Vec<EvidenceV1<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    suggestion: Option<&'a str>,
    fix: &'a str,
}

#[derive(Serialize)]
struct FixV1<'a> {
    /// `null` for a plan-wide threshold.
    rule: Option<&'a str>,
    addresses: &'a [String],
    text: &'a str,
}

#[derive(Serialize)]
struct AcceptedV1<'a> {
    plan: usize,
    rule: &'a str,
    address: &'a str,
    why: &'a str,
}

#[derive(Serialize)]
struct EvidenceV1<'a> {
    path: &'a str,
    before: Option<&'a str>,
    after: Option<&'a str>,
}

#[derive(Serialize)]
struct WarningV1<'a> {
    input: &'a str,
    message: &'a str,
    help: &'a str,
}

#[derive(Serialize)]
struct SkippedV1<'a> {
    input: &'a str,
    reason: &'a str,
}

pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let plans = report
        .plans
        .iter()
        .map(|plan| PlanV1 {
            path: &plan.label,
            format_version: &plan.format_version,
            terraform_version: plan.terraform_version.as_deref(),
            fingerprint: &plan.fingerprint,
            health: plan.health.iter().map(|issue| issue.describe()).collect(),
            drift: plan
                .drift
                .iter()
                .map(|entry| DriftV1 {
                    address: &entry.address,
                    action: entry.actions.label(),
                    actions: entry.actions.as_list(),
                })
                .collect(),
            summary: (&plan.summary).into(),
        })
        .collect();
    let changes = report
        .plans
        .iter()
        .enumerate()
        .flat_map(|(index, plan)| {
            plan.changes.iter().map(move |change| ChangeV1 {
                plan: index,
                address: &change.address,
                resource_type: &change.resource_type,
                action: change.actions.label(),
                actions: change.actions.as_list(),
                reason: change.reason.as_ref().map(|reason| reason.as_str()),
                class: &change.class,
                mode: if change.is_data_source {
                    "data"
                } else {
                    "managed"
                },
                previous_address: change.previous_address.as_deref(),
                deposed: change.deposed.as_deref(),
                importing: change.importing,
            })
        })
        .collect();
    let blast_radius = blast_radius(report);
    let document = ReportV1 {
        schema_version: 1,
        tool: Tool {
            name: env!("CARGO_PKG_NAME"),
            version: env!("CARGO_PKG_VERSION"),
        },
        plans,
        author: AuthorV1 {
            kind: report.author.kind.label(),
            reason: &report.author.reason,
        },
        profile: &report.profile,
        profile_reason: &report.profile_reason,
        config_files: &report.config_files,
        accepted: report
            .decision
            .accepted
            .iter()
            .map(|accepted| AcceptedV1 {
                plan: accepted.plan,
                rule: &accepted.rule,
                address: &accepted.address,
                why: &accepted.why,
            })
            .collect(),
        notes: &report.decision.notes,
        fixes: report
            .decision
            .fixes
            .iter()
            .map(|fix| FixV1 {
                rule: fix.rule.as_deref(),
                addresses: &fix.addresses,
                text: &fix.text,
            })
            .collect(),
        verdict: report.decision.verdict.label(),
        reasons: &report.decision.reasons,
        verdict_reasons: report
            .decision
            .verdict_reasons
            .iter()
            .map(|reason| VerdictReasonV1 {
                effect: reason.effect,
                rule: &reason.rule,
                plan: reason.plan,
                address: reason.address.as_deref(),
                severity: reason.severity.map(|severity| severity.label()),
                measured: reason.measured,
                limit: reason.limit,
            })
            .collect(),
        score: report.score,
        summary: (&report.summary).into(),
        changes,
        blast_radius,
        findings: report
            .plans
            .iter()
            .enumerate()
            .flat_map(|(index, plan)| {
                plan.findings.iter().map(move |finding| FindingV1 {
                    plan: index,
                    rule: &finding.rule,
                    severity: finding.severity.label(),
                    address: &finding.address,
                    message: &finding.message,
                    points: finding.points,
                    evidence: finding
                        .evidence
                        .iter()
                        .map(|evidence| EvidenceV1 {
                            path: &evidence.path,
                            before: evidence.before.as_deref(),
                            after: evidence.after.as_deref(),
                        })
                        .collect(),
                    suggestion: finding.suggestion.as_deref(),
                    fix: &finding.fix,
                })
            })
            .collect(),
        warnings: report
            .warnings
            .iter()
            .map(|warning| WarningV1 {
                input: &warning.input,
                message: &warning.message,
                help: &warning.help,
            })
            .collect(),
        skipped: report
            .skipped
            .iter()
            .map(|skipped| SkippedV1 {
                input: &skipped.input,
                reason: &skipped.reason,
            })
            .collect(),
    };
    let mut serializer = serde_json::Serializer::with_formatter(&mut *out, TerminalSafe::default());
    document
        .serialize(&mut serializer)
        .map_err(io::Error::from)?;
    writeln!(out)
}

fn blast_radius(report: &Report) -> BlastRadiusV1<'_> {
    let mut radius = BlastRadiusV1::default();
    for (index, plan) in report.plans.iter().enumerate() {
        let blast = &plan.blast;
        radius
            .destroyed
            .extend(blast.destroyed.iter().map(|address| &**address));
        radius
            .disrupted
            .extend(blast.disrupted.iter().map(|address| &**address));
        radius
            .data_loss
            .extend(blast.data_loss.iter().map(String::as_str));
        radius.gaps.extend(plan.gaps.iter().map(String::as_str));
        radius.data.extend(blast.data.iter().map(|verdict| {
            let (outcome, why) = match &verdict.retention {
                Retention::Lost(why) => ("lost", why),
                Retention::Kept(why) => ("kept", why),
                Retention::DestroyFails(why) => ("destroy_fails", why),
            };
            DataV1 {
                address: &verdict.address,
                outcome,
                why,
            }
        }));
        radius.roots.extend(blast.roots.iter().map(|root| RootV1 {
            plan: index,
            address: &root.address,
            resource_type: &root.resource_type,
            action: root.actions.label(),
            actions: root.actions.as_list(),
            reason: root.reason.as_ref().map(|reason| reason.as_str()),
            data_loss: root.data_loss,
            members: MembersV1(root),
        }));
    }
    if let Some(share) = report.blast.share_of_state() {
        radius.share_of_state = share;
    }
    radius
}

/// Pretty JSON whose strings also escape the characters serde_json leaves
/// raw (C1 controls, bidi overrides, zero-width), so `cat report.json` on a
/// terminal is as safe as the human format. The JSON value is unchanged.
#[derive(Default)]
struct TerminalSafe {
    pretty: serde_json::ser::PrettyFormatter<'static>,
}

impl serde_json::ser::Formatter for TerminalSafe {
    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        writer.write_all(crate::util::escape::json_terminal_safe(fragment).as_bytes())
    }

    fn begin_array<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.pretty.begin_array(writer)
    }
    fn end_array<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.pretty.end_array(writer)
    }
    fn begin_array_value<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.pretty.begin_array_value(writer, first)
    }
    fn end_array_value<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.pretty.end_array_value(writer)
    }
    fn begin_object<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.pretty.begin_object(writer)
    }
    fn end_object<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.pretty.end_object(writer)
    }
    fn begin_object_key<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.pretty.begin_object_key(writer, first)
    }
    fn begin_object_value<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.pretty.begin_object_value(writer)
    }
    fn end_object_value<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.pretty.end_object_value(writer)
    }
}
