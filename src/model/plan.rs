//! Typed view of `terraform show -json PLANFILE`, field names as in the format.
//!
//! Attribute payloads (`before`, `after`, `values`, expressions…) stay as
//! borrowed raw JSON: a 500 MB plan is mostly payload, and copying or
//! building trees for it would dominate time and memory. Analyses that need a
//! payload parse just that one.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::value::RawValue;

use super::actions::{ActionReason, Actions};
use super::address::Mode;
use crate::util::escape;

/// Fields present in plan JSON, plus the top-level keys that reveal other
/// Terraform JSON documents, so one pass both parses and recognises.
#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct Document<'a> {
    pub format_version: Option<String>,
    pub terraform_version: Option<String>,
    #[serde(borrow)]
    pub variables: BTreeMap<String, Variable<'a>>,
    #[serde(borrow, deserialize_with = "not_null")]
    pub planned_values: Option<Values<'a>>,
    /// Absent: a plan without changes. `null` or any other shape: refused
    /// (it would otherwise read as "no changes" and pass).
    #[serde(borrow, deserialize_with = "not_null")]
    pub resource_changes: Option<Vec<ResourceChange<'a>>>,
    #[serde(borrow)]
    pub resource_drift: Vec<ResourceChange<'a>>,
    #[serde(borrow)]
    pub output_changes: BTreeMap<String, OutputChange<'a>>,
    #[serde(borrow, deserialize_with = "not_null")]
    pub prior_state: Option<State<'a>>,
    /// Read from [`Document::configuration_raw`] leniently (see
    /// [`Document::read_auxiliary_and_shrink_lists`]): a shape this version does not know
    /// costs dependency edges, not the whole plan.
    #[serde(skip)]
    pub configuration: Option<Configuration<'a>>,
    #[serde(rename = "configuration", borrow)]
    pub configuration_raw: Option<&'a RawValue>,
    /// Auxiliary sections that could not be read, and why.
    #[serde(skip)]
    pub unreadable: Vec<Unreadable>,
    /// What the graph still needs of `planned_values` once it is let go
    /// (see [`Document::let_go_of_planned_values`]).
    #[serde(skip)]
    pub planned_only: Vec<super::planned_only::PlannedOnly>,
    /// The deepest nesting of objects and arrays in the document.
    #[serde(skip)]
    pub deepest: usize,
    /// What the document is when it is not an object (`an array`, `a
    /// string`…): JSON, but not a plan.
    #[serde(skip)]
    pub not_an_object: Option<&'static str>,
    #[serde(borrow)]
    pub deferred_changes: Vec<DeferredChange<'a>>,
    pub errored: Option<bool>,
    pub complete: Option<bool>,
    pub applyable: Option<bool>,
    pub timestamp: Option<String>,
    /// `[{resource, attribute}]`: what the planned changes depend on; the
    /// drift Terraform itself reports is the drift of these (Terraform ≥ 1.2).
    #[serde(borrow)]
    pub relevant_attributes: Option<&'a RawValue>,

    // Markers of documents that are not plans.
    #[serde(borrow)]
    pub values: Option<&'a RawValue>,
    #[serde(borrow)]
    pub provider_schemas: Option<&'a RawValue>,
    #[serde(borrow)]
    pub lineage: Option<&'a RawValue>,
    #[serde(borrow)]
    pub serial: Option<&'a RawValue>,
    #[serde(borrow)]
    pub resources: Option<&'a RawValue>,
    #[serde(rename = "version", borrow)]
    pub raw_state_version: Option<&'a RawValue>,
    #[serde(rename = "@level", borrow)]
    pub ui_level: Option<&'a RawValue>,
    #[serde(rename = "@message", borrow)]
    pub ui_message: Option<&'a RawValue>,
    #[serde(borrow)]
    pub diagnostics: Option<&'a RawValue>,
    #[serde(borrow)]
    pub valid: Option<&'a RawValue>,
    #[serde(borrow)]
    pub provider_selections: Option<&'a RawValue>,
}

