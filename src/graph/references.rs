//! Dependencies declared in `configuration`: each resource's `references`
//! and `depends_on`, resolved through module variables and outputs to the
//! configuration resources they finally name.

use std::collections::BTreeSet;

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use serde_json::value::RawValue;

use super::resolution::{Direct, Resolutions, TargetId, direct};
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
    /// Ids in [`Dependencies::targets`], sorted, each once.
    pub targets: Vec<TargetId>,
    /// Targets among `targets` named only beside the instance's own key
    /// (`aws_x.y[count.index]`, `aws_x.y[each.key]`): the JSON gives the
    /// reference without its key, yet each instance uses the one with its
    /// own key (see `graph::Builder::config_edges`).
    pub keyed: Vec<TargetId>,
}

/// What every configuration resource depends on.
#[derive(Debug)]
pub struct Dependencies {
    pub resources: Vec<ConfigDependencies>,
    /// Every target named, by id: a target named by many resources (a
    /// module pipeline names each later one from every earlier one) is
    /// held once.
    pub targets: Vec<Target>,
    pub unresolved: Vec<Unresolved>,
}

/// What a resource's (or a module call's) references give, before the
/// targets named directly have ids.
#[derive(Default)]
struct Named {
    direct: Vec<Target>,
    resolved: Vec<TargetId>,
}

pub fn dependencies(configuration: &Configuration<'_>) -> Dependencies {
    let modules = modules_by_path(&configuration.root_module);
    let mut paths: Vec<&Vec<String>> = modules.keys().collect();
    paths.sort();
    // Module-level depends_on, count and for_each apply to everything inside.
    let calls_above: Vec<Vec<CallAbove<'_>>> = paths
        .iter()
        .map(|path| calls_above(&modules, path))
        .collect();
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
    // Reading the expressions is most of the work: on every core.
    let references: Vec<(Vec<String>, usize)> = resources
        .par_iter()
        .map(|&(_, resource)| {
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
            let from_expressions = references.len();
            references.extend(resource.depends_on.iter().cloned());
            (references, from_expressions)
        })
        .collect();
    let mut resolutions = Resolutions::new(&modules, &paths);
    let from_calls = calls_above.iter().flatten().flat_map(|call| {
        let parent = resolutions.scope_of(call.parent);
        call.references
            .iter()
            .filter_map(move |text| Some((parent?, text.as_str())))
    });
    // Only references that lead on (variables, module outputs) enter the
    // shared table; the rest are answered where they are read (`resolve`).
    let from_resources: Vec<(usize, &str)> = resources
        .par_iter()
        .zip(&references)
        .flat_map_iter(|(&(scope, _), (texts, _))| {
            let path = paths[scope].as_slice();
            texts
                .iter()
                .filter(move |text| direct(path, text).is_err())
                .map(move |text| (scope, text.as_str()))
        })
        .collect();
    let roots: Vec<(usize, &str)> = from_calls.chain(from_resources).collect();
    resolutions.add_all(roots);
    resolutions.solve();
    let mut unresolved = BTreeSet::new();
    let inherited: Vec<Named> = calls_above
        .iter()
        .map(|calls| {
            let mut named = Named::default();
            for call in calls {
                let Some(parent) = resolutions.scope_of(call.parent) else {
                    continue;
                };
                for text in &call.references {
                    resolve(
                        &resolutions,
                        parent,
                        text,
                        &call.address,
                        &mut named,
                        &mut unresolved,
                    );
                }
            }
            named
        })
        .collect();
    let named: Vec<(Named, BTreeSet<Unresolved>)> = resources
        .par_iter()
        .zip(&references)
        .map(|(&(scope, resource), (texts, _))| {
            let from = config_address(paths[scope], &resource.address);
            let mut named = Named::default();
            let mut unresolved = BTreeSet::new();
            for text in texts {
                resolve(
                    &resolutions,
                    scope,
                    text,
                    &from,
                    &mut named,
                    &mut unresolved,
                );
            }
            (named, unresolved)
        })
        .collect();
    // Targets named directly get their ids here, in module and resource
    // order (one table for all; linear in the references read).
    let inherited: Vec<Vec<TargetId>> = inherited
        .into_iter()
        .map(|named| ids_of(&mut resolutions, named))
        .collect();
    let mut own: Vec<Vec<TargetId>> = Vec::with_capacity(named.len());
    for (named, more) in named {
        own.push(ids_of(&mut resolutions, named));
        unresolved.extend(more);
    }
    let table = resolutions.targets();
    let all: Vec<ConfigDependencies> = resources
        .par_iter()
        .zip(&references)
        .zip(own)
        .map(
            |((&(scope, resource), (texts, from_expressions)), mut targets)| {
                let path = paths[scope];
                // Its address is its mode, type and name (checked when read).
                let resource_name = resource.address.clone();
                targets.extend_from_slice(&inherited[scope]);
                targets.sort_unstable();
                targets.dedup();
                targets.retain(|id| {
                    let target = &table[*id as usize];
                    !(target.module == *path && target.resource == resource_name)
                });
                let keyed = resource
                    .expressions
                    .map(|raw| {
                        keyed_targets(
                            raw,
                            &texts[*from_expressions..],
                            path,
                            &targets,
                            &resolutions,
                        )
                    })
                    .unwrap_or_default();
                ConfigDependencies {
                    module: path.clone(),
                    resource: resource_name,
                    targets,
                    keyed,
                }
            },
        )
        .collect();
    Dependencies {
        resources: all,
        targets: resolutions.into_targets(),
        unresolved: unresolved.into_iter().collect(),
    }
}

