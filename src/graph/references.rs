//! Dependencies declared in `configuration`: each resource's `references`
//! and `depends_on`, resolved through module variables and outputs to the
//! configuration resources they finally name.

use std::collections::BTreeSet;

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use serde_json::value::RawValue;

use super::traversal::{self, Reference};
use crate::model::address::InstanceKey;
use crate::model::plan::{ConfigModule, ConfigResource, Configuration};
use rayon::prelude::*;

/// A configuration resource something depends on.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Target {
    /// Module call names from the root, e.g. `["stack", "app"]`.
    pub module: Vec<String>,
    /// `TYPE.NAME` or `data.TYPE.NAME`.
    pub resource: String,
    pub key: Option<InstanceKey>,
}

/// A reference that could not be followed to a resource.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Unresolved {
    /// Configuration address of the resource that holds the reference.
    pub from: String,
    pub reference: String,
}

/// One configuration resource and what it depends on.
#[derive(Debug)]
pub struct ConfigDependencies {
    pub module: Vec<String>,
    pub resource: String,
    pub targets: BTreeSet<Target>,
    /// Targets among `targets` named only beside the instance's own key
    /// (`aws_x.y[count.index]`, `aws_x.y[each.key]`): the JSON gives the
    /// reference without its key, yet each instance uses the one with its
    /// own key (see `graph::Builder::config_edges`).
    pub keyed: BTreeSet<Target>,
}

/// Bounds following `var` → module argument → `module.x.out` chains (the
/// stack), which cannot loop in valid configuration but could in a
/// hand-made file.
const MAX_RESOLUTION_DEPTH: usize = 256;

/// Where one resolution has been: the (module, reference) pairs it has
/// followed, and how deep it is. A hand-made cycle whose argument names two
/// references (`module.a.out` → `var.v` → `module.a.out`, `module.a`)
/// branched twice a level, 2^256 paths under the depth bound, and the
/// check never ended: each pair is followed once.
#[derive(Default)]
struct Trail {
    followed: HashSet<(Vec<String>, String)>,
    depth: usize,
}

pub fn dependencies(
    configuration: &Configuration<'_>,
) -> (Vec<ConfigDependencies>, Vec<Unresolved>) {
    let modules = modules_by_path(&configuration.root_module);
    let resolver = Resolver { modules: &modules };
    let mut unresolved = BTreeSet::new();
    let mut paths: Vec<&Vec<String>> = modules.keys().collect();
    paths.sort();
    // Module-level depends_on, count and for_each apply to everything inside.
    let inherited: Vec<BTreeSet<Target>> = paths
        .iter()
        .map(|path| resolver.inherited(path, &mut unresolved))
        .collect();
    // Resources resolve independently: on every core, merged in module
    // and resource order, so the result is a sequential run's.
    let resources: Vec<(usize, &ConfigResource<'_>)> = paths
        .iter()
        .enumerate()
        .flat_map(|(scope, path)| {
            modules[*path]
                .resources
                .iter()
                .map(move |resource| (scope, resource))
        })
        .collect();
    let resolved: Vec<(ConfigDependencies, BTreeSet<Unresolved>)> = resources
        .par_iter()
        .map(|&(scope, resource)| {
            let path = paths[scope];
            let mut unresolved = BTreeSet::new();
            // Its address is its mode, type and name (checked when read).
            let resource_name = resource.address.clone();
            let from = config_address(path, &resource_name);
            let mut references = Vec::new();
            for raw in [
                resource.expressions,
                resource.count_expression,
                resource.for_each_expression,
            ]
            .into_iter()
            .flatten()
            {
                collect_references(raw, &mut references);
            }
            let depends_on = references.len();
            references.extend(resource.depends_on.iter().cloned());
            let mut targets = inherited[scope].clone();
            for text in &references {
                resolver.resolve(
                    path,
                    text,
                    &from,
                    &mut targets,
                    &mut unresolved,
                    &mut Trail::default(),
                );
            }
            targets.retain(|target| !(target.module == *path && target.resource == resource_name));
            let keyed = resource
                .expressions
                .map(|raw| keyed_targets(raw, &references[depends_on..], path, &targets))
                .unwrap_or_default();
            let dependencies = ConfigDependencies {
                module: path.clone(),
                resource: resource_name,
                targets,
                keyed,
            };
            (dependencies, unresolved)
        })
        .collect();
    let mut all = Vec::with_capacity(resolved.len());
    for (dependencies, more) in resolved {
        all.push(dependencies);
        unresolved.extend(more);
    }
    (all, unresolved.into_iter().collect())
}

/// For each configuration resource (by configuration address), the
/// top-level arguments its configuration sets. Anything else in its values
/// was filled in by the provider, so it names no dependency.
pub fn configured_arguments(configuration: &Configuration<'_>) -> HashMap<String, HashSet<String>> {
    let modules = modules_by_path(&configuration.root_module);
    let mut configured = HashMap::default();
    for (path, module) in &modules {
        for resource in &module.resources {
            let name = resource.address.clone();
            let arguments = resource
                .expressions
                .and_then(|raw| {
                    serde_json::from_str::<HashMap<String, serde::de::IgnoredAny>>(raw.get()).ok()
                })
                .map(|map| map.into_keys().collect())
                .unwrap_or_default();
            configured.insert(config_address(path, &name), arguments);
        }
    }
    configured
}

pub fn config_address(module: &[String], resource: &str) -> String {
    let mut address = String::new();
    for call in module {
        address.push_str("module.");
        address.push_str(call);
        address.push('.');
    }
    address.push_str(resource);
    address
}

fn modules_by_path<'c, 'a>(
    root: &'c ConfigModule<'a>,
) -> HashMap<Vec<String>, &'c ConfigModule<'a>> {
    let mut modules = HashMap::default();
    let mut pending = vec![(Vec::new(), root)];
    while let Some((path, module)) = pending.pop() {
        for (call, module_call) in &module.module_calls {
            let mut child = path.clone();
            child.push(call.clone());
            pending.push((child, &module_call.module));
        }
        modules.insert(path, module);
    }
    modules
}

struct Resolver<'m, 'c, 'a> {
    modules: &'m HashMap<Vec<String>, &'c ConfigModule<'a>>,
}