/// `null` where a list or map is expected reads as empty: hand-made and
/// tool-converted plans write it, and it means the same as absent.
/// A string borrowed from the plan text unless it holds escapes. serde
/// borrows a `Cow<str>` field only when it is the field's whole type: inside
/// an `Option` or a `Vec` it copies every string (serde-rs/serde#1497), which
/// was a third of the model's memory on a large plan.
struct BorrowedStr<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for BorrowedStr<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = BorrowedStr<'de>;
            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, value: &'de str) -> Result<Self::Value, E> {
                Ok(BorrowedStr(Cow::Borrowed(value)))
            }
            fn visit_str<E>(self, value: &str) -> Result<Self::Value, E> {
                Ok(BorrowedStr(Cow::Owned(value.to_owned())))
            }
        }
        deserializer.deserialize_str(Visitor)
    }
}

/// What a JSON value is, named for a problem: from its first byte.
pub(crate) fn json_kind(raw: &RawValue) -> &'static str {
    match raw.get().trim_start().as_bytes().first() {
        Some(b'{') => "an object",
        Some(b'[') => "a list",
        Some(b'"') => "a string",
        Some(b't' | b'f') => "a boolean",
        Some(b'n') => "null",
        _ => "a number",
    }
}

/// Configuration expressions (`expressions`, `count_expression`,
/// `for_each_expression`, an output's `expression`) are objects in
/// Terraform's JSON. They are kept raw, and a reference walk over anything
/// else finds no references: dependencies would go missing without a word.
/// Refused here, the configuration is reported unreadable and the plan is
/// analysed without it, which can only make the verdict stricter.
fn expression_object<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<&'de RawValue>, D::Error> {
    let raw = Option::<&'de RawValue>::deserialize(deserializer)?;
    match raw.map(json_kind) {
        None | Some("an object") => Ok(raw),
        Some(found) => Err(serde::de::Error::invalid_type(
            serde::de::Unexpected::Other(found),
            &"an expression object",
        )),
    }
}

/// A value Terraform writes as a JSON object. serde's derived structs also
/// read a list, field by field in declaration order: `"module": []` read as
/// an empty module, and the dependencies declared in it left the blast
/// radius without a word. Read through a map, a list is a shape error.
struct Object<T>(T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Object<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> serde::de::Visitor<'de> for Visitor<T> {
            type Value = Object<T>;
            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("an object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<Self::Value, A::Error> {
                T::deserialize(serde::de::value::MapAccessDeserializer::new(map)).map(Object)
            }
        }
        deserializer.deserialize_map(Visitor(std::marker::PhantomData))
    }
}

/// A struct field that must be a JSON object (see [`Object`]).
fn object<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Object::<T>::deserialize(deserializer).map(|object| object.0)
}

/// A list of JSON objects (see [`Object`]).
fn objects<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    let list = Vec::<Object<T>>::deserialize(deserializer)?;
    Ok(list.into_iter().map(|object| object.0).collect())
}

/// A map whose values are JSON objects (see [`Object`]).
fn object_values<'de, D, T>(deserializer: D) -> Result<BTreeMap<String, T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    let map = BTreeMap::<String, Object<T>>::deserialize(deserializer)?;
    Ok(map
        .into_iter()
        .map(|(key, object)| (key, object.0))
        .collect())
}

/// An optional string, borrowed (see [`BorrowedStr`]).
fn optional_str<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Cow<'de, str>>, D::Error> {
    Ok(Option::<BorrowedStr<'de>>::deserialize(deserializer)?.map(|text| text.0))
}

/// A list of strings, borrowed (see [`BorrowedStr`]); `null` is empty.
/// Kept at its length: serde grows a list to at least four entries, and a
/// state resource's `depends_on` usually names one or two, once for every
/// resource of the plan (7 MB of a 100k-resource chain's peak).
fn str_list<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<Cow<'de, str>>, D::Error> {
    let list = Option::<Vec<BorrowedStr<'de>>>::deserialize(deserializer)?;
    let mut list: Vec<Cow<'de, str>> = list
        .unwrap_or_default()
        .into_iter()
        .map(|text| text.0)
        .collect();
    list.shrink_to_fit();
    Ok(list)
}

