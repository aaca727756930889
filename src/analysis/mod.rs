//! What one plan changes: counts, the list of changes, what exists in state,
//! and the plan's health. Pure data in, data out; nothing here prints.

use rustc_hash::FxHashMap as HashMap;

use crate::blast::{self, BlastRadius, Destruction};
use crate::graph::ResourceGraph;
use crate::model::plan::StateModule;
use crate::model::prior_objects::PriorObjects;
use crate::model::{ActionReason, Actions, Plan, ResourceChange};
use crate::rules::kinds::Targets;
use crate::rules::{Finding, RuleInput, RuleSet};

pub use crate::model::facts::{HealthIssue, Summary};

/// One resource change that is not a no-op.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeEntry {
    pub address: String,
    pub resource_type: String,
    pub actions: Actions,
    pub reason: Option<ActionReason>,
    pub class: String,
    pub is_data_source: bool,
    pub previous_address: Option<String>,
    pub deposed: Option<String>,
    pub importing: bool,
}

impl ChangeEntry {
    pub fn destroys(&self) -> bool {
        !self.is_data_source && self.actions.destroys()
    }
}

/// A change Terraform found made outside it (`resource_drift`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DriftEntry {
    pub address: String,
    pub actions: Actions,
}

#[derive(Debug, Clone)]
pub struct PlanAnalysis {
    pub label: String,
    pub format_version: String,
    pub terraform_version: Option<String>,
    pub fingerprint: String,
    pub summary: Summary,
    pub changes: Vec<ChangeEntry>,
    pub health: Vec<HealthIssue>,
    pub blast: BlastRadius,
    /// Why the dependency graph may miss edges, one sentence each.
    pub gaps: Vec<String>,
    pub drift: Vec<DriftEntry>,
    /// Sorted: most severe first, then rule, then address.
    pub findings: Vec<Finding>,
}

pub fn analyse(label: &str, plan: &Plan<'_>, rules: &RuleSet, targets: &Targets) -> PlanAnalysis {
    analyse_with(label, plan, rules, targets, |_| {})
}