impl Resolver<'_, '_, '_> {
    /// Dependencies every resource of the module at `path` has through the
    /// module calls that contain it.
    fn inherited(
        &self,
        path: &[String],
        unresolved: &mut BTreeSet<Unresolved>,
    ) -> BTreeSet<Target> {
        let mut targets = BTreeSet::new();
        for depth in 1..=path.len() {
            let parent = &path[..depth - 1];
            let call_name = &path[depth - 1];
            let Some(call) = self
                .modules
                .get(parent)
                .and_then(|module| module.module_calls.get(call_name))
            else {
                continue;
            };
            let from = format!(
                "{}module.{call_name}",
                config_address(parent, "").trim_end_matches('.')
            );
            let mut references = Vec::new();
            for raw in [call.count_expression, call.for_each_expression]
                .into_iter()
                .flatten()
            {
                collect_references(raw, &mut references);
            }
            references.extend(call.depends_on.iter().cloned());
            for text in &references {
                self.resolve(
                    parent,
                    text,
                    &from,
                    &mut targets,
                    unresolved,
                    &mut Trail::default(),
                );
            }
        }
        targets
    }

    fn resolve(
        &self,
        scope: &[String],
        text: &str,
        from: &str,
        targets: &mut BTreeSet<Target>,
        unresolved: &mut BTreeSet<Unresolved>,
        trail: &mut Trail,
    ) {
        let mut gap = || {
            unresolved.insert(Unresolved {
                from: from.to_owned(),
                reference: text.to_owned(),
            });
        };
        // Past the bound the chain is not followed: a gap, never silence
        // (129 modules passing a value through dropped six dependents).
        if trail.depth > MAX_RESOLUTION_DEPTH {
            return gap();
        }
        match traversal::parse(text) {
            None => gap(),
            Some(Reference::Builtin) => {}
            Some(Reference::Local(_)) => gap(),
            Some(Reference::Resource { resource, key }) => {
                targets.insert(Target {
                    module: scope.to_vec(),
                    resource,
                    key,
                });
            }
            Some(Reference::Variable(name)) => {
                let Some((call_name, parent)) = scope.split_last() else {
                    return; // a root variable is an input, not a resource
                };
                let Some(call) = self
                    .modules
                    .get(parent)
                    .and_then(|module| module.module_calls.get(call_name))
                else {
                    return gap();
                };
                let mut references = Vec::new();
                if let Some(expressions) = call.expressions {
                    collect_argument_references(expressions, &name, &mut references);
                }
                trail.depth += 1;
                for inner in references {
                    if trail.followed.insert((parent.to_vec(), inner.clone())) {
                        self.resolve(parent, &inner, from, targets, unresolved, trail);
                    }
                }
                trail.depth -= 1;
            }
            Some(Reference::ModuleOutput { call, output }) => {
                let mut child = scope.to_vec();
                child.push(call);
                let Some(module) = self.modules.get(&child) else {
                    return gap();
                };
                let outputs: Vec<_> = match &output {
                    Some(name) => module.outputs.get(name).into_iter().collect(),
                    None => module.outputs.values().collect(),
                };
                if outputs.is_empty() {
                    return gap();
                }
                for output in outputs {
                    let mut references = Vec::new();
                    if let Some(expression) = output.expression {
                        collect_references(expression, &mut references);
                    }
                    references.extend(output.depends_on.iter().cloned());
                    trail.depth += 1;
                    for inner in references {
                        if trail.followed.insert((child.clone(), inner.clone())) {
                            self.resolve(&child, &inner, from, targets, unresolved, trail);
                        }
                    }
                    trail.depth -= 1;
                }
            }
        }
    }
}