fn null_as_empty<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// An object section that must not be `null`: absent means none, but an
/// explicit `null` is not what Terraform writes and would read as "nothing
/// here" (serde's message names the expected shape). List and map sections
/// refuse `null` by themselves.
fn not_null<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(deserializer).map(Some)
}

/// `mode` is `managed` or `data`; anything else (`ephemeral`, a typo, a
/// forged value) is refused rather than read as managed. Kept as the enum,
/// not the string: a large plan lists three objects per resource.
fn resource_mode<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Mode>, D::Error> {
    // An absent `mode` (hand-made plans) never reaches here; an explicit
    // null is no mode Terraform writes, and was read as `managed`.
    let mode = optional_str(deserializer)?;
    match mode.as_deref() {
        None => Err(serde::de::Error::custom(
            "`mode` is null (expected `managed` or `data`)",
        )),
        Some("managed") => Ok(Some(Mode::Managed)),
        Some("data") => Ok(Some(Mode::Data)),
        Some(other) => Err(serde::de::Error::custom(format!(
            "unknown resource mode `{}` (expected `managed` or `data`)",
            escape::bounded(other, 40)
        ))),
    }
}

/// An auxiliary section that was skipped because its shape is not one this
/// version reads: `json_path` and serde's reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable {
    pub json_path: String,
    pub problem: String,
}

/// `mode: "data"`, or, in hand-made plans without `mode`, a `data.` address.
fn is_data_source(mode: Option<Mode>, address: &str) -> bool {
    match mode {
        Some(mode) => mode == Mode::Data,
        None => address.starts_with("data.") || address.contains(".data."),
    }
}

/// A raw JSON value is valid JSON by construction, so it always parses.
fn index_value(raw: Option<&RawValue>) -> Option<serde_json::Value> {
    raw.and_then(|raw| serde_json::from_str(raw.get()).ok())
}

/// A document known to be a plan.
pub type Plan<'a> = Document<'a>;

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct Variable<'a> {
    #[serde(borrow)]
    pub value: Option<&'a RawValue>,
}

#[derive(Debug, Deserialize)]
pub struct ResourceChange<'a> {
    /// Terraform 1.0.0 wrote `resource_drift` entries without an address;
    /// [`Document::fill_missing_addresses`] rebuilds it from the parts.
    #[serde(default, borrow)]
    pub address: Cow<'a, str>,
    #[serde(default, borrow, deserialize_with = "optional_str")]
    pub previous_address: Option<Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "optional_str")]
    pub module_address: Option<Cow<'a, str>>,
    #[serde(default, deserialize_with = "resource_mode")]
    pub mode: Option<Mode>,
    #[serde(rename = "type", borrow)]
    pub resource_type: Cow<'a, str>,
    #[serde(default, borrow, deserialize_with = "optional_str")]
    pub name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub index: Option<&'a RawValue>,
    #[serde(default, borrow, deserialize_with = "optional_str")]
    pub provider_name: Option<Cow<'a, str>>,
    #[serde(default, borrow, deserialize_with = "deposed_key")]
    pub deposed: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub change: Change<'a>,
    pub action_reason: Option<ActionReason>,
}

/// The key of a deposed object whose change did not say it: early
/// 0.12-era plans wrote `deposed: true` instead of the deposed key.
pub const UNKNOWN_DEPOSED_KEY: &str = "(unknown key)";

/// Early 0.12-era plans wrote `deposed: true` instead of the deposed key.
fn deposed_key<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Cow<'de, str>>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Deposed<'a> {
        Key(#[serde(borrow)] Cow<'a, str>),
        Flag(bool),
    }
    Ok(match Option::<Deposed<'de>>::deserialize(deserializer)? {
        Some(Deposed::Key(key)) => Some(key),
        Some(Deposed::Flag(true)) => Some(Cow::Borrowed(UNKNOWN_DEPOSED_KEY)),
        Some(Deposed::Flag(false)) | None => None,
    })
}

