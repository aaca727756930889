//! The resource dependency graph of a plan. Edge `A → B` means "B depends
//! on A": a change to A can affect B. petgraph stays private to this module.

mod references;
mod resolution;
mod strings;
mod traversal;
mod values;

use petgraph::csr::Csr;
use petgraph::graph::NodeIndex;
use rayon::iter::Either;
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
    /// A configuration reference to the instance with the dependent's own
    /// key (`aws_x.y[count.index]`); shown as `config`.
    pub const KEYED: Self = Self(8);

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

/// A resource instance in the graph, borrowed from the plan it was built from.
#[derive(Debug, Clone)]
pub struct Node<'p> {
    pub address: &'p str,
    pub resource_type: &'p str,
    pub is_data: bool,
}

/// Opaque handle to a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId(u32);

impl NodeId {
    /// Its position among the graph's nodes, below [`ResourceGraph::node_count`].
    pub(crate) fn index(self) -> usize {
        self.0 as usize
    }
}

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

pub struct ResourceGraph<'p> {
    /// In address order (see `Builder::add_nodes`): an address is found by
    /// binary search, and node `i` of `edges` is `nodes[i]`.
    nodes: Vec<Node<'p>>,
    /// The edges in compressed sparse rows: the graph is not changed once
    /// built, and rows take 5 bytes an edge where an adjacency list takes 28.
    edges: Csr<(), EdgeSources, petgraph::Directed, u32>,
    gaps: Vec<Gap>,
}

impl<'p> ResourceGraph<'p> {
    pub fn build(plan: &'p Plan<'_>) -> Self {
        Self::build_grouping(plan, WIDE_RESOURCE)
    }

    /// [`ResourceGraph::build`] with the edges from every instance of a
    /// resource of at least `wide` instances kept as one group edge (see
    /// [`GroupEdge`]); the graph's answers do not depend on `wide`.
    fn build_grouping(plan: &'p Plan<'_>, wide: usize) -> Self {
        let mut builder = Builder {
            nodes: Vec::new(),
            by_address: HashMap::default(),
            placements: Vec::new(),
            module_paths: Vec::new(),
            config_addresses: ConfigAddresses::default(),
            instances: Instances::default(),
            wide_resources: Vec::new(),
            wide,
            gaps: Vec::new(),
        };
        builder.add_nodes(plan);
        // State and configuration edges are gathered on every core, then
        // sorted and merged once; value edges need them to decide direction.
        let (state, config) =
            rayon::join(|| builder.state_edges(plan), || builder.config_edges(plan));
        let (
            (state, state_groups, state_gaps),
            (config, config_groups, config_into, config_gaps, direct),
        ) = (state, config);
        builder
            .gaps
            .extend(state_gaps.into_iter().chain(config_gaps));
        let mut edges = EdgeSet::default();
        edges.extend(state, state_groups);
        edges.extend(config, config_groups);
        merge_sorted(&mut edges.into, config_into);
        let value = builder.value_edges(plan, &edges);
        edges.extend(value, Vec::new());
        builder.prefer_exact_instances(&mut edges);
        builder.drop_transitive_state_edges(&mut edges, &direct);
        let edges = rows_of(builder.nodes.len(), edges, &builder.instances);
        let Builder {
            nodes, mut gaps, ..
        } = builder;
        gaps.sort();
        gaps.dedup();
        ResourceGraph { nodes, edges, gaps }
    }

    pub fn find(&self, address: &str) -> Option<NodeId> {
        self.nodes
            .binary_search_by(|node| node.address.cmp(address))
            .ok()
            .map(|index| NodeId(index as u32))
    }

    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    pub fn node(&self, id: NodeId) -> &Node<'p> {
        &self.nodes[id.0 as usize]
    }

    /// What depends on `id`, sorted by address: a row lists its targets in
    /// index order, and indices are in address order.
    pub fn dependents(&self, id: NodeId) -> Vec<(NodeId, EdgeSources)> {
        let row = self.edges.neighbors_slice(id.0);
        let sources = self.edges.edges_slice(id.0);
        // Hubs are numbered after the resources, so they end a row.
        let hubs = row.partition_point(|&node| (node as usize) < self.nodes.len());
        let mut dependents: Vec<(NodeId, EdgeSources)> = row[..hubs]
            .iter()
            .zip(&sources[..hubs])
            .map(|(dependent, sources)| (NodeId(*dependent), *sources))
            .collect();
        // A row of one hub alone (an instance of a wide resource) is that
        // hub's row, already in order and without repeats.
        if hubs == 0 && row.len() == 1 {
            let hub = row[0];
            return self
                .edges
                .neighbors_slice(hub)
                .iter()
                .zip(self.edges.edges_slice(hub))
                .filter(|(dependent, _)| **dependent != id.0)
                .map(|(dependent, sources)| (NodeId(*dependent), *sources))
                .collect();
        }
        if hubs < row.len() {
            for &hub in &row[hubs..] {
                dependents.extend(
                    self.edges
                        .neighbors_slice(hub)
                        .iter()
                        .zip(self.edges.edges_slice(hub))
                        .filter(|(dependent, _)| **dependent != id.0)
                        .map(|(dependent, sources)| (NodeId(*dependent), *sources)),
                );
            }
            // A dependent reached both directly and through a hub has one
            // edge, with the sources of both.
            dependents.sort_unstable_by_key(|(dependent, _)| *dependent);
            dependents.dedup_by(|later, earlier| {
                let same = later.0 == earlier.0;
                if same {
                    earlier.1.insert(later.1);
                }
                same
            });
        }
        dependents
    }

    /// Everything that depends on `id`, directly or through others, in
    /// breadth-first order; at most `limit` resources.
    pub fn reach(&self, id: NodeId, limit: usize) -> Vec<NodeId> {
        let has_hubs = self.edges.node_count() > self.nodes.len();
        // One bit a resource: a hash set grown for each of many destroyed
        // resources that each reach thousands was most of such a check.
        let mut seen = vec![0_u64; self.nodes.len().div_ceil(64)];
        let mut first_sight = |node: u32| {
            let (word, bit) = (node as usize / 64, 1_u64 << (node % 64));
            let new = seen[word] & bit == 0;
            seen[word] |= bit;
            new
        };
        first_sight(id.0);
        let mut queue = std::collections::VecDeque::from([id.0]);
        let mut reached = Vec::new();
        while let Some(node) = queue.pop_front() {
            let grouped;
            let next: &[u32] = if has_hubs {
                grouped = self
                    .dependents(NodeId(node))
                    .into_iter()
                    .map(|(dependent, _)| dependent.0)
                    .collect::<Vec<_>>();
                &grouped
            } else {
                self.edges.neighbors_slice(node)
            };
            for &dependent in next {
                if reached.len() == limit {
                    return reached;
                }
                if first_sight(dependent) {
                    reached.push(NodeId(dependent));
                    queue.push_back(dependent);
                }
            }
        }
        reached
    }

    /// Every edge as (dependency, dependent, sources), sorted: rows in
    /// index (address) order, each row in index order.
    pub fn edges(&self) -> Vec<(&'p str, &'p str, EdgeSources)> {
        (0..self.nodes.len() as u32)
            .flat_map(|from| {
                self.dependents(NodeId(from))
                    .into_iter()
                    .map(move |(to, sources)| {
                        (
                            self.nodes[from as usize].address,
                            self.nodes[to.index()].address,
                            sources,
                        )
                    })
            })
            .collect()
    }

    pub fn gaps(&self) -> &[Gap] {
        &self.gaps
    }
}

/// A resource with at least this many instances, all in one module
/// instance, is a dependency of its dependents as a whole (see
/// [`GroupEdge`]). Below it, an edge per instance costs less than a hub.
const WIDE_RESOURCE: usize = 32;

/// Edges as (dependency, dependent) → where they were learnt, sorted by
/// pair. Lists gathered on every core are sorted and merged here in one
/// go, instead of a hash-map insert per edge (a plan of 100k resources has
/// about 800k edges), and a pair is found by binary search.
#[derive(Default)]
struct EdgeSet {
    sorted: Vec<Edge>,
    /// Sorted by (resource, dependent) like `sorted`.
    groups: Vec<GroupEdge>,
    /// Sorted by (dependency, resource).
    into: Vec<IntoEdge>,
}

/// (dependency, dependent) and where the edge was learnt.
type Edge = ((NodeIndex, NodeIndex), EdgeSources);

/// An edge from every instance of a wide configuration resource (by id:
/// see [`Builder::wide_resources`]) to a dependent. A reference or a state
/// `depends_on` names a resource, not an instance, so each of N dependents
/// depends on all N instances of what it names: N² edges, which took 3.7 GB
/// and 56 s at N = 10,000. The finished graph keeps such a resource as one
/// hub, N edges in and N out; [`ResourceGraph::dependents`] answers as if
/// every edge were there.
type GroupEdge = ((u32, NodeIndex), EdgeSources);

/// An edge from a dependency to every instance of a wide configuration
/// resource (by id) that names it: N instances of a `count` that all name
/// what a module's output lists (M resources) took N × M edges from a
/// plan that lists N + M. The finished graph keeps them as a hub too.
type IntoEdge = ((NodeIndex, u32), EdgeSources);

/// A configuration edge kept for a group of instances.
enum Grouped {
    From(GroupEdge),
    Into(IntoEdge),
}

/// Configuration resource id → the configuration resource ids it names,
/// and whether all its references resolved (see [`Builder::direct_targets`]).
type DirectTargets = HashMap<usize, (HashSet<usize>, bool)>;

impl EdgeSet {
    fn extend(&mut self, pairs: Vec<Edge>, groups: Vec<GroupEdge>) {
        merge_sorted(&mut self.sorted, pairs);
        merge_sorted(&mut self.groups, groups);
    }

    /// Where the edge `pair` was learnt, itself or as part of a group
    /// edge: `resources` are the configuration resources of its dependency
    /// and of its dependent when they are wide (see
    /// [`Builder::wide_resources`]).
    fn get(
        &self,
        pair: (NodeIndex, NodeIndex),
        resources: (Option<u32>, Option<u32>),
    ) -> Option<EdgeSources> {
        let single = self
            .sorted
            .binary_search_by_key(&pair, |(pair, _)| *pair)
            .ok()
            .map(|found| self.sorted[found].1);
        let from_group = resources.0.and_then(|resource| {
            self.groups
                .binary_search_by_key(&(resource, pair.1), |(key, _)| *key)
                .ok()
                .map(|found| self.groups[found].1)
        });
        let into_group = resources.1.and_then(|resource| {
            self.into
                .binary_search_by_key(&(pair.0, resource), |(key, _)| *key)
                .ok()
                .map(|found| self.into[found].1)
        });
        [single, from_group, into_group]
            .into_iter()
            .flatten()
            .reduce(|mut sources, more| {
                sources.insert(more);
                sources
            })
    }

    fn iter(&self) -> impl Iterator<Item = &Edge> {
        self.sorted.iter()
    }

