//! Where configuration references finally lead, through module variables
//! and outputs: each (module, reference) is resolved once for the whole
//! configuration.
//!
//! A reference read in module `S` leads on: `var.v` to the references of
//! argument `v` in the call of `S`, `module.c[.o]` to those of the outputs
//! of `S.c`. What it resolves to is everything every reference it reaches
//! names. Walking that again from every resource cost each resource the
//! whole walk: a hand-made configuration whose 60 module calls all name
//! each other took 7 s, and time grew as the fourth power of the calls.
//! Here each reference is expanded once, and references that reach each
//! other (a cycle, which Terraform refuses but a hand-made file can hold)
//! share one answer, so nothing bounds how far a value is followed.
//!
//! Answers name targets by [`TargetId`]: a pipeline of modules each handing
//! on what it got gives answers that total the square of the calls, and
//! each answer holding its own copy of every target took 1.7 GB for 2,000
//! calls.

use std::collections::BTreeSet;
use std::sync::Arc;

use petgraph::graph::{DiGraph, NodeIndex};
use rayon::prelude::*;
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use super::references::{Target, collect_argument_references, collect_references};
use super::traversal::{self, Reference};
use crate::model::plan::ConfigModule;

/// A target's index in [`Resolutions::targets`].
pub type TargetId = u32;

/// Everything a reference resolves to.
#[derive(Debug, Default)]
pub struct Resolved {
    /// The configuration resources it names, sorted, each once.
    pub targets: Vec<TargetId>,
    /// The references on its way that could not be followed (a local, a
    /// missing module or output, text that is not a reference).
    pub gaps: BTreeSet<String>,
}

/// A reference text in the scope of one module (its index in the paths).
type Key = (usize, String);

/// What one reference gives itself, before what it leads to.
#[derive(Default)]
struct Expansion {
    targets: Vec<Target>,
    gaps: Vec<String>,
    leads_to: Vec<Key>,
}

/// An [`Expansion`] with its targets interned.
struct Lead {
    targets: Vec<TargetId>,
    gaps: Vec<String>,
    leads_to: Vec<Key>,
}

pub struct Resolutions<'m, 'c, 'a> {
    modules: &'m HashMap<Vec<String>, &'c ConfigModule<'a>>,
    /// The module paths; a scope is an index into them.
    paths: &'m [&'m Vec<String>],
    scope_of: HashMap<&'m [String], usize>,
    /// For each scope, reference text → node.
    ids: Vec<HashMap<String, NodeIndex>>,
    /// Edge `a → b`: reference `a` leads to reference `b`.
    leads: DiGraph<Lead, ()>,
    resolved: Vec<Arc<Resolved>>,
    /// Every target named, once; its index is its id.
    targets: indexmap::IndexSet<Target, rustc_hash::FxBuildHasher>,
}