impl<'a> Document<'a> {
    /// Whether the plan is in the 0.12-era format (0.x), whose state
    /// addresses are relative to their module and without the instance key.
    pub fn is_zero_twelve_format(&self) -> bool {
        self.format_version
            .as_deref()
            .is_some_and(|version| version.starts_with("0."))
    }

    /// Reads the auxiliary sections kept raw: one whose shape this version
    /// does not know (e.g. `module_calls` as a list in a pre-release
    /// Terraform) is recorded in [`Document::unreadable`] and left out.
    /// The big lists are shrunk beside it: both come after the parse, on
    /// its critical path, and touch different fields.
    pub fn read_auxiliary_and_shrink_lists(&mut self) {
        let raw = self.configuration_raw;
        let (configuration, ()) = rayon::join(|| read_configuration(raw), || self.shrink_lists());
        match configuration {
            Some(Ok(configuration)) => self.configuration = Some(configuration),
            Some(Err(unreadable)) => self.unreadable.push(unreadable),
            None => {}
        }
    }

    /// Gives back the room serde's doubling left at the end of the large
    /// lists: they live through the whole check, beside the graph.
    fn shrink_lists(&mut self) {
        if let Some(changes) = &mut self.resource_changes {
            changes.shrink_to_fit();
        }
        let planned = self.planned_values.as_mut();
        let prior = self
            .prior_state
            .as_mut()
            .and_then(|state| state.values.as_mut());
        for values in [planned, prior].into_iter().flatten() {
            // Module nesting has no limit: no recursion.
            let mut pending = vec![&mut values.root_module];
            while let Some(module) = pending.pop() {
                module.resources.shrink_to_fit();
                module.child_modules.shrink_to_fit();
                pending.extend(module.child_modules.iter_mut());
            }
        }
    }

    /// `prior_state.values`, the state the plan starts from (after refresh).
    pub fn prior_values(&self) -> Option<&Values<'a>> {
        self.prior_state
            .as_ref()
            .and_then(|state| state.values.as_ref())
    }

    pub fn fill_missing_addresses(&mut self) {
        let changes = self.resource_changes.iter_mut().flatten();
        for change in changes.chain(self.resource_drift.iter_mut()) {
            if change.address.is_empty() {
                change.address = Cow::Owned(change.rebuilt_address());
            }
        }
    }
}

/// Module calls nest at most this deep in a configuration that is read:
/// references are followed through every enclosing call, in time that grows
/// with the cube of the depth (2,000 levels took over a minute, 50,000 ran
/// out of memory). Deeper, the section is reported unreadable and the plan
/// analysed without it, which only makes the verdict stricter.
const MAX_MODULE_CALL_NESTING: usize = 100;

fn module_call_depth(root: &ConfigModule<'_>) -> usize {
    let mut deepest = 0;
    let mut pending = vec![(root, 0)];
    while let Some((module, depth)) = pending.pop() {
        deepest = deepest.max(depth);
        pending.extend(
            module
                .module_calls
                .values()
                .map(|call| (&call.module, depth + 1)),
        );
    }
    deepest
}

/// The address of a resource block in its module: `type.name`, or
/// `data.type.name` for a data source.
pub fn resource_key(mode: Option<&str>, resource_type: &str, name: &str) -> String {
    if mode == Some("data") {
        format!("data.{resource_type}.{name}")
    } else {
        format!("{resource_type}.{name}")
    }
}