    /// Replaces the group edges in `from` and the edges into groups in
    /// `into` by the edges they stand for: between every instance of their
    /// resource (`instances`) and the node at their other end.
    fn list_apart(
        &mut self,
        from: &HashSet<(u32, NodeIndex)>,
        into: &HashSet<(NodeIndex, u32)>,
        instances: &Instances,
    ) {
        let mut apart = Vec::new();
        for ((config, dependent), sources) in take(&mut self.groups, from) {
            apart.extend(
                instances
                    .of_config(config as usize)
                    .iter()
                    .filter_map(|&dependency| edge(dependency, dependent, sources)),
            );
        }
        for ((dependency, config), sources) in take(&mut self.into, into) {
            apart.extend(
                instances
                    .of_config(config as usize)
                    .iter()
                    .filter_map(|&dependent| edge(dependency, dependent, sources)),
            );
        }
        merge_sorted(&mut self.sorted, apart);
    }

    /// Removes the group edges in `from` and the edges into groups in
    /// `into`. What they gave an edge that stays on its own (a value edge
    /// to one of the group's instances) stays with it, as it would have
    /// were every edge listed apart: `resource_of` gives a node's wide
    /// configuration resource.
    fn remove(
        &mut self,
        from: &HashSet<(u32, NodeIndex)>,
        into: &HashSet<(NodeIndex, u32)>,
        resource_of: impl Fn(NodeIndex) -> Option<u32> + Sync,
    ) {
        let from: HashMap<(u32, NodeIndex), EdgeSources> =
            take(&mut self.groups, from).into_iter().collect();
        let into: HashMap<(NodeIndex, u32), EdgeSources> =
            take(&mut self.into, into).into_iter().collect();
        if from.is_empty() && into.is_empty() {
            return;
        }
        self.sorted
            .par_iter_mut()
            .for_each(|((dependency, dependent), sources)| {
                let grouped = [
                    resource_of(*dependency).and_then(|resource| from.get(&(resource, *dependent))),
                    resource_of(*dependent).and_then(|resource| into.get(&(*dependency, resource))),
                ];
                for more in grouped.into_iter().flatten() {
                    sources.insert(*more);
                }
            });
    }
}

/// The edges of `list` whose keys are `taken`, taken out of it.
fn take<K: Copy + Eq + std::hash::Hash>(
    list: &mut Vec<(K, EdgeSources)>,
    taken: &HashSet<K>,
) -> Vec<(K, EdgeSources)> {
    if taken.is_empty() {
        return Vec::new();
    }
    let (out, kept): (Vec<_>, Vec<_>) = std::mem::take(list)
        .into_iter()
        .partition(|(key, _)| taken.contains(key));
    *list = kept;
    out
}

/// Merges `more` into the sorted, repeat-free `sorted`; an edge learnt
/// twice has the sources of both.
fn merge_sorted<K: Ord + Copy + Send>(
    sorted: &mut Vec<(K, EdgeSources)>,
    mut more: Vec<(K, EdgeSources)>,
) {
    if more.is_empty() {
        return;
    }
    more.par_sort_unstable_by_key(|(key, _)| *key);
    if sorted.is_empty() {
        *sorted = more;
    } else {
        // The set is sorted already: merged, not sorted again with the
        // (usually few) new edges. Exact room: doubling a list of 800k
        // edges would leave it half empty.
        let mut merged = Vec::with_capacity(sorted.len() + more.len());
        let mut more = more.into_iter().peekable();
        for edge in std::mem::take(sorted) {
            while let Some(next) = more.next_if(|next| next.0 < edge.0) {
                merged.push(next);
            }
            merged.push(edge);
        }
        merged.extend(more);
        *sorted = merged;
    }
    sorted.dedup_by(|later, earlier| {
        let same = later.0 == earlier.0;
        if same {
            earlier.1.insert(later.1);
        }
        same
    });
}

/// What resolving edges needs of a node's address: its module instance
/// path and configuration address as interned ids, and its instance key.
/// A large plan has one per resource alive through the whole build, where a
/// parsed `Address` with its strings took five times the room.
struct Placement {
    module: u32,
    config: u32,
    key: Option<InstanceKey>,
}

struct Builder<'p> {
    /// In address order, one per address.
    nodes: Vec<Node<'p>>,
    by_address: HashMap<&'p str, NodeIndex>,
    /// Where each node's address places it (`None` when the grammar rejects
    /// the address), by node index; needed only while edges are resolved.
    placements: Vec<Option<Placement>>,
    /// Module instance paths (`module.a["x"].module.b`), by id, each step
    /// as interned ids: `instances_of` compares paths for every candidate
    /// of every dependency (1.5 million times in a 10k-resource plan), and
    /// comparing the names as strings was most of the edges' time.
    module_paths: Vec<Vec<InternedStep>>,
    /// Configuration addresses (`module.a.aws_x.y`); an address's id is
    /// its position.
    config_addresses: ConfigAddresses,
    /// The instances of each configuration address, by id.
    instances: Instances,
    /// By configuration address id, when it has at least `wide` instances:
    /// how they lie. Such a resource is a dependency as a whole, in group
    /// edges.
    wide_resources: Vec<Option<Wide>>,
    wide: usize,
    gaps: Vec<Gap>,
}

/// Where the instances of a wide configuration resource lie.
#[derive(Clone, Copy)]
enum Wide {
    /// All in this one module instance, each with its key: a resource of
    /// `count` or `for_each` in one module instance.
    One(u32),
    /// In several module instances (a resource in a module of `count` or
    /// `for_each`); this is one of them. Passes that judge instance by
    /// instance list a group edge of such a resource apart first.
    Spread(u32),
}

/// A module step (`module.a["x"]`) as ids: its name's, and its own (name
/// and key), so two steps are compared as integers.
#[derive(Clone, Copy)]
struct InternedStep {
    name: u32,
    step: u32,
}

/// Configuration addresses, each stored once for both directions (id →
/// address and address → id): a chain of 100k resources has as many.
type ConfigAddresses = indexmap::IndexSet<String, rustc_hash::FxBuildHasher>;

/// The instances (nodes) of each configuration address, in node order, in
/// one list: a list per address took 40 bytes for the one instance most
/// resources have.
#[derive(Default)]
struct Instances {
    /// Where each configuration address's instances start in `nodes`; one
    /// more entry than there are addresses.
    starts: Vec<u32>,
    nodes: Vec<NodeIndex>,
}

impl Instances {
    /// Counting sort of the placed nodes by configuration address id.
    fn of(config_count: usize, placements: &[Option<Placement>]) -> Self {
        let mut starts = vec![0_u32; config_count + 1];
        for placement in placements.iter().flatten() {
            starts[placement.config as usize + 1] += 1;
        }
        for id in 0..config_count {
            starts[id + 1] += starts[id];
        }
        let mut next = starts.clone();
        let mut nodes = vec![NodeIndex::new(0); starts[config_count] as usize];
        for (index, placement) in placements.iter().enumerate() {
            if let Some(placement) = placement {
                let slot = &mut next[placement.config as usize];
                nodes[*slot as usize] = NodeIndex::new(index);
                *slot += 1;
            }
        }
        Self { starts, nodes }
    }

    fn of_config(&self, config: usize) -> &[NodeIndex] {
        &self.nodes[self.starts[config] as usize..self.starts[config + 1] as usize]
    }
}

/// Whether configuration resource `to` is named, directly or through the
/// resources named in turn, by what `from` names (not by `from` itself).
/// What a resource with an unresolved reference names still counts: the
/// path it gives is real, whatever else it hides.
/// The pairs (dependency, dependent) for which [`reaches`] holds, with one
/// search per resource the dependent names rather than one per pair when
/// that is less: a state listing 40,000 transitive dependencies of one
/// resource searched the configuration 40,000 times (61 s).
fn reached_through_others(
    direct: &DirectTargets,
    pairs: HashSet<(usize, usize)>,
) -> HashSet<(usize, usize)> {
    let mut by_dependent: HashMap<usize, Vec<usize>> = HashMap::default();
    for (dependency, dependent) in pairs {
        by_dependent.entry(dependent).or_default().push(dependency);
    }
    let mut reached = HashSet::default();
    for (dependent, dependencies) in by_dependent {
        let hops: Vec<usize> = direct
            .get(&dependent)
            .map(|(named, _)| named.iter().copied().collect())
            .unwrap_or_default();
        if hops.len() >= dependencies.len() {
            reached.extend(
                dependencies
                    .into_iter()
                    .filter(|&dependency| reaches(direct, dependent, dependency))
                    .map(|dependency| (dependency, dependent)),
            );
            continue;
        }
        // What each first step's search finds named, once.
        let named_from: Vec<(usize, HashSet<usize>)> = hops
            .iter()
            .map(|&hop| (hop, named_beyond(direct, hop)))
            .collect();
        reached.extend(
            dependencies
                .into_iter()
                .filter(|dependency| {
                    named_from
                        .iter()
                        .any(|(hop, named)| hop != dependency && named.contains(dependency))
                })
                .map(|dependency| (dependency, dependent)),
        );
    }
    reached
}

/// Everything named by `start` or by what it reaches (the configurations a
/// search from `start` finds named, as [`reaches`] looks for them).
fn named_beyond(direct: &DirectTargets, start: usize) -> HashSet<usize> {
    let mut seen: HashSet<usize> = HashSet::default();
    let mut found: HashSet<usize> = HashSet::default();
    let mut pending = vec![start];
    while let Some(config) = pending.pop() {
        if !seen.insert(config) {
            continue;
        }
        let Some((named, _)) = direct.get(&config) else {
            continue;
        };
        found.extend(named.iter().copied());
        pending.extend(named.iter().copied());
    }
    found
}

fn reaches(direct: &DirectTargets, from: usize, to: usize) -> bool {
    let mut seen: HashSet<usize> = HashSet::default();
    let mut pending: Vec<usize> = direct
        .get(&from)
        .into_iter()
        .flat_map(|(named, _)| named.iter().copied())
        .filter(|named| *named != to)
        .collect();
    while let Some(config) = pending.pop() {
        if !seen.insert(config) {
            continue;
        }
        let Some((named, _)) = direct.get(&config) else {
            continue;
        };
        if named.contains(&to) {
            return true;
        }
        pending.extend(named.iter().copied());
    }
    false
}

/// An edge from `dependency` to `dependent`, unless they are one node.
fn edge(dependency: NodeIndex, dependent: NodeIndex, source: EdgeSources) -> Option<Edge> {
    (dependency != dependent).then_some(((dependency, dependent), source))
}