/// [`analyse`], also handing the rule context to `inspect` (for tests of rule kinds).
pub fn analyse_with(
    label: &str,
    plan: &Plan<'_>,
    rules: &RuleSet,
    targets: &Targets,
    inspect: impl FnOnce(&RuleInput<'_, '_>),
) -> PlanAnalysis {
    let resource_changes: &[ResourceChange<'_>] =
        plan.resource_changes.as_deref().unwrap_or_default();
    // The fingerprint, the drift and the sensitive values do not need the
    // graph: they run beside it (the graph's own work is split further).
    // The prior objects are looked up beside the graph, which the blast
    // radius then needs with them; the rules then run on every core.
    // The listing joins them: on one core it held up the graph's start.
    let (
        (listing, fingerprint, drift, (variable_values, sensitive_values)),
        (graph, prior_objects, blast),
    ) = rayon::join(
        || {
            (
                Listing::of(plan, resource_changes, rules),
                fingerprint(resource_changes),
                reported_drift(plan),
                {
                    let values = sensitive_variable_values(plan);
                    let known = crate::rules::payload::KnownSecrets::new(&values);
                    (values, known)
                },
            )
        },
        || {
            crate::util::progress::phase("building the dependency graph");
            let (graph, prior_objects) = rayon::join(
                || ResourceGraph::build(plan),
                || {
                    PriorObjects::of(plan, |change| {
                        rules.classes.is_data_bearing(&change.resource_type)
                    })
                },
            );
            let blast = blast_radius(&graph, &prior_objects, resource_changes, rules);
            (graph, prior_objects, blast)
        },
    );
    let Listing {
        summary,
        changes,
        health,
    } = listing;
    let context = RuleInput {
        prior_objects: &prior_objects,
        plan,
        changes: resource_changes,
        graph: &graph,
        blast: &blast,
        summary: &summary,
        health: &health,
        classes: &rules.classes,
        targets,
        sensitive_values: &sensitive_values,
    };
    crate::util::progress::phase("applying the rules");
    let mut findings = rules.evaluate(&context);
    inspect(&context);
    let mut blast = blast;
    crate::rules::redact::redact_report(
        plan,
        resource_changes,
        &variable_values,
        &mut findings,
        &mut blast.data,
    );
    PlanAnalysis {
        findings,
        gaps: graph.gaps().iter().map(|gap| gap.describe()).collect(),
        blast,
        drift,
        label: label.to_owned(),
        format_version: plan.format_version.clone().unwrap_or_default(),
        terraform_version: plan.terraform_version.clone(),
        fingerprint,
        summary,
        changes,
        health,
    }
}

/// What the report lists before any graph: the counts, every change that is
/// not a no-op (in address order), and the plan's health.
struct Listing {
    summary: Summary,
    changes: Vec<ChangeEntry>,
    health: Vec<HealthIssue>,
}

impl Listing {
    fn of(plan: &Plan<'_>, resource_changes: &[ResourceChange<'_>], rules: &RuleSet) -> Self {
        let mut summary = Summary::default();
        let mut changes = Vec::new();
        let mut health = Vec::new();
        for change in resource_changes {
            count(&mut summary, change);
            if let Some(ActionReason::Unknown(reason)) = &change.action_reason {
                health.push(HealthIssue::UnknownReason {
                    address: change.address.to_string(),
                    reason: reason.clone(),
                });
            }
            if change.change.actions != Actions::NoOp
                || change.is_moved()
                || change.change.is_import()
            {
                changes.push(ChangeEntry {
                    address: change.address.to_string(),
                    resource_type: change.resource_type.to_string(),
                    actions: change.change.actions,
                    reason: change.action_reason.clone(),
                    class: rules.classes.class_of(&change.resource_type).to_owned(),
                    is_data_source: change.is_data(),
                    previous_address: change
                        .previous_address
                        .as_deref()
                        .filter(|_| change.is_moved())
                        .map(str::to_owned),
                    deposed: change.deposed.as_deref().map(str::to_owned),
                    importing: change.change.is_import(),
                });
            }
        }
        changes.sort_by(|a, b| (&a.address, &a.deposed).cmp(&(&b.address, &b.deposed)));
        summary.resources_in_state = resources_in_state(plan, resource_changes);
        // Terraform marks every errored plan `complete: false` as well: one
        // cause, one finding (two read as the same line to an agent).
        if plan.errored == Some(true) {
            health.push(HealthIssue::Errored);
        } else if plan.complete == Some(false) {
            health.push(HealthIssue::Incomplete);
        }
        // A dependency gap (a section missing or unreadable) hides what the
        // plan's destroys disrupt: the destroys are counted for each.
        let destroyed = resource_changes
            .iter()
            .filter(|change| !change.is_data() && change.change.actions.destroys())
            .count();
        let changed_existing = resource_changes
            .iter()
            .filter(|change| change.changes_existing_object())
            .count();
        if changed_existing > 0 && plan.prior_values().is_none() {
            health.push(HealthIssue::PriorStateMissing {
                changed: changed_existing,
                destroyed,
            });
        }
        if !plan.deferred_changes.is_empty() {
            health.push(HealthIssue::Deferred(plan.deferred_changes.len()));
        }
        // Without the configuration, what a destroy disrupts comes from the
        // prior state alone: dropping the section took a real teardown's two
        // disrupted resources out of the blast radius (score 60 to 10).
        if destroyed > 0 && plan.configuration_raw.is_none() {
            health.push(HealthIssue::ConfigurationMissing(destroyed));
        }
        health.extend(
            plan.unreadable
                .iter()
                .map(|section| HealthIssue::UnreadableSection {
                    json_path: section.json_path.clone(),
                    problem: section.problem.clone(),
                    destroyed,
                }),
        );
        Self {
            summary,
            changes,
            health,
        }
    }
}