/// `named` with every target as an id (sorted and made unique where the
/// lists are merged).
fn ids_of(resolutions: &mut Resolutions<'_, '_, '_>, named: Named) -> Vec<TargetId> {
    let mut ids = named.resolved;
    ids.extend(
        named
            .direct
            .into_iter()
            .map(|target| resolutions.intern(target)),
    );
    ids
}

/// Adds what `text` (read in `scope`, held by `from`) resolves to.
fn resolve(
    resolutions: &Resolutions<'_, '_, '_>,
    scope: usize,
    text: &str,
    from: &str,
    named: &mut Named,
    unresolved: &mut BTreeSet<Unresolved>,
) {
    match direct(resolutions.path(scope), text) {
        Ok(Direct::Target(target)) => {
            named.direct.push(target);
            return;
        }
        Ok(Direct::Gap) => {
            unresolved.insert(Unresolved {
                from: from.to_owned(),
                reference: text.to_owned(),
            });
            return;
        }
        Ok(Direct::Nothing) => return,
        Err(_) => {}
    }
    let Some(resolved) = resolutions.of(scope, text) else {
        return;
    };
    named.resolved.extend_from_slice(&resolved.targets);
    unresolved.extend(resolved.gaps.iter().map(|reference| Unresolved {
        from: from.to_owned(),
        reference: reference.clone(),
    }));
}

/// A module call on the way from the root to a module.
struct CallAbove<'p> {
    /// `module.a.module.b`
    address: String,
    /// The module the call is made in.
    parent: &'p [String],
    /// What its `count`, `for_each` and `depends_on` reference: it applies
    /// to everything inside the module.
    references: Vec<String>,
}

/// The module calls on the way from the root to the module at `path`.
fn calls_above<'p>(
    modules: &HashMap<Vec<String>, &ConfigModule<'_>>,
    path: &'p [String],
) -> Vec<CallAbove<'p>> {
    let mut calls = Vec::new();
    for depth in 1..=path.len() {
        let parent = &path[..depth - 1];
        let call_name = &path[depth - 1];
        let Some(call) = modules
            .get(parent)
            .and_then(|module| module.module_calls.get(call_name))
        else {
            continue;
        };
        let from = config_address(parent, &format!("module.{call_name}"));
        let mut references = Vec::new();
        for raw in [call.count_expression, call.for_each_expression]
            .into_iter()
            .flatten()
        {
            collect_references(raw, &mut references);
        }
        references.extend(call.depends_on.iter().cloned());
        calls.push(CallAbove {
            address: from,
            parent,
            references,
        });
    }
    calls
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

