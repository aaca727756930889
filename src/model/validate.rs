//! Checks a parsed plan must pass before anything is analysed: every
//! resource address parses as a Terraform address and agrees with the
//! `type`, `name`, `mode`, `index` and `module_address` beside it, and no
//! address appears twice in one list (without a `deposed` key). A plan that
//! fails them was damaged or forged: which copy of a duplicated address a
//! reader keeps decides whether a delete is seen.

use rayon::prelude::*;
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

use super::address::{self, Address, InstanceKey, Mode};
use super::keys::{self, MAX_PAYLOAD_NESTING};
use super::plan::json_kind;
use super::plan::{
    Configuration, ResourceChange, StateModule, StateResource, UNKNOWN_DEPOSED_KEY, Values,
};
use super::{Actions, Document};
use crate::util::escape;

/// What is wrong and where (a JSON path such as `resource_changes[3].address`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    pub json_path: String,
    pub problem: String,
}

/// Longest piece of an offending value quoted in a diagnostic.
const QUOTED_CHARS: usize = 120;

fn quoted(value: &str) -> String {
    format!(
        "`{}`",
        escape::for_terminal(&escape::bounded(value, QUOTED_CHARS))
    )
}

/// Where an entry is: `prefix[index]`, or `prefix` alone. Formatted only
/// when something is wrong, not once per entry of a list of 100k.
#[derive(Clone, Copy)]
struct At<'p> {
    prefix: &'p str,
    index: Option<usize>,
}

impl fmt::Display for At<'_> {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.index {
            Some(index) => write!(formatter, "{}[{index}]", self.prefix),
            None => formatter.write_str(self.prefix),
        }
    }
}

/// Entries are checked on every core; the error reported is the one a
/// check in document order would meet first. The checks of each section's
/// own shape and those across sections run side by side: much of the
/// latter builds one address set after another on one core. A shape
/// problem is still the one reported, as when they ran in turn; the
/// checks across sections tolerate any shape and only answer.
pub fn validate(document: &Document<'_>) -> Result<(), Invalid> {
    let (shape, across_sections) = rayon::join(
        || sections_are_well_formed(document),
        || sections_agree(document),
    );
    shape?;
    across_sections
}

fn sections_are_well_formed(document: &Document<'_>) -> Result<(), Invalid> {
    if let Some(changes) = &document.resource_changes {
        changes_list("resource_changes", changes)?;
    }
    changes_list("resource_drift", &document.resource_drift)?;
    for (index, deferred) in document.deferred_changes.iter().enumerate() {
        if let Some(change) = &deferred.resource_change {
            let path = format!("deferred_changes[{index}].resource_change");
            change_address(
                At {
                    prefix: &path,
                    index: None,
                },
                change,
            )?;
        }
    }
    if let Some(values) = &document.planned_values {
        state_values("planned_values", values)?;
    }
    if let Some(values) = document.prior_values() {
        state_values("prior_state.values", values)?;
    }
    if document.deepest > MAX_PAYLOAD_NESTING {
        payloads_nesting(document)?;
    }
    Ok(())
}

/// What one section says must agree with the others, as in every plan
/// Terraform writes.
fn sections_agree(document: &Document<'_>) -> Result<(), Invalid> {
    let current = CurrentAddresses::of(document);
    drifted_away_objects_left_the_prior_state(document, &current)?;
    every_state_resource_accounted_for(document, &current)?;
    kept_objects_are_planned(document, &current)?;
    forgotten_resources_are_not_configured(document, &current)?;
    moved_objects_are_declared(document, &current)?;
    created_objects_are_declared(document, &current)?;
    created_objects_are_new(document, &current)?;
    tainted_objects_are_not_kept(document)?;
    applyable_plans_change_something(document)?;
    forgets_need_terraform_1_7(document)?;
    deletes_give_a_reason(document, &current)?;
    reasons_agree_with_configuration_and_state(document, &current)?;
    instance_key_reasons_agree_with_blocks(document, &current)?;
    key_reasons_agree_with_kept_instances(document)?;
    changed_objects_are_in_the_prior_state(document, &current)?;
    deposed_destroys_name_deposed_objects(document)?;
    data_sources_are_not_destroyed(document)?;
    // Last: the checks before build the prior state's address set on
    // another core beside the planned one; this one only counts it.
    prior_state_lists_each_object_once(document, &current)
}

/// The addresses of the current (not deposed) objects of the prior state
/// and of `planned_values`, each built once, when a check first asks: the
/// checks across sections look objects up in the same sets, and each built
/// its own (the planned set twice for every plan with a prior state). An
/// absent section has none.
struct CurrentAddresses<'d> {
    prior_values: Option<&'d Values<'d>>,
    planned_values: Option<&'d Values<'d>>,
    configuration: Option<&'d Configuration<'d>>,
    prior: OnceLock<HashSet<&'d str>>,
    planned: OnceLock<HashSet<&'d str>>,
    declared: OnceLock<HashSet<String>>,
}

impl<'d> CurrentAddresses<'d> {
    fn of(document: &'d Document<'_>) -> Self {
        Self {
            prior_values: document.prior_values(),
            planned_values: document.planned_values.as_ref(),
            configuration: document.configuration.as_ref(),
            prior: OnceLock::new(),
            planned: OnceLock::new(),
            declared: OnceLock::new(),
        }
    }

    /// The blocks a configuration that was read declares (see
    /// [`declared_blocks`]); `None` without one. Six checks look blocks up.
    fn declared(&self) -> Option<&HashSet<String>> {
        let configuration = self.configuration?;
        Some(self.declared.get_or_init(|| declared_blocks(configuration)))
    }

    fn prior(&self) -> &HashSet<&'d str> {
        self.prior
            .get_or_init(|| current_addresses(self.prior_values))
    }

    fn planned(&self) -> &HashSet<&'d str> {
        self.planned
            .get_or_init(|| current_addresses(self.planned_values))
    }
}

/// Terraform's state holds one current object per resource instance, so
/// its plans never list an address twice among the prior state's current
/// objects. A copy appended there with other values decided what a reader
/// keeping one copy saw, and every copy counted as another resource in
/// state: two copies of each destroyed resource halved the share of state
/// a teardown destroys (`environment-teardown` went quiet and the score
/// fell from 50 to 0). 0.12-era plans (format 0.x) write module
/// resources' addresses relative to their module and each counted
/// instance under one address, with its key in `index` (4 plans of the
/// corpus): their repeats are legitimate, and are not counted twice
/// either (see `resources_in_state` in the analysis).
fn prior_state_lists_each_object_once(
    document: &Document<'_>,
    current: &CurrentAddresses<'_>,
) -> Result<(), Invalid> {
    let Some(prior) = document.prior_values() else {
        return Ok(());
    };
    if document.is_zero_twelve_format() {
        return Ok(());
    }
    let listed = prior
        .root_module
        .all_resources()
        .filter(|resource| resource.deposed_key.is_none())
        .count();
    if current.prior().len() == listed {
        return Ok(());
    }
    // Only a refused plan pays for finding which entry repeats, in document
    // order, with its JSON path.
    let mut paths = ModulePaths::new(section_root("prior_state.values"));
    let mut seen: HashSet<&str> = sized_set(listed);
    let mut pending: Vec<(usize, &StateModule<'_>)> = vec![(0, &prior.root_module)];
    while let Some((path, module)) = pending.pop() {
        for (index, resource) in module.resources.iter().enumerate() {
            if resource.deposed_key.is_none() && !seen.insert(&resource.address) {
                return Err(Invalid {
                    json_path: format!("{}.resources[{index}].address", paths.spell(path)),
                    problem: format!(
                        "{} appears twice among the prior state's current objects: a state holds one object per resource instance, and one copy would hide the other's values (the plan is inconsistent)",
                        quoted(&resource.address)
                    ),
                });
            }
        }
        for (index, child) in module.child_modules.iter().enumerate().rev() {
            pending.push((paths.child(path, ChildStep::Child(index)), child));
        }
    }
    Ok(())
}

/// Two reasons the other sections confirm in every real plan: a delete
/// `because_no_resource_config` is of a block the configuration no longer
/// declares (51 of 51 in the corpus), and a replace `because_tainted` is of
/// an object the prior state marks tainted (4 of 4). Relabelling a
/// count-index delete as a removed block silenced `index-shift`. A plan
/// without a readable configuration, or a 0.12-era one, is not compared.
fn reasons_agree_with_configuration_and_state(
    document: &Document<'_>,
    current: &CurrentAddresses<'_>,
) -> Result<(), Invalid> {
    let Some(changes) = &document.resource_changes else {
        return Ok(());
    };
    let with_reason = |wanted: &'static str| {
        changes.iter().enumerate().filter(move |(_, change)| {
            change.deposed.is_none()
                && change
                    .action_reason
                    .as_ref()
                    .is_some_and(|reason| reason.as_str() == wanted)
        })
    };
    let json_path = |index: usize| format!("resource_changes[{index}].action_reason");
    let mut removed_blocks = with_reason("delete_because_no_resource_config").peekable();
    if removed_blocks.peek().is_some()
        && let Some(configured) = current.declared()
    {
        for (index, change) in removed_blocks {
            let Ok(address) = change.address.parse::<Address>() else {
                continue;
            };
            let block = address.config_address();
            if configured.contains(&block) {
                return Err(Invalid {
                    json_path: json_path(index),
                    problem: format!(
                        "{} is deleted with `delete_because_no_resource_config` while its block {} is in the configuration (the plan is inconsistent)",
                        quoted(&change.address),
                        quoted(&block)
                    ),
                });
            }
        }
    }
    let mut tainted_replaces = with_reason("replace_because_tainted").peekable();
    if tainted_replaces.peek().is_none() || document.is_zero_twelve_format() {
        return Ok(());
    }
    let Some(prior) = document.prior_values() else {
        return Ok(());
    };
    let untainted: HashSet<&str> = prior
        .root_module
        .all_resources()
        .filter(|resource| resource.deposed_key.is_none() && !resource.tainted)
        .map(|resource| &*resource.address)
        .collect();
    for (index, change) in tainted_replaces {
        if untainted.contains(&*change.address) {
            return Err(Invalid {
                json_path: json_path(index),
                problem: format!(
                    "{} is replaced with `replace_because_tainted` while the prior state does not mark it tainted (the plan is inconsistent)",
                    quoted(&change.address)
                ),
            });
        }
    }
    Ok(())
}

/// How a resource block repeats, as a readable configuration declares it.
struct Repetition {
    count: bool,
    for_each: bool,
    /// `count = N` written as a constant.
    constant_count: Option<i64>,
}

/// The repetition of every block a configuration declares, by its address
/// in the configuration (`module.a.type.name`).
fn block_repetitions(configuration: &Configuration<'_>) -> HashMap<String, Repetition> {
    let mut blocks = HashMap::default();
    let mut pending = vec![(String::new(), &configuration.root_module)];
    while let Some((prefix, module)) = pending.pop() {
        for resource in &module.resources {
            let constant_count = resource
                .count_expression
                .and_then(|raw| serde_json::from_str::<serde_json::Value>(raw.get()).ok())
                .and_then(|expression| expression.get("constant_value")?.as_i64());
            blocks.insert(
                format!("{prefix}{}", resource.address),
                Repetition {
                    count: resource.count_expression.is_some(),
                    for_each: resource.for_each_expression.is_some(),
                    constant_count,
                },
            );
        }
        for (name, call) in &module.module_calls {
            pending.push((format!("{prefix}module.{name}."), &call.module));
        }
    }
    blocks
}

/// Terraform names why an instance of a block that is still configured
/// goes from its key and the block's `count` or `for_each`
/// (`internal/terraform/node_resource_plan_orphan.go`): an integer key out
/// of `count`'s range is `delete_because_count_index`, a string key no
/// longer in `for_each` is `delete_because_each_key`, and a key of the
/// wrong kind for the block is `delete_because_wrong_repetition`. A reason
/// the block contradicts was written by hand, and it decides what the
/// analysis makes of the delete: `count` → `for_each` relabelled as a
/// count index read as a shifted list and halved the score. Blocks the
/// configuration does not declare, and 0.12-era plans, are not compared.
fn instance_key_reasons_agree_with_blocks(
    document: &Document<'_>,
    current: &CurrentAddresses<'_>,
) -> Result<(), Invalid> {
    const BY_KEY: [&str; 3] = [
        "delete_because_count_index",
        "delete_because_each_key",
        "delete_because_wrong_repetition",
    ];
    let (Some(changes), Some(configuration)) =
        (&document.resource_changes, &document.configuration)
    else {
        return Ok(());
    };
    if current.declared().is_none() || document.is_zero_twelve_format() {
        return Ok(());
    }
    let mut by_key = changes
        .iter()
        .enumerate()
        .filter_map(|(index, change)| {
            let reason = change.action_reason.as_ref()?.as_str();
            (change.deposed.is_none() && BY_KEY.contains(&reason))
                .then_some((index, change, reason))
        })
        .peekable();
    if by_key.peek().is_none() {
        return Ok(());
    }
    let blocks = block_repetitions(configuration);
    for (index, change, reason) in by_key {
        let Ok(address) = change.address.parse::<Address>() else {
            continue;
        };
        let block = address.config_address();
        let Some(repetition) = blocks.get(&block) else {
            continue;
        };
        // Terraform leaves `count_expression` or `for_each_expression` out
        // when it cannot write the expression without evaluating it
        // (`for_each = toset([...])`): only one that is written says how
        // the block repeats.
        let disagreement = match (reason, &address.key) {
            ("delete_because_count_index", Some(InstanceKey::Int(key))) => {
                if repetition.for_each {
                    Some("its block uses `for_each`")
                } else if repetition.constant_count.is_some_and(|count| *key < count) {
                    Some("its index is within its block's constant `count`")
                } else {
                    None
                }
            }
            ("delete_because_each_key", _) => repetition.count.then_some("its block uses `count`"),
            ("delete_because_wrong_repetition", Some(InstanceKey::Int(_))) if repetition.count => {
                Some("its block uses `count`, which an integer key is right for")
            }
            ("delete_because_wrong_repetition", Some(InstanceKey::Str(_)))
                if repetition.for_each =>
            {
                Some("its block uses `for_each`, which a string key is right for")
            }
            // A key of the wrong kind for the reason is refused before
            // (`reason_fits`); a key Terraform gives no block is left to it.
            _ => None,
        };
        if let Some(disagreement) = disagreement {
            return Err(Invalid {
                json_path: format!("resource_changes[{index}].action_reason"),
                problem: format!(
                    "{} is deleted with `{reason}`, but {disagreement} (block {} in the configuration): Terraform names the reason from the key and the block (the plan is inconsistent)",
                    quoted(&change.address),
                    quoted(&block)
                ),
            });
        }
    }
    Ok(())
}

/// The instances of a resource that remain after the apply have the keys
/// of its block's repetition, the same repetition Terraform read the
/// reason from: a `count` block's are numbers, a `for_each` block's are
/// strings. A count-index delete beside kept or created string-keyed
/// instances of the same resource (a `count` → `for_each` migration
/// relabelled, and the block's `for_each_expression` cut out of the
/// configuration as well) is refused without the configuration's word.
fn key_reasons_agree_with_kept_instances(document: &Document<'_>) -> Result<(), Invalid> {
    let Some(changes) = &document.resource_changes else {
        return Ok(());
    };
    fn key_reason<'c>(change: &'c ResourceChange<'_>) -> Option<&'c str> {
        let reason = change.action_reason.as_ref()?.as_str();
        matches!(
            reason,
            "delete_because_count_index" | "delete_because_each_key"
        )
        .then_some(reason)
    }
    /// An instance key's kind: none, a number, a string.
    fn kind(key: Option<&InstanceKey>) -> usize {
        match key {
            None => 0,
            Some(InstanceKey::Int(_)) => 1,
            Some(InstanceKey::Str(_)) => 2,
        }
    }
    let keyed_deletes: Vec<_> = changes
        .iter()
        .enumerate()
        .filter(|(_, change)| change.deposed.is_none())
        .filter_map(|(index, change)| Some((index, change, key_reason(change)?)))
        .collect();
    if keyed_deletes.is_empty() {
        return Ok(());
    }
    // Only instances of the keyed deletes' blocks can disagree with them:
    // the others are passed over by type and name, without parsing every
    // address of the plan (a tenth of a second on 100k resources). A
    // change whose type or name disagrees with its address is refused by
    // the shape checks, which are reported first.
    let keyed_blocks: HashSet<(&str, Option<&str>)> = keyed_deletes
        .iter()
        .map(|(_, change, _)| (&*change.resource_type, change.name.as_deref()))
        .collect();
    // Resource (address without its key) → an instance that remains, by
    // the kind of its key.
    let mut kept: HashMap<String, [Option<&str>; 3]> = HashMap::default();
    for change in changes.iter().filter(|change| {
        change.deposed.is_none()
            && !matches!(change.change.actions, Actions::Delete | Actions::Forget)
            && (change.name.is_none()
                || keyed_blocks.contains(&(&*change.resource_type, change.name.as_deref()))
                || keyed_blocks.contains(&(&*change.resource_type, None)))
    }) {
        if let Ok(address) = change.address.parse::<Address>() {
            let slot = &mut kept.entry(address.resource_address()).or_default()
                [kind(address.key.as_ref())];
            slot.get_or_insert(&change.address);
        }
    }
    for (index, change, reason) in keyed_deletes {
        let Ok(address) = change.address.parse::<Address>() else {
            continue;
        };
        let wanted = if reason == "delete_because_count_index" {
            1
        } else {
            2
        };
        let other = kept.get(&address.resource_address()).and_then(|kinds| {
            (0..3)
                .filter(|kind| *kind != wanted)
                .find_map(|kind| kinds[kind])
        });
        if let Some(other) = other {
            return Err(Invalid {
                json_path: format!("resource_changes[{index}].action_reason"),
                problem: format!(
                    "{} is deleted with `{reason}`, but {} of the same resource remains with a key of another kind: Terraform names the reason from the key kind its block repeats with (the plan is inconsistent)",
                    quoted(&change.address),
                    quoted(other)
                ),
            });
        }
    }
    Ok(())
}