impl<'p> Builder<'p> {
    fn add_nodes(&mut self, plan: &'p Plan<'_>) {
        // Where an address is listed more than once, its first listing
        // (state, then planned values, then changes) gives its type.
        let mut listed: Vec<Node<'p>> = state_resources(plan)
            .chain(planned_resources(plan))
            .map(|resource| Node {
                address: &resource.address,
                resource_type: &resource.resource_type,
                is_data: resource.is_data(),
            })
            // What is left of planned_values once the check let it go.
            .chain(plan.planned_only.iter().map(|listing| Node {
                address: &listing.address,
                resource_type: &listing.resource_type,
                is_data: listing.is_data,
            }))
            .chain(plan.resource_changes.iter().flatten().map(|change| Node {
                address: &change.address,
                resource_type: &change.resource_type,
                is_data: change.is_data(),
            }))
            .collect();
        // Stable, so the first listing of an address stays first. Sorted
        // nodes keep node indices, and so every traversal, deterministic.
        listed.par_sort_by(|a, b| a.address.cmp(b.address));
        listed.dedup_by(|later, earlier| later.address == earlier.address);
        // The list becomes the graph's nodes: the room it had for every
        // listing (about three per address) would stay resident beside them.
        listed.shrink_to_fit();
        // Parsed on every core; each parsed address is reduced to its
        // placement parts at once, so no full address outlives this step.
        type Parts = (Vec<ModuleStep>, String, Option<InstanceKey>);
        let parsed: Vec<Option<Parts>> = listed
            .par_iter()
            .map(|node| {
                let address: Address = node.address.parse().ok()?;
                let config_address = address.config_address();
                Some((address.module, config_address, address.key))
            })
            .collect();
        let mut module_ids: HashMap<Vec<ModuleStep>, u32> = HashMap::default();
        self.by_address.reserve(listed.len());
        self.placements.reserve_exact(listed.len());
        for (index, (node, parsed)) in listed.iter().zip(parsed).enumerate() {
            let index = NodeIndex::new(index);
            self.by_address.insert(node.address, index);
            let Some((module_path, config_address, key)) = parsed else {
                self.gaps
                    .push(Gap::UnparsableAddress(node.address.to_owned()));
                self.placements.push(None);
                continue;
            };
            let next_module = module_ids.len() as u32;
            let module = *module_ids.entry(module_path).or_insert(next_module);
            let (config, _) = self.config_addresses.insert_full(config_address);
            let config = config as u32;
            self.placements.push(Some(Placement {
                module,
                config,
                key,
            }));
        }
        self.instances = Instances::of(self.config_addresses.len(), &self.placements);
        self.wide_resources = (0..self.config_addresses.len())
            .map(|config| {
                let instances = self.instances.of_config(config);
                if instances.len() < self.wide.max(2) {
                    return None;
                }
                // `instances` lists only nodes with a placement.
                let placement = |node: &NodeIndex| self.placements[node.index()].as_ref();
                let module = placement(&instances[0])?.module;
                let mut one_module = true;
                let mut keyed = true;
                for placement in instances.iter().filter_map(placement) {
                    one_module &= placement.module == module;
                    keyed &= placement.key.is_some();
                }
                match (one_module, keyed) {
                    (true, true) => Some(Wide::One(module)),
                    (false, _) => Some(Wide::Spread(module)),
                    // The same address with and without a key: left apart.
                    (true, false) => None,
                }
            })
            .collect();
        self.module_paths = vec![Vec::new(); module_ids.len()];
        let mut name_ids: HashMap<String, u32> = HashMap::default();
        let mut step_ids: HashMap<ModuleStep, u32> = HashMap::default();
        for (path, id) in module_ids {
            self.module_paths[id as usize] = path
                .into_iter()
                .map(|step| {
                    let next_name = name_ids.len() as u32;
                    let name = *name_ids.entry(step.name.clone()).or_insert(next_name);
                    let next_step = step_ids.len() as u32;
                    let step = *step_ids.entry(step).or_insert(next_step);
                    InternedStep { name, step }
                })
                .collect();
        }
        self.nodes = listed;
    }

    /// The id of the configuration resource `target` names.
    fn target_id(&self, target: &references::Target) -> Option<usize> {
        self.config_id(&references::config_address(
            &target.module,
            &target.resource,
        ))
    }

    /// The id of a configuration address, when a node has it.
    fn config_id(&self, config_address: &str) -> Option<usize> {
        self.config_addresses.get_index_of(config_address)
    }