impl<'m, 'c, 'a> Resolutions<'m, 'c, 'a> {
    /// `paths` are the keys of `modules`.
    pub fn new(
        modules: &'m HashMap<Vec<String>, &'c ConfigModule<'a>>,
        paths: &'m [&'m Vec<String>],
    ) -> Self {
        Self {
            modules,
            paths,
            scope_of: paths
                .iter()
                .enumerate()
                .map(|(scope, path)| (path.as_slice(), scope))
                .collect(),
            ids: vec![HashMap::default(); paths.len()],
            leads: DiGraph::new(),
            resolved: Vec::new(),
            targets: indexmap::IndexSet::default(),
        }
    }

    /// The id of `target`, given one if it has none yet.
    pub fn intern(&mut self, target: Target) -> TargetId {
        // Four billion distinct targets would take hundreds of gigabytes
        // before the id could overflow.
        self.targets.insert_full(target).0 as TargetId
    }

    /// The id `target` was given, if any.
    pub fn id_of(&self, target: &Target) -> Option<TargetId> {
        self.targets.get_index_of(target).map(|id| id as TargetId)
    }

    /// Every target interned, by id.
    pub fn targets(&self) -> &indexmap::set::Slice<Target> {
        self.targets.as_slice()
    }

    /// The table of targets, once nothing more is interned.
    pub fn into_targets(self) -> Vec<Target> {
        self.targets.into_iter().collect()
    }

    /// The scope of the module at `path`, when the configuration has one.
    pub fn scope_of(&self, path: &[String]) -> Option<usize> {
        self.scope_of.get(path).copied()
    }

    /// Adds each `(scope, text)`, a reference read in module `scope`, and
    /// everything it leads to. Call before [`Resolutions::solve`].
    pub fn add_all<'t>(&mut self, references: impl IntoIterator<Item = (usize, &'t str)>) {
        let mut frontier: Vec<Key> = references
            .into_iter()
            .filter(|(scope, text)| self.id(*scope, text).is_none())
            .collect::<HashSet<_>>()
            .into_iter()
            .map(|(scope, text)| (scope, text.to_owned()))
            .collect();
        // Bounded by the distinct (module, reference) pairs: each is
        // expanded once (reading a module call's arguments is the work, on
        // every core), however many references lead to it.
        while !frontier.is_empty() {
            let expansions: Vec<Expansion> = frontier
                .par_iter()
                .map(|(scope, text)| self.expand(*scope, text))
                .collect();
            let mut next: HashSet<Key> = HashSet::default();
            for ((scope, text), expansion) in frontier.into_iter().zip(expansions) {
                next.extend(expansion.leads_to.iter().cloned());
                let lead = Lead {
                    targets: expansion
                        .targets
                        .into_iter()
                        .map(|target| self.intern(target))
                        .collect(),
                    gaps: expansion.gaps,
                    leads_to: expansion.leads_to,
                };
                let id = self.leads.add_node(lead);
                self.ids[scope].insert(text, id);
            }
            frontier = next
                .into_iter()
                .filter(|(scope, text)| self.id(*scope, text).is_none())
                .collect();
        }
    }

    /// The module path of `scope`.
    pub fn path(&self, scope: usize) -> &'m [String] {
        self.paths[scope].as_slice()
    }

    fn id(&self, scope: usize, text: &str) -> Option<NodeIndex> {
        self.ids.get(scope)?.get(text).copied()
    }

    /// Resolves every reference added: once a set of references that reach
    /// each other is resolved, so is everything that leads into it.
    pub fn solve(&mut self) {
        for node in self.leads.node_indices() {
            let successors: Vec<NodeIndex> = self.leads[node]
                .leads_to
                .iter()
                .filter_map(|(scope, text)| self.id(*scope, text))
                .collect();
            for successor in successors {
                self.leads.add_edge(node, successor, ());
            }
        }
        let mut component_of = vec![usize::MAX; self.leads.node_count()];
        let mut answers: Vec<Arc<Resolved>> = Vec::new();
        // Components come sinks first (reverse topological order), so what
        // a component leads to is already answered when it is reached.
        for (index, members) in petgraph::algo::kosaraju_scc(&self.leads)
            .into_iter()
            .enumerate()
        {
            for member in &members {
                component_of[member.index()] = index;
            }
            let mut onward: BTreeSet<usize> = BTreeSet::new();
            let mut own_targets = Vec::new();
            let mut own_gaps = Vec::new();
            for member in &members {
                own_targets.extend_from_slice(&self.leads[*member].targets);
                own_gaps.extend(self.leads[*member].gaps.iter().cloned());
                onward.extend(
                    self.leads
                        .neighbors(*member)
                        .map(|next| component_of[next.index()])
                        .filter(|component| *component != index),
                );
            }
            // A pass-through (a variable handed on, an output that only
            // names another) shares the answer it leads to.
            let passes_through = own_targets.is_empty() && own_gaps.is_empty();
            let answer = match onward.first() {
                None if passes_through => Arc::new(Resolved::default()),
                Some(&next) if passes_through && onward.len() == 1 => Arc::clone(&answers[next]),
                _ => {
                    let mut targets = own_targets;
                    let mut gaps: BTreeSet<String> = own_gaps.into_iter().collect();
                    for component in onward {
                        let more = &answers[component];
                        targets.extend_from_slice(&more.targets);
                        gaps.extend(more.gaps.iter().cloned());
                    }
                    targets.sort_unstable();
                    targets.dedup();
                    Arc::new(Resolved { targets, gaps })
                }
            };
            answers.push(answer);
        }
        self.resolved = component_of
            .into_iter()
            .map(|component| Arc::clone(&answers[component]))
            .collect();
    }

    /// What `text`, read in module `scope`, resolves to; `None` for a
    /// reference not added, or before [`Resolutions::solve`].
    pub fn of(&self, scope: usize, text: &str) -> Option<&Resolved> {
        let id = self.id(scope, text)?;
        self.resolved.get(id.index()).map(|resolved| &**resolved)
    }

    fn expand(&self, scope: usize, text: &str) -> Expansion {
        let gap = || Expansion {
            gaps: vec![text.to_owned()],
            ..Expansion::default()
        };
        let path = self.paths[scope].as_slice();
        let reference = match direct(path, text) {
            Ok(Direct::Target(target)) => {
                return Expansion {
                    targets: vec![target],
                    ..Expansion::default()
                };
            }
            Ok(Direct::Gap) => return gap(),
            Ok(Direct::Nothing) => return Expansion::default(),
            Err(reference) => reference,
        };
        match reference {
            // A root variable is an input: `direct` answered it.
            Reference::Variable(name) => {
                let Some((call_name, parent)) = path.split_last() else {
                    return Expansion::default();
                };
                let (Some(call), Some(parent_scope)) = (
                    self.modules
                        .get(parent)
                        .and_then(|module| module.module_calls.get(call_name)),
                    self.scope_of(parent),
                ) else {
                    return gap();
                };
                let mut references = Vec::new();
                if let Some(expressions) = call.expressions {
                    collect_argument_references(expressions, &name, &mut references);
                }
                leading_to(parent_scope, references)
            }
            Reference::ModuleOutput { call, output } => {
                let mut child = path.to_vec();
                child.push(call);
                let (Some(module), Some(child_scope)) =
                    (self.modules.get(&child), self.scope_of(&child))
                else {
                    return gap();
                };
                let outputs: Vec<_> = match &output {
                    Some(name) => module.outputs.get(name).into_iter().collect(),
                    None => module.outputs.values().collect(),
                };
                if outputs.is_empty() {
                    return gap();
                }
                let mut references = Vec::new();
                for output in outputs {
                    if let Some(expression) = output.expression {
                        collect_references(expression, &mut references);
                    }
                    references.extend(output.depends_on.iter().cloned());
                }
                leading_to(child_scope, references)
            }
            // `direct` answers every other reference.
            _ => Expansion::default(),
        }
    }
}