/// Terraform writes a change's `before` from the prior state's object at
/// its address, so every change of an existing managed object (a `before`
/// that is not null) has that object there, current and with its values:
/// all 1,027 such changes in the corpus's plans of format 1.x with a prior
/// state do. Without it, the retention and rules that also judge from the
/// prior state (so that an edit to `before` alone does not loosen the
/// verdict) had nothing to judge from: a final snapshot written into a
/// deleted database's `before`, with its prior object removed or its
/// `values` nulled, passed with exit 0. Not checked in 0.12-era plans
/// (module-relative state addresses).
fn changed_objects_are_in_the_prior_state(
    document: &Document<'_>,
    current: &CurrentAddresses<'_>,
) -> Result<(), Invalid> {
    let (Some(prior), Some(changes)) = (document.prior_values(), &document.resource_changes) else {
        return Ok(());
    };
    if document.is_zero_twelve_format() {
        return Ok(());
    }
    let mut existing = changes
        .iter()
        .enumerate()
        .filter(|(_, change)| change.changes_existing_object());
    let Some(first) = existing.next() else {
        return Ok(());
    };
    // Objects without values are rare: only they are collected.
    let without_values: HashSet<&str> = prior
        .root_module
        .all_resources()
        .filter(|resource| {
            resource.deposed_key.is_none() && (resource.values.is_none() || resource.is_data())
        })
        .map(|resource| &*resource.address)
        .collect();
    let in_prior_state = current.prior();
    for (index, change) in std::iter::once(first).chain(existing) {
        let address = &*change.address;
        if !in_prior_state.contains(address) || without_values.contains(address) {
            return Err(Invalid {
                json_path: format!("resource_changes[{index}].change.before"),
                problem: format!(
                    "{} is changed from an object (`before`) the prior state does not hold with its values: Terraform writes `before` from that object (the plan is inconsistent)",
                    quoted(address)
                ),
            });
        }
    }
    Ok(())
}

/// A change with a `deposed` key destroys an object the state keeps
/// deposed (the old copy a create-before-destroy replace left behind), and
/// Terraform writes one only for an object the prior state lists with that
/// `deposed_key`. The analysis takes such a destroy for a leftover copy, not
/// the resource's data: `deposed` added to a real delete of a database made
/// the data-loss finding go away (score 40 to 0, and exit 3 to 0 on another
/// plan). Without a prior state nothing confirms the object, in any format:
/// the corpus has no destroy of a deposed object without one.
fn deposed_destroys_name_deposed_objects(document: &Document<'_>) -> Result<(), Invalid> {
    let changes = document.resource_changes.as_deref().unwrap_or_default();
    let mut destroys = changes
        .iter()
        .enumerate()
        .filter(|(_, change)| change.deposed.is_some() && change.change.actions.destroys());
    let Some(first) = destroys.next() else {
        return Ok(());
    };
    let loose = document.is_zero_twelve_format();
    let key = |address, resource_type, name| matching_key(loose, address, resource_type, name);
    let held: HashSet<(Cow<'_, str>, &str)> = document
        .prior_values()
        .into_iter()
        .flat_map(|values| values.root_module.all_resources())
        .filter_map(|resource| {
            let deposed = resource.deposed_key.as_deref()?;
            let object = key(
                &resource.address,
                &resource.resource_type,
                resource.name.as_deref(),
            );
            Some((object, deposed))
        })
        .collect();
    // The objects with any deposed copy, for changes that do not name the
    // key (`deposed: true`): looking through every held copy for each was
    // quadratic (80,000: 25 s).
    let held_objects: HashSet<&Cow<'_, str>> = held.iter().map(|(object, _)| object).collect();
    for (index, change) in std::iter::once(first).chain(destroys) {
        let deposed = change.deposed.as_deref().unwrap_or_default();
        let object = key(
            &change.address,
            &change.resource_type,
            change.name.as_deref(),
        );
        let confirmed = if deposed == UNKNOWN_DEPOSED_KEY {
            held_objects.contains(&object)
        } else {
            held.contains(&(object, deposed))
        };
        if !confirmed {
            return Err(Invalid {
                json_path: format!("resource_changes[{index}].deposed"),
                problem: format!(
                    "{} destroys deposed object {}, which the prior state does not hold: Terraform writes a deposed object's change only for an object the state keeps with that `deposed_key` (the plan is inconsistent)",
                    quoted(&change.address),
                    quoted(deposed)
                ),
            });
        }
    }
    Ok(())
}

/// Terraform reads data sources (`read`, or `no-op`) and destroys none:
/// one that leaves the configuration is dropped from the state without a
/// change (the corpus's 85 data-source changes, 0.12-era plans included,
/// are all reads). The analysis destroys no data with a data source, so a
/// managed delete or replace relabelled `mode: "data"`, its address
/// `data.`-prefixed, passed as harmless: exit 3 to 0 on two real plans
/// (score 60 to 0), and still so when the agent also wrote the data source
/// into the prior state. Such a change is refused in every format.
fn data_sources_are_not_destroyed(document: &Document<'_>) -> Result<(), Invalid> {
    let changes = document.resource_changes.as_deref().unwrap_or_default();
    match changes
        .iter()
        .enumerate()
        .find(|(_, change)| change.is_data() && change.change.actions.destroys())
    {
        Some((index, change)) => Err(Invalid {
            json_path: format!("resource_changes[{index}].change.actions"),
            problem: format!(
                "data source {} is destroyed ({}): Terraform reads data sources and destroys none (the plan is inconsistent)",
                quoted(&change.address),
                change.change.actions.label()
            ),
        }),
        None => Ok(()),
    }
}

/// Terraform forgets a resource (`["forget"]`) only when its block was
/// removed from the configuration (a `removed` block with `destroy =
/// false`). A forget whose resource block is still configured is a delete
/// relabelled: without this, an agent that changes one word of its plan
/// turned the destruction of a database into "left running". Terraform
/// writes the configuration in every plan, so a forget in a plan whose
/// configuration is missing or unreadable cannot be checked and is refused
/// too (dropping the section would otherwise switch this check off).
fn forgotten_resources_are_not_configured(
    document: &Document<'_>,
    current: &CurrentAddresses<'_>,
) -> Result<(), Invalid> {
    let Some(changes) = &document.resource_changes else {
        return Ok(());
    };
    let mut forgets = changes
        .iter()
        .enumerate()
        .filter(|(_, change)| change.change.actions == Actions::Forget && change.deposed.is_none());
    let Some((first, first_forget)) = forgets.next() else {
        return Ok(());
    };
    let json_path = |index: usize| format!("resource_changes[{index}].change.actions");
    let Some(configured) = current.declared() else {
        return Err(Invalid {
            json_path: json_path(first),
            problem: format!(
                "a forget of {} in a plan whose configuration is missing or unreadable: Terraform forgets only a resource whose block was removed, which cannot be checked without it (Terraform writes the configuration in every plan)",
                quoted(&first_forget.address)
            ),
        });
    };
    for (index, change) in std::iter::once((first, first_forget)).chain(forgets) {
        let Ok(address) = change.address.parse::<Address>() else {
            continue;
        };
        let block = address.config_address();
        if configured.contains(&block) {
            return Err(Invalid {
                json_path: json_path(index),
                problem: format!(
                    "a forget of {} whose resource block {} is still in the configuration: Terraform forgets only a resource whose block was removed (the plan is inconsistent)",
                    quoted(&change.address),
                    quoted(&block)
                ),
            });
        }
    }
    Ok(())
}

/// The configuration address of every resource block the configuration
/// declares (`module.a.aws_x.y`). Module calls nest at most 100 deep in a
/// configuration that was read.
fn declared_blocks(configuration: &Configuration<'_>) -> HashSet<String> {
    let mut declared = HashSet::default();
    let mut pending = vec![(String::new(), &configuration.root_module)];
    while let Some((prefix, module)) = pending.pop() {
        for resource in &module.resources {
            declared.insert(format!("{prefix}{}", resource.address));
        }
        for (name, call) in &module.module_calls {
            pending.push((format!("{prefix}module.{name}."), &call.module));
        }
    }
    declared
}

/// Terraform plans an object (a create, or a replace's new object) only for
/// a block the configuration declares. A created object whose block a
/// configuration that was read leaves out was cut out of it, and with it
/// the references that say what the plan's destroys disrupt: the block of
/// a created dependent removed, a teardown that failed passed. Checked
/// only in a plan that destroys: otherwise nothing can be disrupted, and
/// three hand-made create-only plans of the corpus (snyk's among them)
/// list creates their configuration lacks. A missing or unreadable
/// configuration is a finding of its own (`plan-incomplete`).
fn created_objects_are_declared(
    document: &Document<'_>,
    current: &CurrentAddresses<'_>,
) -> Result<(), Invalid> {
    let (Some(changes), Some(declared)) =
        (document.resource_changes.as_deref(), current.declared())
    else {
        return Ok(());
    };
    let creates = |change: &ResourceChange<'_>| {
        !change.is_data()
            && change.deposed.is_none()
            && matches!(
                change.change.actions,
                Actions::Create | Actions::DeleteThenCreate | Actions::CreateThenDelete
            )
    };
    let destroys = |change: &ResourceChange<'_>| change.change.actions.destroys();
    if !changes.iter().any(creates) || !changes.iter().any(destroys) {
        return Ok(());
    }
    // An address that does not parse was refused by the shape checks.
    let undeclared = changes
        .iter()
        .enumerate()
        .filter(|(_, change)| creates(change))
        .find_map(|(index, change)| {
            let block = change.address.parse::<Address>().ok()?.config_address();
            (!declared.contains(&block)).then_some((index, change, block))
        });
    let Some((index, change, block)) = undeclared else {
        return Ok(());
    };
    Err(Invalid {
        json_path: format!("resource_changes[{index}].change.actions"),
        problem: format!(
            "a {} of {}, whose resource block {} is not in the configuration: Terraform creates objects only for the blocks it declares (the plan is inconsistent)",
            change.change.actions.label(),
            quoted(&change.address),
            quoted(&block)
        ),
    })
}

/// Terraform plans a `create` only for an object that does not exist: an
/// existing one is updated, replaced or left alone. Objects the plan
/// creates are not disrupted (they do not exist yet), so an update of a
/// disrupted object relabelled `create`, with `before` null, left the
/// blast radius: a teardown that failed passed. No corpus plan creates an
/// object its prior state holds. In the 0.12-era format, whose state
/// addresses are relative to their module and carry no instance key, they
/// are compared with the module prefixed: a keyed create matches only a
/// modern plan relabelled `0.1`, whose state addresses keep their keys.
fn created_objects_are_new(
    document: &Document<'_>,
    current: &CurrentAddresses<'_>,
) -> Result<(), Invalid> {
    let (Some(changes), Some(prior)) = (
        document.resource_changes.as_deref(),
        document.prior_values(),
    ) else {
        return Ok(());
    };
    let mut creates = changes.iter().enumerate().filter(|(_, change)| {
        change.change.actions == Actions::Create && change.deposed.is_none() && !change.is_data()
    });
    let Some(first) = creates.next() else {
        return Ok(());
    };
    let loose = document.is_zero_twelve_format();
    let zero_twelve = if loose {
        prefixed_addresses(&prior.root_module, |_| true)
    } else {
        HashSet::default()
    };
    let exists = |address: &str| {
        if loose {
            zero_twelve.contains(address)
        } else {
            current.prior().contains(address)
        }
    };
    let Some((index, change)) = std::iter::once(first)
        .chain(creates)
        .find(|(_, change)| exists(&change.address))
    else {
        return Ok(());
    };
    Err(Invalid {
        json_path: format!("resource_changes[{index}].change.actions"),
        problem: format!(
            "a create of {}, an object the prior state already holds: Terraform creates only objects that do not exist, and updates, replaces or keeps the others (the plan is inconsistent)",
            quoted(&change.address)
        ),
    })
}