fn blast_radius(
    graph: &ResourceGraph,
    prior_objects: &PriorObjects<'_>,
    resource_changes: &[ResourceChange<'_>],
    rules: &RuleSet,
) -> BlastRadius {
    let destroys =
        |change: &&ResourceChange<'_>| !change.is_data() && change.change.actions.destroys();
    let destructions: Vec<Destruction<'_>> = resource_changes
        .iter()
        .filter(destroys)
        .map(|change| Destruction {
            address: &change.address,
            resource_type: &change.resource_type,
            actions: change.change.actions,
            reason: change.action_reason.as_ref(),
            before: change.change.before,
            before_sensitive: change.change.before_sensitive,
            prior: prior_objects.of_change(change),
            unconfirmed: change.deposed.is_none(),
        })
        .collect();
    // Sized for the plan: growing a map of 300,000 addresses by doubling
    // rehashes each one again at every step.
    let mut changed: HashMap<&str, Actions> =
        HashMap::with_capacity_and_hasher(resource_changes.len(), Default::default());
    changed.extend(
        resource_changes
            .iter()
            .filter(|change| change.deposed.is_none() && !change.change.actions.destroys())
            .map(|change| (&*change.address, change.change.actions)),
    );
    blast::compute(graph, &destructions, &changed, &rules.classes)
}

fn reported_drift(plan: &Plan<'_>) -> Vec<DriftEntry> {
    let relevant = RelevantDrift::of(plan);
    let mut drift: Vec<DriftEntry> = plan
        .resource_drift
        .iter()
        .filter(|change| change.change.actions != Actions::NoOp)
        .filter(|change| !is_equivalent_drift(change))
        .filter(|change| relevant.reports(change))
        .map(|change| DriftEntry {
            address: change.address.to_string(),
            actions: change.change.actions,
        })
        .collect();
    drift.sort_by(|a, b| a.address.cmp(&b.address));
    drift
}

fn count(summary: &mut Summary, change: &ResourceChange<'_>) {
    match change.change.actions {
        Actions::NoOp => summary.no_op += 1,
        Actions::Create => summary.create += 1,
        Actions::Read => summary.read += 1,
        Actions::Update => summary.update += 1,
        Actions::Delete => summary.delete += 1,
        Actions::DeleteThenCreate | Actions::CreateThenDelete => summary.replace += 1,
        Actions::Forget => summary.forget += 1,
        Actions::CreateThenForget => {
            summary.create += 1;
            summary.forget += 1;
        }
        Actions::Open => {}
    }
    if change.change.is_import() {
        summary.import += 1;
    }
    if change.is_moved() {
        summary.moved += 1;
    }
}

/// Managed instances that exist before apply: from `prior_state` when the
/// plan has it, else the changes that act on an existing object.
/// The drift Terraform shows: in a normal plan, only changes to attributes
/// the planned changes depend on (`relevant_attributes`); in a refresh-only
/// plan, or one from before Terraform 1.2 wrote that list, all of it. A
/// deletion always shows.
struct RelevantDrift {
    /// (resource or instance address, first attribute step; `None` = all).
    /// Indexed by that address: a drift entry looks up only its own
    /// address, its key-less prefixes and its resource, instead of walking
    /// the whole list (which at 100k resources is as long as the plan).
    relevant: Option<HashMap<String, Vec<Option<String>>>>,
}

#[derive(serde::Deserialize)]
struct RelevantAttribute {
    resource: String,
    #[serde(default)]
    attribute: Vec<serde_json::Value>,
}

impl RelevantDrift {
    fn of(plan: &Plan<'_>) -> Self {
        // Terraform 1.2 and later leave the list out when it is empty, and
        // then show no drift of a normal plan (an RDS instance's
        // `latest_restorable_time` moves between any two plans). A
        // refresh-only plan has no `resource_changes`.
        let none_relevant = plan.relevant_attributes.is_none()
            && plan
                .resource_changes
                .as_ref()
                .is_some_and(|changes| !changes.is_empty())
            && crate::model::validate::written_by_at_least(
                plan.terraform_version.as_deref(),
                (1, 2),
            );
        if none_relevant {
            return Self {
                relevant: Some(HashMap::default()),
            };
        }
        let relevant = plan
            .relevant_attributes
            .filter(|_| plan.resource_changes.is_some())
            .and_then(|raw| serde_json::from_str::<Vec<RelevantAttribute>>(raw.get()).ok())
            .map(|list| {
                let mut index: HashMap<String, Vec<Option<String>>> = HashMap::default();
                for entry in list {
                    let first = entry
                        .attribute
                        .first()
                        .and_then(|step| step.as_str())
                        .map(str::to_owned);
                    index.entry(entry.resource).or_default().push(first);
                }
                index
            });
        Self { relevant }
    }

    fn reports(&self, change: &ResourceChange<'_>) -> bool {
        let Some(relevant) = &self.relevant else {
            return true;
        };
        if change.change.actions != Actions::Update {
            return true;
        }
        if relevant.is_empty() {
            return false;
        }
        let resource = change
            .address
            .parse::<crate::model::address::Address>()
            .map(|address| address.config_address())
            .ok();
        let null = serde_json::Value::Null;
        // Parsed only when an entry names an attribute of this change.
        let payloads = std::cell::OnceCell::new();
        let changed = |key: &str| {
            let (before, after) = payloads.get_or_init(|| {
                (
                    crate::rules::payload::parse(change.change.before),
                    crate::rules::payload::parse(change.change.after),
                )
            });
            let get = |value: &Option<serde_json::Value>| {
                value.as_ref().and_then(|value| value.get(key)).cloned()
            };
            !crate::rules::payload::equivalent(
                get(before).as_ref().unwrap_or(&null),
                get(after).as_ref().unwrap_or(&null),
            )
        };
        // The entries that name this change: its own address, the address
        // up to any `[` (a whole-resource or module-instance entry: the old
        // `strip_prefix(entry) + starts_with('[')` test), and its resource.
        let prefixes = change
            .address
            .match_indices('[')
            .map(|(index, _)| &change.address[..index]);
        let mut names: Vec<&str> = std::iter::once(&*change.address)
            .chain(prefixes)
            .chain(resource.as_deref())
            .collect();
        names.sort_unstable();
        names.dedup();
        names
            .into_iter()
            .filter_map(|name| relevant.get(name))
            .flatten()
            .any(|attribute| attribute.as_deref().is_none_or(changed))
    }
}

/// An update in `resource_drift` whose before and after are the same under
/// Terraform's own equivalences (null and empty collections: `tags` null →
/// `{}` right after an apply) is no change outside Terraform, and terraform
/// does not report it as one.
fn is_equivalent_drift(change: &ResourceChange<'_>) -> bool {
    if change.change.actions != Actions::Update {
        return false;
    }
    let null = serde_json::Value::Null;
    let before = crate::rules::payload::parse(change.change.before);
    let after = crate::rules::payload::parse(change.change.after);
    crate::rules::payload::equivalent(
        before.as_ref().unwrap_or(&null),
        after.as_ref().unwrap_or(&null),
    )
}

/// Managed resources in the prior state (or, where more, the changes that
/// start from one). A plan that lists one current object twice in its prior
/// state is refused (validation), except in the 0.12-era format, where an
/// address repeats legitimately within a module (one per counted instance,
/// the key in `index`) and in other modules (addresses relative to their
/// module): there each address counts once per module, so copies appended
/// to a plan relabelled 0.x cannot dilute the share of state destroyed.
/// The counted instances this folds are still counted by the changes.
fn resources_in_state(plan: &Plan<'_>, changes: &[ResourceChange<'_>]) -> usize {
    let from_state = plan
        .prior_state
        .as_ref()
        .and_then(|state| state.values.as_ref())
        .map_or(0, |values| {
            if plan.is_zero_twelve_format() {
                distinct_per_module(&values.root_module)
            } else {
                values
                    .root_module
                    .all_resources()
                    .filter(|resource| !resource.is_data() && resource.deposed_key.is_none())
                    .count()
            }
        });
    let from_changes = changes
        .iter()
        .filter(|change| !change.is_data() && change.deposed.is_none())
        .filter(|change| {
            !matches!(
                change.change.actions,
                Actions::Create | Actions::Read | Actions::Open
            ) && !change.change.is_import()
        })
        .count();
    from_state.max(from_changes)
}