/// An expansion that only leads on, to `references` read in `scope`.
fn leading_to(scope: usize, references: Vec<String>) -> Expansion {
    Expansion {
        leads_to: references.into_iter().map(|inner| (scope, inner)).collect(),
        ..Expansion::default()
    }
}

/// What a reference gives without following it further.
pub enum Direct {
    Target(Target),
    /// A local (the JSON omits its expression), or text that is no reference.
    Gap,
    /// `each.*`, `count.*`, `path.*`…, or a root module's variable (an input).
    Nothing,
}

/// `text`, read in the module at `path`, when it leads nowhere further;
/// otherwise the variable or module output it leads on through. Most
/// references name a resource: answered here, on the caller's core, they
/// never enter the resolution's shared table (at 300k resources, putting
/// all 200k of them there cost 4 % of the check).
pub fn direct(path: &[String], text: &str) -> Result<Direct, Reference> {
    match traversal::parse(text) {
        None | Some(Reference::Local(_)) => Ok(Direct::Gap),
        Some(Reference::Builtin) => Ok(Direct::Nothing),
        Some(Reference::Variable(_)) if path.is_empty() => Ok(Direct::Nothing),
        Some(Reference::Resource { resource, key }) => Ok(Direct::Target(Target {
            module: path.to_vec(),
            resource,
            key,
        })),
        Some(reference) => Err(reference),
    }
}