/// The first resource block whose `address` is not its mode, type and name.
/// The graph finds a block's instances by its address and what refers to
/// it by type and name: a block renamed in one and not the other lost the
/// references to it (a name swapped for `a.b`: a teardown that failed
/// passed). All 3,121 blocks in the corpus agree.
fn inconsistent_block(root: &ConfigModule<'_>) -> Option<Unreadable> {
    let mut pending = vec![(String::from("configuration.root_module"), root)];
    while let Some((path, module)) = pending.pop() {
        for (index, resource) in module.resources.iter().enumerate() {
            // Compared in place: a large configuration has a block per resource.
            let resource_part = match resource.mode.as_deref() {
                Some("data") => resource.address.strip_prefix("data."),
                _ => Some(resource.address.as_str()),
            };
            let agrees = resource_part
                .and_then(|rest| rest.strip_prefix(resource.resource_type.as_str()))
                .and_then(|rest| rest.strip_prefix('.'))
                == Some(resource.name.as_str());
            if !agrees {
                let key = resource_key(
                    resource.mode.as_deref(),
                    &resource.resource_type,
                    &resource.name,
                );
                let json_path = format!("{path}.resources[{index}].address");
                return Some(Unreadable {
                    json_path: escape::bounded_path(&json_path, escape::MAX_PATH_CHARS)
                        .into_owned(),
                    problem: format!(
                        "the block's address is not its mode, type and name ({})",
                        escape::bounded(&key, 80)
                    ),
                });
            }
        }
        pending.extend(
            module
                .module_calls
                .iter()
                .map(|(name, call)| (format!("{path}.module_calls.{name}.module"), &call.module)),
        );
    }
    None
}

/// The configuration section kept raw, read as a [`Configuration`]; `None`
/// when the plan has none.
fn read_configuration(raw: Option<&RawValue>) -> Option<Result<Configuration<'_>, Unreadable>> {
    let raw = raw?;
    if raw.get() == "null" {
        return None;
    }
    let mut json = serde_json::Deserializer::from_str(raw.get());
    json.disable_recursion_limit();
    let stacked = serde_stacker::Deserializer::new(&mut json);
    if let Ok(configuration) = object::<_, Configuration<'_>>(stacked) {
        let depth = module_call_depth(&configuration.root_module);
        if depth <= MAX_MODULE_CALL_NESTING {
            return Some(match inconsistent_block(&configuration.root_module) {
                None => Ok(configuration),
                Some(unreadable) => Err(unreadable),
            });
        }
        // Dropping nested modules recurses once per level, on this thread's
        // stack: grow it for the depth (four JSON levels per module call).
        stacker::grow(depth.saturating_mul(4 * 1024) + (1 << 20), move || {
            drop(configuration)
        });
        return Some(Err(Unreadable {
            json_path: "configuration.root_module.module_calls".to_owned(),
            problem: format!(
                "module calls nest {depth} levels deep; blastwall follows references through at most {MAX_MODULE_CALL_NESTING} (real configurations nest a few)"
            ),
        }));
    }
    // Tracking the path costs time on every value: only a section that
    // failed is read again to say where.
    let mut json = serde_json::Deserializer::from_str(raw.get());
    json.disable_recursion_limit();
    let stacked = serde_stacker::Deserializer::new(&mut json);
    Some(
        serde_path_to_error::deserialize::<_, Object<Configuration<'_>>>(stacked)
            .map(|configuration| configuration.0)
            .map_err(|error| {
                let inner = error.path().to_string();
                let json_path = if inner == "." {
                    "configuration".to_owned()
                } else {
                    format!("configuration.{inner}")
                };
                let message = super::strip_position(&error.into_inner().to_string());
                let problem = super::without_values(&message);
                // Module calls can nest without limit: keep the path printable.
                let json_path =
                    escape::bounded_path(&json_path, escape::MAX_PATH_CHARS).into_owned();
                Unreadable { json_path, problem }
            }),
    )
}