/// The addresses of a state's current managed objects that `keep` picks,
/// prefixed with their module's where they are relative to it (the
/// 0.12-era format); absolute ones stay as they are.
fn prefixed_addresses(
    root: &StateModule<'_>,
    keep: impl Fn(&StateResource<'_>) -> bool,
) -> HashSet<String> {
    let mut addresses = HashSet::default();
    let mut pending = vec![root];
    while let Some(module) = pending.pop() {
        for resource in &module.resources {
            if resource.deposed_key.is_some() || resource.is_data() || !keep(resource) {
                continue;
            }
            let address = match module.address.as_deref() {
                Some(prefix) if !resource.address.starts_with("module.") => {
                    format!("{prefix}.{}", resource.address)
                }
                _ => resource.address.to_string(),
            };
            addresses.insert(address);
        }
        pending.extend(module.child_modules.iter());
    }
    addresses
}

/// Outside a `-destroy` plan, Terraform says why it deletes an instance
/// (`delete_because_no_resource_config`, `…_count_index`, `…_each_key`,
/// `…_no_module`, `…_wrong_repetition`…); a `-destroy` plan keeps
/// nothing. The reason dropped from such a delete silenced the rules that
/// read it (warn to pass), whether or not its block was also taken out of
/// the configuration. Checked in complete plans of Terraform 1.3 or later
/// that keep or create managed objects and whose configuration was read;
/// the corpus's deletes without a reason beside kept objects are all in
/// hand-made plans without a configuration.
fn deletes_give_a_reason(
    document: &Document<'_>,
    current: &CurrentAddresses<'_>,
) -> Result<(), Invalid> {
    let Some(changes) = document.resource_changes.as_deref() else {
        return Ok(());
    };
    if current.declared().is_none()
        || document.errored == Some(true)
        || document.complete == Some(false)
        || terraform_version(document).is_none_or(|version| version < (1, 3))
    {
        return Ok(());
    }
    let keeps_objects = changes.iter().any(|change| {
        !change.is_data()
            && matches!(
                change.change.actions,
                Actions::NoOp
                    | Actions::Update
                    | Actions::Create
                    | Actions::DeleteThenCreate
                    | Actions::CreateThenDelete
            )
    });
    if !keeps_objects {
        return Ok(());
    }
    let unexplained = changes.iter().enumerate().find(|(_, change)| {
        change.change.actions == Actions::Delete
            && change.action_reason.is_none()
            && change.deposed.is_none()
            && !change.is_data()
    });
    match unexplained {
        Some((index, change)) => Err(Invalid {
            json_path: format!("resource_changes[{index}].action_reason"),
            problem: format!(
                "a delete of {} without an `action_reason` in a plan that keeps other objects: Terraform says why it deletes an instance, and deletes without one only in a `-destroy` plan, which keeps nothing (the plan is inconsistent)",
                quoted(&change.address)
            ),
        }),
        None => Ok(()),
    }
}

/// The Terraform version that wrote the plan, as (major, minor), when it
/// says one that reads as such.
fn terraform_version(document: &Document<'_>) -> Option<(u32, u32)> {
    let mut numbers = document
        .terraform_version
        .as_deref()?
        .split(['.', '-'])
        .map(str::parse::<u32>);
    match (numbers.next(), numbers.next()) {
        (Some(Ok(major)), Some(Ok(minor))) => Some((major, minor)),
        _ => None,
    }
}

/// `forget` (a `removed` block with `destroy = false`) came with Terraform
/// 1.7: a plan an older version wrote that forgets was a delete relabelled
/// (a real delete in a 1.5 plan went exit 3 to 0). Unknown versions, and
/// plans without one, are not judged here.
fn forgets_need_terraform_1_7(document: &Document<'_>) -> Result<(), Invalid> {
    // An unreadable version is not judged older.
    let Some(version) = document.terraform_version.as_deref() else {
        return Ok(());
    };
    if terraform_version(document).is_none_or(|version| version >= (1, 7)) {
        return Ok(());
    }
    let forget = document
        .resource_changes
        .iter()
        .flatten()
        .position(|change| {
            matches!(
                change.change.actions,
                Actions::Forget | Actions::CreateThenForget
            )
        });
    match forget {
        Some(index) => Err(Invalid {
            json_path: format!("resource_changes[{index}].change.actions"),
            problem: format!(
                "a forget in a plan Terraform {} wrote: Terraform forgets resources (a `removed` block with `destroy = false`) from 1.7 on (the plan is inconsistent)",
                quoted(version)
            ),
        }),
        None => Ok(()),
    }
}

/// Terraform marks a plan `applyable` only when applying it would change
/// something: a resource, an output, or the state itself. A refresh-only
/// plan whose refresh changed the state in a way drift does not report
/// (Terraform 1.11: a dependency the configuration added) is applyable with
/// no change, no drift and no output change listed, and so looks exactly
/// like a teardown with every change cut out (class B in
/// docs/security.md): such a plan is accepted. Without a prior state
/// there is nothing a refresh could have changed, and nothing to apply.
fn applyable_plans_change_something(document: &Document<'_>) -> Result<(), Invalid> {
    let nothing_listed = document
        .resource_changes
        .as_deref()
        .is_none_or(<[_]>::is_empty)
        && document.resource_drift.is_empty()
        && document
            .output_changes
            .values()
            .all(|output| output.actions == Actions::NoOp);
    if document.applyable == Some(true) && nothing_listed && document.prior_state.is_none() {
        return Err(Invalid {
            json_path: "applyable".to_owned(),
            problem: "the plan is `applyable` but lists no change, no drift, no output change and no prior state a refresh could have changed: Terraform marks a plan applyable only when applying it changes something, so its changes were cut out (the plan is inconsistent)".to_owned(),
        });
    }
    Ok(())
}

/// Terraform replaces a tainted object (or destroys it): it never keeps
/// one in place. A tainted replace relabelled an update, its reason
/// dropped, passed (exit 3 to 0). In every format: 0.12-era state
/// addresses, relative to their module, get its prefix.
fn tainted_objects_are_not_kept(document: &Document<'_>) -> Result<(), Invalid> {
    let (Some(changes), Some(prior)) = (
        document.resource_changes.as_deref(),
        document.prior_values(),
    ) else {
        return Ok(());
    };
    // Tainted objects are rare: only they are collected.
    let tainted = prefixed_addresses(&prior.root_module, |resource| resource.tainted);
    if tainted.is_empty() {
        return Ok(());
    }
    let kept = changes.iter().enumerate().find(|(_, change)| {
        matches!(change.change.actions, Actions::Update | Actions::NoOp)
            && change.deposed.is_none()
            && tainted.contains(&*change.address)
    });
    match kept {
        Some((index, change)) => Err(Invalid {
            json_path: format!("resource_changes[{index}].change.actions"),
            problem: format!(
                "{} is kept in place ({}) while the prior state marks it tainted: Terraform replaces a tainted object (the plan is inconsistent)",
                quoted(&change.address),
                change.change.actions.label()
            ),
        }),
        None => Ok(()),
    }
}

/// Terraform moves an object (`previous_address`) only to an address the
/// configuration declares, and keeps it in `planned_values`: moved to an
/// undeclared address, the object is destroyed (a delete that names its
/// previous address). A kept object moved to an address the configuration
/// does not declare is a delete disguised as a move: renaming a deleted
/// database, relabelling its delete `no-op` and copying `before` into
/// `after` passed with exit 0. Every real move in the corpus (12) has both
/// its block and its planned value. As with forgets, a move in a plan whose
/// configuration is missing or unreadable cannot be checked and is refused.
fn moved_objects_are_declared(
    document: &Document<'_>,
    current: &CurrentAddresses<'_>,
) -> Result<(), Invalid> {
    let Some(changes) = &document.resource_changes else {
        return Ok(());
    };
    let mut moves = changes.iter().enumerate().filter(|(_, change)| {
        change.is_moved()
            && change.deposed.is_none()
            && !change.is_data()
            && !matches!(change.change.actions, Actions::Delete | Actions::Forget)
    });
    let Some((first, first_move)) = moves.next() else {
        return Ok(());
    };
    let json_path = |index: usize| format!("resource_changes[{index}].previous_address");
    let label = |change: &ResourceChange<'_>| {
        format!(
            "{} moved from {}",
            change.change.actions.label(),
            quoted(change.previous_address.as_deref().unwrap_or_default())
        )
    };
    let Some(declared) = current.declared() else {
        return Err(Invalid {
            json_path: json_path(first),
            problem: format!(
                "{} to {} in a plan whose configuration is missing or unreadable: Terraform moves an object only to an address the configuration declares, which cannot be checked without it (Terraform writes the configuration in every plan)",
                label(first_move),
                quoted(&first_move.address)
            ),
        });
    };
    let planned = document.planned_values.is_some().then(|| current.planned());
    for (index, change) in std::iter::once((first, first_move)).chain(moves) {
        let Ok(address) = change.address.parse::<Address>() else {
            continue;
        };
        let block = address.config_address();
        let problem = if !declared.contains(&block) {
            format!(
                "{} to {}, whose resource block {} is not in the configuration: Terraform destroys an object moved to an undeclared address (the plan is inconsistent)",
                label(change),
                quoted(&change.address),
                quoted(&block)
            )
        } else if planned
            .as_ref()
            .is_some_and(|planned| !planned.contains(&*change.address))
        {
            format!(
                "{} to {}, which is not in planned_values: Terraform keeps a moved object there (the plan is inconsistent)",
                label(change),
                quoted(&change.address)
            )
        } else {
            continue;
        };
        return Err(Invalid {
            json_path: json_path(index),
            problem,
        });
    }
    Ok(())
}

/// Terraform's `prior_state` is the state after refresh: an object deleted
/// outside Terraform (a `delete` in `resource_drift`) is no longer in it,
/// in every real plan of the corpus with a drift delete and a prior state
/// (64 objects in 4 plans) and in testdata's refresh-only plan. A drift
/// delete of an object still in the prior state is a planned delete moved
/// into the drift list: db-deleted's database delete, cut and pasted there,
/// read as "already deleted outside Terraform" and passed with exit 0.
/// Compared by exact address, which 0.12-era module-relative state
/// addresses never match by accident.
fn drifted_away_objects_left_the_prior_state(
    document: &Document<'_>,
    current: &CurrentAddresses<'_>,
) -> Result<(), Invalid> {
    let mut drift_deletes = document
        .resource_drift
        .iter()
        .enumerate()
        .filter(|(_, drift)| {
            drift.change.actions == Actions::Delete && drift.deposed.is_none() && !drift.is_data()
        })
        .peekable();
    if drift_deletes.peek().is_none() {
        return Ok(());
    }
    if document.prior_values().is_none() {
        return Ok(());
    }
    let in_prior_state = current.prior();
    for (index, drift) in drift_deletes {
        if in_prior_state.contains(&*drift.address) {
            return Err(Invalid {
                json_path: format!("resource_drift[{index}].change.actions"),
                problem: format!(
                    "{} is deleted outside Terraform (resource_drift) yet still in the prior state, which is the state after refresh: a delete the plan makes, moved into the drift list (the plan is inconsistent)",
                    quoted(&drift.address)
                ),
            });
        }
    }
    Ok(())
}

/// A managed resource of the prior state that the plan neither keeps (in
/// `planned_values`) nor changes (in `resource_changes`, by its address or
/// as a moved resource's previous one) nor saw drift (`resource_drift`) is
/// one whose change was removed:
/// Terraform lists every resource it plans to destroy. Without this, a plan
/// whose delete was cut out of `resource_changes` read as a plan without
/// destruction. Checked only where the lists can be compared: not in a plan
/// that errored or is incomplete (it may omit resources), not in 0.12-era
/// plans (format 0.x: module resources' state addresses are relative to
/// their module), and not when `resource_changes` is empty or absent:
/// real refresh-only plans leave resources out of `planned_values` with no
/// change at all, so a plan whose whole list was dropped cannot be told
/// from one (4 of the corpus's real plans).
fn every_state_resource_accounted_for(
    document: &Document<'_>,
    current: &CurrentAddresses<'_>,
) -> Result<(), Invalid> {
    let changes = document.resource_changes.as_deref().unwrap_or_default();
    if document.errored == Some(true) || document.complete == Some(false) {
        return Ok(());
    }
    // Without changes, planned_values says whether there should be some,
    // prior state or not.
    if changes.is_empty() {
        return refresh_only_keeps_all_or_nothing(document, current);
    }
    let Some(prior) = document.prior_values() else {
        return Ok(());
    };
    // See `matching_key`.
    let loose = document.is_zero_twelve_format();
    // Terraform always writes `planned_values`: a plan without it keeps
    // nothing. 0.12-era plans are matched by type and name (`loose_kept`);
    // the others by the current planned addresses the other checks share.
    let (loose_kept, changed) = rayon::join(
        || {
            if !loose {
                current.planned();
                return None;
            }
            let planned = document.planned_values.as_ref();
            let mut kept =
                sized_set(planned.map_or(0, |planned| planned.root_module.resource_count()));
            kept.extend(
                planned
                    .into_iter()
                    .flat_map(|planned| planned.root_module.all_resources())
                    .map(|resource| {
                        matching_key(
                            loose,
                            &resource.address,
                            &resource.resource_type,
                            resource.name.as_deref(),
                        )
                    }),
            );
            Some(kept)
        },
        || {
            let mut changed = sized_set(changes.len());
            changed.extend(
                changes
                    .iter()
                    // A deposed object's change accounts for that object
                    // only, not for the resource's current one.
                    .filter(|change| change.deposed.is_none())
                    // A resource deleted outside Terraform leaves the refreshed state.
                    .chain(
                        document
                            .resource_drift
                            .iter()
                            .filter(|drift| drift.change.actions == Actions::Delete),
                    )
                    .flat_map(|change| {
                        let name = change.name.as_deref();
                        std::iter::once(matching_key(
                            loose,
                            &change.address,
                            &change.resource_type,
                            name,
                        ))
                        .chain(change.previous_address.as_deref().map(
                            |previous| matching_key(loose, previous, &change.resource_type, name),
                        ))
                    }),
            );
            changed
        },
    );
    let kept = |key: &Cow<'_, str>| match &loose_kept {
        Some(loose_kept) => loose_kept.contains(key),
        None => current.planned().contains(&**key),
    };
    // A deposed object is destroyed by a change naming it and its key.
    let deposed_changes: HashSet<(&str, &str)> = changes
        .iter()
        .filter_map(|change| Some((&*change.address, change.deposed.as_deref()?)))
        .collect();
    // Terraform 1.8 and later (the versions that write `complete`) list
    // every resource instance of a complete plan in `resource_changes`,
    // no-ops included, as every 1.x-format plan of the corpus does. There a
    // resource kept in `planned_values` without an entry had its delete cut
    // out and its object pasted into `planned_values`: that passed with
    // exit 0.
    // The prior state carries the version too (the refresh that wrote it
    // ran in the same Terraform), so lowering the plan's alone does not
    // switch this off.
    let lists_every_instance = document.complete == Some(true)
        || [
            document.terraform_version.as_deref(),
            document
                .prior_state
                .as_ref()
                .and_then(|state| state.terraform_version.as_deref()),
        ]
        .into_iter()
        .any(|version| written_by_at_least(version, (1, 8)));
    fn key_of<'r>(loose: bool, resource: &'r StateResource<'_>) -> Cow<'r, str> {
        matching_key(
            loose,
            &resource.address,
            &resource.resource_type,
            resource.name.as_deref(),
        )
    }
    let unaccounted = prior.root_module.all_resources().find(|resource| {
        if resource.is_data() {
            return false;
        }
        if let Some(deposed) = resource.deposed_key.as_deref() {
            return !loose && !deposed_changes.contains(&(&*resource.address, deposed));
        }
        let key = key_of(loose, resource);
        !changed.contains(&key) && (lists_every_instance || !kept(&key))
    });
    match unaccounted {
        Some(resource) if kept(&key_of(loose, resource)) => Err(Invalid {
            json_path: "resource_changes".to_owned(),
            problem: format!(
                "{} is in the prior state and in planned_values but not in resource_changes, where Terraform 1.8 and later list every resource of a complete plan: its change was removed (the plan is inconsistent)",
                quoted(&resource.address)
            ),
        }),
        Some(resource) => Err(Invalid {
            json_path: "resource_changes".to_owned(),
            problem: format!(
                "{} is in the prior state but neither in planned_values nor in resource_changes: its change was removed, and Terraform lists every resource it destroys (the plan is inconsistent)",
                quoted(&resource.address)
            ),
        }),
        None => Ok(()),
    }
}

/// A plan without changes that keeps some of the prior state's resources
/// in `planned_values` and leaves others out: real refresh-only plans keep
/// none there (4 of 4 in the corpus), and a plan with changes lists them.
/// `resource_changes` renamed (`Resource_Changes`, or a look-alike letter)
/// read as no changes at all: a plan that destroys one database and keeps
/// the rest is refused now. One that destroys everything still reads as
/// refresh-only, which it cannot be told from.
fn refresh_only_keeps_all_or_nothing(
    document: &Document<'_>,
    current: &CurrentAddresses<'_>,
) -> Result<(), Invalid> {
    // Terraform leaves `resource_changes` out when there are none, and lists
    // one (a no-op included) for every object in the prior state otherwise:
    // an empty list beside a state is a plan whose changes were cut out.
    let holds_objects = document
        .prior_values()
        .into_iter()
        .flat_map(|values| values.root_module.all_resources())
        .any(|resource| !resource.is_data());
    if document.resource_changes.is_some() && holds_objects {
        return Err(Invalid {
            json_path: "resource_changes".to_owned(),
            problem: "resource_changes is an empty list and the prior state holds resources: Terraform leaves the key out when a plan has no changes, and otherwise lists a change (a no-op included) for every resource in state (the plan is inconsistent)".to_owned(),
        });
    }
    if document.planned_values.is_none() {
        return Ok(());
    }
    let planned = current.planned();
    if planned.is_empty() {
        return Ok(());
    }
    // Terraform lists a change (a no-op included) for every managed
    // resource it plans, in every format; a refresh-only plan keeps none.
    // All changes cut out of a plan that keeps everything read as no
    // changes (no corpus plan plans a managed resource without listing
    // changes).
    if let Some(kept) = document.planned_values.as_ref().and_then(|values| {
        values
            .root_module
            .all_resources()
            .find(|resource| !resource.is_data() && resource.deposed_key.is_none())
    }) {
        return Err(Invalid {
            json_path: "resource_changes".to_owned(),
            problem: format!(
                "{} is in planned_values, and the plan lists no changes: Terraform lists a change (a no-op included) for every resource it plans, and a refresh-only plan keeps none in planned_values (the plan is inconsistent)",
                quoted(&kept.address)
            ),
        });
    }
    // 0.12-era state addresses are relative to their module: not compared.
    if document.is_zero_twelve_format() {
        return Ok(());
    }
    let left_out = document
        .prior_values()
        .into_iter()
        .flat_map(|values| values.root_module.all_resources())
        .find(|resource| {
            !resource.is_data()
                && resource.deposed_key.is_none()
                && !planned.contains(&*resource.address)
        });
    match left_out {
        Some(resource) => Err(Invalid {
            json_path: "resource_changes".to_owned(),
            problem: format!(
                "{} is in the prior state but not in planned_values, and the plan lists no changes: Terraform lists every resource it destroys, and a refresh-only plan keeps none in planned_values (the plan is inconsistent)",
                quoted(&resource.address)
            ),
        }),
        None => Ok(()),
    }
}

/// How an object of the prior state is matched with a change: by its
/// address, or, in 0.12-era plans (`loose`), whose state addresses are
/// relative to their module and lack the instance key, by type and name.
fn matching_key<'s>(
    loose: bool,
    address: &'s str,
    resource_type: &str,
    name: Option<&str>,
) -> Cow<'s, str> {
    if loose {
        Cow::Owned(format!("{resource_type}.{}", name.unwrap_or_default()))
    } else {
        Cow::Borrowed(address)
    }
}

/// The addresses of the current (not deposed) objects in `values`.
fn current_addresses<'v>(values: Option<&'v Values<'_>>) -> HashSet<&'v str> {
    let mut addresses = sized_set(values.map_or(0, |values| values.root_module.resource_count()));
    addresses.extend(
        values
            .into_iter()
            .flat_map(|values| values.root_module.all_resources())
            .filter(|resource| resource.deposed_key.is_none())
            .map(|resource| &*resource.address),
    );
    addresses
}