    /// Instances of the configuration resource with id `config` (see
    /// [`Builder::config_id`]) that `dependent` can depend on: within the
    /// module instances it shares with the dependent, and only the named
    /// instance when a key is given.
    fn instances_of<'s>(
        &'s self,
        dependent: NodeIndex,
        config: usize,
        key: Option<&'s InstanceKey>,
    ) -> impl Iterator<Item = NodeIndex> + 's {
        let candidates = self.instances.of_config(config);
        let dependent_module = self.module_of(dependent);
        candidates.iter().copied().filter(move |candidate| {
            // `instances` lists only nodes with a placement.
            let Some(candidate) = self.placements[candidate.index()].as_ref() else {
                return false;
            };
            if key.is_some() && candidate.key.as_ref() != key {
                return false;
            }
            self.can_depend(dependent_module, candidate.module)
        })
    }

    fn module_of(&self, node: NodeIndex) -> Option<u32> {
        self.placements[node.index()]
            .as_ref()
            .map(|placement| placement.module)
    }

    /// Whether a resource in module instance `dependent_module` (`None`
    /// when its address did not parse) can depend on one in `module`: the
    /// module instances they share are the same instances.
    fn can_depend(&self, dependent_module: Option<u32>, module: u32) -> bool {
        match dependent_module {
            None => true,
            Some(dependent_module) if dependent_module == module => true,
            Some(dependent_module) => self.module_paths[dependent_module as usize]
                .iter()
                .zip(&self.module_paths[module as usize])
                .take_while(|(a, b)| a.name == b.name)
                .all(|(a, b)| a.step == b.step),
        }
    }

    /// Whether module instances `one` and `other` lie in no common module
    /// call (one of them at the root, or their outermost calls differ), so
    /// a resource in one can depend on every instance in the other alike.
    fn apart(&self, one: u32, other: u32) -> bool {
        match (
            self.module_paths[one as usize].first(),
            self.module_paths[other as usize].first(),
        ) {
            (Some(outer), Some(inner)) => outer.name != inner.name,
            _ => true,
        }
    }

    /// The edges from the instances of configuration resource `config` that
    /// `dependent` can depend on (see [`Builder::instances_of`]): one group
    /// edge when the resource is wide and no key is named, else an edge per
    /// instance.
    fn links_to<'s>(
        &'s self,
        dependent: NodeIndex,
        config: usize,
        key: Option<&'s InstanceKey>,
        sources: EdgeSources,
    ) -> impl Iterator<Item = Either<Edge, GroupEdge>> + 's {
        let dependent_module = self.module_of(dependent);
        let grouped = key.is_none()
            && match self.wide_resources[config] {
                Some(Wide::One(module)) => self.can_depend(dependent_module, module),
                // Every instance, in whichever module instance, when the
                // dependent is outside the module around them.
                Some(Wide::Spread(module)) => dependent_module
                    .is_none_or(|dependent_module| self.apart(dependent_module, module)),
                None => false,
            };
        let group = grouped.then_some(Either::Right(((config as u32, dependent), sources)));
        // Not one instance is looked at for a group: N dependents of N
        // instances would look at N² of them.
        let each = if group.is_some() { 0 } else { usize::MAX };
        group.into_iter().chain(
            self.instances_of(dependent, config, key)
                .take(each)
                .filter_map(move |dependency| edge(dependency, dependent, sources))
                .map(Either::Left),
        )
    }

    /// A node's configuration resource when that is wide (see
    /// [`Builder::wide_resources`]).
    fn wide_resource_of(&self, node: NodeIndex) -> Option<u32> {
        let config = self.placements[node.index()].as_ref()?.config;
        self.wide_resources[config as usize].map(|_| config)
    }

    /// Whether configuration resource `config` lies in several module
    /// instances (see [`Wide::Spread`]).
    fn is_spread(&self, config: u32) -> bool {
        matches!(self.wide_resources[config as usize], Some(Wide::Spread(_)))
    }

    /// The instances of configuration resource `target` that `dependent`
    /// can depend on, by key, when their keys are exactly the keys of the
    /// instances of `dependent`'s own resource in its module instance
    /// (`siblings` lists that resource's instances everywhere): `count = var.n`
    /// on both, one list of keys. An expression that reads another key
    /// (`aws_x.y[count.index + 1]`) needs a different number of instances
    /// to be valid, and is left with every instance.
    fn paired_instances(
        &self,
        dependent: NodeIndex,
        siblings: &[NodeIndex],
        target: usize,
    ) -> Option<HashMap<&InstanceKey, NodeIndex>> {
        let module = self.placements[dependent.index()].as_ref()?.module;
        let mut own_keys: HashSet<&InstanceKey> = HashSet::default();
        for sibling in siblings {
            let placement = self.placements[sibling.index()].as_ref()?;
            if placement.module == module {
                own_keys.insert(placement.key.as_ref()?);
            }
        }
        let mut by_key: HashMap<&InstanceKey, NodeIndex> = HashMap::default();
        for candidate in self.instances_of(dependent, target, None) {
            let placement = self.placements[candidate.index()].as_ref()?;
            if placement.module != module
                || by_key.insert(placement.key.as_ref()?, candidate).is_some()
            {
                return None;
            }
        }
        let pairs =
            by_key.len() == own_keys.len() && by_key.keys().all(|key| own_keys.contains(key));
        pairs.then_some(by_key)
    }

    /// State `depends_on` and configuration references name resources, not
    /// instances, so `aws_lb_target_group_attachment.this[1]` appears to
    /// depend on every `aws_instance.this[*]`. When values show which
    /// instance each one really uses (`target_id` = that instance's id), or
    /// the configuration does (`aws_instance.this[count.index]`, see
    /// [`Builder::paired_instances`]), and they do for every dependent
    /// instance, keep only those edges: a count cut by one in three paired
    /// lists otherwise disrupted every instance, and failed as a teardown.
    fn prefer_exact_instances(&self, edges: &mut EdgeSet) {
        let confirmed = |sources: &EdgeSources| {
            sources.contains(EdgeSources::VALUE) || sources.contains(EdgeSources::KEYED)
        };
        if !edges.iter().any(|(_, sources)| confirmed(sources)) {
            return;
        }
        // Each node's resource (its address without the instance key): its
        // module instance path and configuration address.
        // (module instance path id, configuration address id)
        type Resource = (u32, u32);
        let resource_of: Vec<Option<Resource>> = self
            .placements
            .iter()
            .map(|placement| {
                placement
                    .as_ref()
                    .map(|placement| (placement.module, placement.config))
            })
            .collect();
        let resources = |(dependency, dependent): (NodeIndex, NodeIndex)| match (
            resource_of[dependency.index()],
            resource_of[dependent.index()],
        ) {
            (Some(from), Some(to)) if from != to => Some((from, to)),
            _ => None,
        };
        // Only resource pairs with a confirmed edge can be narrowed; they are few.
        let candidates: HashSet<(Resource, Resource)> = edges
            .iter()
            .filter(|(_, sources)| confirmed(sources))
            .filter_map(|(pair, _)| resources(*pair))
            .collect();
        // A group edge of a resource spread over module instances into a
        // candidate is listed apart, then judged as the others are.
        let candidate_targets: HashSet<(u32, Resource)> = candidates
            .iter()
            .map(|((_, config), to)| (*config, *to))
            .collect();
        let spread_candidates: HashSet<(u32, NodeIndex)> = edges
            .groups
            .iter()
            .map(|(key, _)| *key)
            .filter(|&(config, dependent)| {
                self.is_spread(config)
                    && resource_of[dependent.index()]
                        .is_some_and(|to| candidate_targets.contains(&(config, to)))
            })
            .collect();
        let candidate_sources: HashSet<(Resource, u32)> = candidates
            .iter()
            .map(|(from, (_, config))| (*from, *config))
            .collect();
        let spread_into: HashSet<(NodeIndex, u32)> = edges
            .into
            .iter()
            .map(|(key, _)| *key)
            .filter(|&(dependency, config)| {
                self.is_spread(config)
                    && resource_of[dependency.index()]
                        .is_some_and(|from| candidate_sources.contains(&(from, config)))
            })
            .collect();
        edges.list_apart(&spread_candidates, &spread_into, &self.instances);
        // (dependency resource, dependent resource) → its instance edges.
        // Every edge is looked at (800k in a 100k plan): on every core, in order.
        let candidate_edges: Vec<((Resource, Resource), Edge)> = edges
            .sorted
            .par_iter()
            .filter_map(|&(pair, sources)| {
                resources(pair)
                    .filter(|key| candidates.contains(key))
                    .map(|key| (key, (pair, sources)))
            })
            .collect();
        type Grouped = (Vec<Edge>, Vec<GroupEdge>, Vec<IntoEdge>);
        let mut groups: HashMap<(Resource, Resource), Grouped> = HashMap::default();
        for (key, edge) in candidate_edges {
            groups.entry(key).or_default().0.push(edge);
        }
        // A group edge stands for an edge from each of its resource's
        // instances (two or more), none of them confirmed.
        for &group in &edges.groups {
            let ((config, dependent), _) = group;
            let resource = match self.wide_resources[config as usize] {
                Some(Wide::One(module)) => Some((module, config)),
                _ => None,
            };
            if let (Some(from), Some(to)) = (resource, resource_of[dependent.index()])
                && from != to
                && candidates.contains(&(from, to))
            {
                groups.entry((from, to)).or_default().1.push(group);
            }
        }
        // An edge into a group stands for one into each of its resource's
        // instances, none of them confirmed.
        for &into in &edges.into {
            let ((dependency, config), _) = into;
            let resource = match self.wide_resources[config as usize] {
                Some(Wide::One(module)) => Some((module, config)),
                _ => None,
            };
            if let (Some(from), Some(to)) = (resource_of[dependency.index()], resource)
                && from != to
                && candidates.contains(&(from, to))
            {
                groups.entry((from, to)).or_default().2.push(into);
            }
        }
        let mut narrowed = HashSet::default();
        let mut narrowed_groups = HashSet::default();
        let mut narrowed_into = HashSet::default();
        for (edges, group_edges, into_edges) in groups.values() {
            let dependencies: HashSet<NodeIndex> = edges
                .iter()
                .map(|((dependency, _), _)| *dependency)
                .chain(into_edges.iter().map(|((dependency, _), _)| *dependency))
                .collect();
            if dependencies.len() < 2 && group_edges.is_empty() {
                continue;
            }
            let by_value: HashSet<NodeIndex> = edges
                .iter()
                .filter(|(_, sources)| confirmed(sources))
                .map(|((_, dependent), _)| *dependent)
                .collect();
            let dependents: HashSet<NodeIndex> = edges
                .iter()
                .map(|((_, dependent), _)| *dependent)
                .chain(group_edges.iter().map(|((_, dependent), _)| *dependent))
                .chain(into_edges.iter().flat_map(|((_, config), _)| {
                    self.instances.of_config(*config as usize).iter().copied()
                }))
                .collect();
            if by_value == dependents {
                narrowed.extend(
                    edges
                        .iter()
                        .filter(|(_, sources)| !confirmed(sources))
                        .map(|(pair, _)| *pair),
                );
                narrowed_groups.extend(group_edges.iter().map(|(key, _)| *key));
                narrowed_into.extend(into_edges.iter().map(|(key, _)| *key));
            }
        }
        if !narrowed.is_empty() {
            let kept: Vec<Edge> = edges
                .sorted
                .par_iter()
                .filter(|(pair, _)| !narrowed.contains(pair))
                .copied()
                .collect();
            edges.sorted = kept;
        }
        edges.remove(&narrowed_groups, &narrowed_into, |node| {
            self.wide_resource_of(node)
        });
    }

    fn state_edges(&self, plan: &Plan<'_>) -> (Vec<Edge>, Vec<GroupEdge>, Vec<Gap>) {
        // `depends_on` repeats the same few configuration addresses across
        // every instance of a module: parse each distinct one once.
        // (configuration address id, when a node has it; instance key)
        type Parsed = Option<(Option<usize>, Option<InstanceKey>)>;
        let resources: Vec<&StateResource<'_>> = state_resources(plan).collect();
        let dependents: Vec<(NodeIndex, &[std::borrow::Cow<'_, str>])> = resources
            .par_iter()
            .filter_map(|resource| {
                let dependent = *self.by_address.get(&*resource.address)?;
                Some((dependent, resource.depends_on.as_slice()))
            })
            .collect();
        // Hundreds of thousands of listings name a few thousand resources:
        // the distinct ones are gathered on every core, then parsed.
        let distinct: HashSet<&str> = dependents
            .par_iter()
            .fold(HashSet::default, |mut distinct, (_, depends_on)| {
                distinct.extend(depends_on.iter().map(|dependency| &**dependency));
                distinct
            })
            .reduce(HashSet::default, |mut all, more| {
                all.extend(more);
                all
            });
        let parsed_dependencies: HashMap<&str, Parsed> = distinct
            .into_iter()
            .map(|dependency| {
                let parsed = dependency.parse::<Address>().ok().map(|parsed| {
                    let module: Vec<String> =
                        parsed.module.iter().map(|step| step.name.clone()).collect();
                    let config_address =
                        references::config_address(&module, &resource_name(&parsed));
                    (self.config_id(&config_address), parsed.key)
                });
                (dependency, parsed)
            })
            .collect();
        // Each unparsable dependency leaves one gap (`build` sorts them):
        // read from the distinct dependencies, not from every listing.
        let gaps: Vec<Gap> = parsed_dependencies
            .iter()
            .filter(|(_, parsed)| parsed.is_none())
            .map(|(dependency, _)| Gap::UnparsableAddress((*dependency).to_owned()))
            .collect();
        let (edges, groups) = dependents
            .par_iter()
            .flat_map_iter(|&(dependent, depends_on)| {
                let parsed_dependencies = &parsed_dependencies;
                depends_on.iter().flat_map(move |dependency| {
                    parsed_dependencies[&**dependency]
                        .as_ref()
                        .into_iter()
                        .flat_map(move |(config, key)| {
                            config.iter().flat_map(move |config| {
                                self.links_to(dependent, *config, key.as_ref(), EdgeSources::STATE)
                            })
                        })
                })
            })
            .partition_map(|link| link);
        (edges, groups, gaps)
    }

    fn config_edges(
        &self,
        plan: &Plan<'_>,
    ) -> (
        Vec<Edge>,
        Vec<GroupEdge>,
        Vec<IntoEdge>,
        Vec<Gap>,
        DirectTargets,
    ) {
        let Some(configuration) = &plan.configuration else {
            return (
                Vec::new(),
                Vec::new(),
                Vec::new(),
                vec![Gap::NoConfiguration],
                DirectTargets::default(),
            );
        };
        let references::Dependencies {
            resources: dependencies,
            targets: named,
            unresolved,
        } = references::dependencies(configuration);
        // Each target's configuration id, once for every resource naming it.
        let config_of: Vec<Option<usize>> = named
            .par_iter()
            .map(|target| self.target_id(target))
            .collect();
        let direct = self.direct_targets(&dependencies, &config_of, &unresolved);
        let mut gaps = Vec::new();
        if !unresolved.is_empty() {
            // Terraform records in state `depends_on` every dependency,
            // locals included; a reference the JSON cannot resolve only
            // leaves a gap for resources that have no such record.
            let state_records_dependencies =
                state_resources(plan).any(|resource| !resource.depends_on.is_empty());
            // By configuration address: once for each, not for each of its
            // (maybe thousands of) instances.
            let recorded_configs: HashSet<u32> = state_resources(plan)
                .filter(|_| state_records_dependencies)
                .filter_map(|resource| self.by_address.get(&*resource.address))
                .filter_map(|node| self.placements[node.index()].as_ref())
                .map(|placement| placement.config)
                .collect();
            let mut recorded: Vec<&str> = recorded_configs
                .into_iter()
                .map(|config| self.config_addresses[config as usize].as_str())
                .collect();
            recorded.sort_unstable();
            gaps.extend(
                unresolved
                    .into_iter()
                    .filter(|gap| !is_or_contains_any(&recorded, &gap.from))
                    .map(Gap::Unresolved),
            );
        }
        let (edges, grouped): (Vec<Edge>, Vec<Grouped>) = dependencies
            .par_iter()
            .flat_map_iter(|entry| {
                let address = references::config_address(&entry.module, &entry.resource);
                let config = self.config_addresses.get_index_of(&address);
                let dependents = config.map_or(&[][..], |config| self.instances.of_config(config));
                let keyed: HashSet<usize> = entry
                    .keyed
                    .iter()
                    .filter_map(|id| config_of[*id as usize])
                    .collect();
                // A wide resource: what all its instances name alike is
                // named once, into the group. Instances in one module
                // instance name alike; spread over several, only what lies
                // outside the module around them.
                let as_group = config.filter(|config| self.wide_resources[*config].is_some());
                let grouped = |target: usize, key: Option<&InstanceKey>| {
                    let Some(config) = as_group else {
                        return false;
                    };
                    let alike = match self.wide_resources[config] {
                        Some(Wide::Spread(module)) => self
                            .instances
                            .of_config(target)
                            .first()
                            .and_then(|instance| self.module_of(*instance))
                            .is_none_or(|target_module| self.apart(target_module, module)),
                        _ => true,
                    };
                    alike
                        && !(key.is_none()
                            && (keyed.contains(&target) || self.wide_resources[target].is_some()))
                };
                // Resolved once for all the dependents.
                let targets: Vec<(usize, Option<&InstanceKey>)> = if dependents.is_empty() {
                    Vec::new()
                } else {
                    entry
                        .targets
                        .iter()
                        .filter_map(|id| {
                            let id = *id as usize;
                            Some((config_of[id]?, named[id].key.as_ref()))
                        })
                        .collect()
                };
                // (module instance of the dependent, target) → the target's
                // instances by key, when they pair one to one with the
                // dependent resource's instances there.
                let mut paired: HashMap<(u32, usize), Option<HashMap<&InstanceKey, NodeIndex>>> =
                    HashMap::default();
                let mut edges = Vec::new();
                if let (Some(config), Some(&first)) = (as_group, dependents.first()) {
                    for (target, key) in &targets {
                        if grouped(*target, *key) {
                            edges.extend(self.instances_of(first, *target, *key).map(
                                |dependency| {
                                    Either::Right(Grouped::Into((
                                        (dependency, config as u32),
                                        EdgeSources::CONFIG,
                                    )))
                                },
                            ));
                        }
                    }
                }
                for &dependent in dependents {
                    for (target, key) in &targets {
                        if grouped(*target, *key) {
                            continue;
                        }
                        if key.is_none() && keyed.contains(target) {
                            let same_key =
                                self.placements[dependent.index()]
                                    .as_ref()
                                    .and_then(|placement| {
                                        let pairs = paired
                                            .entry((placement.module, *target))
                                            .or_insert_with(|| {
                                                self.paired_instances(
                                                    dependent, dependents, *target,
                                                )
                                            });
                                        pairs.as_ref()?.get(placement.key.as_ref()?).copied()
                                    });
                            if let Some(dependency) = same_key {
                                let mut sources = EdgeSources::CONFIG;
                                sources.insert(EdgeSources::KEYED);
                                edges
                                    .extend(edge(dependency, dependent, sources).map(Either::Left));
                                continue;
                            }
                        }
                        edges.extend(
                            self.links_to(dependent, *target, *key, EdgeSources::CONFIG)
                                .map(|link| link.map_right(Grouped::From)),
                        );
                    }
                }
                edges
            })
            .partition_map(|link| link);
        let mut groups = Vec::new();
        let mut into = Vec::new();
        for link in grouped {
            match link {
                Grouped::From(edge) => groups.push(edge),
                Grouped::Into(edge) => into.push(edge),
            }
        }
        (edges, groups, into, gaps, direct)
    }

    /// For each configuration resource, the configuration resources it
    /// names itself (through variables and module outputs, not through
    /// other resources), and whether all its references resolved.
    fn direct_targets(
        &self,
        dependencies: &[references::ConfigDependencies],
        config_of: &[Option<usize>],
        unresolved: &[Unresolved],
    ) -> DirectTargets {
        let with_gaps: HashSet<&str> = unresolved.iter().map(|gap| gap.from.as_str()).collect();
        dependencies
            .iter()
            .filter_map(|entry| {
                let address = references::config_address(&entry.module, &entry.resource);
                let resolved = !with_gaps.contains(address.as_str());
                let targets = entry
                    .targets
                    .iter()
                    .filter_map(|id| config_of[*id as usize])
                    .collect();
                Some((self.config_id(&address)?, (targets, resolved)))
            })
            .collect()
    }

    /// Terraform records in state `depends_on` what a resource depends on
    /// through other resources too (`dns` → `eip` → `web` lists `web` for
    /// every `dns[i]`), per resource, so `dns[0]` seemed to depend on every
    /// `web[*]`, past the instance-exact edges that lead from `web[0]`
    /// through `eip[0]`. A state edge from an instance of a repeated
    /// resource that the dependent's configuration does not name itself
    /// (and whose references all resolved) is such a record: the path
    /// through the resources it does name carries the dependency.
    fn drop_transitive_state_edges(&self, edges: &mut EdgeSet, direct: &DirectTargets) {
        if direct.is_empty() {
            return;
        }
        // (dependency's configuration resource, dependent's) of the state
        // edges from a repeated resource the dependent does not name.
        let unnamed = |&((dependency, dependent), sources): &Edge| {
            if sources != EdgeSources::STATE {
                return None;
            }
            let (Some(from), Some(to)) = (
                self.placements[dependency.index()].as_ref(),
                self.placements[dependent.index()].as_ref(),
            ) else {
                return None;
            };
            let pair = (from.config as usize, to.config as usize);
            let unnamed = direct
                .get(&pair.1)
                .is_some_and(|(named, resolved)| *resolved && !named.contains(&pair.0));
            (from.key.is_some() && unnamed).then_some(pair)
        };
        // A group edge is such a record for each instance of its resource
        // (all keyed) when it is one.
        let unnamed_group = |&((config, dependent), sources): &GroupEdge| {
            if sources != EdgeSources::STATE {
                return None;
            }
            let pair = (
                config as usize,
                self.placements[dependent.index()].as_ref()?.config as usize,
            );
            direct
                .get(&pair.1)
                .is_some_and(|(named, resolved)| *resolved && !named.contains(&pair.0))
                .then_some(pair)
        };
        let pairs: HashSet<(usize, usize)> = edges
            .sorted
            .par_iter()
            .filter_map(unnamed)
            .chain(edges.groups.par_iter().filter_map(unnamed_group))
            .collect();
        if pairs.is_empty() {
            return;
        }
        // Only a record the configuration explains by a path through the
        // resources the dependent names: one whose references were cut
        // out of the configuration keeps what the state says.
        let through_others = reached_through_others(direct, pairs);
        if through_others.is_empty() {
            return;
        }
        let dropped = |edge: &GroupEdge| {
            unnamed_group(edge).is_some_and(|pair| through_others.contains(&pair))
        };
        // A spread resource's instances are judged one by one, by their keys.
        let spread: HashSet<(u32, NodeIndex)> = edges
            .groups
            .iter()
            .filter(|edge| self.is_spread(edge.0.0) && dropped(edge))
            .map(|(key, _)| *key)
            .collect();
        edges.list_apart(&spread, &HashSet::default(), &self.instances);
        let kept: Vec<Edge> = edges
            .sorted
            .par_iter()
            .filter(|edge| unnamed(edge).is_none_or(|pair| !through_others.contains(&pair)))
            .copied()
            .collect();
        edges.sorted = kept;
        let dropped_groups: HashSet<(u32, NodeIndex)> = edges
            .groups
            .iter()
            .filter(|edge| dropped(edge))
            .map(|(key, _)| *key)
            .collect();
        edges.remove(&dropped_groups, &HashSet::default(), |node| {
            self.wide_resource_of(node)
        });
    }

    /// Edges from values, given the state and configuration `edges`.
    fn value_edges(&self, plan: &Plan<'_>, edges: &EdgeSet) -> Vec<Edge> {
        // What exists now (prior state, or `before` in plans without one)
        // and what the plan will create.
        let has_state = plan.prior_state.is_some();
        let mut payloads: Vec<(NodeIndex, &str, &serde_json::value::RawValue)> = Vec::new();
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
        // One list for every payload's identities (one or two each): a list
        // per payload took several times their room (10 MB of a
        // 100k-resource chain's peak).
        let owned: Vec<(u32, std::borrow::Cow<'_, str>)> = payloads
            .par_iter()
            .flat_map_iter(|(node, resource_type, values)| {
                let node = node.index() as u32;
                values::identities(resource_type, values)
                    .into_iter()
                    .map(move |identity| (node, identity))
            })
            .collect();
        let (identities, configured) = rayon::join(
            || {
                let mut identities = values::IdentityIndex::with_capacity(owned.len());
                for (node, identity) in owned {
                    identities.add_identity(node, identity);
                }
                identities
            },
            || {
                plan.configuration
                    .as_ref()
                    .map(references::configured_arguments)
                    .unwrap_or_default()
            },
        );
        let configured_by_id: Vec<Option<&HashSet<String>>> = self
            .config_addresses
            .iter()
            .map(|address| configured.get(address))
            .collect();
        payloads
            .par_iter()
            .flat_map_iter(|(node, resource_type, values)| {
                let arguments = self.placements[node.index()]
                    .as_ref()
                    .and_then(|placement| configured_by_id[placement.config as usize]);
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
            .filter_map(|(dependency, dependent)| {
                // Values never contradict what the configuration or the
                // state records: an edge the other way round is an echo (a
                // role's computed `inline_policy` naming its own policy),
                // not a dependency.
                let recorded_opposite = edges
                    .get(
                        (dependent, dependency),
                        (
                            self.wide_resource_of(dependent),
                            self.wide_resource_of(dependency),
                        ),
                    )
                    .is_some_and(|sources| {
                        sources.contains(EdgeSources::STATE)
                            || sources.contains(EdgeSources::CONFIG)
                    });
                (!recorded_opposite)
                    .then(|| edge(dependency, dependent, EdgeSources::VALUE))
                    .flatten()
            })
            .collect()
    }
}

/// Whether `from` (a configuration address, or a module call such as
/// `module.a.module.b`) is one of the `sorted` configuration addresses or a
/// module call around one. Found by binary search: listing every call
/// around every address took memory as the square of the module depth (a
/// 5 MB plan nested 100,000 modules deep used 24 GB).
fn is_or_contains_any(sorted: &[&str], from: &str) -> bool {
    if sorted.binary_search(&from).is_ok() {
        return true;
    }
    if !is_module_call_path(from) {
        return false;
    }
    // Module names are identifiers (no dots): the addresses inside the
    // call are exactly those that start with it and a dot, and sort together.
    let inside = format!("{from}.");
    let first = sorted.partition_point(|address| *address < inside.as_str());
    sorted
        .get(first)
        .is_some_and(|address| address.starts_with(&inside))
}

/// `module.NAME` pairs only, at least one.
fn is_module_call_path(text: &str) -> bool {
    let mut parts = text.split('.');
    let mut calls = 0;
    while let Some(part) = parts.next() {
        if part != "module" || parts.next().is_none_or(str::is_empty) {
            return false;
        }
        calls += 1;
    }
    calls > 0
}

/// `edges` as compressed sparse rows over `node_count` nodes, then a hub
/// for each wide resource in a group edge (an edge from each of its
/// `instances` into the hub, one from the hub to each dependent), then one
/// for each wide resource and sources of the edges into it (an edge from
/// each dependency into the hub, one from the hub to each of its instances).
fn rows_of(
    node_count: usize,
    edges: EdgeSet,
    instances: &Instances,
) -> Csr<(), EdgeSources, petgraph::Directed, u32> {
    let EdgeSet {
        sorted,
        groups,
        mut into,
    } = edges;
    let mut from_hubs: Vec<u32> = groups.iter().map(|((config, _), _)| *config).collect();
    from_hubs.dedup();
    into.sort_unstable_by_key(|((dependency, config), sources)| (*config, sources.0, *dependency));
    let mut into_hubs: Vec<(u32, EdgeSources)> = into
        .iter()
        .map(|((_, config), sources)| (*config, *sources))
        .collect();
    into_hubs.dedup();
    let from_hub =
        |config: u32| (node_count + from_hubs.partition_point(|hub| *hub < config)) as u32;
    let into_hub = |key: (u32, EdgeSources)| {
        (node_count
            + from_hubs.len()
            + into_hubs.partition_point(|hub| (hub.0, hub.1.0) < (key.0, key.1.0))) as u32
    };
    let hub_count = from_hubs.len() + into_hubs.len();
    // Same size and alignment: collected in place, not copied beside.
    let mut edges: Vec<(u32, u32, EdgeSources)> = sorted
        .into_iter()
        .map(|((from, to), sources)| (from.index() as u32, to.index() as u32, sources))
        .collect();
    if hub_count > 0 {
        // Resources' edges into hubs, which number after every resource:
        // each row's last.
        let mut to_hubs: Vec<(u32, u32, EdgeSources)> = from_hubs
            .iter()
            .flat_map(|&config| {
                instances
                    .of_config(config as usize)
                    .iter()
                    .map(move |instance| {
                        (
                            instance.index() as u32,
                            from_hub(config),
                            EdgeSources::default(),
                        )
                    })
            })
            .chain(into.iter().map(|&((dependency, config), sources)| {
                (
                    dependency.index() as u32,
                    into_hub((config, sources)),
                    EdgeSources::default(),
                )
            }))
            .collect();
        to_hubs.par_sort_unstable_by_key(|(from, to, _)| (*from, *to));
        // The hubs' own rows follow, in hub order.
        let out_of_from_hubs = groups.iter().map(|((config, dependent), sources)| {
            (from_hub(*config), dependent.index() as u32, *sources)
        });
        let out_of_into_hubs = into_hubs.iter().flat_map(|&(config, sources)| {
            instances
                .of_config(config as usize)
                .iter()
                .map(move |instance| {
                    (
                        into_hub((config, sources)),
                        instance.index() as u32,
                        sources,
                    )
                })
        });
        let mut merged = Vec::with_capacity(edges.len() + to_hubs.len() + groups.len());
        let mut to_hubs = to_hubs.into_iter().peekable();
        for edge in edges {
            while let Some(next) = to_hubs.next_if(|next| (next.0, next.1) < (edge.0, edge.1)) {
                merged.push(next);
            }
            merged.push(edge);
        }
        merged.extend(to_hubs);
        merged.extend(out_of_from_hubs);
        merged.extend(out_of_into_hubs);
        edges = merged;
    }
    let mut rows = Csr::from_sorted_edges(&edges)
        .expect("an edge set is sorted by (dependency, dependent) and has no repeats");
    drop(edges);
    // Rows stop at the last node with an edge; the others have empty rows.
    while rows.node_count() < node_count + hub_count {
        rows.add_node(());
    }
    rows
}

fn resource_name(address: &Address) -> String {
    crate::model::resource_key(
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

    #[test]
    fn grouped_reach_answers_as_one_search_per_pair() {
        // Random configurations of 10 resources, each naming up to 4 others
        // (xorshift, fixed seed): the grouped answer equals `reaches` per pair.
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = |below: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % below) as usize
        };
        for _ in 0..500 {
            let mut direct: DirectTargets = HashMap::default();
            for config in 0..10 {
                let named: HashSet<usize> = (0..next(5)).map(|_| next(10)).collect();
                direct.insert(config, (named, true));
            }
            let pairs: HashSet<(usize, usize)> =
                (0..next(30)).map(|_| (next(10), next(10))).collect();
            let expected: HashSet<(usize, usize)> = pairs
                .iter()
                .copied()
                .filter(|&(dependency, dependent)| reaches(&direct, dependent, dependency))
                .collect();
            assert_eq!(reached_through_others(&direct, pairs), expected);
        }
    }

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

    /// `web` with `webs` instances and `eip` with `eips`, each `eip[i]`
    /// configured with `input_references` and recorded in state as
    /// depending on `web` (a resource-level `depends_on`, as Terraform
    /// writes it); `extra` is added to `eip`'s block.
    fn paired_lists(webs: usize, eips: usize, input_references: &str, extra: &str) -> String {
        let object = |name: &str, index: usize, depends_on: &str| {
            format!(
                r#"{{"address":"terraform_data.{name}[{index}]","mode":"managed","type":"terraform_data","name":"{name}","index":{index},"values":{{"id":"{name}-{index}"}}{depends_on}}}"#
            )
        };
        let objects: Vec<String> = (0..webs)
            .map(|index| object("web", index, ""))
            .chain(
                (0..eips)
                    .map(|index| object("eip", index, r#","depends_on":["terraform_data.web"]"#)),
            )
            .collect();
        format!(
            r#"{{"format_version":"1.2","resource_changes":[],"prior_state":{{"values":{{"root_module":{{"resources":[{}]}}}}}},"configuration":{{"root_module":{{"resources":[{{"address":"terraform_data.web","mode":"managed","type":"terraform_data","name":"web","count_expression":{{"references":["var.n"]}}}},{{"address":"terraform_data.eip","mode":"managed","type":"terraform_data","name":"eip","count_expression":{{"references":["var.n"]}},"expressions":{{"input":{{"references":[{input_references}]}}}}{extra}}}]}}}}}}"#,
            objects.join(",")
        )
    }

    #[test]
    fn a_reference_by_the_instance_s_own_key_pairs_two_lists_of_one_count() {
        let by_index = r#""terraform_data.web","count.index""#;
        let pairs = |edges: &[(String, String)]| {
            edges
                .iter()
                .all(|(from, to)| from.replace("web", "eip") == *to)
        };
        let edges = edges_of(&paired_lists(3, 3, by_index, ""));
        assert_eq!(edges.len(), 3, "{edges:?}");
        assert!(pairs(&edges), "{edges:?}");
        // Another number of instances: `web[count.index + 1]` reads so too.
        let edges = edges_of(&paired_lists(4, 3, by_index, ""));
        assert_eq!(edges.len(), 12, "{edges:?}");
        // The whole resource read as well, or waited for: every instance.
        let whole = r#""terraform_data.web","count.index","terraform_data.web[0]""#;
        assert_eq!(edges_of(&paired_lists(3, 3, whole, "")).len(), 9);
        let waited = r#","depends_on":["terraform_data.web"]"#;
        assert_eq!(edges_of(&paired_lists(3, 3, by_index, waited)).len(), 9);
        let elsewhere =
            r#""terraform_data.web"]},"tags":{"references":["terraform_data.web","count.index""#;
        assert_eq!(edges_of(&paired_lists(3, 3, elsewhere, "")).len(), 9);
        // Without the instance's own key in the expression.
        assert_eq!(
            edges_of(&paired_lists(3, 3, r#""terraform_data.web""#, "")).len(),
            9
        );
        // `count = length(terraform_data.web)` decides how many, not which.
        let counted = paired_lists(3, 3, by_index, "").replace(
            r#""name":"eip","count_expression":{"references":["var.n"]}"#,
            r#""name":"eip","count_expression":{"references":["terraform_data.web"]}"#,
        );
        assert!(counted.contains(r#""count_expression":{"references":["terraform_data.web"]}"#));
        let edges = edges_of(&counted);
        assert!(edges.len() == 3 && pairs(&edges), "{edges:?}");
    }

    /// `web[i]` ← `eip[i]` ← `dns[i]` by `[count.index]`, three of each,
    /// with state recording `dns` as depending on both (as Terraform does);
    /// `dns_references` are `dns`'s own.
    fn chained_lists(dns_references: &str) -> String {
        let object = |name: &str, index: usize, depends_on: &str| {
            format!(
                r#"{{"address":"terraform_data.{name}[{index}]","mode":"managed","type":"terraform_data","name":"{name}","index":{index},"values":{{"id":"{name}-{index}"}},"depends_on":[{depends_on}]}}"#
            )
        };
        let objects: Vec<String> = (0..3)
            .flat_map(|index| {
                [
                    object("web", index, ""),
                    object("eip", index, r#""terraform_data.web""#),
                    object("dns", index, r#""terraform_data.eip","terraform_data.web""#),
                ]
            })
            .collect();
        let block = |name: &str, references: &str| {
            format!(
                r#"{{"address":"terraform_data.{name}","mode":"managed","type":"terraform_data","name":"{name}","count_expression":{{"references":["var.n"]}},"expressions":{{"input":{{"references":[{references}]}}}}}}"#
            )
        };
        format!(
            r#"{{"format_version":"1.2","resource_changes":[],"prior_state":{{"values":{{"root_module":{{"resources":[{}]}}}}}},"configuration":{{"root_module":{{"resources":[{},{},{}]}}}}}}"#,
            objects.join(","),
            block("web", r#""count.index""#),
            block("eip", r#""terraform_data.web","count.index""#),
            block("dns", dns_references)
        )
    }

    #[test]
    fn what_state_records_through_other_resources_follows_them() {
        let edges = edges_of(&chained_lists(r#""terraform_data.eip","count.index""#));
        let expected: Vec<(String, String)> = (0..3)
            .flat_map(|index| {
                [
                    (
                        format!("terraform_data.eip[{index}]"),
                        format!("terraform_data.dns[{index}]"),
                    ),
                    (
                        format!("terraform_data.web[{index}]"),
                        format!("terraform_data.eip[{index}]"),
                    ),
                ]
            })
            .collect();
        let mut sorted = edges.clone();
        sorted.sort();
        let mut expected_sorted = expected;
        expected_sorted.sort();
        assert_eq!(sorted, expected_sorted);
        // A reference that does not resolve (a local) may hide a direct
        // use of `web`: what state records stays.
        let through_local = edges_of(&chained_lists(
            r#""terraform_data.eip","count.index","local.web_names""#,
        ));
        assert_eq!(through_local.len(), 6 + 9, "{through_local:?}");
        // `dns`'s references cut out of the configuration: no path there
        // explains what state records, so it stays.
        let stripped = edges_of(&chained_lists(r#""count.index""#));
        assert_eq!(stripped.len(), 3 + 9 + 9, "{stripped:?}");
    }

    #[test]
    fn a_module_call_contains_the_addresses_inside_it() {
        let sorted = [
            "aws_x.top",
            "module.a.module.b-c.data.aws_x.y",
            "module.ab.aws_x.z",
        ];
        for from in [
            "aws_x.top",
            "module.a",
            "module.a.module.b-c",
            "module.a.module.b-c.data.aws_x.y",
            "module.ab",
        ] {
            assert!(is_or_contains_any(&sorted, from), "{from}");
        }
        for from in [
            "aws_x",
            "module.a.module.b",
            "module.x",
            "module",
            "module.a.aws_x.y",
            "aws_x.top.more",
        ] {
            assert!(!is_or_contains_any(&sorted, from), "{from}");
        }
    }

    #[test]
    fn without_values_for_every_dependent_all_instances_stay() {
        let edges = edges_of(&plan_with_attachments(["i-0000000000", "elsewhere"]));
        assert_eq!(edges.len(), 4, "{edges:?}");
    }

    /// Every plan in `testdata/` and in `../shared/corpus` when present.
    fn real_plans() -> Vec<std::path::PathBuf> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut plans: Vec<std::path::PathBuf> = ["testdata", "../shared/corpus"]
            .iter()
            .flat_map(|dir| walkdir::WalkDir::new(root.join(dir)))
            .filter_map(Result::ok)
            .map(walkdir::DirEntry::into_path)
            .filter(|path| {
                path.extension()
                    .is_some_and(|extension| extension == "json")
            })
            .collect();
        plans.sort();
        plans
    }

    #[test]
    fn group_edges_answer_as_an_edge_per_instance_would() {
        let mut compared = 0;
        let mut grouped = 0;
        for path in real_plans() {
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            let Ok(plan) = crate::model::parse_document(&text) else {
                continue;
            };
            let apart = ResourceGraph::build_grouping(&plan, usize::MAX);
            let together = ResourceGraph::build_grouping(&plan, 2);
            let name = path.display();
            assert_eq!(apart.edges(), together.edges(), "{name}");
            assert_eq!(apart.node_count(), together.node_count(), "{name}");
            for node in (0..apart.node_count() as u32).map(NodeId) {
                assert_eq!(apart.dependents(node), together.dependents(node), "{name}");
                for limit in [1, 3, usize::MAX] {
                    assert_eq!(
                        apart.reach(node, limit),
                        together.reach(node, limit),
                        "{name}"
                    );
                }
            }
            compared += 1;
            grouped += usize::from(together.edges.node_count() > together.node_count());
        }
        assert!(compared >= 100, "only {compared} plans read");
        assert!(grouped >= 10, "only {grouped} plans had a group edge");
    }

    /// `dependents` instances that each depend on every one of `dependencies`
    /// instances, by reference and by state record; the first dependency is
    /// replaced.
    fn every_instance_of_every_instance(dependencies: usize, dependents: usize) -> String {
        let resource = |kind: &str, name: &str, index: usize, depends: &str| {
            format!(
                r#"{{"address":"{kind}.{name}[{index}]","mode":"managed","type":"{kind}","name":"{name}","index":{index},"values":{{"id":"{name}-{index}"}}{depends}}}"#
            )
        };
        let state: Vec<String> = (0..dependencies)
            .map(|index| resource("aws_subnet", "s", index, ""))
            .chain((0..dependents).map(|index| {
                resource(
                    "aws_instance",
                    "w",
                    index,
                    r#","depends_on":["aws_subnet.s"]"#,
                )
            }))
            .collect();
        format!(
            r#"{{"format_version":"1.2","prior_state":{{"values":{{"root_module":{{"resources":[{}]}}}}}},"configuration":{{"root_module":{{"resources":[{{"address":"aws_subnet.s","mode":"managed","type":"aws_subnet","name":"s","count_expression":{{"constant_value":{dependencies}}}}},{{"address":"aws_instance.w","mode":"managed","type":"aws_instance","name":"w","expressions":{{"subnet_ids":{{"references":["aws_subnet.s"]}}}},"count_expression":{{"constant_value":{dependents}}}}}]}}}},"resource_changes":[]}}"#,
            state.join(",")
        )
    }

    #[test]
    fn a_resource_named_whole_by_every_instance_of_another_is_one_hub() {
        let text = every_instance_of_every_instance(400, 500);
        let plan = crate::model::parse_document(&text).unwrap();
        let graph = ResourceGraph::build(&plan);
        // 400 × 500 = 200,000 edges, were each listed.
        assert_eq!(graph.edges.edge_count(), 400 + 500);
        let subnet = graph.find("aws_subnet.s[7]").unwrap();
        let dependents = graph.dependents(subnet);
        assert_eq!(dependents.len(), 500);
        let mut both = EdgeSources::STATE;
        both.insert(EdgeSources::CONFIG);
        assert!(dependents.iter().all(|(_, sources)| *sources == both));
        assert_eq!(graph.node(dependents[0].0).address, "aws_instance.w[0]");
        assert_eq!(graph.reach(subnet, usize::MAX).len(), 500);
        assert_eq!(graph.reach(subnet, 20).len(), 20);
        assert_eq!(graph.edges().len(), 400 * 500);
    }

    #[test]
    fn a_value_against_a_group_edge_is_an_echo_not_a_dependency() {
        // Each function's values name its role, and each role's state
        // records that it depends on the functions: the record decides.
        let resource = |kind: &str, name: &str, index: usize, values: String, depends: &str| {
            format!(
                r#"{{"address":"{kind}.{name}[{index}]","mode":"managed","type":"{kind}","name":"{name}","index":{index},"values":{values}{depends}}}"#
            )
        };
        let role_arn = |index: usize| format!("arn:aws:iam::123456789012:role/app-{index}");
        let state: Vec<String> = (0..3)
            .map(|index| {
                let values = format!(
                    r#"{{"arn":"arn:aws:lambda:us-east-1:123456789012:function:f{index}","role":"{}"}}"#,
                    role_arn(index)
                );
                resource("aws_lambda_function", "f", index, values, "")
            })
            .chain((0..3).map(|index| {
                let values = format!(r#"{{"arn":"{}","id":"app-role-{index}"}}"#, role_arn(index));
                resource(
                    "aws_iam_role",
                    "r",
                    index,
                    values,
                    r#","depends_on":["aws_lambda_function.f"]"#,
                )
            }))
            .collect();
        let text = state_plan(&state, &[], &[]);
        let plan = crate::model::parse_document(&text).unwrap();
        let apart = ResourceGraph::build_grouping(&plan, usize::MAX);
        let together = ResourceGraph::build_grouping(&plan, 2);
        assert_eq!(apart.edges().len(), 9);
        assert_eq!(apart.edges(), together.edges());
    }

    #[test]
    fn a_resource_in_every_instance_of_a_module_named_whole_is_one_hub() {
        // `module.m` has 300 instances of one subnet each; every one of 200
        // root instances depends on all of them.
        let subnets: Vec<String> = (0..300)
            .map(|key| {
                format!(
                    r#"{{"address":"module.m[\"k{key}\"]","resources":[{{"address":"module.m[\"k{key}\"].aws_subnet.s","mode":"managed","type":"aws_subnet","name":"s","values":{{"id":"subnet-{key}"}}}}]}}"#
                )
            })
            .collect();
        let instances: Vec<String> = (0..200)
            .map(|index| {
                format!(
                    r#"{{"address":"aws_instance.w[{index}]","mode":"managed","type":"aws_instance","name":"w","index":{index},"values":{{"id":"i-{index}"}},"depends_on":["module.m.aws_subnet.s"]}}"#
                )
            })
            .collect();
        let text = state_plan(&instances, &subnets, &[]);
        let plan = crate::model::parse_document(&text).unwrap();
        let graph = ResourceGraph::build(&plan);
        assert_eq!(graph.edges.edge_count(), 300 + 200);
        let subnet = graph.find(r#"module.m["k7"].aws_subnet.s"#).unwrap();
        assert_eq!(graph.dependents(subnet).len(), 200);
        assert_eq!(
            graph.edges(),
            ResourceGraph::build_grouping(&plan, usize::MAX).edges()
        );
    }

    /// `module.m["a"]` and `module.m["b"]`, each holding `webs` (a count of
    /// `count` when given, else one), the root's `objects`, and the
    /// configuration's root resource blocks `blocks`.
    fn module_spread_plan(count: Option<usize>, objects: &[String], blocks: &[String]) -> String {
        let web = |module: &str, index: Option<usize>| {
            let (suffix, key) = match index {
                Some(index) => (format!("[{index}]"), format!(r#","index":{index}"#)),
                None => (String::new(), String::new()),
            };
            let id = format!("web-{module}-{}", index.unwrap_or(0));
            format!(
                r#"{{"address":"module.m[\"{module}\"].terraform_data.web{suffix}","mode":"managed","type":"terraform_data","name":"web"{key},"values":{{"id":"{id}-identity"}}}}"#
            )
        };
        let modules: Vec<String> = ["a", "b"]
            .iter()
            .map(|module| {
                let webs: Vec<String> = match count {
                    Some(count) => (0..count).map(|index| web(module, Some(index))).collect(),
                    None => vec![web(module, None)],
                };
                format!(
                    r#"{{"address":"module.m[\"{module}\"]","resources":[{}]}}"#,
                    webs.join(",")
                )
            })
            .collect();
        let count_expression = match count {
            Some(count) => format!(r#","count_expression":{{"constant_value":{count}}}"#),
            None => String::new(),
        };
        format!(
            r#"{{"format_version":"1.2","resource_changes":[],"prior_state":{{"values":{{"root_module":{{"resources":[{}],"child_modules":[{}]}}}}}},"configuration":{{"root_module":{{"resources":[{}],"module_calls":{{"m":{{"for_each_expression":{{"references":["var.m"]}},"module":{{"outputs":{{"ids":{{"expression":{{"references":["terraform_data.web"]}}}}}},"resources":[{{"address":"terraform_data.web","mode":"managed","type":"terraform_data","name":"web"{count_expression}}}]}}}}}}}}}}}}"#,
            objects.join(","),
            modules.join(","),
            blocks.join(",")
        )
    }

    /// A plan of no changes: `resources` and `child_modules` in its prior
    /// state, and the configuration's root resource `blocks` (none: no
    /// configuration).
    fn state_plan(resources: &[String], child_modules: &[String], blocks: &[String]) -> String {
        let configuration = if blocks.is_empty() {
            String::new()
        } else {
            format!(
                r#","configuration":{{"root_module":{{"resources":[{}]}}}}"#,
                blocks.join(",")
            )
        };
        format!(
            r#"{{"format_version":"1.2","resource_changes":[],"prior_state":{{"values":{{"root_module":{{"resources":[{}],"child_modules":[{}]}}}}}}{configuration}}}"#,
            resources.join(","),
            child_modules.join(",")
        )
    }

    fn root_object(name: &str, index: usize, values: &str, depends_on: &str) -> String {
        format!(
            r#"{{"address":"terraform_data.{name}[{index}]","mode":"managed","type":"terraform_data","name":"{name}","index":{index},"values":{{"id":"{name}-{index}-identity"{values}}},"depends_on":[{depends_on}]}}"#
        )
    }

    fn root_block(name: &str, references: &str) -> String {
        format!(
            r#"{{"address":"terraform_data.{name}","mode":"managed","type":"terraform_data","name":"{name}","count_expression":{{"constant_value":2}},"expressions":{{"input":{{"references":[{references}]}}}}}}"#
        )
    }

    fn edges_both_ways(text: &str) -> Vec<(String, String, EdgeSources)> {
        let plan = crate::model::parse_document(text).unwrap();
        let apart = ResourceGraph::build_grouping(&plan, usize::MAX).edges();
        assert_eq!(apart, ResourceGraph::build_grouping(&plan, 2).edges());
        apart
            .into_iter()
            .map(|(from, to, sources)| (from.to_owned(), to.to_owned(), sources))
            .collect()
    }

    #[test]
    fn values_narrow_a_group_edge_of_a_resource_in_every_module_instance() {
        // Each attachment names one web of each module instance by value,
        // and records that it depends on all four.
        let objects: Vec<String> = (0..2)
            .map(|index| {
                let values =
                    format!(r#","a":"web-a-{index}-identity","b":"web-b-{index}-identity""#);
                root_object(
                    "attachment",
                    index,
                    &values,
                    r#""module.m.terraform_data.web""#,
                )
            })
            .collect();
        let edges = edges_both_ways(&module_spread_plan(Some(2), &objects, &[]));
        assert_eq!(edges.len(), 4, "{edges:?}");
        assert!(
            edges
                .iter()
                .all(|(from, to, _)| from.ends_with(&to[to.len() - 3..])),
            "{edges:?}"
        );
    }

    #[test]
    fn a_state_record_through_others_keeps_an_unkeyed_instance_of_every_module_instance() {
        // `dns` names only `eip`, which names the module's output; state
        // records that `dns` depends on the webs too. The webs have no key,
        // so those records stay, as instance-level edges.
        let objects: Vec<String> = (0..2)
            .flat_map(|index| {
                [
                    root_object("eip", index, "", r#""module.m.terraform_data.web""#),
                    root_object(
                        "dns",
                        index,
                        "",
                        r#""terraform_data.eip","module.m.terraform_data.web""#,
                    ),
                ]
            })
            .collect();
        let blocks = [
            root_block("eip", r#""module.m.ids","module.m""#),
            root_block("dns", r#""terraform_data.eip""#),
        ];
        let edges = edges_both_ways(&module_spread_plan(None, &objects, &blocks));
        let from_webs_to_dns = edges
            .iter()
            .filter(|(from, to, _)| from.contains(".web") && to.contains(".dns"))
            .count();
        assert_eq!(from_webs_to_dns, 4, "{edges:?}");
    }

    /// A small random plan from `seed`: resources of `count` 1 to 4 (or
    /// none) at the root and in a module of 1 to 3 instances, state records
    /// naming resources whole or by instance, configuration references
    /// (whole, by `count.index`, through the module's output) and values
    /// that name other instances' ids.
    fn random_plan(seed: u64) -> String {
        let mut state = seed | 1;
        let mut next = |below: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % below
        };
        let module_keys: Vec<String> = (0..1 + next(3)).map(|key| format!("k{key}")).collect();
        // (in the module, count)
        let resources: Vec<(bool, Option<u64>)> = (0..2 + next(4))
            .map(|_| {
                (
                    next(2) == 0,
                    [None, Some(1), Some(2), Some(4)][next(4) as usize],
                )
            })
            .collect();
        let address = |index: usize, module: Option<&str>, key: Option<u64>| {
            let prefix = module.map_or(String::new(), |module| {
                format!("module.m[\\\"{module}\\\"].")
            });
            let suffix = key.map_or(String::new(), |key| format!("[{key}]"));
            format!("{prefix}terraform_data.r{index}{suffix}")
        };
        let whole = |index: usize| {
            let in_module = resources[index].0;
            format!(
                "{}terraform_data.r{index}",
                if in_module { "module.m." } else { "" }
            )
        };
        let mut instances: Vec<(usize, Option<String>, Option<u64>)> = Vec::new();
        for (index, (in_module, count)) in resources.iter().enumerate() {
            let modules: Vec<Option<String>> = if *in_module {
                module_keys.iter().cloned().map(Some).collect()
            } else {
                vec![None]
            };
            for module in modules {
                match count {
                    Some(count) => {
                        for key in 0..*count {
                            instances.push((index, module.clone(), Some(key)));
                        }
                    }
                    None => instances.push((index, module.clone(), None)),
                }
            }
        }
        let id = |(index, module, key): &(usize, Option<String>, Option<u64>)| {
            format!("id-{}", address(*index, module.as_deref(), *key))
                .replace(['[', ']', '"', '\\'], "_")
        };
        let mut root_state = Vec::new();
        let mut module_state: Vec<Vec<String>> = vec![Vec::new(); module_keys.len()];
        for instance in &instances {
            let (index, module, key) = instance;
            let mut depends_on = Vec::new();
            for (other, (_, count)) in resources.iter().enumerate() {
                if other != *index && next(3) == 0 {
                    let keyed = count.filter(|_| next(2) == 0).map(&mut next);
                    depends_on.push(match keyed {
                        Some(key) => format!("\"{}[{key}]\"", whole(other)),
                        None => format!("\"{}\"", whole(other)),
                    });
                }
            }
            let named = &instances[next(instances.len() as u64) as usize];
            let values = format!(r#"{{"id":"{}","ref":"{}"}}"#, id(instance), id(named));
            let key_field = key.map_or(String::new(), |key| format!(r#","index":{key}"#));
            let entry = format!(
                r#"{{"address":"{}","mode":"managed","type":"terraform_data","name":"r{index}"{key_field},"values":{values},"depends_on":[{}]}}"#,
                address(*index, module.as_deref(), *key),
                depends_on.join(",")
            );
            match module {
                Some(module) => {
                    let at = module_keys.iter().position(|key| key == module).unwrap();
                    module_state[at].push(entry);
                }
                None => root_state.push(entry),
            }
        }
        let block = |index: usize, in_module: bool, next: &mut dyn FnMut(u64) -> u64| {
            let mut references = Vec::new();
            for (other, (other_in_module, _)) in resources.iter().enumerate() {
                if other == index || next(3) != 0 {
                    continue;
                }
                match (in_module, *other_in_module) {
                    (false, false) | (true, true) => {
                        references.push(format!("\"terraform_data.r{other}\""));
                        if next(2) == 0 {
                            references.push("\"count.index\"".to_owned());
                        }
                    }
                    (false, true) => references.push("\"module.m.out\"".to_owned()),
                    // Through a variable the module call passes in.
                    (true, false) => references.push(format!("\"var.v{other}\"")),
                }
            }
            let count = resources[index].1.map_or(String::new(), |count| {
                format!(r#","count_expression":{{"constant_value":{count}}}"#)
            });
            format!(
                r#"{{"address":"terraform_data.r{index}","mode":"managed","type":"terraform_data","name":"r{index}"{count},"expressions":{{"input":{{"references":[{}]}}}}}}"#,
                references.join(",")
            )
        };
        let mut root_blocks = Vec::new();
        let mut module_blocks = Vec::new();
        let mut output = Vec::new();
        for (index, (in_module, _)) in resources.iter().enumerate() {
            if *in_module {
                module_blocks.push(block(index, true, &mut next));
                output.push(format!("\"terraform_data.r{index}\""));
            } else {
                root_blocks.push(block(index, false, &mut next));
            }
        }
        let children: Vec<String> = module_keys
            .iter()
            .zip(&module_state)
            .map(|(key, entries)| {
                format!(
                    r#"{{"address":"module.m[\"{key}\"]","resources":[{}]}}"#,
                    entries.join(",")
                )
            })
            .collect();
        format!(
            r#"{{"format_version":"1.2","resource_changes":[],"prior_state":{{"values":{{"root_module":{{"resources":[{}],"child_modules":[{}]}}}}}},"configuration":{{"root_module":{{"resources":[{}],"module_calls":{{"m":{{"for_each_expression":{{"references":["var.keys"]}},"expressions":{{{}}},"module":{{"variables":{{{}}},"outputs":{{"out":{{"expression":{{"references":[{}]}}}}}},"resources":[{}]}}}}}}}}}}}}"#,
            root_state.join(","),
            children.join(","),
            root_blocks.join(","),
            (0..resources.len())
                .map(|other| format!(r#""v{other}":{{"references":["terraform_data.r{other}"]}}"#))
                .collect::<Vec<_>>()
                .join(","),
            (0..resources.len())
                .map(|other| format!(r#""v{other}":{{}}"#))
                .collect::<Vec<_>>()
                .join(","),
            output.join(","),
            module_blocks.join(",")
        )
    }

    /// `web` (two instances) and `att` (two instances) at the root, with
    /// `att`'s configuration naming `att_references` and each object's
    /// extra values.
    fn named_by_a_count(
        att_references: &str,
        web_values: [&str; 2],
        att_values: [&str; 2],
    ) -> String {
        let objects: Vec<String> = (0..2)
            .flat_map(|index| {
                [
                    root_object("web", index, web_values[index], ""),
                    root_object("att", index, att_values[index], ""),
                ]
            })
            .collect();
        let blocks = [root_block("web", ""), root_block("att", att_references)];
        state_plan(&objects, &[], &blocks)
    }

    #[test]
    fn values_narrow_edges_into_every_instance_of_a_count() {
        // Each `att` names both `web` instances by key in its configuration,
        // and one of them by value: the value decides.
        let text = named_by_a_count(
            r#""terraform_data.web[0]","terraform_data.web[1]""#,
            ["", ""],
            [
                r#","input":"web-0-identity""#,
                r#","input":"web-1-identity""#,
            ],
        );
        let edges = edges_both_ways(&text);
        let pairs: Vec<(&str, &str)> = edges
            .iter()
            .map(|(from, to, _)| (from.as_str(), to.as_str()))
            .collect();
        assert_eq!(
            pairs,
            [
                ("terraform_data.web[0]", "terraform_data.att[0]"),
                ("terraform_data.web[1]", "terraform_data.att[1]")
            ]
        );
    }

    #[test]
    fn values_naming_one_instance_for_all_narrow_edges_into_a_count_to_it() {
        let text = named_by_a_count(
            r#""terraform_data.web[0]","terraform_data.web[1]""#,
            ["", ""],
            [
                r#","input":"web-0-identity""#,
                r#","input":"web-0-identity""#,
            ],
        );
        let edges = edges_both_ways(&text);
        assert_eq!(edges.len(), 2, "{edges:?}");
        assert!(
            edges
                .iter()
                .all(|(from, _, _)| from == "terraform_data.web[0]"),
            "{edges:?}"
        );
    }

    #[test]
    fn a_value_against_an_edge_into_a_count_is_an_echo() {
        // `att` names `web[0]` in its configuration; `web[0]`'s values name
        // both `att` instances back.
        let text = named_by_a_count(
            r#""terraform_data.web[0]""#,
            [r#","input":["att-0-identity","att-1-identity"]"#, ""],
            ["", ""],
        );
        let edges = edges_both_ways(&text);
        assert_eq!(edges.len(), 2, "{edges:?}");
        assert!(
            edges
                .iter()
                .all(|(from, _, _)| from == "terraform_data.web[0]"),
            "{edges:?}"
        );
    }

    #[test]
    fn what_every_instance_of_a_count_names_is_named_once_through_a_hub() {
        // 200 instances that each name the same 300 resources.
        let named: Vec<String> = (0..300)
            .map(|index| {
                format!(
                    r#"{{"address":"terraform_data.b{index}","mode":"managed","type":"terraform_data","name":"b{index}","values":{{"id":"b-{index}"}}}}"#
                )
            })
            .collect();
        let counted: Vec<String> = (0..200)
            .map(|index| root_object("d", index, "", ""))
            .collect();
        let references: Vec<String> = (0..300)
            .map(|index| format!(r#""terraform_data.b{index}""#))
            .collect();
        let block = root_block("d", &references.join(","))
            .replace(r#""constant_value":2"#, r#""constant_value":200"#);
        let text = state_plan(&[named, counted].concat(), &[], &[block]);
        let plan = crate::model::parse_document(&text).unwrap();
        let graph = ResourceGraph::build(&plan);
        // 300 × 200 = 60,000 edges, were each listed.
        assert_eq!(graph.edges.edge_count(), 300 + 200);
        let named = graph.find("terraform_data.b7").unwrap();
        assert_eq!(graph.dependents(named).len(), 200);
        assert_eq!(
            graph.edges(),
            ResourceGraph::build_grouping(&plan, usize::MAX).edges()
        );
    }

    #[test]
    fn values_narrow_edges_into_a_resource_in_every_module_instance() {
        // `module.m["a"]` and `["b"]` each hold `d`, which names both `web`
        // instances through a variable, and one of them by value.
        let webs: Vec<String> = (0..2)
            .map(|index| root_object("web", index, "", ""))
            .collect();
        let modules: Vec<String> = ["a", "b"]
            .iter()
            .enumerate()
            .map(|(index, module)| {
                format!(
                    r#"{{"address":"module.m[\"{module}\"]","resources":[{{"address":"module.m[\"{module}\"].terraform_data.d","mode":"managed","type":"terraform_data","name":"d","values":{{"id":"d-{module}-identity","input":"web-{index}-identity"}}}}]}}"#
                )
            })
            .collect();
        let text = format!(
            r#"{{"format_version":"1.2","resource_changes":[],"prior_state":{{"values":{{"root_module":{{"resources":[{}],"child_modules":[{}]}}}}}},"configuration":{{"root_module":{{"resources":[{}],"module_calls":{{"m":{{"for_each_expression":{{"references":["var.m"]}},"expressions":{{"webs":{{"references":["terraform_data.web[0]","terraform_data.web[1]"]}}}},"module":{{"variables":{{"webs":{{}}}},"resources":[{{"address":"terraform_data.d","mode":"managed","type":"terraform_data","name":"d","expressions":{{"input":{{"references":["var.webs"]}}}}}}]}}}}}}}}}}}}"#,
            webs.join(","),
            modules.join(","),
            root_block("web", "")
        );
        let edges = edges_both_ways(&text);
        let pairs: Vec<(&str, &str)> = edges
            .iter()
            .map(|(from, to, _)| (from.as_str(), to.as_str()))
            .collect();
        assert_eq!(
            pairs,
            [
                ("terraform_data.web[0]", r#"module.m["a"].terraform_data.d"#),
                ("terraform_data.web[1]", r#"module.m["b"].terraform_data.d"#)
            ]
        );
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(400))]
        #[test]
        fn group_edges_answer_as_an_edge_per_instance_would_on_random_plans(seed in proptest::prelude::any::<u64>()) {
            let text = random_plan(seed);
            let plan = crate::model::parse_document(&text).unwrap();
            let apart = ResourceGraph::build_grouping(&plan, usize::MAX);
            let together = ResourceGraph::build_grouping(&plan, 2);
            proptest::prop_assert_eq!(apart.edges(), together.edges(), "{}", text);
            for node in (0..apart.node_count() as u32).map(NodeId) {
                for limit in [1, 2, usize::MAX] {
                    proptest::prop_assert_eq!(apart.reach(node, limit), together.reach(node, limit));
                }
            }
        }
    }
}
