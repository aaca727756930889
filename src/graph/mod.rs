//! The resource dependency graph of a plan. Edge `A → B` means "B depends
//! on A": a change to A can affect B. petgraph stays private to this module.

mod references;
mod strings;
mod traversal;
mod values;

use std::collections::BTreeMap;

use petgraph::Direction;
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;
use rayon::prelude::*;
// FxHash: keys here are our own addresses and indices, not attacker-chosen
// in a way that matters for a one-shot CLI run, and SipHash was ~6 % of a
// 100k-resource check.
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use crate::model::address::{Address, InstanceKey, ModuleStep};
use crate::model::plan::{Plan, StateResource};

pub use references::Unresolved;

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
    /// Nodes are added in address order (see `Builder::add_nodes`), so an
    /// address is found by binary search: no second copy of every address.
    graph: DiGraph<Node, EdgeSources>,
    gaps: Vec<Gap>,
}

impl ResourceGraph {
    pub fn build(plan: &Plan<'_>) -> Self {
        let mut builder = Builder {
            graph: DiGraph::default(),
            edges: HashMap::default(),
            by_address: HashMap::default(),
            parsed: Vec::new(),
            by_config_address: HashMap::default(),
            gaps: Vec::new(),
        };
        builder.add_nodes(plan);
        builder.add_state_edges(plan);
        builder.add_config_edges(plan);
        builder.add_value_edges(plan);
        builder.prefer_exact_instances();
        let Builder {
            mut graph,
            edges,
            mut gaps,
            ..
        } = builder;
        // The builder's lookups (parsed addresses, address maps) are not
        // needed to copy the edges: dropped first, they do not sit beside
        // the copy. (The run's peak comes earlier, in the value edges.)
        add_edges_to_graph(&mut graph, edges);
        gaps.sort();
        gaps.dedup();
        ResourceGraph { graph, gaps }
    }

    pub fn find(&self, address: &str) -> Option<NodeId> {
        self.graph
            .raw_nodes()
            .binary_search_by(|node| node.weight.address.as_str().cmp(address))
            .ok()
            .map(|index| NodeId(NodeIndex::new(index)))
    }

    pub fn node(&self, id: NodeId) -> &Node {
        &self.graph[id.0]
    }

    /// What depends on `id`, sorted by address.
    pub fn dependents(&self, id: NodeId) -> Vec<(NodeId, EdgeSources)> {
        // Sorted by construction (see `add_edges_to_graph`).
        let dependents: Vec<(NodeId, EdgeSources)> = self
            .graph
            .edges_directed(id.0, Direction::Outgoing)
            .map(|edge| (NodeId(edge.target()), *edge.weight()))
            .collect();
        debug_assert!(
            dependents
                .windows(2)
                .all(|pair| self.graph[pair[0].0.0].address <= self.graph[pair[1].0.0].address)
        );
        dependents
    }