impl ResourceChange<'_> {
    fn rebuilt_address(&self) -> String {
        let mut address = String::new();
        if let Some(module) = self
            .module_address
            .as_deref()
            .filter(|module| !module.is_empty())
        {
            address.push_str(module);
            address.push('.');
        }
        if self.mode == Some(Mode::Data) {
            address.push_str("data.");
        }
        address.push_str(&self.resource_type);
        address.push('.');
        address.push_str(self.name.as_deref().unwrap_or("?"));
        match self.index_value() {
            Some(serde_json::Value::String(key)) => {
                address.push_str(&format!("[{}]", serde_json::Value::String(key)));
            }
            Some(serde_json::Value::Number(number)) => address.push_str(&format!("[{number}]")),
            _ => {}
        }
        address
    }

    pub fn is_data(&self) -> bool {
        is_data_source(self.mode, &self.address)
    }

    /// Whether this changes a managed object the state already holds (a
    /// current one, with a `before` that is not null): Terraform writes that
    /// `before` from the prior state's object. An import's `before` is the
    /// object imported, which the state does not hold yet, unless the
    /// import also destroys it.
    pub fn changes_existing_object(&self) -> bool {
        self.deposed.is_none()
            && !self.is_data()
            && (!self.change.is_import() || self.change.actions.destroys())
            && self
                .change
                .before
                .is_some_and(|before| before.get().trim() != "null")
    }

    /// `index` as a value; kept raw in the model because most plans never
    /// need it and a tree per resource costs memory at scale.
    pub fn index_value(&self) -> Option<serde_json::Value> {
        index_value(self.index)
    }

    pub fn is_moved(&self) -> bool {
        self.previous_address
            .as_deref()
            .is_some_and(|previous| previous != self.address)
    }
}

#[derive(Debug, Deserialize)]
pub struct Change<'a> {
    pub actions: Actions,
    #[serde(borrow, default)]
    pub before: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub after: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub after_unknown: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub before_sensitive: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub after_sensitive: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub replace_paths: Option<&'a RawValue>,
    /// An object when the resource is being imported; some dev-era 1.5 plans
    /// write `false`, which means "not importing".
    #[serde(borrow, default)]
    pub importing: Option<&'a RawValue>,
}

impl Change<'_> {
    pub fn is_import(&self) -> bool {
        self.importing
            .is_some_and(|raw| raw.get().trim_start().starts_with('{'))
    }
}

#[derive(Debug, Deserialize)]
pub struct OutputChange<'a> {
    pub actions: Actions,
    #[serde(borrow, default)]
    pub before_sensitive: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub after_sensitive: Option<&'a RawValue>,
}

#[derive(Debug, Deserialize)]
pub struct DeferredChange<'a> {
    pub reason: Option<String>,
    #[serde(borrow)]
    pub resource_change: Option<ResourceChange<'a>>,
}

/// `prior_state`: a state document (`values` holds the modules).
#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct State<'a> {
    pub format_version: Option<String>,
    pub terraform_version: Option<String>,
    #[serde(borrow)]
    pub values: Option<Values<'a>>,
}

/// `planned_values` and `prior_state.values`. `root_module` is required:
/// Terraform always writes it, and a state section without it would read as
/// an empty state (no dependencies, nothing in state), which loosens the
/// verdict of a plan that destroys or replaces what that state held.
#[derive(Debug, Deserialize, Default)]
pub struct Values<'a> {
    #[serde(borrow, default)]
    pub outputs: Option<&'a RawValue>,
    #[serde(borrow)]
    pub root_module: StateModule<'a>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct StateModule<'a> {
    pub address: Option<String>,
    #[serde(borrow, deserialize_with = "null_as_empty")]
    pub resources: Vec<StateResource<'a>>,
    #[serde(borrow, deserialize_with = "null_as_empty")]
    pub child_modules: Vec<StateModule<'a>>,
}

impl<'a> StateModule<'a> {
    /// How many resource instances this module and its descendants list:
    /// the size of a set of them, known before it is built, so a set of
    /// 300,000 addresses is not rehashed eighteen times on its way there.
    pub fn resource_count(&self) -> usize {
        let mut count = 0;
        let mut pending: Vec<&StateModule<'a>> = vec![self];
        while let Some(module) = pending.pop() {
            count += module.resources.len();
            pending.extend(module.child_modules.iter());
        }
        count
    }