/// Managed current objects of `root` and its descendants, each address
/// counted once per module.
fn distinct_per_module(root: &StateModule<'_>) -> usize {
    let mut count = 0;
    let mut pending = vec![root];
    while let Some(module) = pending.pop() {
        let distinct: rustc_hash::FxHashSet<&str> = module
            .resources
            .iter()
            .filter(|resource| !resource.is_data() && resource.deposed_key.is_none())
            .map(|resource| &*resource.address)
            .collect();
        count += distinct.len();
        pending.extend(module.child_modules.iter());
    }
    count
}

/// A hash of what the plan would do: every change's address, deposed key,
/// actions and before/after values (whitespace between JSON tokens ignored),
/// in address order (BLAKE3: fast enough
/// for 500 MB plans, and collision-resistant, so an approval cannot be
/// reused for another plan).
fn fingerprint(changes: &[ResourceChange<'_>]) -> String {
    let mut ordered: Vec<&ResourceChange<'_>> = changes.iter().collect();
    ordered.sort_by(|a, b| (&a.address, &a.deposed).cmp(&(&b.address, &b.deposed)));
    let mut hasher = BufferedHasher::default();
    for change in ordered {
        hasher.update(change.address.as_bytes());
        hasher.update(&[0]);
        hasher.update(change.deposed.as_deref().unwrap_or_default().as_bytes());
        hasher.update(&[0]);
        hasher.update(change.change.actions.as_list().join(",").as_bytes());
        hasher.update(&[0]);
        for payload in [change.change.before, change.change.after] {
            hash_without_whitespace(&mut hasher, payload.map_or("null", |raw| raw.get()));
            hasher.update(&[0]);
        }
    }
    format!("blake3:{}", hasher.finalize().to_hex())
}

/// BLAKE3 fed in large, chunk-aligned blocks. The hash of a byte stream does
/// not depend on how it is cut into `update` calls, but its speed does: many
/// small, unaligned updates (an address, a separator, a payload) hash one
/// 1 KiB chunk at a time, while whole blocks let BLAKE3 hash many chunks at
/// once with SIMD (and on several cores, with `update_rayon`).
struct BufferedHasher {
    hasher: blake3::Hasher,
    buffer: Vec<u8>,
}

/// A multiple of BLAKE3's 1 KiB chunk, large enough to split across cores.
const HASH_BLOCK: usize = 1 << 20;

impl Default for BufferedHasher {
    fn default() -> Self {
        Self {
            hasher: blake3::Hasher::new(),
            buffer: Vec::with_capacity(HASH_BLOCK),
        }
    }
}

impl BufferedHasher {
    fn update(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            let room = HASH_BLOCK - self.buffer.len();
            let (now, later) = bytes.split_at(room.min(bytes.len()));
            self.buffer.extend_from_slice(now);
            if self.buffer.len() == HASH_BLOCK {
                self.hasher.update_rayon(&self.buffer);
                self.buffer.clear();
            }
            bytes = later;
        }
    }

    fn finalize(mut self) -> blake3::Hash {
        self.hasher.update(&self.buffer);
        self.hasher.finalize()
    }
}

