//! The resource dependency graph of a plan. Edge `A → B` means "B depends
//! on A": a change to A can affect B. petgraph stays private to this module.

pub mod blast;
mod config;
mod reference;
mod values;

use std::collections::{BTreeMap, HashMap, HashSet};

use petgraph::Direction;
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;

use crate::model::address::{Address, InstanceKey};
use crate::model::plan::{Plan, StateResource};

pub use config::Unresolved;

/// Where an edge was learnt. An edge can have several sources.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct EdgeSources(u8);

impl EdgeSources {
    /// `prior_state` … `depends_on`, recorded at the last apply.
    pub const STATE: Self = Self(1);
    /// `configuration` references and `depends_on`.
    pub const CONFIG: Self = Self(2);
    /// An attribute value equal to the other instance's identity.
    pub const VALUE: Self = Self(4);

    pub fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0
    }

    fn insert(&mut self, other: Self) {
        self.0 |= other.0;
    }

    pub fn labels(self) -> Vec<&'static str> {
        [
            (Self::STATE, "state"),
            (Self::CONFIG, "config"),
            (Self::VALUE, "value"),
        ]
        .into_iter()
        .filter(|(flag, _)| self.contains(*flag))
        .map(|(_, label)| label)
        .collect()
    }
}

/// A resource instance in the graph.
#[derive(Debug, Clone)]
pub struct Node {
    pub address: String,
    pub resource_type: String,
    pub is_data: bool,
    /// Parsed address; `None` when the plan holds an address the grammar rejects.
    parsed: Option<Address>,
}

/// Opaque handle to a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId(NodeIndex);

/// Why part of the graph may be missing.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Gap {
    /// The plan has no `configuration`: only state and value edges are known.
    NoConfiguration,
    /// A reference (through `local.*`, whose expressions the JSON omits, or
    /// to something not in the configuration) could not be followed.
    Unresolved(Unresolved),
    /// An address the grammar does not accept; it has no configuration edges.
    UnparsableAddress(String),
}

impl Gap {
    pub fn describe(&self) -> String {
        match self {
            Self::NoConfiguration => "the plan has no `configuration`: dependencies come from the prior state and values only".to_owned(),
            Self::Unresolved(unresolved) => format!(
                "{} references {}, which the plan JSON does not resolve (locals' expressions are not in it); dependencies through it come from the prior state and values only",
                unresolved.from, unresolved.reference
            ),
            Self::UnparsableAddress(address) => format!("address {address} could not be parsed; it has no configuration edges"),
        }
    }
}

pub struct ResourceGraph {
    graph: DiGraph<Node, EdgeSources>,
    by_address: HashMap<String, NodeIndex>,
    gaps: Vec<Gap>,
}

impl ResourceGraph {
    pub fn build(plan: &Plan<'_>) -> Self {
        let mut builder = Builder::default();
        builder.add_nodes(plan);
        builder.add_state_edges(plan);
        builder.add_config_edges(plan);
        builder.add_value_edges(plan);
        builder.gaps.sort();
        builder.gaps.dedup();
        ResourceGraph {
            graph: builder.graph,
            by_address: builder.by_address,
            gaps: builder.gaps,
        }
    }

    pub fn node_count(&self) -> usize {
        self.graph.node_count()
    }

    pub fn find(&self, address: &str) -> Option<NodeId> {
        self.by_address.get(address).copied().map(NodeId)
    }

    pub fn node(&self, id: NodeId) -> &Node {
        &self.graph[id.0]
    }

    /// What depends on `id`, sorted by address.
    pub fn dependents(&self, id: NodeId) -> Vec<(NodeId, EdgeSources)> {
        let mut dependents: Vec<(NodeId, EdgeSources)> = self
            .graph
            .edges_directed(id.0, Direction::Outgoing)
            .map(|edge| (NodeId(edge.target()), *edge.weight()))
            .collect();
        dependents.sort_by(|a, b| self.graph[a.0.0].address.cmp(&self.graph[b.0.0].address));
        dependents
    }

    /// Everything that depends on `id`, directly or through others, in
    /// breadth-first order; at most `limit` resources.
    pub fn reach(&self, id: NodeId, limit: usize) -> Vec<NodeId> {
        let mut seen = HashSet::from([id.0]);
        let mut queue = std::collections::VecDeque::from([id.0]);
        let mut reached = Vec::new();
        while let Some(node) = queue.pop_front() {
            for dependent in self.graph.neighbors_directed(node, Direction::Outgoing) {
                if reached.len() == limit {
                    return reached;
                }
                if seen.insert(dependent) {
                    reached.push(NodeId(dependent));
                    queue.push_back(dependent);
                }
            }
        }
        reached
    }