/// A set with room for `capacity` entries: the address sets here are as
/// large as the plan, and growing one by doubling rehashes every entry
/// again at each step (a visible share of a 300k-resource check).
fn sized_set<T: std::hash::Hash + Eq>(capacity: usize) -> HashSet<T> {
    HashSet::with_capacity_and_hasher(capacity, Default::default())
}

/// Whether `terraform_version` (`1.11.4`, `1.8.0-dev`) is at least
/// `major.minor`; an unreadable or missing version is not.
pub(crate) fn written_by_at_least(
    terraform_version: Option<&str>,
    (major, minor): (u64, u64),
) -> bool {
    let Some(version) = terraform_version else {
        return false;
    };
    let mut parts = version.split(['.', '-']).map(str::parse::<u64>);
    match (parts.next(), parts.next()) {
        (Some(Ok(found_major)), Some(Ok(found_minor))) => {
            (found_major, found_minor) >= (major, minor)
        }
        _ => false,
    }
}

/// Terraform writes every object a plan leaves in place (a `no-op` or an
/// `update` of an object of the prior state) in `planned_values`, and
/// destroys one whose block was removed from the configuration
/// (`delete_because_no_resource_config`). A kept object missing from
/// `planned_values`, or whose block a readable configuration does not
/// declare (imports aside), is going away: a delete relabelled, with
/// `after` copied from `before` so that the no-op check of
/// [`change_values`] does not see it go. Relabelling db-deleted's database
/// delete that way (with or without its object pasted into
/// `planned_values`), or every delete of the real `-destroy` plan, passed
/// with exit 0. The only corpus plan this refuses is a hand-edited one
/// (terraworx sentinel-in-ci c81d01b8e, whose `planned_values` lists one
/// server three times and six others not at all). Not checked where the
/// lists cannot be compared, as for [`every_state_resource_accounted_for`]:
/// an errored or incomplete plan. Compared by exact address, which 0.12-era
/// module-relative state addresses never match by accident.
fn kept_objects_are_planned(
    document: &Document<'_>,
    current: &CurrentAddresses<'_>,
) -> Result<(), Invalid> {
    let Some(changes) = document.resource_changes.as_deref() else {
        return Ok(());
    };
    if document.errored == Some(true) || document.complete == Some(false) {
        return Ok(());
    }
    let is_kept = |change: &ResourceChange<'_>| {
        matches!(change.change.actions, Actions::NoOp | Actions::Update)
            && change.deposed.is_none()
            && !change.is_data()
    };
    if !changes.iter().any(is_kept) {
        return Ok(());
    }
    if document.prior_values().is_none() {
        return Ok(());
    }
    // Instances of one block share its module, type and name (checked
    // against the address before this runs): each block is looked up once.
    // A module resource without `module_address` (hand-made plans) is its
    // own key, so that no other module's block answers for it.
    fn block_of<'c>(change: &'c ResourceChange<'_>) -> (Option<&'c str>, &'c str, Option<&'c str>) {
        let module = change.module_address.as_deref().or_else(|| {
            change
                .address
                .starts_with("module.")
                .then_some(&*change.address)
        });
        (module, &change.resource_type, change.name.as_deref())
    }
    // Every list here is as long as the plan: all are read side by side.
    let ((in_prior_state, planned), undeclared) = rayon::join(
        || rayon::join(|| current.prior(), || current.planned()),
        // The blocks of kept objects a configuration that was read does
        // not declare (imports aside). A missing or unreadable one leaves
        // this half of the check out: the plan is then analysed with a
        // graph gap, and refusing every plan with a no-op for it would
        // refuse what the lenient reader exists to analyse.
        || {
            let declared = current.declared()?;
            let blocks: rustc_hash::FxHashMap<_, &str> = changes
                .par_iter()
                .filter(|change| is_kept(change) && !change.change.is_import())
                .map(|change| (block_of(change), &*change.address))
                .collect();
            let undeclared: rustc_hash::FxHashMap<_, String> = blocks
                .into_par_iter()
                .filter_map(|(block, address)| {
                    let config_address = address.parse::<Address>().ok()?.config_address();
                    (!declared.contains(&config_address)).then_some((block, config_address))
                })
                .collect();
            Some(undeclared)
        },
    );
    let undeclared_block = |change: &ResourceChange<'_>| {
        undeclared
            .as_ref()
            .filter(|_| !change.change.is_import())
            .and_then(|undeclared| undeclared.get(&block_of(change)).cloned())
    };
    let first = changes.par_iter().enumerate().find_first(|(_, change)| {
        is_kept(change)
            && in_prior_state.contains(&*change.address)
            && (!planned.contains(&*change.address) || undeclared_block(change).is_some())
    });
    let Some((index, change)) = first else {
        return Ok(());
    };
    let article = if change.change.actions == Actions::Update {
        "an"
    } else {
        "a"
    };
    let kept_change = format!(
        "{article} {} of {}",
        change.change.actions.label(),
        quoted(&change.address)
    );
    let problem = match undeclared_block(change) {
        _ if !planned.contains(&*change.address) => format!(
            "{kept_change}, which is in the prior state but not in planned_values: Terraform writes there every object a plan keeps, so this one goes away (the plan is inconsistent)"
        ),
        Some(block) => format!(
            "{kept_change}, whose resource block {} is not in the configuration: Terraform destroys an object of the prior state whose block was removed (delete_because_no_resource_config) (the plan is inconsistent)",
            quoted(&block)
        ),
        None => return Ok(()),
    };
    Err(Invalid {
        json_path: format!("resource_changes[{index}].change.actions"),
        problem,
    })
}

/// Every payload a reader parses, nested at most [`MAX_PAYLOAD_NESTING`]
/// deep. Measured only in a document that nests deeper than that at all.
fn payloads_nesting(document: &Document<'_>) -> Result<(), Invalid> {
    // The path is spelled out only for the value that is too deep.
    let too_deep = |path: &dyn Fn() -> String, raw: Option<&serde_json::value::RawValue>| {
        let depth = raw.map_or(0, |raw| keys::deepest(raw.get()));
        if depth <= MAX_PAYLOAD_NESTING {
            return Ok(());
        }
        Err(Invalid {
            json_path: path(),
            problem: format!(
                "this value nests {depth} levels deep; blastwall reads values up to {MAX_PAYLOAD_NESTING} levels whole (Terraform writes nothing this deep), and one it cannot read whole could hide what a rule looks for"
            ),
        })
    };
    let lists = [
        (
            "resource_changes",
            document.resource_changes.as_deref().unwrap_or_default(),
        ),
        ("resource_drift", &document.resource_drift[..]),
    ];
    for (section, changes) in lists {
        for (index, change) in changes.iter().enumerate() {
            let payloads = [
                ("before", change.change.before),
                ("after", change.change.after),
                ("after_unknown", change.change.after_unknown),
                ("before_sensitive", change.change.before_sensitive),
                ("after_sensitive", change.change.after_sensitive),
            ];
            for (field, raw) in payloads {
                too_deep(&|| format!("{section}[{index}].change.{field}"), raw)?;
            }
        }
    }
    let states = [
        ("planned_values", document.planned_values.as_ref()),
        ("prior_state.values", document.prior_values()),
    ];
    for (section, values) in states {
        let Some(values) = values else { continue };
        let mut paths = ModulePaths::new(section_root(section));
        let mut pending = vec![(0, &values.root_module)];
        while let Some((path, module)) = pending.pop() {
            for (index, resource) in module.resources.iter().enumerate() {
                too_deep(
                    &|| format!("{}.resources[{index}].values", paths.spell(path)),
                    resource.values,
                )?;
            }
            for (index, child) in module.child_modules.iter().enumerate().rev() {
                pending.push((paths.child(path, ChildStep::Child(index)), child));
            }
        }
    }
    for (name, variable) in &document.variables {
        too_deep(&|| format!("variables.{name}.value"), variable.value)?;
    }
    // Configuration expressions give the dependency edges: one that cannot
    // be read whole would hide a dependency.
    if let Some(configuration) = &document.configuration {
        let mut paths = ModulePaths::new("configuration.root_module".to_owned());
        let mut pending = vec![(0, &configuration.root_module)];
        while let Some((path, module)) = pending.pop() {
            let spell = || paths.spell(path);
            for (index, resource) in module.resources.iter().enumerate() {
                let expressions = [
                    ("expressions", resource.expressions),
                    ("count_expression", resource.count_expression),
                    ("for_each_expression", resource.for_each_expression),
                ];
                for (field, raw) in expressions {
                    too_deep(&|| format!("{}.resources[{index}].{field}", spell()), raw)?;
                }
            }
            for (name, output) in &module.outputs {
                too_deep(
                    &|| format!("{}.outputs.{name}.expression", spell()),
                    output.expression,
                )?;
            }
            // A sensitive variable's default is read whole to keep it out of reports.
            for (name, variable) in &module.variables {
                too_deep(
                    &|| format!("{}.variables.{name}.default", spell()),
                    variable.default,
                )?;
            }
            for (name, call) in module.module_calls.iter().rev() {
                let expressions = [
                    ("expressions", call.expressions),
                    ("count_expression", call.count_expression),
                    ("for_each_expression", call.for_each_expression),
                ];
                for (field, raw) in expressions {
                    too_deep(&|| format!("{}.module_calls.{name}.{field}", spell()), raw)?;
                }
            }
            for (name, call) in module.module_calls.iter().rev() {
                pending.push((paths.child(path, ChildStep::Call(name)), &call.module));
            }
        }
    }
    Ok(())
}

fn changes_list(section: &str, changes: &[ResourceChange<'_>]) -> Result<(), Invalid> {
    let at = |index| At {
        prefix: section,
        index: Some(index),
    };
    let (first_invalid, first_repeat) = rayon::join(
        || {
            changes
                .par_iter()
                .enumerate()
                .find_map_first(|(index, change)| {
                    change_address(at(index), change)
                        .and_then(|()| change_values(at(index), change))
                        .and_then(|()| reason_fits(at(index), change))
                        .err()
                        .map(|invalid| (index, invalid))
                })
        },
        || first_repeat(changes),
    );
    match (first_invalid, first_repeat) {
        // At one entry, its own address is checked before it is compared.
        (Some((invalid_at, invalid)), repeat)
            if repeat.is_none_or(|repeat| invalid_at <= repeat) =>
        {
            Err(invalid)
        }
        (_, Some(repeat)) => {
            let change = &changes[repeat];
            let path = at(repeat);
            Err(Invalid {
                json_path: format!("{path}.address"),
                problem: format!(
                    "{} appears twice in `{section}`{}: one copy would hide the other's change",
                    quoted(&change.address),
                    if change.deposed.is_some() {
                        " with the same deposed key"
                    } else {
                        " without a `deposed` key"
                    }
                ),
            })
        }
        _ => Ok(()),
    }
}

/// The first entry whose address (and deposed key) an earlier entry has.
fn first_repeat(changes: &[ResourceChange<'_>]) -> Option<usize> {
    let mut seen: HashSet<(&str, Option<&str>)> =
        HashSet::with_capacity_and_hasher(changes.len(), Default::default());
    changes
        .iter()
        .position(|change| !seen.insert((&*change.address, change.deposed.as_deref())))
}

fn parse(path: At<'_>, field: &str, value: &str) -> Result<Address, Invalid> {
    Address::from_str(value).map_err(|error| Invalid {
        json_path: format!("{path}.{field}"),
        problem: format!(
            "{} is not a Terraform resource address ({})",
            quoted(value),
            escape::for_terminal(&error.to_string())
        ),
    })
}

fn change_address(path: At<'_>, change: &ResourceChange<'_>) -> Result<(), Invalid> {
    let parsed = parse(path, "address", &change.address)?;
    if let Some(previous) = &change.previous_address {
        parse(path, "previous_address", previous)?;
    }
    consistent(
        path,
        &parsed,
        &change.address,
        Parts {
            mode: change.mode.map(Mode::label),
            resource_type: Some(&change.resource_type),
            name: change.name.as_deref(),
            index: change.index_value().as_ref(),
            module_address: change.module_address.as_deref(),
        },
    )
}

/// A payload's `id` when it is known (not null), as a JSON value.
fn id_of(payload: Option<&serde_json::value::RawValue>) -> Option<serde_json::Value> {
    #[derive(serde::Deserialize)]
    struct WithId<'a> {
        #[serde(borrow, default)]
        id: Option<&'a serde_json::value::RawValue>,
    }
    let payload = serde_json::from_str::<WithId<'_>>(payload?.get()).ok()?;
    serde_json::from_str::<serde_json::Value>(payload.id?.get())
        .ok()
        .filter(|id| !id.is_null())
}

/// A change's values have the shapes Terraform writes: `before` and
/// `after` objects (or null where there is no object), the unknown and
/// sensitive masks and `importing` objects or booleans, and an update both
/// objects. Rules skip a value they cannot read, so any other shape, or an
/// update without its values, would make the verdict laxer instead of
/// refusing.
fn change_values(path: At<'_>, change: &ResourceChange<'_>) -> Result<(), Invalid> {
    let values = &change.change;
    let fields = [
        ("before", values.before, false),
        ("after", values.after, false),
        ("after_unknown", values.after_unknown, true),
        ("before_sensitive", values.before_sensitive, true),
        ("after_sensitive", values.after_sensitive, true),
        // An object when importing (some dev-era plans write `false`).
        ("importing", values.importing, true),
    ];
    for (field, raw, may_be_boolean) in fields {
        let Some(raw) = raw else { continue };
        let kind = json_kind(raw);
        if kind == "an object" || (may_be_boolean && kind == "a boolean") {
            continue;
        }
        let expected = if may_be_boolean {
            "an object or a boolean"
        } else {
            "an object (or null where the object does not exist)"
        };
        return Err(Invalid {
            json_path: format!("{path}.change.{field}"),
            problem: format!("`{field}` is {kind}; Terraform writes {expected} here"),
        });
    }
    if values.actions == Actions::Update {
        for (field, raw) in [("before", values.before), ("after", values.after)] {
            if raw.is_none() {
                return Err(Invalid {
                    json_path: format!("{path}.change.{field}"),
                    problem: format!(
                        "an update without `{field}` values: what it changes cannot be checked"
                    ),
                });
            }
        }
    }
    // A delete destroys the object `before` holds: Terraform writes it from
    // the prior state (all 53 deletes in the corpus have one). Nulled, the
    // data-store and refactor rules had nothing to judge (score 60 to 30).
    if values.actions == Actions::Delete && values.before.is_none() && !change.is_data() {
        return Err(Invalid {
            json_path: format!("{path}.change.before"),
            problem: "a delete without `before`: Terraform writes the object it destroys there (the plan is inconsistent)".to_owned(),
        });
    }
    // An in-place update keeps its object, and so its `id`: a known id that
    // changes is a new object, a replace relabelled. (An id unknown after
    // an update is not proof: providers built on the plugin framework
    // write that for a computed id without `UseStateForUnknown`.)
    if values.actions == Actions::Update
        && let (Some(before), Some(after)) = (id_of(values.before), id_of(values.after))
        && before != after
    {
        return Err(Invalid {
            json_path: format!("{path}.change.after.id"),
            problem: "an update whose known `id` changes: only a new object gets a new id, so the object is destroyed and created again, which Terraform writes as a replace (the plan is inconsistent)".to_owned(),
        });
    }
    // A managed object with a `before` and no `after` is going away: an
    // agent that relabels its delete as a no-op would otherwise pass.
    // Terraform writes `delete` or `forget` for that (no real plan in the
    // corpus has any other action there).
    let object_goes_away = values.before.is_some() && values.after.is_none();
    if object_goes_away
        && !change.is_data()
        && matches!(
            values.actions,
            Actions::NoOp
                | Actions::Read
                | Actions::Create
                | Actions::CreateThenForget
                | Actions::Open
        )
    {
        return Err(Invalid {
            json_path: format!("{path}.change.after"),
            problem: format!(
                "a {} whose `after` is null while `before` holds the object: the object goes away, which Terraform writes as a delete",
                values.actions.label()
            ),
        });
    }
    // Terraform writes a `replace_…` reason and `replace_paths` only on a
    // replace (none of the corpus's real plans has either elsewhere): on an
    // update or a no-op they are a replace relabelled, which would read as
    // an object kept in place.
    if matches!(values.actions, Actions::Update | Actions::NoOp) {
        let replace_reason = change
            .action_reason
            .as_ref()
            .filter(|reason| reason.as_str().starts_with("replace_"));
        let replace_paths = values.replace_paths.filter(|raw| {
            serde_json::from_str::<Vec<serde::de::IgnoredAny>>(raw.get())
                .is_ok_and(|paths| !paths.is_empty())
        });
        let field = match (replace_reason, replace_paths) {
            (Some(reason), _) => Some(("action_reason", format!("`{}`", reason.as_str()))),
            (None, Some(_)) => Some(("change.replace_paths", "replace paths".to_owned())),
            (None, None) => None,
        };
        if let Some((field, what)) = field {
            let label = values.actions.label();
            return Err(Invalid {
                json_path: format!("{path}.{field}"),
                problem: format!(
                    "{} {label} with {what}, which Terraform writes only on a replace: the object is destroyed and created again (the plan is inconsistent)",
                    if label.starts_with('u') { "an" } else { "a" }
                ),
            });
        }
    }
    Ok(())
}

/// Terraform gives each action its own family of reasons: `read_because_…`
/// only on a read, `replace_…` only on a replace, `delete_because_…` only
/// on a delete (or a forget or no-op of a removed block); a count index
/// only to an instance with a number key, a `for_each` key only to one with
/// a string key, and a missing module only to a module's resource. So do
/// all 185 reasons in the corpus's real plans. A reason is what rules such
/// as `index-shift` and `tainted-replace` read: relabelling a count-index
/// delete as a tainted replace or a missing module silenced
/// `index-shift` (score 60 → 30). Reasons this version does not know are
/// left to the plan-health rule.
fn reason_fits(path: At<'_>, change: &ResourceChange<'_>) -> Result<(), Invalid> {
    let Some(reason) = change
        .action_reason
        .as_ref()
        .filter(|reason| reason.is_known())
    else {
        return Ok(());
    };
    let reason = reason.as_str();
    let actions = change.change.actions;
    // `open` is rare and new: any reason passes. `create`+`forget` is a
    // replace that keeps the old object: a replace's reasons.
    let fits_action = if actions == Actions::Open {
        true
    } else if actions == Actions::CreateThenForget {
        reason.starts_with("replace_")
    } else if reason.starts_with("read_because_") {
        actions == Actions::Read
    } else if reason.starts_with("replace_") {
        actions.is_replace()
    } else {
        matches!(actions, Actions::Delete | Actions::Forget | Actions::NoOp)
    };
    let label = actions.label();
    let problem = if !fits_action {
        Some(format!(
            "{} {label} with `{reason}`, a reason Terraform gives only to {}: the action or its reason was changed (the plan is inconsistent)",
            if label.starts_with(['a', 'e', 'i', 'o', 'u']) {
                "an"
            } else {
                "a"
            },
            if reason.starts_with("read_because_") {
                "a read"
            } else if reason.starts_with("replace_") {
                "a replace"
            } else {
                "a delete"
            }
        ))
    } else {
        let needs = match reason {
            "delete_because_count_index" => Some("a count index (a number key)"),
            "delete_because_each_key" => Some("a `for_each` key (a string key)"),
            "delete_because_no_module" => Some("a resource in a module"),
            _ => None,
        };
        needs.and_then(|needs| {
            let address = change.address.parse::<Address>().ok()?;
            let fits = match reason {
                "delete_because_count_index" => matches!(address.key, Some(InstanceKey::Int(_))),
                "delete_because_each_key" => matches!(address.key, Some(InstanceKey::Str(_))),
                _ => !address.module.is_empty(),
            };
            (!fits).then(|| {
                format!(
                    "{} is deleted with `{reason}`, a reason Terraform gives only to {needs}: the reason was changed (the plan is inconsistent)",
                    quoted(&change.address)
                )
            })
        })
    };
    match problem {
        Some(problem) => Err(Invalid {
            json_path: format!("{path}.action_reason"),
            problem,
        }),
        None => Ok(()),
    }
}

struct Parts<'a> {
    mode: Option<&'a str>,
    resource_type: Option<&'a str>,
    name: Option<&'a str>,
    index: Option<&'a serde_json::Value>,
    module_address: Option<&'a str>,
}