/// The `references` of one argument of a module call's `expressions`.
pub(super) fn collect_argument_references(
    expressions: &RawValue,
    argument: &str,
    out: &mut Vec<String>,
) {
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
    targets: &[TargetId],
    resolutions: &Resolutions<'_, '_, '_>,
) -> Vec<TargetId> {
    // Most blocks read neither: their text says so without a parse.
    let text = expressions.get();
    if !text.contains("count.index") && !text.contains("each.key") {
        return Vec::new();
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
        return Vec::new();
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
    let table = resolutions.targets();
    let named_otherwise = |resource: &String| {
        elsewhere.contains(resource)
            || targets.iter().any(|id| {
                let target = &table[*id as usize];
                target.resource == *resource && target.module != module
            })
    };
    let mut ids: Vec<TargetId> = keyed
        .into_iter()
        .filter(|resource| !named_otherwise(resource))
        .filter_map(|resource| {
            resolutions.id_of(&Target {
                module: module.to_vec(),
                resource,
                key: None,
            })
        })
        .filter(|id| targets.binary_search(id).is_ok())
        .collect();
    ids.sort_unstable();
    ids
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

    /// A nested call's address names both calls: it was written
    /// `module.amodule.b`, so its gaps matched nothing recorded in state.
    #[test]
    fn a_nested_module_call_is_addressed_through_its_parent() {
        let configuration: Configuration<'_> = serde_json::from_str(
            r#"{"root_module":{"module_calls":{"a":{"source":"./a","module":{"module_calls":{"b":{"source":"./b","depends_on":["local.x"],"module":{}}}}}}}}"#,
        )
        .unwrap();
        let modules = modules_by_path(&configuration.root_module);
        let path = ["a".to_owned(), "b".to_owned()];
        let calls = calls_above(&modules, &path);
        let addresses: Vec<&str> = calls.iter().map(|call| call.address.as_str()).collect();
        assert_eq!(addresses, ["module.a", "module.a.module.b"]);
    }

    /// How many configuration resources `address` depends on.
    fn target_count(dependencies: &[ConfigDependencies], address: &str) -> Option<usize> {
        dependencies
            .iter()
            .find(|entry| config_address(&entry.module, &entry.resource) == address)
            .map(|entry| entry.targets.len())
    }

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
        let Dependencies {
            resources: dependencies,
            targets: table,
            unresolved,
        } = dependencies(&configuration);
        let by_resource: HashMap<String, &ConfigDependencies> = dependencies
            .iter()
            .map(|entry| (config_address(&entry.module, &entry.resource), entry))
            .collect();
        let subnet = &by_resource["module.net.aws_subnet.s"].targets;
        assert_eq!(
            subnet
                .iter()
                .map(|id| &table[*id as usize])
                .map(|t| config_address(&t.module, &t.resource))
                .collect::<Vec<_>>(),
            ["aws_vpc.main"]
        );
        let parameter = &by_resource["aws_ssm_parameter.p"].targets;
        assert_eq!(
            parameter
                .iter()
                .map(|id| &table[*id as usize])
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

    /// A value passed through any number of modules is followed to its
    /// resource: a bound on the walk once cut it at 128 modules.
    #[test]
    fn a_value_passed_through_200_modules_reaches_its_resource() {
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
        let Dependencies {
            resources: dependencies,
            unresolved,
            ..
        } = dependencies(&configuration);
        let targets_of = |address: &str| target_count(&dependencies, address);
        assert_eq!(targets_of("aws_ssm_parameter.near"), Some(1));
        assert_eq!(targets_of("aws_ssm_parameter.far"), Some(1));
        assert_eq!(unresolved, []);
    }

    /// A pipeline of module calls, each handing on what the one after it
    /// gave plus its own resource: the resources name the square of the
    /// calls between them, and each target is held once (every answer held
    /// its own copies: 1.7 GB for 2,000 calls).
    #[test]
    fn a_module_pipeline_names_each_target_once_however_many_resources_name_it() {
        let count = 300;
        let calls: Vec<String> = (0..count)
            .map(|index| {
                let argument = if index + 1 < count {
                    format!(r#"{{"in":{{"references":["module.m{0}.o","module.m{0}"]}}}}"#, index + 1)
                } else {
                    "{}".to_owned()
                };
                format!(
                    r#""m{index}":{{"source":"./m","expressions":{argument},"module":{{"outputs":{{"o":{{"expression":{{"references":["terraform_data.r.id","terraform_data.r","var.in"]}}}}}},"resources":[{{"address":"terraform_data.r","mode":"managed","type":"terraform_data","name":"r","expressions":{{"input":{{"references":["var.in"]}}}}}}],"variables":{{"in":{{}}}}}}}}"#
                )
            })
            .collect();
        let text = format!(
            r#"{{"root_module":{{"module_calls":{{{}}}}}}}"#,
            calls.join(",")
        );
        let configuration: Configuration<'_> = serde_json::from_str(&text).unwrap();
        let Dependencies {
            resources,
            targets,
            unresolved,
        } = dependencies(&configuration);
        assert_eq!(unresolved, []);
        // Every resource but the first is named, each held once.
        assert_eq!(targets.len(), count - 1);
        // m0's resource depends on every later one, m1's on all after it…
        let named: usize = resources.iter().map(|entry| entry.targets.len()).sum();
        assert_eq!(named, count * (count - 1) / 2);
        assert_eq!(
            target_count(&resources, "module.m0.terraform_data.r"),
            Some(count - 1)
        );
    }

    /// Hand-made module calls that all pass each other's outputs on
    /// (Terraform refuses the cycle) resolve to every resource they can
    /// reach. Resolving from each resource again took time as the fourth
    /// power of the calls: this configuration did not end in minutes.
    #[test]
    fn module_calls_that_all_name_each_other_resolve_to_every_resource_they_reach() {
        let count = 100;
        let calls: Vec<String> = (0..count)
            .map(|index| {
                let others: Vec<String> = (0..count)
                    .filter(|other| *other != index)
                    .map(|other| format!(r#""module.m{other}""#))
                    .collect();
                format!(
                    r#""m{index}":{{"source":"./m","expressions":{{"v":{{"references":[{0}]}}}},"depends_on":[{0}],"module":{{"outputs":{{"o":{{"expression":{{"references":["var.v","aws_s3_bucket.b"]}}}}}},"variables":{{"v":{{}}}},"resources":[{{"address":"aws_s3_bucket.b","type":"aws_s3_bucket","name":"b","mode":"managed","expressions":{{"bucket":{{"references":["var.v"]}}}}}}]}}}}"#,
                    others.join(",")
                )
            })
            .collect();
        let text = format!(
            r#"{{"root_module":{{"resources":[
              {{"address":"aws_ssm_parameter.p","type":"aws_ssm_parameter","name":"p","mode":"managed",
               "expressions":{{"value":{{"references":["module.m0.o","local.x"]}}}}}}],
              "module_calls":{{{}}}}}}}"#,
            calls.join(",")
        );
        let configuration: Configuration<'_> = serde_json::from_str(&text).unwrap();
        let Dependencies {
            resources: dependencies,
            unresolved,
            ..
        } = dependencies(&configuration);
        let targets_of = |address: &str| target_count(&dependencies, address);
        // Every module's bucket, through m0's output and the outputs it names.
        assert_eq!(targets_of("aws_ssm_parameter.p"), Some(count));
        // A bucket depends on every other module's bucket, not on itself.
        assert_eq!(targets_of("module.m7.aws_s3_bucket.b"), Some(count - 1));
        assert_eq!(
            unresolved,
            [Unresolved {
                from: "aws_ssm_parameter.p".into(),
                reference: "local.x".into()
            }]
        );
    }
}