    /// Every edge as (dependency, dependent, sources), sorted.
    pub fn edges(&self) -> Vec<(&str, &str, EdgeSources)> {
        let mut edges: Vec<_> = self
            .graph
            .edge_references()
            .map(|edge| {
                (
                    self.graph[edge.source()].address.as_str(),
                    self.graph[edge.target()].address.as_str(),
                    *edge.weight(),
                )
            })
            .collect();
        edges.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
        edges
    }

    pub fn gaps(&self) -> &[Gap] {
        &self.gaps
    }
}

#[derive(Default)]
struct Builder {
    graph: DiGraph<Node, EdgeSources>,
    /// petgraph's `find_edge` walks a node's edge list, and hub resources
    /// (a VPC, a KMS key) have tens of thousands: deduplicate in O(1) instead.
    edges: HashMap<(NodeIndex, NodeIndex), petgraph::graph::EdgeIndex>,
    by_address: HashMap<String, NodeIndex>,
    /// Configuration address (`module.a.aws_x.y`) → its instances.
    by_config_address: HashMap<String, Vec<NodeIndex>>,
    gaps: Vec<Gap>,
}

impl Builder {
    fn add_nodes(&mut self, plan: &Plan<'_>) {
        let mut seen: BTreeMap<&str, (&str, bool)> = BTreeMap::new();
        for resource in state_resources(plan).chain(planned_resources(plan)) {
            seen.entry(&resource.address)
                .or_insert((&resource.resource_type, resource.is_data()));
        }
        for change in plan.resource_changes.iter().flatten() {
            seen.entry(&change.address)
                .or_insert((&change.resource_type, change.is_data()));
        }
        // Sorted insertion keeps node indices, and so every traversal, deterministic.
        for (address, (resource_type, is_data)) in seen {
            let parsed: Option<Address> = address.parse().ok();
            if parsed.is_none() {
                self.gaps.push(Gap::UnparsableAddress(address.to_owned()));
            }
            let index = self.graph.add_node(Node {
                address: address.to_owned(),
                resource_type: resource_type.to_owned(),
                is_data,
                parsed: parsed.clone(),
            });
            self.by_address.insert(address.to_owned(), index);
            if let Some(parsed) = parsed {
                self.by_config_address
                    .entry(parsed.config_address())
                    .or_default()
                    .push(index);
            }
        }
    }

    fn connect(&mut self, dependency: NodeIndex, dependent: NodeIndex, source: EdgeSources) {
        if dependency == dependent {
            return;
        }
        match self.edges.get(&(dependency, dependent)) {
            Some(edge) => self.graph[*edge].insert(source),
            None => {
                let edge = self.graph.add_edge(dependency, dependent, source);
                self.edges.insert((dependency, dependent), edge);
            }
        }
    }

    /// Instances of the configuration resource `module`+`resource` that
    /// `dependent` can depend on: within the module instances it shares
    /// with the dependent, and only the named instance when a key is given.
    fn instances_of(
        &self,
        dependent: NodeIndex,
        module: &[String],
        resource: &str,
        key: Option<&InstanceKey>,
    ) -> Vec<NodeIndex> {
        let config_address = config::config_address(module, resource);
        let Some(candidates) = self.by_config_address.get(&config_address) else {
            return Vec::new();
        };
        let dependent_address = self.graph[dependent].parsed.as_ref();
        candidates
            .iter()
            .copied()
            .filter(|candidate| {
                let Some(candidate_address) = self.graph[*candidate].parsed.as_ref() else {
                    return true;
                };
                if key.is_some() && candidate_address.key.as_ref() != key {
                    return false;
                }
                let Some(dependent_address) = dependent_address else {
                    return true;
                };
                dependent_address
                    .module
                    .iter()
                    .zip(&candidate_address.module)
                    .take_while(|(a, b)| a.name == b.name)
                    .all(|(a, b)| a.key == b.key)
            })
            .collect()
    }