/// Hashes JSON text without the whitespace between tokens, so the same plan
/// pretty-printed (`jq .`) has the same fingerprint. Terraform writes it
/// compact, so this is usually one span.
fn hash_without_whitespace(hasher: &mut BufferedHasher, json: &str) {
    let bytes = json.as_bytes();
    // Most payloads hold no whitespace byte at all, not even in a string:
    // two vector searches then replace a walk over every string.
    if memchr::memchr3(b' ', b'\n', b'\t', bytes).is_none()
        && memchr::memchr(b'\r', bytes).is_none()
    {
        hasher.update(bytes);
        return;
    }
    let (mut index, mut span_start) = (0, 0);
    while index < bytes.len() {
        match bytes[index] {
            b'"' => {
                // Inside a string only `"` and `\` matter: jump between them.
                index += 1;
                while let Some(found) = bytes
                    .get(index..)
                    .and_then(|rest| memchr::memchr2(b'"', b'\\', rest))
                {
                    index += found;
                    if bytes[index] == b'"' {
                        break;
                    }
                    index += 2; // an escape and the character it escapes
                }
                index += 1;
            }
            b' ' | b'\n' | b'\r' | b'\t' => {
                hasher.update(&bytes[span_start..index]);
                index += 1;
                span_start = index;
            }
            _ => index += 1,
        }
    }
    hasher.update(&bytes[span_start.min(bytes.len())..]);
}