    /// Everything that depends on `id`, directly or through others, in
    /// breadth-first order; at most `limit` resources.
    pub fn reach(&self, id: NodeId, limit: usize) -> Vec<NodeId> {
        let mut seen = HashSet::default();
        seen.insert(id.0);
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

struct Builder<'p> {
    graph: DiGraph<Node, EdgeSources>,
    /// Collected first, added to the graph once: petgraph's `find_edge`
    /// walks a node's edge list, and hub resources (a VPC, a KMS key) have
    /// tens of thousands, so deduplication happens here in O(1).
    edges: HashMap<(NodeIndex, NodeIndex), EdgeSources>,
    /// Borrowed from the plan: the graph's nodes hold the only owned copy.
    by_address: HashMap<&'p str, NodeIndex>,
    /// Each node's parsed address (`None` when the grammar rejects it), by
    /// node index; needed only while edges are resolved.
    parsed: Vec<Option<Address>>,
    /// Configuration address (`module.a.aws_x.y`) → its instances.
    by_config_address: HashMap<String, Vec<NodeIndex>>,
    gaps: Vec<Gap>,
}

impl<'p> Builder<'p> {
    fn add_nodes(&mut self, plan: &'p Plan<'_>) {
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
            });
            self.by_address.insert(address, index);
            if let Some(parsed) = &parsed {
                self.by_config_address
                    .entry(parsed.config_address())
                    .or_default()
                    .push(index);
            }
            self.parsed.push(parsed);
        }
    }

    fn connect(&mut self, dependency: NodeIndex, dependent: NodeIndex, source: EdgeSources) {
        if dependency == dependent {
            return;
        }
        self.edges
            .entry((dependency, dependent))
            .or_default()
            .insert(source);
    }

    /// Instances of the configuration resource `module`+`resource` that
    /// `dependent` can depend on: within the module instances it shares
    /// with the dependent, and only the named instance when a key is given.
    fn instances_of(
        &self,
        dependent: NodeIndex,
        config_address: &str,
        key: Option<&InstanceKey>,
    ) -> Vec<NodeIndex> {
        let Some(candidates) = self.by_config_address.get(config_address) else {
            return Vec::new();
        };
        let dependent_address = self.parsed[dependent.index()].as_ref();
        candidates
            .iter()
            .copied()
            .filter(|candidate| {
                let Some(candidate_address) = self.parsed[candidate.index()].as_ref() else {
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

    /// State `depends_on` and configuration references name resources, not
    /// instances, so `aws_lb_target_group_attachment.this[1]` appears to
    /// depend on every `aws_instance.this[*]`. When values show which
    /// instance each one really uses (`target_id` = that instance's id), and
    /// they do for every dependent instance, keep only those edges.
    fn prefer_exact_instances(&mut self) {
        if !self
            .edges
            .values()
            .any(|sources| sources.contains(EdgeSources::VALUE))
        {
            return;
        }
        // Each node's resource (its address without the instance key),
        // interned from the parsed address without formatting it.
        let mut interned: HashMap<(&[ModuleStep], bool, &str, &str), usize> = HashMap::default();
        let resource_of: Vec<Option<usize>> = self
            .parsed
            .iter()
            .map(|parsed| {
                let address = parsed.as_ref()?;
                let key = (
                    address.module.as_slice(),
                    address.is_data(),
                    &*address.resource_type,
                    address.name.as_str(),
                );
                let next = interned.len();
                Some(*interned.entry(key).or_insert(next))
            })
            .collect();
        let resources = |(dependency, dependent): (NodeIndex, NodeIndex)| match (
            resource_of[dependency.index()],
            resource_of[dependent.index()],
        ) {
            (Some(from), Some(to)) if from != to => Some((from, to)),
            _ => None,
        };
        // Only resource pairs with a value edge can be narrowed; value edges are few.
        let candidates: HashSet<(usize, usize)> = self
            .edges
            .iter()
            .filter(|(_, sources)| sources.contains(EdgeSources::VALUE))
            .filter_map(|(pair, _)| resources(*pair))
            .collect();
        // (dependency resource, dependent resource) → its instance edges.
        let mut groups: HashMap<(usize, usize), Vec<(NodeIndex, NodeIndex)>> = HashMap::default();
        for &pair in self.edges.keys() {
            if let Some(key) = resources(pair).filter(|key| candidates.contains(key)) {
                groups.entry(key).or_default().push(pair);
            }
        }
        let mut narrowed = Vec::new();
        for pairs in groups.values() {
            let dependencies: HashSet<NodeIndex> =
                pairs.iter().map(|(dependency, _)| *dependency).collect();
            if dependencies.len() < 2 {
                continue;
            }
            let by_value: HashSet<NodeIndex> = pairs
                .iter()
                .filter(|pair| self.edges[pair].contains(EdgeSources::VALUE))
                .map(|(_, dependent)| *dependent)
                .collect();
            let dependents: HashSet<NodeIndex> =
                pairs.iter().map(|(_, dependent)| *dependent).collect();
            if by_value == dependents {
                narrowed.extend(
                    pairs
                        .iter()
                        .copied()
                        .filter(|pair| !self.edges[pair].contains(EdgeSources::VALUE)),
                );
            }
        }
        for pair in narrowed {
            self.edges.remove(&pair);
        }
    }

    fn add_state_edges(&mut self, plan: &Plan<'_>) {
        // `depends_on` repeats the same few configuration addresses across
        // every instance of a module: parse each distinct one once.
        type Parsed = Option<(String, Option<InstanceKey>)>;
        let mut parsed_dependencies: HashMap<&str, Parsed> = HashMap::default();
        for resource in state_resources(plan) {
            let Some(&dependent) = self.by_address.get(&*resource.address) else {
                continue;
            };
            for dependency in &resource.depends_on {
                let parsed = parsed_dependencies.entry(&**dependency).or_insert_with(|| {
                    let parsed = dependency.parse::<Address>().ok()?;
                    let module: Vec<String> =
                        parsed.module.iter().map(|step| step.name.clone()).collect();
                    let config_address =
                        references::config_address(&module, &resource_name(&parsed));
                    Some((config_address, parsed.key))
                });
                let Some((config_address, key)) = parsed.as_ref() else {
                    self.gaps
                        .push(Gap::UnparsableAddress(dependency.to_string()));
                    continue;
                };
                for target in self.instances_of(dependent, config_address, key.as_ref()) {
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
        let (dependencies, unresolved) = references::dependencies(configuration);
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
            let address = references::config_address(&entry.module, &entry.resource);
            let Some(dependents) = self.by_config_address.get(&address).cloned() else {
                continue;
            };
            let targets: Vec<(String, Option<&InstanceKey>)> = entry
                .targets
                .iter()
                .map(|target| {
                    (
                        references::config_address(&target.module, &target.resource),
                        target.key.as_ref(),
                    )
                })
                .collect();
            for dependent in dependents {
                for (target, key) in &targets {
                    for dependency in self.instances_of(dependent, target, *key) {
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
                (self.by_address.get(&*resource.address), resource.values)
            {
                payloads.push((node, &resource.resource_type, values));
            }
        }
        for change in plan.resource_changes.iter().flatten() {
            let Some(&node) = self.by_address.get(&*change.address) else {
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
        // Both walks over the payloads (the bulk of a large plan) run on
        // every core; results are merged in payload order, so the index and
        // the edges are the same as a sequential run's.
        let owned: Vec<Vec<std::borrow::Cow<'_, str>>> = payloads
            .par_iter()
            .map(|(_, resource_type, values)| values::identities(resource_type, values))
            .collect();
        let mut identities = values::IdentityIndex::default();
        for ((node, _, _), owned) in payloads.iter().zip(owned) {
            identities.add_identities(node.index(), owned);
        }
        let configured = plan
            .configuration
            .as_ref()
            .map(references::configured_arguments)
            .unwrap_or_default();
        let parsed = &self.parsed;
        let found: Vec<(NodeIndex, NodeIndex)> = payloads
            .par_iter()
            .flat_map_iter(|(node, resource_type, values)| {
                let arguments = parsed[node.index()]
                    .as_ref()
                    .and_then(|address| configured.get(&address.config_address()));
                let mut found = Vec::new();
                identities.scan(
                    node.index(),
                    resource_type,
                    values,
                    arguments,
                    &mut |owner| found.push((NodeIndex::new(owner), *node)),
                );
                found
            })
            .collect();
        for (dependency, dependent) in found {
            // Values never contradict what the configuration or the state
            // records: an edge the other way round is an echo (a role's
            // computed `inline_policy` naming its own policy), not a dependency.
            let recorded_opposite =
                self.edges
                    .get(&(dependent, dependency))
                    .is_some_and(|sources| {
                        sources.contains(EdgeSources::STATE)
                            || sources.contains(EdgeSources::CONFIG)
                    });
            if !recorded_opposite {
                self.connect(dependency, dependent, EdgeSources::VALUE);
            }
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

/// Nodes were added in address order, and petgraph lists a node's outgoing
/// edges newest first: adding each node's edges in descending dependent
/// order makes `dependents` come out sorted by address without sorting on
/// every visit of a hub. The map is consumed (freed) as it is copied, and
/// the graph's edge list is sized once instead of doubling.
fn add_edges_to_graph(
    graph: &mut DiGraph<Node, EdgeSources>,
    edges: HashMap<(NodeIndex, NodeIndex), EdgeSources>,
) {
    let mut edges: Vec<((NodeIndex, NodeIndex), EdgeSources)> = edges.into_iter().collect();
    edges.sort_unstable_by_key(|((dependency, dependent), _)| {
        (*dependency, std::cmp::Reverse(*dependent))
    });
    graph.reserve_exact_edges(edges.len());
    for ((dependency, dependent), sources) in edges {
        graph.add_edge(dependency, dependent, sources);
    }
}

fn resource_name(address: &Address) -> String {
    references::resource_key(
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

#[cfg(test)]
mod tests {
    use super::*;

    fn plan_with_attachments(target_ids: [&str; 2]) -> String {
        let instance = |index: usize| {
            format!(
                r#"{{"address":"aws_instance.this[{index}]","mode":"managed","type":"aws_instance","name":"this","index":{index},"values":{{"id":"i-000000000{index}"}}}}"#
            )
        };
        let attachment = |index: usize| {
            format!(
                r#"{{"address":"aws_lb_target_group_attachment.this[{index}]","mode":"managed","type":"aws_lb_target_group_attachment","name":"this","index":{index},"values":{{"id":"tga-{index}","target_id":"{}"}},"depends_on":["aws_instance.this"]}}"#,
                target_ids[index]
            )
        };
        format!(
            r#"{{"format_version":"1.2","prior_state":{{"values":{{"root_module":{{"resources":[{},{},{},{}]}}}}}},"resource_changes":[]}}"#,
            instance(0),
            instance(1),
            attachment(0),
            attachment(1)
        )
    }

    fn edges_of(text: &str) -> Vec<(String, String)> {
        let plan = crate::model::parse_document(text).unwrap();
        ResourceGraph::build(&plan)
            .edges()
            .into_iter()
            .map(|(from, to, _)| (from.to_owned(), to.to_owned()))
            .collect()
    }

    #[test]
    fn values_narrow_resource_level_dependencies_to_the_instance_used() {
        let edges = edges_of(&plan_with_attachments(["i-0000000000", "i-0000000001"]));
        assert_eq!(
            edges,
            [
                (
                    "aws_instance.this[0]".to_owned(),
                    "aws_lb_target_group_attachment.this[0]".to_owned()
                ),
                (
                    "aws_instance.this[1]".to_owned(),
                    "aws_lb_target_group_attachment.this[1]".to_owned()
                ),
            ]
        );
    }

    #[test]
    fn without_values_for_every_dependent_all_instances_stay() {
        let edges = edges_of(&plan_with_attachments(["i-0000000000", "elsewhere"]));
        assert_eq!(edges.len(), 4, "{edges:?}");
    }
}