fn consistent(
    path: At<'_>,
    parsed: &Address,
    address: &str,
    parts: Parts<'_>,
) -> Result<(), Invalid> {
    let disagree = |field: &str, value: String| Invalid {
        json_path: format!("{path}.{field}"),
        problem: format!(
            "{field} {value} disagrees with the address {}: the plan is inconsistent",
            quoted(address)
        ),
    };
    if let Some(mode) = parts.mode {
        let expected = match parsed.mode {
            Mode::Managed => "managed",
            Mode::Data => "data",
        };
        if mode != expected {
            return Err(disagree("mode", quoted(mode)));
        }
    }
    if let Some(resource_type) = parts.resource_type
        && resource_type != parsed.resource_type
    {
        return Err(disagree("type", quoted(resource_type)));
    }
    if !is_provider_type(&parsed.resource_type) {
        return Err(Invalid {
            json_path: format!("{path}.address"),
            problem: format!(
                "{} names the resource type {}, which no provider defines: provider types are lowercase ASCII letters, digits, `_` and `-`, and one spelled otherwise (upper case, a look-alike letter) would escape every rule about the real type",
                quoted(address),
                quoted(&parsed.resource_type)
            ),
        });
    }
    if let Some(name) = parts.name
        && name != parsed.name
    {
        return Err(disagree("name", quoted(name)));
    }
    if let Some(index) = parts.index {
        let matches = match (index, &parsed.key) {
            (serde_json::Value::Null, None) => true,
            (serde_json::Value::Number(number), Some(InstanceKey::Int(key))) => {
                number.as_i64() == Some(*key)
            }
            (serde_json::Value::String(text), Some(InstanceKey::Str(key))) => text == key,
            // Some writers put a for_each key that looks like a number as
            // a number; the key is the same text.
            (serde_json::Value::Number(number), Some(InstanceKey::Str(key))) => {
                number.to_string() == *key
            }
            _ => false,
        };
        if !matches {
            let shown = escape::bounded(&index.to_string(), QUOTED_CHARS);
            return Err(disagree("index", quoted(&shown)));
        }
    }
    if let Some(module) = parts.module_address {
        let steps = address::parse_module_path(module).map_err(|error| Invalid {
            json_path: format!("{path}.module_address"),
            problem: format!(
                "{} is not a Terraform module address ({})",
                quoted(module),
                escape::for_terminal(&error.to_string())
            ),
        })?;
        if steps != parsed.module {
            return Err(disagree("module_address", quoted(module)));
        }
    }
    Ok(())
}

/// A resource type as providers spell them: a lowercase ASCII letter, then
/// lowercase letters, digits, `_` and `-` (`aws_db_instance`,
/// `terraform_data`; a provider named `st-alicloud` has
/// `st-alicloud_ram_policy`).
fn is_provider_type(resource_type: &str) -> bool {
    let mut bytes = resource_type.bytes();
    bytes.next().is_some_and(|first| first.is_ascii_lowercase())
        && bytes.all(|byte| {
            byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'_' || byte == b'-'
        })
}

/// `planned_values` and `prior_state.values`: every module's address and
/// every resource's, without recursion (module nesting has no limit).
/// Laxer than the change lists, as real Terraform output requires: 0.12-era
/// state writes module resources' addresses relative to their module, some
/// versions write an `index` for resources without one, and 1.3 can list
/// one instance twice in `planned_values`. None of these sections says what
/// changes, so they are checked for parseable, consistently placed
/// addresses only.
fn state_values(section: &str, values: &Values<'_>) -> Result<(), Invalid> {
    // Modules in document order (depth first); nesting has no limit, so no
    // recursion, and each module's JSON path is spelled out only for a
    // module with a problem (see `ModulePaths`).
    let mut paths = ModulePaths::new(section_root(section));
    let mut modules: Vec<(usize, &StateModule<'_>)> = Vec::new();
    let mut pending: Vec<(usize, &StateModule<'_>)> = vec![(0, &values.root_module)];
    while let Some((path, module)) = pending.pop() {
        for (index, child) in module.child_modules.iter().enumerate().rev() {
            pending.push((paths.child(path, ChildStep::Child(index)), child));
        }
        modules.push((path, module));
    }
    // A module's own address comes before its resources in that order.
    let steps: Vec<Result<Option<Vec<address::ModuleStep>>, ()>> = modules
        .par_iter()
        .map(|(_, module)| module_steps("", module).map_err(|_| ()))
        .collect();
    let entries: Vec<(usize, Option<usize>)> = modules
        .iter()
        .enumerate()
        .flat_map(|(module, (_, state_module))| {
            std::iter::once((module, None))
                .chain((0..state_module.resources.len()).map(move |index| (module, Some(index))))
        })
        .collect();
    // Found without paths (spelling one for every failing entry would be
    // quadratic again); the one reported is checked again with its own.
    let check = |module: usize, resource: Option<usize>, with_path: bool| {
        let state_module = modules[module].1;
        let module_path = || {
            if with_path {
                paths.spell(modules[module].0)
            } else {
                String::new()
            }
        };
        let module_steps = match &steps[module] {
            Ok(module_steps) => module_steps.as_ref(),
            Err(()) => {
                return match resource {
                    None => module_steps(&module_path(), state_module).err(),
                    Some(_) => None,
                };
            }
        };
        let index = resource?;
        let resources_path = if with_path {
            format!("{}.resources", module_path())
        } else {
            String::new()
        };
        resource_in_module(
            At {
                prefix: &resources_path,
                index: Some(index),
            },
            &state_module.resources[index],
            state_module.address.as_deref(),
            module_steps,
        )
        .err()
    };
    let first_invalid = entries
        .par_iter()
        .find_first(|&&(module, resource)| check(module, resource, false).is_some());
    first_invalid.map_or(Ok(()), |&(module, resource)| {
        check(module, resource, true).map_or(Ok(()), Err)
    })
}

/// `section` (`planned_values`, `prior_state.values`) with its root module.
fn section_root(section: &str) -> String {
    format!("{section}.root_module")
}

/// The JSON paths of nested modules, kept as a parent and a step each and
/// spelled out only for the module whose problem is reported: every
/// module's path spelled out costs memory and time quadratic in the
/// nesting depth (10,000 levels took 1.9 GB).
struct ModulePaths<'s> {
    root: String,
    /// (parent, step) of every module after the root (index 0).
    entries: Vec<(usize, ChildStep<'s>)>,
}

#[derive(Clone, Copy)]
enum ChildStep<'s> {
    /// `.child_modules[i]` in state values.
    Child(usize),
    /// `.module_calls.NAME.module` in the configuration.
    Call(&'s str),
}

impl<'s> ModulePaths<'s> {
    fn new(root: String) -> Self {
        ModulePaths {
            root,
            entries: Vec::new(),
        }
    }

    fn child(&mut self, parent: usize, step: ChildStep<'s>) -> usize {
        self.entries.push((parent, step));
        self.entries.len()
    }

    fn spell(&self, mut module: usize) -> String {
        let mut steps = Vec::new();
        while module != 0 {
            let (parent, step) = self.entries[module - 1];
            steps.push(step);
            module = parent;
        }
        let mut path = self.root.clone();
        for step in steps.iter().rev() {
            match step {
                ChildStep::Child(index) => path.push_str(&format!(".child_modules[{index}]")),
                ChildStep::Call(name) => path.push_str(&format!(".module_calls.{name}.module")),
            }
        }
        path
    }
}

fn module_steps(
    path: &str,
    module: &StateModule<'_>,
) -> Result<Option<Vec<address::ModuleStep>>, Invalid> {
    match module.address.as_deref() {
        Some(module_address) if !module_address.is_empty() => {
            address::parse_module_path(module_address)
                .map(Some)
                .map_err(|error| Invalid {
                    json_path: format!("{path}.address"),
                    problem: format!(
                        "{} is not a Terraform module address ({})",
                        quoted(module_address),
                        escape::for_terminal(&error.to_string())
                    ),
                })
        }
        _ => Ok(None),
    }
}

/// `module.NAME.` any number of times, then `TYPE.NAME` or
/// `data.TYPE.NAME` (or nothing, for a whole module), each part made of
/// letters, digits, `_` and `-`: a configuration address without
/// instance keys. Checked byte by byte, as
/// every state resource of a large plan has some.
fn is_block_address(address: &str) -> bool {
    let is_part = |part: &str| {
        !part.is_empty()
            && part
                .bytes()
                .all(|byte| byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'-')
    };
    let mut parts = address.split('.').peekable();
    let mut modules = 0;
    while parts.peek() == Some(&"module") {
        parts.next();
        if !parts.next().is_some_and(is_part) {
            return false;
        }
        modules += 1;
    }
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some("data"), Some(resource_type), Some(name), None)
        | (Some(resource_type), Some(name), None, None) => is_part(resource_type) && is_part(name),
        // A whole module (`depends_on = [module.vpc]` in older states).
        (None, ..) => modules > 0,
        _ => false,
    }
}