    /// Every resource instance of this module and its descendants, without
    /// recursion so any nesting depth is safe.
    pub fn all_resources(&self) -> impl Iterator<Item = &StateResource<'a>> {
        let mut pending: Vec<&StateModule<'a>> = vec![self];
        let mut current: std::slice::Iter<'_, StateResource<'a>> = [].iter();
        std::iter::from_fn(move || {
            loop {
                if let Some(resource) = current.next() {
                    return Some(resource);
                }
                let module = pending.pop()?;
                pending.extend(module.child_modules.iter().rev());
                current = module.resources.iter();
            }
        })
    }
}

/// A resource instance in `prior_state` or `planned_values`. Only what the
/// analysis reads is kept (not `index`, `provider_name` or
/// `sensitive_values`): a large plan lists each instance twice here, and
/// every field is paid for once per instance.
#[derive(Debug, Deserialize)]
pub struct StateResource<'a> {
    #[serde(borrow)]
    pub address: Cow<'a, str>,
    #[serde(default, deserialize_with = "resource_mode")]
    pub mode: Option<Mode>,
    #[serde(rename = "type", borrow)]
    pub resource_type: Cow<'a, str>,
    #[serde(default, borrow, deserialize_with = "optional_str")]
    pub name: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub values: Option<&'a RawValue>,
    #[serde(default, borrow, deserialize_with = "str_list")]
    pub depends_on: Vec<Cow<'a, str>>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub tainted: bool,
    #[serde(default, borrow, deserialize_with = "optional_str")]
    pub deposed_key: Option<Cow<'a, str>>,
}

impl StateResource<'_> {
    pub fn is_data(&self) -> bool {
        is_data_source(self.mode, &self.address)
    }
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct Configuration<'a> {
    #[serde(borrow)]
    pub provider_config: Option<&'a RawValue>,
    #[serde(borrow, deserialize_with = "object")]
    pub root_module: ConfigModule<'a>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct ConfigModule<'a> {
    #[serde(borrow, deserialize_with = "object_values")]
    pub outputs: BTreeMap<String, ConfigOutput<'a>>,
    #[serde(borrow, deserialize_with = "objects")]
    pub resources: Vec<ConfigResource<'a>>,
    #[serde(borrow, deserialize_with = "object_values")]
    pub module_calls: BTreeMap<String, ModuleCall<'a>>,
    #[serde(borrow, deserialize_with = "object_values")]
    pub variables: BTreeMap<String, ConfigVariable<'a>>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct ConfigOutput<'a> {
    #[serde(borrow, deserialize_with = "expression_object")]
    pub expression: Option<&'a RawValue>,
    pub sensitive: bool,
    pub depends_on: Vec<String>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct ConfigResource<'a> {
    pub address: String,
    pub mode: Option<String>,
    #[serde(rename = "type")]
    pub resource_type: String,
    pub name: String,
    #[serde(borrow, deserialize_with = "expression_object")]
    pub expressions: Option<&'a RawValue>,
    #[serde(borrow, deserialize_with = "expression_object")]
    pub count_expression: Option<&'a RawValue>,
    #[serde(borrow, deserialize_with = "expression_object")]
    pub for_each_expression: Option<&'a RawValue>,
    pub depends_on: Vec<String>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct ModuleCall<'a> {
    pub source: Option<String>,
    #[serde(borrow, deserialize_with = "expression_object")]
    pub expressions: Option<&'a RawValue>,
    #[serde(borrow, deserialize_with = "expression_object")]
    pub count_expression: Option<&'a RawValue>,
    #[serde(borrow, deserialize_with = "expression_object")]
    pub for_each_expression: Option<&'a RawValue>,
    pub depends_on: Vec<String>,
    #[serde(borrow, deserialize_with = "object")]
    pub module: ConfigModule<'a>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct ConfigVariable<'a> {
    #[serde(borrow)]
    pub default: Option<&'a RawValue>,
    pub sensitive: bool,
}