/// String values of variables the configuration marks sensitive: their
/// values in `variables` carry no mark of their own.
fn sensitive_variable_values(plan: &Plan<'_>) -> Vec<String> {
    let Some(configuration) = &plan.configuration else {
        return Vec::new();
    };
    let mut secrets = Vec::new();
    for (name, variable) in &configuration.root_module.variables {
        if !variable.sensitive {
            continue;
        }
        let raw = plan
            .variables
            .get(name)
            .and_then(|value| value.value)
            .or(variable.default);
        if let Some(value) =
            raw.and_then(|raw| serde_json::from_str::<serde_json::Value>(raw.get()).ok())
        {
            collect_strings(&value, &mut secrets);
        }
    }
    secrets.retain(|secret| secret.len() >= 4);
    secrets
}

fn collect_strings(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::String(text) => out.push(text.clone()),
        serde_json::Value::Array(items) => items.iter().for_each(|item| collect_strings(item, out)),
        serde_json::Value::Object(map) => map.values().for_each(|item| collect_strings(item, out)),
        other if !other.is_null() => out.push(other.to_string()),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fingerprint_of(text: &str) -> String {
        let plan = crate::model::parse_document(text).unwrap();
        fingerprint(plan.resource_changes.as_deref().unwrap_or_default())
    }

    #[test]
    fn buffered_hashing_gives_the_hash_of_the_whole_stream() {
        // Pieces of every size, crossing several block boundaries.
        let pieces: Vec<Vec<u8>> = (0..5_000_usize)
            .map(|index| vec![(index % 251) as u8; (index * 7919) % 1500])
            .collect();
        let mut buffered = BufferedHasher::default();
        let mut plain = blake3::Hasher::new();
        for piece in &pieces {
            buffered.update(piece);
            plain.update(piece);
        }
        assert!(pieces.iter().map(Vec::len).sum::<usize>() > 3 * HASH_BLOCK);
        assert_eq!(buffered.finalize(), plain.finalize());
    }

    #[test]
    fn fingerprint_ignores_formatting_and_order_but_not_content() {
        let compact = r#"{"format_version":"1.2","resource_changes":[{"address":"a.b","type":"a","change":{"actions":["delete"],"before":{"k":"v w"}}},{"address":"a.a","type":"a","change":{"actions":["create"],"after":{"n":1}}}]}"#;
        let pretty = "{\"format_version\": \"1.2\", \"resource_changes\": [\n {\"address\": \"a.a\", \"type\": \"a\", \"change\": {\"actions\": [\"create\"], \"after\": {\"n\": 1}}},\n {\"address\": \"a.b\", \"type\": \"a\", \"change\": {\"actions\": [\"delete\"], \"before\": {\"k\" : \"v w\"}}}]}";
        assert_eq!(fingerprint_of(compact), fingerprint_of(pretty));
        let other = compact.replace("v w", "v  w");
        assert_ne!(fingerprint_of(compact), fingerprint_of(&other));
        // An escaped quote does not end the string: the spaces after it count.
        let quoted = compact.replace("v w", "v \\\" w");
        let spaced = compact.replace("v w", "v \\\"  w");
        assert_ne!(fingerprint_of(&quoted), fingerprint_of(&spaced));
    }
}