/// The `references` of one argument of a module call's `expressions`.
fn collect_argument_references(expressions: &RawValue, argument: &str, out: &mut Vec<String>) {
    let Ok(map) = serde_json::from_str::<HashMap<String, &RawValue>>(expressions.get()) else {
        return;
    };
    if let Some(raw) = map.get(argument) {
        collect_references(raw, out);
    }
}

/// The resources among `targets` that `expressions` names only in
/// expressions that also read the instance's own key (`count.index`,
/// `each.key`), and never elsewhere (another expression, `depends_on`, an
/// enclosing module call). Terraform writes `aws_x.y[count.index].id` as
/// the references `aws_x.y` and `count.index`. A `count` or `for_each`
/// that reads the resource (`count = length(aws_x.y)`) decides which
/// instances exist, and the plan lists those it adds or deletes: it does
/// not make every instance depend on every other.
fn keyed_targets(
    expressions: &RawValue,
    other_references: &[String],
    module: &[String],
    targets: &BTreeSet<Target>,
) -> BTreeSet<Target> {
    // Most blocks read neither: their text says so without a parse.
    let text = expressions.get();
    if !text.contains("count.index") && !text.contains("each.key") {
        return BTreeSet::new();
    }
    let mut keyed: BTreeSet<String> = BTreeSet::new();
    let mut elsewhere: BTreeSet<String> = other_references
        .iter()
        .filter_map(|text| match traversal::parse(text) {
            Some(Reference::Resource { resource, .. }) => Some(resource),
            _ => None,
        })
        .collect();
    let Ok(expressions) = serde_json::from_str::<serde_json::Value>(text) else {
        return BTreeSet::new();
    };
    let mut pending = vec![&expressions];
    while let Some(value) = pending.pop() {
        match value {
            serde_json::Value::Object(members) => {
                for (key, member) in members {
                    match (key.as_str(), member) {
                        ("constant_value", _) => {}
                        ("references", serde_json::Value::Array(texts)) => {
                            let texts: Vec<&str> =
                                texts.iter().filter_map(serde_json::Value::as_str).collect();
                            let own_key = texts
                                .iter()
                                .any(|text| matches!(*text, "count.index" | "each.key"));
                            for text in texts {
                                match traversal::parse(text) {
                                    Some(Reference::Resource {
                                        resource,
                                        key: None,
                                    }) if own_key => {
                                        keyed.insert(resource);
                                    }
                                    Some(Reference::Resource { resource, .. }) => {
                                        elsewhere.insert(resource);
                                    }
                                    _ => {}
                                }
                            }
                        }
                        _ => pending.push(member),
                    }
                }
            }
            serde_json::Value::Array(items) => pending.extend(items),
            _ => {}
        }
    }
    // Named elsewhere too: by a reference this walk does not see through
    // (a variable, a module output), or through every instance.
    let named_otherwise = |resource: &String| {
        elsewhere.contains(resource)
            || targets
                .iter()
                .any(|target| target.resource == *resource && target.module != module)
    };
    keyed
        .into_iter()
        .filter(|resource| !named_otherwise(resource))
        .map(|resource| Target {
            module: module.to_vec(),
            resource,
            key: None,
        })
        .filter(|target| targets.contains(target))
        .collect()
}