    fn add_state_edges(&mut self, plan: &Plan<'_>) {
        for resource in state_resources(plan) {
            let Some(&dependent) = self.by_address.get(&resource.address) else {
                continue;
            };
            for dependency in &resource.depends_on {
                let Ok(parsed) = dependency.parse::<Address>() else {
                    self.gaps.push(Gap::UnparsableAddress(dependency.clone()));
                    continue;
                };
                let module: Vec<String> =
                    parsed.module.iter().map(|step| step.name.clone()).collect();
                let resource_key = resource_name(&parsed);
                for target in
                    self.instances_of(dependent, &module, &resource_key, parsed.key.as_ref())
                {
                    self.connect(target, dependent, EdgeSources::STATE);
                }
            }
        }
    }

    fn add_config_edges(&mut self, plan: &Plan<'_>) {
        let Some(configuration) = &plan.configuration else {
            self.gaps.push(Gap::NoConfiguration);
            return;
        };
        let (dependencies, unresolved) = config::dependencies(configuration);
        // Terraform records in state `depends_on` every dependency, locals
        // included; a reference the JSON cannot resolve only leaves a gap for
        // resources that have no such record.
        let state_records_dependencies =
            state_resources(plan).any(|resource| !resource.depends_on.is_empty());
        let recorded: HashSet<String> = state_resources(plan)
            .filter(|_| state_records_dependencies)
            .filter_map(|resource| resource.address.parse::<Address>().ok())
            .flat_map(|address| config_prefixes(&address))
            .collect();
        let covered = |from: &str| recorded.contains(from);
        self.gaps.extend(
            unresolved
                .into_iter()
                .filter(|gap| !covered(&gap.from))
                .map(Gap::Unresolved),
        );
        for entry in dependencies {
            let address = config::config_address(&entry.module, &entry.resource);
            let Some(dependents) = self.by_config_address.get(&address).cloned() else {
                continue;
            };
            for dependent in dependents {
                for target in &entry.targets {
                    for dependency in self.instances_of(
                        dependent,
                        &target.module,
                        &target.resource,
                        target.key.as_ref(),
                    ) {
                        self.connect(dependency, dependent, EdgeSources::CONFIG);
                    }
                }
            }
        }
    }

    fn add_value_edges(&mut self, plan: &Plan<'_>) {
        // What exists now (prior state, or `before` in plans without one)
        // and what the plan will create.
        let mut payloads: Vec<(NodeIndex, &str, &serde_json::value::RawValue)> = Vec::new();
        let has_state = plan.prior_state.is_some();
        for resource in state_resources(plan) {
            if let (Some(&node), Some(values)) =
                (self.by_address.get(&resource.address), resource.values)
            {
                payloads.push((node, &resource.resource_type, values));
            }
        }
        for change in plan.resource_changes.iter().flatten() {
            let Some(&node) = self.by_address.get(&change.address) else {
                continue;
            };
            if !has_state && let Some(before) = change.change.before {
                payloads.push((node, &change.resource_type, before));
            }
            if change.change.actions != crate::model::Actions::NoOp
                && let Some(after) = change.change.after
            {
                payloads.push((node, &change.resource_type, after));
            }
        }
        let mut identities = values::IdentityIndex::default();
        for (node, resource_type, values) in &payloads {
            identities.add(node.index(), resource_type, values);
        }
        let mut found = Vec::new();
        for (node, resource_type, values) in &payloads {
            identities.scan(node.index(), resource_type, values, &mut |owner| {
                found.push((NodeIndex::new(owner), *node))
            });
        }
        for (dependency, dependent) in found {
            self.connect(dependency, dependent, EdgeSources::VALUE);
        }
    }
}

/// The configuration address of a resource and of each module call around it.
fn config_prefixes(address: &Address) -> Vec<String> {
    let mut prefixes = vec![address.config_address()];
    let mut module = String::new();
    for step in &address.module {
        if !module.is_empty() {
            module.push('.');
        }
        module.push_str("module.");
        module.push_str(&step.name);
        prefixes.push(module.clone());
    }
    prefixes
}

fn resource_name(address: &Address) -> String {
    config::resource_key(
        Some(if address.is_data() { "data" } else { "managed" }),
        &address.resource_type,
        &address.name,
    )
}

fn state_resources<'p, 'a>(plan: &'p Plan<'a>) -> impl Iterator<Item = &'p StateResource<'a>> {
    plan.prior_state
        .iter()
        .filter_map(|state| state.values.as_ref())
        .flat_map(|values| values.root_module.all_resources())
}

fn planned_resources<'p, 'a>(plan: &'p Plan<'a>) -> impl Iterator<Item = &'p StateResource<'a>> {
    plan.planned_values
        .iter()
        .flat_map(|values| values.root_module.all_resources())
}