fn resource_in_module(
    path: At<'_>,
    resource: &StateResource<'_>,
    module_address: Option<&str>,
    module_steps: Option<&Vec<address::ModuleStep>>,
) -> Result<(), Invalid> {
    let parsed = parse(path, "address", &resource.address)?;
    consistent(
        path,
        &parsed,
        &resource.address,
        Parts {
            mode: resource.mode.map(Mode::label),
            resource_type: Some(&resource.resource_type),
            name: resource.name.as_deref(),
            index: None,
            module_address: None,
        },
    )?;
    if let Some(steps) = module_steps
        && *steps != parsed.module
        && !parsed.module.is_empty()
    {
        return Err(Invalid {
            json_path: format!("{path}.address"),
            problem: format!(
                "{} is not inside its module {}: the plan is inconsistent",
                quoted(&resource.address),
                quoted(module_address.unwrap_or_default())
            ),
        });
    }
    // Terraform records a dependency as a block's configuration address,
    // never an instance's: a garbled entry lost its edge with only a gap
    // noted (a real blast radius shrank from 9 to 6). All 4,099 entries in
    // the corpus are block addresses.
    if let Some((index, dependency)) = resource
        .depends_on
        .iter()
        .enumerate()
        .find(|(_, dependency)| !is_block_address(dependency))
    {
        return Err(Invalid {
            json_path: format!("{path}.depends_on[{index}]"),
            problem: format!(
                "{} is not a resource block's address: Terraform records dependencies as configuration addresses (the plan is inconsistent)",
                quoted(dependency)
            ),
        });
    }
    // The dependency graph reads each object's identity from its values.
    if let Some(values) = resource.values
        && json_kind(values) != "an object"
    {
        return Err(Invalid {
            json_path: format!("{path}.values"),
            problem: format!(
                "`values` is {}; Terraform writes an object here",
                json_kind(values)
            ),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str) -> Result<(), Invalid> {
        validate(&super::super::parse_document(text).unwrap())
    }

    fn changes(entries: &str) -> String {
        format!(r#"{{"format_version":"1.2","resource_changes":[{entries}]}}"#)
    }

    #[test]
    fn resource_types_no_provider_defines_are_refused() {
        for bad in [
            "AWS_DB_INSTANCE",
            "Aws_db_instance",
            "aws_db_instanc\u{0435}",
            "_aws",
        ] {
            let text = changes(&format!(
                r#"{{"address":"{bad}.db","mode":"managed","type":"{bad}","name":"db","change":{{"actions":["delete"],"before":{{}}}},"action_reason":"delete_because_no_resource_config"}}"#
            ));
            let invalid = check(&text).expect_err(bad);
            assert_eq!(invalid.json_path, "resource_changes[0].address", "{bad}");
            assert!(
                invalid.problem.contains("no provider defines"),
                "{bad}: {}",
                invalid.problem
            );
        }
        for good in [
            "aws_db_instance",
            "terraform_data",
            "null_resource",
            "aws_s3_bucket_v2",
            "st-alicloud_ram_policy",
        ] {
            assert!(is_provider_type(good), "{good}");
        }
    }

    #[test]
    fn malformed_addresses_are_refused_with_their_path() {
        for bad in [
            r#"aws_s3_bucket.b[\"k"#,
            "aws_s3_bucket.b[0",
            "module..aws_s3_bucket.b",
            "aws_s3_bucket.b x",
            "aws_s3_bucket.b$",
            "module.m",
            "",
        ] {
            let text = changes(&format!(
                r#"{{"address":"{bad}","type":"aws_s3_bucket","change":{{"actions":["delete"]}}}}"#
            ));
            let invalid = check(&text).unwrap_err();
            assert_eq!(invalid.json_path, "resource_changes[0].address", "{bad}");
            assert!(invalid.problem.contains("not a Terraform"), "{invalid:?}");
        }
    }

    #[test]
    fn parts_that_disagree_with_the_address_are_refused() {
        for (field, entry) in [
            ("type", r#""type":"aws_other""#),
            ("name", r#""type":"aws_s3_bucket","name":"c""#),
            ("mode", r#""type":"aws_s3_bucket","mode":"data""#),
            ("index", r#""type":"aws_s3_bucket","index":1"#),
            (
                "module_address",
                r#""type":"aws_s3_bucket","module_address":"module.m""#,
            ),
        ] {
            let text = changes(&format!(
                r#"{{"address":"aws_s3_bucket.b[0]",{entry},"change":{{"actions":["delete"],"before":{{}}}}}}"#
            ));
            let invalid = check(&text).unwrap_err();
            assert_eq!(invalid.json_path, format!("resource_changes[0].{field}"));
        }
        let fine = changes(
            r#"{"address":"module.m[\"a\"].aws_s3_bucket.b[\"k\"]","module_address":"module.m[\"a\"]","mode":"managed","type":"aws_s3_bucket","name":"b","index":"k","change":{"actions":["delete"],"before":{}}}"#,
        );
        check(&fine).unwrap();
    }

    #[test]
    fn values_of_another_shape_and_updates_without_values_are_refused() {
        let entry = |actions: &str, change: &str| {
            changes(&format!(
                r#"{{"address":"aws_db_instance.a","type":"aws_db_instance","name":"a","change":{{"actions":["{actions}"]{change}}}}}"#
            ))
        };
        for (actions, change, field, problem) in [
            (
                "update",
                r#","before":{},"after":"x""#,
                "after",
                "`after` is a string",
            ),
            (
                "update",
                r#","before":[],"after":{}"#,
                "before",
                "`before` is a list",
            ),
            ("delete", r#","before":1"#, "before", "`before` is a number"),
            (
                "update",
                r#","before":{},"after":{},"after_unknown":"x""#,
                "after_unknown",
                "`after_unknown` is a string",
            ),
            (
                "update",
                r#","before":{},"after":{},"after_sensitive":[]"#,
                "after_sensitive",
                "`after_sensitive` is a list",
            ),
            (
                "create",
                r#","after":{},"importing":"id-1""#,
                "importing",
                "`importing` is a string",
            ),
            (
                "update",
                r#","before":{},"after":null"#,
                "after",
                "an update without `after`",
            ),
            (
                "update",
                r#","after":{}"#,
                "before",
                "an update without `before`",
            ),
            (
                "no-op",
                r#","before":{"id":"db-1"},"after":null"#,
                "after",
                "no-op whose `after` is null",
            ),
            ("no-op", r#","before":{"id":"db-1"}"#, "after", "goes away"),
            (
                "update",
                r#","before":{},"after":{},"replace_paths":[["engine"]]"#,
                "replace_paths",
                "an update with replace paths",
            ),
        ] {
            let invalid = check(&entry(actions, change)).unwrap_err();
            assert_eq!(
                invalid.json_path,
                format!("resource_changes[0].change.{field}")
            );
            assert!(invalid.problem.contains(problem), "{}", invalid.problem);
        }
        // What Terraform writes: objects, null where there is no object,
        // boolean masks; a create or a read may leave `after` out.
        for (actions, change) in [
            (
                "update",
                r#","before":{},"after":{},"after_unknown":{},"before_sensitive":false,"after_sensitive":true"#,
            ),
            (
                "delete",
                r#","before":{},"after":null,"after_sensitive":false"#,
            ),
            ("create", r#","before":null"#),
            ("read", ""),
            ("no-op", r#","before":null,"after":null"#),
            (
                "no-op",
                r#","before":{},"after":{},"importing":{"id":"i-1"}"#,
            ),
            ("no-op", r#","before":{},"after":{},"importing":false"#),
        ] {
            check(&entry(actions, change)).unwrap();
        }
        // A replace relabelled as an update keeps its reason.
        let relabelled = changes(
            r#"{"address":"aws_db_instance.a","type":"aws_db_instance","name":"a","action_reason":"replace_because_cannot_update","change":{"actions":["update"],"before":{},"after":{}}}"#,
        );
        let invalid = check(&relabelled).unwrap_err();
        assert_eq!(invalid.json_path, "resource_changes[0].action_reason");
        assert!(
            invalid
                .problem
                .contains("an update with `replace_because_cannot_update`"),
            "{invalid:?}"
        );
        check(&relabelled.replace(r#"["update"]"#, r#"["delete","create"]"#)).unwrap();
        // A delete's reason on an update is refused too (`reason_fits`).
        let invalid =
            check(&relabelled.replace("replace_because_cannot_update", "delete_because_each_key"))
                .unwrap_err();
        assert!(
            invalid
                .problem
                .contains("a reason Terraform gives only to a delete"),
            "{invalid:?}"
        );
        let state = r#"{"format_version":"1.2","prior_state":{"values":{"root_module":{"resources":[{"address":"aws_s3_bucket.b","mode":"managed","type":"aws_s3_bucket","name":"b","values":"x"}]}}}}"#;
        let invalid = check(state).unwrap_err();
        assert_eq!(
            invalid.json_path,
            "prior_state.values.root_module.resources[0].values"
        );
    }

    #[test]
    fn a_repeated_address_is_refused_unless_deposed() {
        let entry = r#"{"address":"a.b","type":"a","change":{"actions":["no-op"]}}"#;
        let deposed = r#"{"address":"a.b","type":"a","deposed":"00aa","change":{"actions":["delete"],"before":{}}}"#;
        let current = r#"{"address":"a.b","mode":"managed","type":"a","name":"b","values":{}}"#;
        let kept_deposed = r#"{"address":"a.b","mode":"managed","type":"a","name":"b","deposed_key":"00aa","values":{}}"#;
        check(&format!(
            r#"{{"format_version":"1.2","resource_changes":[{entry},{deposed}],"planned_values":{{"root_module":{{"resources":[{current}]}}}},"prior_state":{{"values":{{"root_module":{{"resources":[{current},{kept_deposed}]}}}}}}}}"#
        ))
        .unwrap();
        let invalid = check(&changes(&format!("{entry},{entry}"))).unwrap_err();
        assert_eq!(invalid.json_path, "resource_changes[1].address");
        assert!(invalid.problem.contains("appears twice"));
    }

    #[test]
    fn a_deposed_destroy_needs_that_deposed_object_in_the_prior_state() {
        let current = r#"{"address":"a.b","mode":"managed","type":"a","name":"b","values":{}}"#;
        let plan = |changes: &str, objects: &str| {
            format!(
                r#"{{"format_version":"1.2","resource_changes":[{changes}],"planned_values":{{"root_module":{{"resources":[{current}]}}}},"prior_state":{{"values":{{"root_module":{{"resources":[{objects}]}}}}}}}}"#
            )
        };
        // `deposed` added to a delete: the deposed object it names is not there.
        let relabelled = r#"{"address":"a.b","type":"a","name":"b","deposed":"00aa","change":{"actions":["delete"],"before":{}}}"#;
        let kept = r#"{"address":"a.b","type":"a","name":"b","change":{"actions":["no-op"],"before":{},"after":{}}}"#;
        let invalid = check(&plan(&format!("{kept},{relabelled}"), current)).unwrap_err();
        assert_eq!(invalid.json_path, "resource_changes[1].deposed");
        assert!(
            invalid
                .problem
                .contains("which the prior state does not hold"),
            "{invalid:?}"
        );
        // The current object's own delete relabelled, with a deposed copy
        // added to the prior state too: the current object then has no
        // change of its own and is not kept.
        let copy = r#"{"address":"a.b","mode":"managed","type":"a","name":"b","deposed_key":"00aa","values":{}}"#;
        let unplanned = |changes: &str, objects: &str| {
            format!(
                r#"{{"format_version":"1.2","resource_changes":[{changes}],"prior_state":{{"values":{{"root_module":{{"resources":[{objects}]}}}}}}}}"#
            )
        };
        let invalid = check(&unplanned(relabelled, &format!("{current},{copy}"))).unwrap_err();
        assert!(
            invalid
                .problem
                .contains("neither in planned_values nor in resource_changes"),
            "{invalid:?}"
        );
        // No prior state at all confirms nothing.
        let invalid = check(&changes(relabelled)).unwrap_err();
        assert_eq!(invalid.json_path, "resource_changes[0].deposed");
    }

    #[test]
    fn a_destroyed_data_source_is_refused() {
        // A managed replace relabelled as a data source's; the replacement
        // is in planned_values as Terraform writes it.
        let relabelled = r#"{"address":"data.aws_db_instance.db","mode":"data","type":"aws_db_instance","name":"db","change":{"actions":["delete","create"],"before":{},"after":{}}}"#;
        let managed = r#"{"address":"aws_db_instance.db","mode":"managed","type":"aws_db_instance","name":"db","values":{}}"#;
        let plan = |format: &str, objects: &str| {
            format!(
                r#"{{"format_version":"{format}","resource_changes":[{relabelled}],"planned_values":{{"root_module":{{"resources":[{managed}]}}}},"prior_state":{{"values":{{"root_module":{{"resources":[{objects}]}}}}}}}}"#
            )
        };
        // Refused with the data source written into the prior state too,
        // and in the 0.12-era format.
        let data = r#"{"address":"data.aws_db_instance.db","mode":"data","type":"aws_db_instance","name":"db","values":{}}"#;
        for format in ["1.2", "0.1"] {
            for objects in [managed.to_owned(), format!("{managed},{data}")] {
                let invalid = check(&plan(format, &objects)).unwrap_err();
                assert_eq!(invalid.json_path, "resource_changes[0].change.actions");
                assert!(invalid.problem.contains("destroys none"), "{invalid:?}");
            }
        }
        // A read is what Terraform plans for a data source.
        let read = relabelled.replace(r#"["delete","create"]"#, r#"["read"]"#);
        check(&changes(&read)).unwrap();
    }

    #[test]
    fn a_current_object_listed_twice_in_the_prior_state_is_refused_outside_the_0_12_format() {
        let object = |name: &str, deposed: &str| {
            format!(
                r#"{{"address":"aws_db_instance.{name}","mode":"managed","type":"aws_db_instance","name":"{name}","values":{{}}{deposed}}}"#
            )
        };
        let plan = |format: &str, root: &str, child: &str| {
            format!(
                r#"{{"format_version":"{format}","prior_state":{{"values":{{"root_module":{{"resources":[{root}],"child_modules":[{{"address":"module.m","resources":[{child}]}}]}}}}}}}}"#
            )
        };
        let (main, other) = (object("main", ""), object("other", ""));
        let deposed = object("main", r#","deposed_key":"00aa""#);
        check(&plan("1.2", &format!("{main},{deposed}"), "")).unwrap();
        let invalid = check(&plan("1.2", &format!("{main},{other}"), &main)).unwrap_err();
        assert_eq!(
            invalid.json_path,
            "prior_state.values.root_module.child_modules[0].resources[0].address"
        );
        assert!(
            invalid.problem.starts_with(
                "`aws_db_instance.main` appears twice among the prior state's current objects"
            ),
            "{invalid:?}"
        );
        // 0.12-era state repeats an address for each counted instance.
        check(&plan("0.1", &format!("{main},{main}"), &main)).unwrap();
    }

    #[test]
    fn a_change_of_an_object_the_prior_state_lacks_or_holds_without_values_is_refused() {
        let plan = |format: &str, prior: &str| {
            format!(
                r#"{{"format_version":"{format}","resource_changes":[{{"address":"aws_db_instance.db","type":"aws_db_instance","name":"db","change":{{"actions":["delete"],"before":{{"skip_final_snapshot":false}},"after":null}}}}],"prior_state":{{"values":{{"root_module":{{"resources":[{prior}]}}}}}}}}"#
            )
        };
        let object = |rest: &str| {
            format!(
                r#"{{"address":"aws_db_instance.db","mode":"managed","type":"aws_db_instance","name":"db"{rest}}}"#
            )
        };
        check(&plan(
            "1.2",
            &object(r#","values":{"skip_final_snapshot":true}"#),
        ))
        .unwrap();
        for prior in [String::new(), object(""), object(r#","values":null"#)] {
            let invalid = check(&plan("1.2", &prior)).unwrap_err();
            assert_eq!(
                invalid.json_path, "resource_changes[0].change.before",
                "{prior}: {invalid:?}"
            );
            assert!(
                invalid
                    .problem
                    .contains("the prior state does not hold with its values"),
                "{prior}: {invalid:?}"
            );
        }
        // Left there only as a deposed object, it is a delete cut out.
        check(&plan(
            "1.2",
            &object(r#","values":{},"deposed_key":"00aa""#),
        ))
        .unwrap_err();
        // 0.12-era state addresses are relative to their module.
        check(&plan("0.1", "")).unwrap();
    }

    #[test]
    fn problems_in_several_sections_are_reported_in_a_fixed_order() {
        let bad_change = r#"{"address":"a.b x","type":"a","change":{"actions":["no-op"]}}"#;
        let bad_resource = |name: &str| {
            format!(
                r#"{{"root_module":{{"resources":[{{"address":"a.{name} x","mode":"managed","type":"a","name":"{name}"}}]}}}}"#
            )
        };
        let planned = bad_resource("planned");
        let prior = bad_resource("prior");
        let all = format!(
            r#"{{"format_version":"1.2","planned_values":{planned},"resource_changes":[{bad_change}],"prior_state":{{"values":{prior}}}}}"#
        );
        for _ in 0..20 {
            assert_eq!(
                check(&all).unwrap_err().json_path,
                "resource_changes[0].address"
            );
        }
        let states = format!(
            r#"{{"format_version":"1.2","planned_values":{planned},"prior_state":{{"values":{prior}}}}}"#
        );
        assert_eq!(
            check(&states).unwrap_err().json_path,
            "planned_values.root_module.resources[0].address"
        );
        let prior_only =
            format!(r#"{{"format_version":"1.2","prior_state":{{"values":{prior}}}}}"#);
        assert_eq!(
            check(&prior_only).unwrap_err().json_path,
            "prior_state.values.root_module.resources[0].address"
        );
    }

    #[test]
    fn the_first_problem_in_document_order_is_reported() {
        // Entries are checked in parallel; many entries make sure later
        // problems are found by other threads too.
        let fine = |index: usize| {
            format!(r#"{{"address":"a.b{index}","type":"a","change":{{"actions":["no-op"]}}}}"#)
        };
        let bad = r#"{"address":"a.b x","type":"a","change":{"actions":["no-op"]}}"#;
        let list = |entries: &[(usize, String)]| {
            let mut all: Vec<String> = (0..2000).map(fine).collect();
            for (index, entry) in entries {
                all[*index] = entry.clone();
            }
            changes(&all.join(","))
        };
        // A repeat before a malformed address, and the other way round.
        let text = list(&[(30, fine(10)), (1500, bad.to_owned())]);
        assert_eq!(
            check(&text).unwrap_err().json_path,
            "resource_changes[30].address"
        );
        let text = list(&[
            (30, bad.to_owned()),
            (1500, fine(10)),
            (1900, bad.to_owned()),
        ]);
        let invalid = check(&text).unwrap_err();
        assert_eq!(invalid.json_path, "resource_changes[30].address");
        assert!(invalid.problem.contains("not a Terraform"), "{invalid:?}");
        // One entry both repeated and inconsistent: its own address first.
        let inconsistent = r#"{"address":"a.b10","type":"other","change":{"actions":["no-op"]}}"#;
        let text = list(&[(40, inconsistent.to_owned())]);
        assert_eq!(
            check(&text).unwrap_err().json_path,
            "resource_changes[40].type"
        );
    }

    #[test]
    fn a_payload_nested_too_deep_to_read_whole_is_refused() {
        let deep = |depth: usize| "[".repeat(depth) + &"]".repeat(depth);
        let plan = |depth: usize| {
            changes(&format!(
                r#"{{"address":"a.b","type":"a","change":{{"actions":["update"],"before":{{}},"after":{{"x":{}}}}}}}"#,
                deep(depth)
            ))
        };
        // `after` itself is one level: 119 more stay readable.
        check(&plan(MAX_PAYLOAD_NESTING - 1)).unwrap();
        let invalid = check(&plan(MAX_PAYLOAD_NESTING)).unwrap_err();
        assert_eq!(invalid.json_path, "resource_changes[0].change.after");
        assert!(invalid.problem.contains("121 levels deep"), "{invalid:?}");
        // A configuration expression too, inside a module call.
        let configured = format!(
            r#"{{"format_version":"1.2","configuration":{{"root_module":{{"module_calls":{{"m":{{"module":{{"resources":[{{"address":"a.b","type":"a","name":"b","expressions":{{"x":{}}}}}]}}}}}}}}}}}}"#,
            deep(MAX_PAYLOAD_NESTING)
        );
        let invalid = check(&configured).unwrap_err();
        assert_eq!(
            invalid.json_path,
            "configuration.root_module.module_calls.m.module.resources[0].expressions"
        );
        let defaulted = format!(
            r#"{{"format_version":"1.2","configuration":{{"root_module":{{"variables":{{"token":{{"sensitive":true,"default":{}}}}}}}}}}}"#,
            deep(MAX_PAYLOAD_NESTING + 1)
        );
        let invalid = check(&defaulted).unwrap_err();
        assert_eq!(
            invalid.json_path,
            "configuration.root_module.variables.token.default"
        );
    }

    #[test]
    fn state_resources_are_checked_too() {
        let state = |address: &str| {
            format!(
                r#"{{"format_version":"1.2","prior_state":{{"values":{{"root_module":{{"child_modules":[{{"address":"module.m","resources":[{{"address":"{address}","type":"a","name":"b"}}]}}]}}}}}}}}"#
            )
        };
        // 0.12-era state writes the address relative to its module.
        check(&state("a.b")).unwrap();
        check(&state("module.m.a.b")).unwrap();
        let invalid = check(&state("module.n.a.b")).unwrap_err();
        assert!(invalid.problem.contains("not inside its module"));
        let invalid = check(&state("a.b[")).unwrap_err();
        assert_eq!(
            invalid.json_path,
            "prior_state.values.root_module.child_modules[0].resources[0].address"
        );
    }

    #[test]
    fn a_reason_terraform_gives_another_action_or_instance_is_refused() {
        let entry = |address: &str, name: &str, reason: &str, actions: &str| {
            format!(
                r#"{{"address":"{address}","type":"a","name":"{name}","action_reason":"{reason}","change":{{"actions":{actions},"before":{{}},"after":null}}}}"#
            )
        };
        let delete = r#"["delete"]"#;
        let replace = r#"["delete","create"]"#;
        for (address, reason, actions, expected) in [
            (
                "a.svc[2]",
                "replace_because_tainted",
                delete,
                "a delete with `replace_because_tainted`",
            ),
            (
                "a.svc[2]",
                "read_because_dependency_pending",
                delete,
                "only to a read",
            ),
            (
                "a.svc[2]",
                "delete_because_count_index",
                replace,
                "a replace with `delete_because_count_index`",
            ),
            (
                "a.svc[2]",
                "delete_because_each_key",
                delete,
                "only to a `for_each` key",
            ),
            (
                r#"a.svc[\"k\"]"#,
                "delete_because_count_index",
                delete,
                "only to a count index",
            ),
            (
                "a.svc[2]",
                "delete_because_no_module",
                delete,
                "only to a resource in a module",
            ),
        ] {
            let invalid = check(&changes(&entry(address, "svc", reason, actions))).unwrap_err();
            assert_eq!(invalid.json_path, "resource_changes[0].action_reason");
            assert!(invalid.problem.contains(expected), "{reason}: {invalid:?}");
        }
        // As Terraform writes them.
        for (address, reason, actions) in [
            ("a.svc[2]", "delete_because_count_index", delete),
            (r#"a.svc[\"k\"]"#, "delete_because_each_key", delete),
            ("module.m.a.svc", "delete_because_no_module", delete),
            ("a.svc", "delete_because_no_resource_config", delete),
            ("a.svc", "replace_because_cannot_update", replace),
            ("a.svc", "a_reason_from_a_later_terraform", delete),
        ] {
            check(&changes(&entry(address, "svc", reason, actions))).unwrap();
        }
    }

    #[test]
    fn reasons_the_configuration_or_prior_state_contradict_are_refused() {
        let removed_block = r#"{"format_version":"1.2","resource_changes":[{"address":"a.svc[1]","type":"a","name":"svc","action_reason":"delete_because_no_resource_config","change":{"actions":["delete"],"before":{},"after":null}}],"configuration":{"root_module":{"resources":[{"address":"a.svc","type":"a","name":"svc"}]}}}"#;
        let invalid = check(removed_block).unwrap_err();
        assert_eq!(invalid.json_path, "resource_changes[0].action_reason");
        assert!(
            invalid
                .problem
                .contains("while its block `a.svc` is in the configuration"),
            "{invalid:?}"
        );
        check(&removed_block.replace(r#""address":"a.svc","#, r#""address":"a.other","#)).unwrap();
        let tainted = |flag: &str| {
            format!(
                r#"{{"format_version":"1.2","resource_changes":[{{"address":"a.web","type":"a","name":"web","action_reason":"replace_because_tainted","change":{{"actions":["delete","create"],"before":{{}},"after":{{}}}}}}],"prior_state":{{"values":{{"root_module":{{"resources":[{{"address":"a.web","mode":"managed","type":"a","name":"web","values":{{}}{flag}}}]}}}}}}}}"#
            )
        };
        let invalid = check(&tainted("")).unwrap_err();
        assert!(
            invalid.problem.contains("does not mark it tainted"),
            "{invalid:?}"
        );
        check(&tainted(r#","tainted":true"#)).unwrap();
    }

    #[test]
    fn a_key_reason_the_block_contradicts_is_refused() {
        let plan = |address: &str, reason: &str, block: &str| {
            format!(
                r#"{{"format_version":"1.2","resource_changes":[{{"address":"{address}","type":"a","name":"svc","action_reason":"{reason}","change":{{"actions":["delete"],"before":{{}},"after":null}}}}],"configuration":{{"root_module":{{"resources":[{{"address":"a.svc","type":"a","name":"svc"{block}}}]}}}}}}"#
            )
        };
        let count = r#","count_expression":{"references":["var.n"]}"#;
        let count_of_two = r#","count_expression":{"constant_value":2}"#;
        let for_each = r#","for_each_expression":{"references":["var.m"]}"#;
        for (address, reason, block, expected) in [
            // `count` → `for_each`, relabelled as a count index (a shifted list).
            (
                "a.svc[1]",
                "delete_because_count_index",
                for_each,
                "uses `for_each`",
            ),
            (
                "a.svc[1]",
                "delete_because_count_index",
                count_of_two,
                "within its block's constant `count`",
            ),
            (
                r#"a.svc[\"k\"]"#,
                "delete_because_each_key",
                count,
                "uses `count`",
            ),
            (
                "a.svc[1]",
                "delete_because_wrong_repetition",
                count,
                "uses `count`",
            ),
            (
                r#"a.svc[\"k\"]"#,
                "delete_because_wrong_repetition",
                for_each,
                "uses `for_each`",
            ),
        ] {
            let invalid = check(&plan(address, reason, block)).unwrap_err();
            assert_eq!(invalid.json_path, "resource_changes[0].action_reason");
            assert!(
                invalid.problem.contains(expected),
                "{reason} on {address}: {invalid:?}"
            );
        }
        // As Terraform writes them, an expression it could not write
        // (`for_each = toset([...])`) left out; a block the configuration
        // does not declare is not compared.
        for (address, reason, block) in [
            ("a.svc[1]", "delete_because_count_index", count),
            ("a.svc[2]", "delete_because_count_index", count_of_two),
            ("a.svc[1]", "delete_because_count_index", ""),
            (r#"a.svc[\"k\"]"#, "delete_because_each_key", for_each),
            (r#"a.svc[\"k\"]"#, "delete_because_each_key", ""),
            ("a.svc[1]", "delete_because_wrong_repetition", for_each),
            (r#"a.svc[\"k\"]"#, "delete_because_wrong_repetition", count),
            ("a.svc", "delete_because_wrong_repetition", count),
            ("a.svc", "delete_because_wrong_repetition", ""),
            ("a.svc[0]", "delete_because_wrong_repetition", ""),
        ] {
            check(&plan(address, reason, block)).unwrap();
        }
        check(
            &plan("a.svc[1]", "delete_because_count_index", for_each)
                .replace(r#""address":"a.svc","#, r#""address":"a.other","#),
        )
        .unwrap();
    }

    #[test]
    fn a_key_reason_the_kept_instances_contradict_is_refused() {
        // No configuration: the instances the plan keeps or creates say how
        // the block repeats.
        let plan = |reason: &str, kept: &str| {
            format!(
                r#"{{"format_version":"1.2","resource_changes":[{{"address":"a.svc[1]","type":"a","name":"svc","action_reason":"{reason}","change":{{"actions":["delete"],"before":{{}},"after":null}}}},{{"address":"{kept}","type":"a","name":"svc","change":{{"actions":["create"],"before":null,"after":{{}}}}}}]}}"#
            )
        };
        let invalid = check(&plan("delete_because_count_index", r#"a.svc[\"k\"]"#)).unwrap_err();
        assert_eq!(invalid.json_path, "resource_changes[0].action_reason");
        assert!(
            invalid
                .problem
                .contains("remains with a key of another kind"),
            "{invalid:?}"
        );
        // A kept instance listed without its name (hand-made plans) is
        // still compared.
        let unnamed = plan("delete_because_count_index", r#"a.svc[\"k\"]"#).replace(
            r#""name":"svc","change":{"actions":["create"]"#,
            r#""change":{"actions":["create"]"#,
        );
        assert!(unnamed.contains(r#""type":"a","change""#));
        check(&unnamed).unwrap_err();
        check(&plan("delete_because_count_index", "a.svc[0]")).unwrap();
        check(&plan("delete_because_wrong_repetition", r#"a.svc[\"k\"]"#)).unwrap();
        // Another resource's keys say nothing about this one.
        check(
            &plan("delete_because_count_index", r#"a.other[\"k\"]"#).replace(
                r#""name":"svc","change":{"actions":["create"]"#,
                r#""name":"other","change":{"actions":["create"]"#,
            ),
        )
        .unwrap();
    }

    #[test]
    fn a_forget_of_a_resource_still_configured_is_refused() {
        let plan = |forgotten: &str, configuration: &str| {
            let name = if forgotten.ends_with("other") {
                "other"
            } else {
                "db"
            };
            format!(
                r#"{{"format_version":"1.2","resource_changes":[{{"address":"{forgotten}","type":"a","name":"{name}","change":{{"actions":["forget"],"before":{{}},"after":null}}}}]{configuration}}}"#
            )
        };
        let configured = r#","configuration":{"root_module":{"resources":[{"address":"a.db","type":"a","name":"db"}],"module_calls":{"m":{"module":{"resources":[{"address":"a.db","type":"a","name":"db"}]}}}}}"#;
        for forgotten in ["a.db", "a.db[1]", r#"module.m[\"k\"].a.db"#] {
            let invalid = check(&plan(forgotten, configured)).unwrap_err();
            assert_eq!(invalid.json_path, "resource_changes[0].change.actions");
            assert!(
                invalid.problem.contains("is still in the configuration"),
                "{invalid:?}"
            );
        }
        // As Terraform writes it: the block was removed (a `removed` block).
        check(&plan("a.other", configured)).unwrap();
        check(&plan("module.n.a.db", configured)).unwrap();
        // Nothing to compare with: dropping the section does not switch the
        // check off, and neither does one in a shape this version cannot read.
        for configuration in [
            "",
            r#","configuration":{"root_module":{"module_calls":[]}}"#,
        ] {
            let invalid = check(&plan("a.db", configuration)).unwrap_err();
            assert!(
                invalid
                    .problem
                    .contains("configuration is missing or unreadable"),
                "{invalid:?}"
            );
        }
    }

    #[test]
    fn an_object_moved_to_an_undeclared_or_unplanned_address_is_refused() {
        let name_of = |address: &str| {
            let resource = address.rsplit("].").next().unwrap_or(address);
            let name = resource.split('.').nth(1).unwrap_or_default();
            name.split('[').next().unwrap_or_default().to_owned()
        };
        let plan = |moved_to: &str, actions: &str, planned: &str| {
            let name = name_of(moved_to);
            format!(
                r#"{{"format_version":"1.2","planned_values":{{"root_module":{{"resources":[{planned}]}}}},"resource_changes":[{{"address":"{moved_to}","previous_address":"a.old","type":"a","name":"{name}","change":{{"actions":{actions},"before":{{}},"after":{{}}}}}}],"configuration":{{"root_module":{{"resources":[{{"address":"a.db","type":"a","name":"db"}}],"module_calls":{{"m":{{"module":{{"resources":[{{"address":"a.db","type":"a","name":"db"}}]}}}}}}}}}}}}"#
            )
        };
        let planned = |address: &str| {
            let name = name_of(address);
            format!(r#"{{"address":"{address}","type":"a","name":"{name}"}}"#)
        };
        // Declared (instance and module keys aside) and planned: a real move.
        for moved_to in ["a.db", "a.db[1]", r#"module.m[\"k\"].a.db"#] {
            let planned = planned(moved_to);
            check(&plan(moved_to, r#"["no-op"]"#, &planned)).unwrap();
            check(&plan(moved_to, r#"["update"]"#, &planned)).unwrap();
        }
        let undeclared = check(&plan("a.other", r#"["no-op"]"#, &planned("a.other"))).unwrap_err();
        assert_eq!(undeclared.json_path, "resource_changes[0].previous_address");
        assert!(
            undeclared.problem.contains("is not in the configuration"),
            "{undeclared:?}"
        );
        let unplanned = check(&plan("a.db", r#"["no-op"]"#, &planned("a.x"))).unwrap_err();
        assert!(
            unplanned.problem.contains("not in planned_values"),
            "{unplanned:?}"
        );
        // Moved to an undeclared address, Terraform destroys the object: a
        // delete (`delete_because_no_move_target`) is how it writes that.
        check(&plan("a.other", r#"["delete"]"#, "")).unwrap();
    }

    #[test]
    fn a_drift_delete_of_an_object_still_in_the_prior_state_is_refused() {
        let plan = |drifted: &str, prior: &str| {
            format!(
                r#"{{"format_version":"1.2","resource_drift":[{{"address":"{drifted}","type":"a","name":"db","change":{{"actions":["delete"],"before":{{}},"after":null}}}}],"prior_state":{{"values":{{"root_module":{{"resources":[{{"address":"{prior}","type":"a","name":"{}","values":{{}}}}]}}}}}}}}"#,
                prior.rsplit('.').next().unwrap()
            )
        };
        let invalid = check(&plan("a.db", "a.db")).unwrap_err();
        assert_eq!(invalid.json_path, "resource_drift[0].change.actions");
        assert!(
            invalid.problem.contains("still in the prior state"),
            "{invalid:?}"
        );
        // As Terraform writes it: the refreshed prior state no longer has it.
        check(&plan("a.db", "a.other")).unwrap();
    }

    #[test]
    fn edits_found_by_the_hostile_sweep_are_refused() {
        let state = |resource: &str| {
            format!(r#""prior_state":{{"values":{{"root_module":{{"resources":[{resource}]}}}}}}"#)
        };
        let object = r#"{"address":"a.web","type":"a","name":"web","values":{"id":"i-1"}}"#;
        let planned = format!(r#""planned_values":{{"root_module":{{"resources":[{object}]}}}}"#);
        let plan = |change: &str, extra: &str| {
            format!(
                r#"{{"format_version":"1.2","resource_changes":[{change}],{planned},{}{extra}}}"#,
                state(object)
            )
        };
        let update = |after_id: &str| {
            format!(
                r#"{{"address":"a.web","type":"a","name":"web","change":{{"actions":["update"],"before":{{"id":"i-1","n":1}},"after":{{"id":{after_id},"n":2}}}}}}"#
            )
        };
        // A replace relabelled an update: the known id changes.
        let invalid = check(&plan(&update(r#""i-2""#), "")).unwrap_err();
        assert_eq!(invalid.json_path, "resource_changes[0].change.after.id");
        check(&plan(&update(r#""i-1""#), "")).unwrap();
        // Unknown after an update (plugin-framework providers): not proof.
        check(&plan(&update("null"), "")).unwrap();
        // A tainted object kept in place.
        let tainted = object.replace(r#""values""#, r#""tainted":true,"values""#);
        let text = format!(
            r#"{{"format_version":"1.2","resource_changes":[{}],{planned},{}}}"#,
            update(r#""i-1""#),
            state(&tainted)
        );
        let invalid = check(&text).unwrap_err();
        assert!(invalid.problem.contains("marks it tainted"), "{invalid:?}");
        // Relabelled `0.1`, the 0.12-era format, too.
        let invalid = check(&text.replace(r#""1.2""#, r#""0.1""#)).unwrap_err();
        assert!(invalid.problem.contains("marks it tainted"), "{invalid:?}");
        // A delete without the object it destroys.
        let delete = r#"{"address":"a.old","type":"a","name":"old","change":{"actions":["delete"],"before":null,"after":null}}"#;
        let invalid = check(&changes(delete)).unwrap_err();
        assert_eq!(invalid.json_path, "resource_changes[0].change.before");
        // Every change cut out of a plan that keeps its objects planned.
        let text = format!(
            r#"{{"format_version":"1.2","resource_changes":[],{planned},{}}}"#,
            state(object)
        );
        let dropped = text.replace(r#""resource_changes":[],"#, "");
        for text in [dropped.clone(), dropped.replace(r#""1.2""#, r#""0.1""#)] {
            let invalid = check(&text).unwrap_err();
            assert!(
                invalid
                    .problem
                    .contains("is in planned_values, and the plan lists no changes"),
                "{invalid:?}"
            );
        }
        check(&text).unwrap_err();
        // Applyable with nothing to apply; a refresh-only plan with drift is.
        let bare =
            r#"{"format_version":"1.2","applyable":true,"planned_values":{"root_module":{}}}"#;
        assert_eq!(check(bare).unwrap_err().json_path, "applyable");
        let drift = r#"{"format_version":"1.2","applyable":true,"planned_values":{"root_module":{}},"resource_drift":[{"address":"a.web","type":"a","name":"web","change":{"actions":["update"],"before":{},"after":{}}}]}"#;
        check(drift).unwrap();
        // A refresh-only plan whose refresh changed only the state (here
        // dependencies; Terraform 1.11 wrote it so) is applyable too.
        let refreshed = format!(
            r#"{{"format_version":"1.2","applyable":true,"planned_values":{{"root_module":{{}}}},{}}}"#,
            state(object)
        );
        check(&refreshed).unwrap();
        // A dependency that is not a block's address.
        for dependency in [
            "!!a.b",
            "a.b[0]",
            r#"module.m[\"k\"].a.b"#,
            "a",
            "a.b.c",
            "module",
            "",
        ] {
            let with = object.replace(
                r#""values""#,
                &format!(r#""depends_on":["a.ok","{dependency}"],"values""#),
            );
            let text = format!(
                r#"{{"format_version":"1.2","resource_changes":[],{}}}"#,
                state(&with)
            );
            let invalid = check(&text).unwrap_err();
            assert_eq!(
                invalid.json_path, "prior_state.values.root_module.resources[0].depends_on[1]",
                "{dependency}"
            );
        }
        for dependency in ["a.b", "data.a.b", "module.m.module.n.a-b.c_d", "module.m"] {
            assert!(is_block_address(dependency), "{dependency}");
        }
        // A configured instance deleted without a reason beside kept objects.
        let kept = r#"{"address":"a.web","type":"a","name":"web","change":{"actions":["no-op"],"before":{"id":"i-1"},"after":{"id":"i-1"}}}"#;
        let deleted = r#"{"address":"a.web2[1]","type":"a","name":"web2","change":{"actions":["delete"],"before":{},"after":null}}"#;
        let configured = r#"{"root_module":{"resources":[{"address":"a.web","type":"a","name":"web"},{"address":"a.web2","type":"a","name":"web2","count_expression":{"constant_value":1}}]}}"#;
        let text = |version: &str, changes: &str, reason: &str| {
            format!(
                r#"{{"format_version":"1.2","terraform_version":"{version}","resource_changes":[{}],"configuration":{configured}}}"#,
                changes.replace(r#""name":"web2","#, &format!(r#""name":"web2",{reason}"#))
            )
        };
        let both = format!("{kept},{deleted}");
        let invalid = check(&text("1.11.4", &both, "")).unwrap_err();
        assert_eq!(invalid.json_path, "resource_changes[1].action_reason");
        check(&text(
            "1.11.4",
            &both,
            r#""action_reason":"delete_because_count_index","#,
        ))
        .unwrap();
        // Its block taken out of the configuration as well: still no reason.
        let unconfigured = text("1.11.4", &both, "")
            .replace(
                r#",{"address":"a.web2","type":"a","name":"web2","count_expression":{"constant_value":1}}"#,
                "",
            );
        assert!(!unconfigured.contains(r#"{"address":"a.web2","type""#));
        let invalid = check(&unconfigured).unwrap_err();
        assert_eq!(invalid.json_path, "resource_changes[1].action_reason");
        // A `-destroy` plan keeps nothing; older versions wrote no reasons.
        check(&text("1.11.4", deleted, "")).unwrap();
        check(&text("1.2.9", &both, "")).unwrap();
        // A forget before Terraform 1.7, which brought it.
        let forget = r#"{"address":"a.old","type":"a","name":"old","change":{"actions":["forget"],"before":{},"after":null}}"#;
        for (version, refused) in [
            ("1.5.7", true),
            ("0.15.0-dev", true),
            ("1.7.0", false),
            ("1.11.4", false),
        ] {
            let text = format!(
                r#"{{"format_version":"1.2","terraform_version":"{version}","resource_changes":[{forget}],"configuration":{{"root_module":{{}}}}}}"#
            );
            assert_eq!(check(&text).is_err(), refused, "{version}");
        }
    }

    #[test]
    fn a_create_of_an_object_the_prior_state_holds_is_refused() {
        let plan = |format: &str, address: &str, state: &str| {
            format!(
                r#"{{"format_version":"{format}","resource_changes":[{{"address":"{address}","type":"a","name":"web","change":{{"actions":["create"],"before":null,"after":{{}}}}}}],"prior_state":{{"values":{{"root_module":{state}}}}},"planned_values":{{"root_module":{state}}}}}"#
            )
        };
        let root = r#"{"resources":[{"address":"a.web","type":"a","name":"web","values":{}}]}"#;
        let invalid = check(&plan("1.2", "a.web", root)).unwrap_err();
        assert_eq!(invalid.json_path, "resource_changes[0].change.actions");
        assert!(
            invalid
                .problem
                .contains("a create of `a.web`, an object the prior state already holds"),
            "{invalid:?}"
        );
        check(&plan("1.2", "a.web[1]", root)).unwrap();
        // 0.12-era: module-relative state addresses, compared with the
        // module prefixed; instance keys are not in the state to compare.
        let module = r#"{"child_modules":[{"address":"module.m","resources":[{"address":"a.web","type":"a","name":"web","values":{}}]}]}"#;
        check(&plan("0.1", "module.m.a.web", module)).unwrap_err();
        check(&plan("0.1", "a.web", module)).unwrap();
        check(&plan("0.1", "module.m.a.web[1]", module)).unwrap();
        // A modern plan relabelled `0.1` keeps its keyed state addresses.
        let keyed = r#"{"resources":[{"address":"a.web[0]","type":"a","name":"web","index":0,"values":{}}]}"#;
        check(&plan("0.1", "a.web[0]", keyed)).unwrap_err();
    }

    #[test]
    fn a_created_object_whose_block_is_not_configured_is_refused() {
        // Beside a delete: a plan that destroys nothing disrupts nothing
        // and is not checked.
        let with = |actions: &str, address: &str, configuration: &str, delete: bool| {
            let delete = if delete {
                r#",{"address":"a.old","type":"a","name":"old","change":{"actions":["delete"],"before":{},"after":null}}"#
            } else {
                ""
            };
            format!(
                r#"{{"format_version":"1.2","resource_changes":[{{"address":"{address}","type":"a","name":"web","change":{{"actions":{actions},"before":null,"after":{{}}}}}}{delete}]{configuration}}}"#
            )
        };
        let plan = |actions: &str, address: &str, configuration: &str| {
            with(actions, address, configuration, true)
        };
        let other = r#","configuration":{"root_module":{"resources":[{"address":"a.other","type":"a","name":"other"}]}}"#;
        let declared = r#","configuration":{"root_module":{"resources":[{"address":"a.web","type":"a","name":"web"}]}}"#;
        let in_module = r#","configuration":{"root_module":{"module_calls":{"m":{"module":{"resources":[{"address":"a.web","type":"a","name":"web"}]}}}}}"#;
        check(&with(r#"["create"]"#, "a.web", other, false)).unwrap();
        for actions in [
            r#"["create"]"#,
            r#"["delete","create"]"#,
            r#"["create","delete"]"#,
        ] {
            let invalid = check(&plan(actions, "a.web", other)).unwrap_err();
            assert_eq!(invalid.json_path, "resource_changes[0].change.actions");
            assert!(
                invalid
                    .problem
                    .contains("`a.web`, whose resource block `a.web` is not in the configuration"),
                "{invalid:?}"
            );
            check(&plan(actions, "a.web", declared)).unwrap();
            check(&plan(actions, r#"module.m[\"k\"].a.web[0]"#, in_module)).unwrap();
            // The root block does not answer for a module's instance.
            let invalid = check(&plan(actions, "module.m.a.web", declared)).unwrap_err();
            assert!(
                invalid
                    .problem
                    .contains("`a.web` is not in the configuration")
                    || invalid
                        .problem
                        .contains("`module.m.a.web` is not in the configuration"),
                "{invalid:?}"
            );
            // Without a configuration that was read, plan-incomplete says so.
            check(&plan(actions, "a.web", "")).unwrap();
        }
    }

    #[test]
    fn a_kept_object_of_the_prior_state_missing_from_planned_values_or_configuration_is_refused() {
        let plan = |actions: &str, planned: &str, extra: &str| {
            format!(
                r#"{{"format_version":"1.2"{extra},"planned_values":{{"root_module":{{"resources":[{planned}]}}}},"resource_changes":[{{"address":"a.db","type":"a","name":"db","change":{{"actions":{actions},"before":{{}},"after":{{}}}}}}],"prior_state":{{"values":{{"root_module":{{"resources":[{{"address":"a.db","type":"a","name":"db","values":{{}}}}]}}}}}}}}"#
            )
        };
        let kept = r#"{"address":"a.db","type":"a","name":"db","values":{}}"#;
        for actions in [r#"["no-op"]"#, r#"["update"]"#] {
            let invalid = check(&plan(actions, "", "")).unwrap_err();
            assert_eq!(invalid.json_path, "resource_changes[0].change.actions");
            assert!(
                invalid.problem.contains("not in planned_values"),
                "{invalid:?}"
            );
            check(&plan(actions, kept, "")).unwrap();
            // An errored or incomplete plan may leave objects out.
            check(&plan(actions, "", r#","complete":false"#)).unwrap();
            // Planned, but its block is gone from the configuration.
            let undeclared = r#","configuration":{"root_module":{"resources":[{"address":"a.other","type":"a","name":"other"}]}}"#;
            let invalid = check(&plan(actions, kept, undeclared)).unwrap_err();
            assert!(
                invalid.problem.contains("is not in the configuration"),
                "{invalid:?}"
            );
            let declared = r#","configuration":{"root_module":{"resources":[{"address":"a.db","type":"a","name":"db"}]}}"#;
            check(&plan(actions, kept, declared)).unwrap();
        }
        // Blocks are looked up once per module, type and name; a module
        // resource without `module_address` is not answered for by the
        // root block of the same type and name.
        let object = |address: &str| {
            format!(r#"{{"address":"{address}","type":"a","name":"db","values":{{}}}}"#)
        };
        let change = |address: &str| {
            format!(
                r#"{{"address":"{address}","type":"a","name":"db","change":{{"actions":["no-op"],"before":{{}},"after":{{}}}}}}"#
            )
        };
        let objects = format!("{},{}", object("a.db"), object("module.m.a.db"));
        let text = format!(
            r#"{{"format_version":"1.2","planned_values":{{"root_module":{{"resources":[{objects}]}}}},"resource_changes":[{},{}],"prior_state":{{"values":{{"root_module":{{"resources":[{objects}]}}}}}},"configuration":{{"root_module":{{"resources":[{{"address":"a.db","type":"a","name":"db"}}],"module_calls":{{"m":{{"module":{{}}}}}}}}}}}}"#,
            change("a.db"),
            change("module.m.a.db")
        );
        let invalid = check(&text).unwrap_err();
        assert_eq!(invalid.json_path, "resource_changes[1].change.actions");
        assert!(
            invalid
                .problem
                .contains("`module.m.a.db` is not in the configuration"),
            "{invalid:?}"
        );
    }

    #[test]
    fn a_complete_modern_plan_lists_every_resource_of_the_prior_state() {
        let plan = |header: &str| {
            format!(
                r#"{{"format_version":"1.2"{header},"planned_values":{{"root_module":{{"resources":[{{"address":"a.db","type":"a","name":"db","values":{{}}}}]}}}},"resource_changes":[{{"address":"a.other","type":"a","name":"other","change":{{"actions":["create"],"before":null,"after":{{}}}}}}],"prior_state":{{"values":{{"root_module":{{"resources":[{{"address":"a.db","type":"a","name":"db","values":{{}}}}]}}}}}}}}"#
            )
        };
        for header in [
            r#","complete":true"#,
            r#","terraform_version":"1.8.0""#,
            r#","terraform_version":"1.11.4-dev""#,
        ] {
            let invalid = check(&plan(header)).unwrap_err();
            assert!(
                invalid
                    .problem
                    .contains("in planned_values but not in resource_changes"),
                "{header}: {invalid:?}"
            );
        }
        // Lowering the plan's version alone: the prior state still says 1.11.
        let lowered = plan(r#","terraform_version":"1.7.5""#).replace(
            r#""prior_state":{"values""#,
            r#""prior_state":{"terraform_version":"1.11.4","values""#,
        );
        assert!(check(&lowered).is_err());
        // Older Terraform left unchanged resources out; an incomplete plan
        // (a targeted one) leaves them out too.
        for header in [
            "",
            r#","terraform_version":"1.7.5""#,
            r#","terraform_version":"1.11.4","complete":false"#,
        ] {
            check(&plan(header)).unwrap();
        }
        // There, an object pasted into planned_values as a deposed one does
        // not keep the current prior object (it passed with exit 0): a
        // deposed object is the one a replace leaves behind, not this one.
        let pasted_as_deposed = plan(r#","terraform_version":"1.7.5""#).replacen(
            r#""values":{}}]}},"resource_changes""#,
            r#""values":{},"deposed_key":"00000001"}]}},"resource_changes""#,
            1,
        );
        assert_ne!(pasted_as_deposed, plan(r#","terraform_version":"1.7.5""#));
        let invalid = check(&pasted_as_deposed).unwrap_err();
        assert!(
            invalid
                .problem
                .contains("neither in planned_values nor in resource_changes"),
            "{invalid:?}"
        );
    }

    #[test]
    fn a_state_resource_whose_change_was_cut_out_is_refused() {
        let plan = |version: &str, changes: &str| {
            format!(
                r#"{{"format_version":"{version}","planned_values":{{"root_module":{{"resources":[{{"address":"a.kept","type":"a","name":"kept"}}]}}}},"prior_state":{{"values":{{"root_module":{{"resources":[{{"address":"a.kept","type":"a","name":"kept","values":{{}}}},{{"address":"a.gone","type":"a","name":"gone","values":{{}}}}]}}}}}},"resource_changes":[{changes}]}}"#
            )
        };
        let kept = r#"{"address":"a.kept","type":"a","name":"kept","change":{"actions":["no-op"],"before":{},"after":{}}}"#;
        let deleted = r#"{"address":"a.gone","type":"a","name":"gone","change":{"actions":["delete"],"before":{},"after":null}}"#;
        let invalid = check(&plan("1.2", kept)).unwrap_err();
        assert!(
            invalid.problem.contains("`a.gone` is in the prior state"),
            "{invalid:?}"
        );
        check(&plan("1.2", &format!("{kept},{deleted}"))).unwrap();
        // 0.12-era plans match by type and name: their state addresses are
        // relative to the module and lack the instance key.
        check(&plan("0.1", kept)).unwrap_err();
        let relative = plan("0.1", &format!("{kept},{deleted}")).replace(
            r#""address":"a.gone","type""#,
            r#""address":"module.m.a.gone[0]","type""#,
        );
        check(&relative).unwrap();
        // No changes, yet one resource kept and another not: the list was
        // dropped (or its key renamed). A real refresh-only plan keeps none,
        // and leaves the key out.
        let dropped = plan("1.2", "").replace(r#","resource_changes":[]"#, "");
        let invalid = check(&dropped).unwrap_err();
        assert!(
            invalid.problem.contains("and the plan lists no changes"),
            "{invalid:?}"
        );
        let refresh_only = dropped.replace(
            r#""planned_values":{"root_module":{"resources":[{"address":"a.kept","type":"a","name":"kept"}]}}"#,
            r#""planned_values":{"root_module":{}}"#,
        );
        check(&refresh_only).unwrap();
        // An empty list beside a state: Terraform leaves the key out.
        let emptied = plan("1.2", "").replace(
            r#""planned_values":{"root_module":{"resources":[{"address":"a.kept","type":"a","name":"kept"}]}}"#,
            r#""planned_values":{"root_module":{}}"#,
        );
        let invalid = check(&emptied).unwrap_err();
        assert!(
            invalid
                .problem
                .contains("resource_changes is an empty list"),
            "{invalid:?}"
        );
    }

    #[test]
    fn control_characters_in_a_value_are_escaped_in_the_problem() {
        let text =
            changes(r#"{"address":"a.b\u001b[31m","type":"a","change":{"actions":["delete"]}}"#);
        let invalid = check(&text).unwrap_err();
        assert!(!invalid.problem.contains('\u{1b}'), "{}", invalid.problem);
    }
}