/// Every string inside every `references` array below `raw`, at any depth
/// (nested blocks hold their own expressions); constants are not entered.
pub fn collect_references(raw: &RawValue, out: &mut Vec<String>) {
    super::strings::walk(raw, &|key, _| key == "constant_value", &mut |key, value| {
        if key == Some("references") {
            out.push(value.to_owned());
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_collected_from_nested_blocks_and_skip_constants() {
        let raw: Box<RawValue> = serde_json::from_str(
            r#"{"ami":{"constant_value":{"references":["not.me"]}},"network_interface":[{"id":{"references":["aws_eni.a.id","aws_eni.a"]}}],"tags":{"references":["var.tags"]}}"#,
        )
        .unwrap();
        let mut out = Vec::new();
        collect_references(&raw, &mut out);
        assert_eq!(out, ["aws_eni.a.id", "aws_eni.a", "var.tags"]);
    }

    #[test]
    fn variables_and_outputs_resolve_across_modules() {
        let configuration: Configuration<'_> = serde_json::from_str(
            r#"{"root_module":{
                "resources":[
                  {"address":"aws_vpc.main","type":"aws_vpc","name":"main","mode":"managed"},
                  {"address":"aws_ssm_parameter.p","type":"aws_ssm_parameter","name":"p","mode":"managed",
                   "expressions":{"value":{"references":["module.net.subnet_ids","module.net"]}}}],
                "module_calls":{"net":{"source":"./net",
                  "expressions":{"vpc_id":{"references":["aws_vpc.main.id","aws_vpc.main"]},"tags":{"references":["local.tags"]}},
                  "module":{
                    "outputs":{"subnet_ids":{"expression":{"references":["aws_subnet.s"]}}},
                    "resources":[{"address":"aws_subnet.s","type":"aws_subnet","name":"s","mode":"managed",
                      "expressions":{"vpc_id":{"references":["var.vpc_id"]},"tags":{"references":["var.tags"]}}}]}}}}}"#,
        )
        .unwrap();
        let (dependencies, unresolved) = dependencies(&configuration);
        let by_resource: HashMap<String, &ConfigDependencies> = dependencies
            .iter()
            .map(|entry| (config_address(&entry.module, &entry.resource), entry))
            .collect();
        let subnet = &by_resource["module.net.aws_subnet.s"].targets;
        assert_eq!(
            subnet
                .iter()
                .map(|t| config_address(&t.module, &t.resource))
                .collect::<Vec<_>>(),
            ["aws_vpc.main"]
        );
        let parameter = &by_resource["aws_ssm_parameter.p"].targets;
        assert_eq!(
            parameter
                .iter()
                .map(|t| config_address(&t.module, &t.resource))
                .collect::<Vec<_>>(),
            ["module.net.aws_subnet.s"]
        );
        assert_eq!(
            unresolved,
            [Unresolved {
                from: "module.net.aws_subnet.s".into(),
                reference: "local.tags".into()
            }]
        );
    }

    /// A value passed through more modules than the resolution follows is
    /// a gap, never silence: past 128 chained modules the dependents of
    /// the first resource were dropped without a word.
    #[test]
    fn a_chain_past_the_depth_bound_is_a_gap() {
        let calls: Vec<String> = (0..200)
            .map(|index| {
                let argument = if index == 0 {
                    r#"["aws_vpc.main.id","aws_vpc.main"]"#.to_owned()
                } else {
                    format!(r#"["module.m{}.o","module.m{}"]"#, index - 1, index - 1)
                };
                format!(
                    r#""m{index}":{{"source":"./m","expressions":{{"v":{{"references":{argument}}}}},"module":{{"outputs":{{"o":{{"expression":{{"references":["var.v"]}}}}}},"variables":{{"v":{{}}}}}}}}"#
                )
            })
            .collect();
        let text = format!(
            r#"{{"root_module":{{"resources":[
              {{"address":"aws_vpc.main","type":"aws_vpc","name":"main","mode":"managed"}},
              {{"address":"aws_ssm_parameter.near","type":"aws_ssm_parameter","name":"near","mode":"managed",
               "expressions":{{"value":{{"references":["module.m9"]}}}}}},
              {{"address":"aws_ssm_parameter.far","type":"aws_ssm_parameter","name":"far","mode":"managed",
               "expressions":{{"value":{{"references":["module.m199"]}}}}}}],
              "module_calls":{{{}}}}}}}"#,
            calls.join(",")
        );
        let configuration: Configuration<'_> = serde_json::from_str(&text).unwrap();
        let (dependencies, unresolved) = dependencies(&configuration);
        let targets_of = |address: &str| {
            dependencies
                .iter()
                .find(|entry| config_address(&entry.module, &entry.resource) == address)
                .map(|entry| entry.targets.len())
        };
        assert_eq!(targets_of("aws_ssm_parameter.near"), Some(1));
        assert!(
            unresolved
                .iter()
                .any(|gap| gap.from == "aws_ssm_parameter.far"),
            "{unresolved:?}"
        );
        assert!(
            !unresolved
                .iter()
                .any(|gap| gap.from == "aws_ssm_parameter.near"),
            "{unresolved:?}"
        );
    }
}
