//! The blast radius: from every destructive change, what else is destroyed,
//! what keeps running but loses something it depends on, what data is lost,
//! and the shortest chain of dependencies that explains each.
//!
//! One breadth-first search seeded with the cascade's roots (destroyed
//! resources no other destroyed resource reaches) visits each resource once,
//! so the cost is linear in the graph; each member is explained by the root
//! that reaches it first.
//!
//! Each root keeps the search's tree (one parent per resource reached), not
//! a path per member: on a long chain a path per member is quadratic (a
//! 100,000-resource chain would hold 5·10⁹ addresses). A member's chain is
//! built on demand ([`Root::chain`]), and [`Root::printed_chain`] gives at
//! most [`PRINTED_CHAIN_EDGE`] addresses at each end of a long one, in
//! constant time, for reports.

use std::borrow::Cow;
use std::collections::VecDeque;
use std::sync::Arc;

// Keyed by node ids and addresses, one entry per destroyed or disrupted
// resource: SipHash was a visible share of the blast radius on a large plan.
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use serde_json::value::RawValue;

use crate::graph::{EdgeSources, NodeId, ResourceGraph};
use crate::model::classes::Classes;
use crate::model::retention::Retention;
use crate::model::{ActionReason, Actions};

/// A change that destroys an existing object, as the blast radius needs it.
pub struct Destruction<'p> {
    pub address: &'p str,
    pub resource_type: &'p str,
    pub actions: Actions,
    pub reason: Option<&'p ActionReason>,
    pub before: Option<&'p RawValue>,
    /// What of `before` Terraform marks sensitive (`before_sensitive`).
    pub before_sensitive: Option<&'p RawValue>,
    /// The prior state's values of the same (current) object. Terraform
    /// writes `before` from that object; when the two disagree on whether
    /// the data is kept, the plan was edited and the loss counts.
    pub prior: Option<&'p RawValue>,
    /// A current object: `before` was written from a prior-state object,
    /// so when `prior` is missing (no prior state at all, or a plan
    /// relabelled 0.12-era, where addresses are not checked against it)
    /// what `before` alone says keeps the data does not count.
    pub unconfirmed: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    Destroyed,
    Disrupted,
    DataLoss,
}

impl Role {
    pub fn label(self) -> &'static str {
        match self {
            Self::Destroyed => "destroyed",
            Self::Disrupted => "disrupted",
            Self::DataLoss => "data_loss",
        }
    }
}

/// How a disrupted resource is affected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Disruption {
    /// The plan updates or replaces it because of what it depends on.
    Changed,
    /// The plan leaves it as it is, but something it refers to is deleted
    /// (or destroyed before its replacement exists).
    RefersTo,
}

impl Disruption {
    pub fn label(self) -> &'static str {
        match self {
            Self::Changed => "changed",
            Self::RefersTo => "refers",
        }
    }
}

/// One resource in a root's blast radius and how it is reached.
#[derive(Debug, Clone)]
pub struct Member {
    /// Shared with its step and the radius lists: on a long chain every
    /// resource is a member, and a copy in each place was a quarter of the
    /// blast radius's memory.
    pub address: Arc<str>,
    pub resource_type: Arc<str>,
    pub role: Role,
    /// Its own action when it is destroyed too.
    pub actions: Option<Actions>,
    /// For a disrupted member: changed by the plan, or only referring.
    pub disruption: Option<Disruption>,
    /// Links from the root to this member.
    pub depth: usize,
    /// Its place in the root's search tree ([`Root::chain`]).
    step: u32,
}

/// A node of a root's search tree: step 0 is the root; every other step
/// has a parent step and the sources of the link from it. Resources the
/// radius does not list (data sources, objects the plan creates) can be
/// steps of a member's chain.
#[derive(Debug, Clone)]
struct Step {
    address: Arc<str>,
    parent: u32,
    /// The nearest step above it that the radius lists (the root or a
    /// member): where a tree of the listed resources hangs it.
    listed_parent: u32,
    /// Whether the radius lists it (the root or a member).
    listed: bool,
    via: EdgeSources,
    depth: u32,
    /// The steps at depth 1, 2 and 3 of this step's chain (itself when
    /// shallower), so a long chain's start is known without walking it.
    head: [u32; PRINTED_CHAIN_EDGE],
}

/// A chain longer than `2 × PRINTED_CHAIN_EDGE + 1` addresses is printed
/// as its first and last `PRINTED_CHAIN_EDGE` links around an elision.
pub const PRINTED_CHAIN_EDGE: usize = 3;
/// Chains up to this many addresses are printed whole.
pub const PRINTED_CHAIN_WHOLE: usize = 32;

/// From the root to a member, both included: the addresses and the sources
/// of each link (one fewer). In a printed chain, `elided` is the position
/// of the marker standing for the links left out (its links have no sources).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chain<'r> {
    pub addresses: Vec<Cow<'r, str>>,
    pub via: Vec<EdgeSources>,
    pub elided: Option<usize>,
}

#[derive(Debug, Clone)]
pub struct Root {
    pub address: String,
    pub resource_type: String,
    pub actions: Actions,
    pub reason: Option<ActionReason>,
    pub data_loss: bool,
    pub members: Vec<Member>,
    steps: Vec<Step>,
}

impl Root {
    fn step(&self, member: &Member) -> &Step {
        &self.steps[member.step as usize]
    }

    /// The nearest resource above `member` in its chain that the radius
    /// lists: the root or another member. A tree of the listed resources
    /// hangs it there; [`Root::unlisted_between`] names what it skips.
    pub fn parent(&self, member: &Member) -> &str {
        let step = self.step(member);
        &self.steps[step.listed_parent as usize].address
    }

    /// The resources between [`Root::parent`] and `member` that the radius
    /// does not list (a data source, an object the plan creates), nearest
    /// the parent first.
    pub fn unlisted_between(&self, member: &Member) -> Vec<&str> {
        let target = self.step(member);
        let mut between = Vec::new();
        let mut current = target.parent;
        while current != target.listed_parent {
            let step = &self.steps[current as usize];
            between.push(&*step.address);
            current = step.parent;
        }
        between.reverse();
        between
    }

    /// The sources of the link into `member`.
    pub fn link(&self, member: &Member) -> EdgeSources {
        self.step(member).via
    }

    /// The whole chain from the root to `member`: O(its length).
    pub fn chain(&self, member: &Member) -> Chain<'_> {
        let mut addresses = Vec::new();
        let mut via = Vec::new();
        let mut current = member.step;
        loop {
            let step = &self.steps[current as usize];
            addresses.push(Cow::Borrowed(&*step.address));
            if current == 0 {
                break;
            }
            via.push(step.via);
            current = step.parent;
        }
        addresses.reverse();
        via.reverse();
        Chain {
            addresses,
            via,
            elided: None,
        }
    }

    /// The chain as reports print it: whole up to [`PRINTED_CHAIN_WHOLE`]
    /// addresses, else the root and the first links, a marker naming how
    /// many links are left out, and the last links. Constant time.
    pub fn printed_chain(&self, member: &Member) -> Chain<'_> {
        let target = self.step(member);
        if (target.depth as usize) < PRINTED_CHAIN_WHOLE {
            return self.chain(member);
        }
        let mut addresses: Vec<Cow<'_, str>> = vec![Cow::Borrowed(&self.steps[0].address)];
        let mut via = Vec::new();
        for index in target.head {
            let step = &self.steps[index as usize];
            addresses.push(Cow::Borrowed(&step.address));
            via.push(step.via);
        }
        let mut tail = Vec::new();
        let mut current = member.step;
        for _ in 0..PRINTED_CHAIN_EDGE {
            let step = &self.steps[current as usize];
            tail.push((&*step.address, step.via));
            current = step.parent;
        }
        let tail_start_depth = target.depth as usize - (PRINTED_CHAIN_EDGE - 1);
        let left_out = tail_start_depth - PRINTED_CHAIN_EDGE - 1;
        let elided = addresses.len();
        addresses.push(Cow::Owned(format!("… {left_out} more …")));
        via.push(EdgeSources::default());
        via.push(EdgeSources::default());
        for (index, (address, sources)) in tail.into_iter().rev().enumerate() {
            addresses.push(Cow::Borrowed(address));
            if index > 0 {
                via.push(sources);
            }
        }
        Chain {
            addresses,
            via,
            elided: Some(elided),
        }
    }
}

/// What happens to the data of a destroyed data-bearing resource.
#[derive(Debug, Clone)]
pub struct DataVerdict {
    pub address: String,
    pub resource_type: String,
    /// The destroying change's actions (delete, or a replace order).
    pub actions: Actions,
    pub retention: Retention,
    /// The most a finding about this destroy is worth, when the data model
    /// says so (a bucket AWS refuses to delete while it holds objects).
    pub at_most: Option<crate::model::data_files::Severity>,
}

#[derive(Debug, Clone, Default)]
pub struct BlastRadius {
    pub roots: Vec<Root>,
    pub destroyed: Vec<Arc<str>>,
    pub disrupted: Vec<Arc<str>>,
    /// Of `disrupted`, those the plan updates in place while what they
    /// depend on is replaced create-first (through in-place updates only):
    /// an instance moved to a security group's replacement before the old
    /// group goes. They explain chains but are no outage, so the size and
    /// share of the blast radius leave them out (see [`BlastRadius::affected`]).
    pub kept_working: usize,
    pub data_loss: Vec<String>,
    /// Every destroyed data-bearing resource with what happens to its data.
    pub data: Vec<DataVerdict>,
}

impl BlastRadius {
    pub fn is_empty(&self) -> bool {
        self.destroyed.is_empty()
    }

    /// Destroyed and disrupted resources, less those that keep working:
    /// what the blast-radius and share-of-state limits count.
    pub fn affected(&self) -> usize {
        self.destroyed.len() + self.disrupted.len() - self.kept_working
    }
}

/// `changed`: the plan's other changes (address → actions) of resources it
/// does not destroy; a dependent not in it is left as it is by the plan.
pub fn compute(
    graph: &ResourceGraph,
    destructions: &[Destruction<'_>],
    changed: &HashMap<&str, Actions>,
    classes: &Classes,
) -> BlastRadius {
    let mut by_node: HashMap<NodeId, &Destruction<'_>> = HashMap::default();
    for destruction in destructions {
        if let Some(node) = graph.find(destruction.address) {
            // A deposed object and the current one share an address; the
            // current object's change describes the resource best.
            by_node.entry(node).or_insert(destruction);
        }
    }
    let mut destroyed_nodes: Vec<NodeId> = by_node.keys().copied().collect();
    destroyed_nodes.sort_by(|a, b| graph.node(*a).address.cmp(graph.node(*b).address));

    let data: Vec<DataVerdict> = destroyed_nodes
        .iter()
        .map(|node| by_node[node])
        .filter(|destruction| classes.is_data_bearing(destruction.resource_type))
        .map(|destruction| {
            let (retention, at_most) = judge_retention(classes, destruction);
            DataVerdict {
                address: destruction.address.to_owned(),
                resource_type: destruction.resource_type.to_owned(),
                actions: destruction.actions,
                retention,
                at_most,
            }
        })
        .collect();
    let loses_data: HashMap<&str, bool> = destroyed_nodes
        .iter()
        .map(|node| by_node[node])
        .filter(|destruction| classes.is_data_bearing(destruction.resource_type))
        .map(|destruction| destruction.address)
        .zip(&data)
        .map(|(address, verdict)| (address, matches!(verdict.retention, Retention::Lost(_))))
        .collect();

    let reached = reached_from_other_destroyed(graph, &destroyed_nodes);
    let mut roots: Vec<NodeId> = destroyed_nodes
        .iter()
        .copied()
        .filter(|node| !reached.contains(node))
        .collect();

    let mut parent: PerNode<(NodeId, EdgeSources)> = PerNode::new(graph);
    let mut root_of: PerNode<u32> = PerNode::new(graph);
    let mut disruption: PerNode<Disruption> = PerNode::new(graph);
    let mut kept_working: PerNode<bool> = PerNode::new(graph);
    let mut order: Vec<NodeId> = Vec::new();
    let mut next_root = 0;
    let mut unvisited_from = 0;
    loop {
        let first_new = order.len();
        let mut queue: VecDeque<NodeId> = VecDeque::new();
        for (index, root) in roots.iter().enumerate().skip(next_root) {
            root_of.insert(*root, u32::try_from(index).unwrap_or(u32::MAX));
            queue.push_back(*root);
        }
        let new_roots = roots[next_root..].to_vec();
        next_root = roots.len();
        // Configuration and value edges name direct dependencies; state
        // `depends_on` is transitive. Following direct edges first gives the
        // chain that explains (vpc → subnet → instance), not a shortcut.
        let mut search = Search {
            graph,
            by_node: &by_node,
            changed,
            parent: &mut parent,
            root_of: &mut root_of,
            disruption: &mut disruption,
            kept_working: &mut kept_working,
            order: &mut order,
        };
        search.run(queue, |sources| {
            sources.contains(EdgeSources::CONFIG) || sources.contains(EdgeSources::VALUE)
        });
        let reseed: VecDeque<NodeId> = new_roots
            .into_iter()
            .chain(search.order[first_new..].iter().copied())
            .collect();
        search.run(reseed, |_| true);
        // Destroyed resources that only reach each other (a cycle) are roots
        // too. A resource once reached stays so: the look for the next one
        // resumes where the last stopped (from the start, 40,000 destroyed
        // pairs that each form a cycle were 40,000 scans).
        while unvisited_from < destroyed_nodes.len()
            && root_of.contains(destroyed_nodes[unvisited_from])
        {
            unvisited_from += 1;
        }
        match destroyed_nodes.get(unvisited_from) {
            Some(unvisited) => roots.push(*unvisited),
            None => break,
        }
    }

    // A member keeps working only if nothing it depends on is lost: the
    // search claims each member by the first path that reaches it, and an
    // update that also depends on something deleted is disrupted. Each
    // member loses the mark at most once: linear in the edges.
    let mut lost: Vec<NodeId> =
        destroyed_nodes
            .iter()
            .copied()
            .filter(|node| by_node[node].actions != Actions::CreateThenDelete)
            .chain(order.iter().copied().filter(|node| {
                !by_node.contains_key(node) && kept_working.get(*node) != Some(true)
            }))
            .collect();
    while let Some(node) = lost.pop() {
        for (dependent, _) in graph.dependents(node) {
            if kept_working.get(dependent) == Some(true) {
                kept_working.insert(dependent, false);
                lost.push(dependent);
            }
        }
    }

    let mut radius = BlastRadius {
        data,
        ..BlastRadius::default()
    };
    let mut built_roots: Vec<Root> = roots
        .iter()
        .map(|node| {
            let destruction = by_node[node];
            Root {
                address: destruction.address.to_owned(),
                resource_type: destruction.resource_type.to_owned(),
                actions: destruction.actions,
                reason: destruction.reason.cloned(),
                data_loss: loses_data
                    .get(destruction.address)
                    .copied()
                    .unwrap_or(false),
                members: Vec::new(),
                steps: vec![Step {
                    address: Arc::from(destruction.address),
                    parent: 0,
                    listed_parent: 0,
                    listed: true,
                    via: EdgeSources::default(),
                    depth: 0,
                    head: [0; PRINTED_CHAIN_EDGE],
                }],
            }
        })
        .collect();
    for root in &built_roots {
        radius.destroyed.push(Arc::clone(&root.steps[0].address));
    }
    // A handful of types, each named by thousands of members.
    let mut types: HashMap<&str, Arc<str>> = HashMap::default();
    // Each node's step in its root's tree; roots are step 0. A parent is
    // always reached (and so stepped) before its dependents.
    let mut step_of: PerNode<u32> = PerNode::new(graph);
    for root in &roots {
        step_of.insert(*root, 0);
    }
    for node in order {
        let member_node = graph.node(node);
        // Every node in `order` was reached: it has a root and a parent,
        // and its parent was stepped before it.
        let (Some(root), Some((parent_node, via))) = (root_of.get(node), parent.get(node)) else {
            continue;
        };
        let root = &mut built_roots[root as usize];
        let parent_step = step_of.get(parent_node).unwrap_or(0);
        let step_index = u32::try_from(root.steps.len()).unwrap_or(u32::MAX);
        let parent = &root.steps[parent_step as usize];
        let depth = parent.depth + 1;
        let mut head = parent.head;
        if let Some(slot) = head.get_mut(depth as usize - 1) {
            *slot = step_index;
        }
        let address: Arc<str> = Arc::from(member_node.address);
        let listed_parent = if parent.listed {
            parent_step
        } else {
            parent.listed_parent
        };
        root.steps.push(Step {
            address: Arc::clone(&address),
            parent: parent_step,
            listed_parent,
            listed: false,
            via,
            depth,
            head,
        });
        step_of.insert(node, step_index);
        let destruction = by_node.get(&node);
        let role = match destruction {
            Some(destruction) if loses_data.get(destruction.address) == Some(&true) => {
                Role::DataLoss
            }
            Some(_) => Role::Destroyed,
            None => Role::Disrupted,
        };
        // An object the plan creates did not exist to be disrupted: like a
        // data source, it explains a chain but is not a member. Counted,
        // an image replaced beside the two containers created on it read
        // as 3 of 6 resources in state torn down (ministack).
        let created = || changed.get(member_node.address) == Some(&Actions::Create);
        match role {
            Role::Disrupted if member_node.is_data || created() => continue,
            Role::Disrupted => {
                radius.disrupted.push(Arc::clone(&address));
                if kept_working.get(node) == Some(true) {
                    radius.kept_working += 1;
                }
            }
            _ => radius.destroyed.push(Arc::clone(&address)),
        }
        root.steps[step_index as usize].listed = true;
        let resource_type = types
            .entry(member_node.resource_type)
            .or_insert_with(|| Arc::from(member_node.resource_type));
        root.members.push(Member {
            address,
            resource_type: Arc::clone(resource_type),
            role,
            actions: destruction.map(|destruction| destruction.actions),
            disruption: disruption.get(node),
            depth: depth as usize,
            step: step_index,
        });
    }
    radius.data_loss = loses_data
        .iter()
        .filter(|(_, lost)| **lost)
        .map(|(address, _)| (*address).to_owned())
        .collect();
    radius.destroyed.sort();
    radius.disrupted.sort();
    radius.data_loss.sort();
    for root in &mut built_roots {
        root.members
            .sort_by(|a, b| (a.depth, &a.address).cmp(&(b.depth, &b.address)));
    }
    radius.roots = built_roots;
    radius
}

/// One slot per node of the graph. The search visits nodes by id, and on a
/// long chain it reaches every one: hash maps keyed by id took twice the
/// room, and hashed every visit.
struct PerNode<T>(Vec<Option<T>>);

impl<T: Copy> PerNode<T> {
    fn new(graph: &ResourceGraph) -> Self {
        Self(vec![None; graph.node_count()])
    }

    fn get(&self, node: NodeId) -> Option<T> {
        self.0.get(node.index()).copied().flatten()
    }

    fn contains(&self, node: NodeId) -> bool {
        self.get(node).is_some()
    }

    fn insert(&mut self, node: NodeId, value: T) {
        if let Some(slot) = self.0.get_mut(node.index()) {
            *slot = Some(value);
        }
    }
}

struct Search<'g, 's> {
    graph: &'g ResourceGraph<'g>,
    by_node: &'s HashMap<NodeId, &'s Destruction<'s>>,
    changed: &'s HashMap<&'s str, Actions>,
    parent: &'s mut PerNode<(NodeId, EdgeSources)>,
    root_of: &'s mut PerNode<u32>,
    disruption: &'s mut PerNode<Disruption>,
    kept_working: &'s mut PerNode<bool>,
    order: &'s mut Vec<NodeId>,
}

impl Search<'_, '_> {
    /// Whether a dependent the plan leaves alone loses something by `node`:
    /// only when `node` is gone while it still refers to it (a delete, a
    /// destroy-first replace, or a resource that lost its own dependency
    /// that way). A create-first replace or an update leaves a working object.
    fn strands_referrers(&self, node: NodeId) -> bool {
        match self.by_node.get(&node) {
            Some(destruction) => matches!(
                destruction.actions,
                Actions::Delete | Actions::DeleteThenCreate
            ),
            None => self.disruption.get(node) == Some(Disruption::RefersTo),
        }
    }

    /// Whether `node` still exists, working, when its dependents are
    /// updated: replaced create-first, or itself only updated in place
    /// because of such a replacement.
    fn replaced_first_or_kept_working(&self, node: NodeId) -> bool {
        match self.by_node.get(&node) {
            Some(destruction) => destruction.actions == Actions::CreateThenDelete,
            None => self.kept_working.get(node) == Some(true),
        }
    }

    fn run(&mut self, mut queue: VecDeque<NodeId>, follow: impl Fn(EdgeSources) -> bool) {
        while let Some(node) = queue.pop_front() {
            let Some(root) = self.root_of.get(node) else {
                continue;
            };
            for (dependent, sources) in self.graph.dependents(node) {
                if !follow(sources) || self.root_of.contains(dependent) {
                    continue;
                }
                if !self.by_node.contains_key(&dependent) {
                    let address = self.graph.node(dependent).address;
                    let kind = match self.changed.get(address) {
                        Some(actions) if !matches!(actions, Actions::NoOp | Actions::Read) => {
                            Disruption::Changed
                        }
                        _ => Disruption::RefersTo,
                    };
                    // Left unclaimed, so another path that does strand it can still reach it.
                    if kind == Disruption::RefersTo && !self.strands_referrers(node) {
                        continue;
                    }
                    self.disruption.insert(dependent, kind);
                    if self.changed.get(address) == Some(&Actions::Update)
                        && self.replaced_first_or_kept_working(node)
                    {
                        self.kept_working.insert(dependent, true);
                    }
                }
                self.root_of.insert(dependent, root);
                self.parent.insert(dependent, (node, sources));
                self.order.push(dependent);
                queue.push_back(dependent);
            }
        }
    }
}

/// Destroyed resources that another destroyed resource reaches, so they are
/// members of that one's blast radius rather than roots of their own.
fn reached_from_other_destroyed(graph: &ResourceGraph, destroyed: &[NodeId]) -> HashSet<NodeId> {
    let mut reached = HashSet::default();
    let mut visited: HashSet<NodeId> = destroyed.iter().copied().collect();
    let mut queue: VecDeque<NodeId> = destroyed.iter().copied().collect();
    while let Some(node) = queue.pop_front() {
        for (dependent, _) in graph.dependents(node) {
            reached.insert(dependent);
            if visited.insert(dependent) {
                queue.push_back(dependent);
            }
        }
    }
    reached
}

/// What happens to a destroyed object's data, judged from `before` and,
/// when the plan has it, from the prior state's object too: if either says
/// the data is lost, it is. An agent that edits only `before`
/// (`skip_final_snapshot = false`) must not turn a loss into a kept
/// snapshot while the prior state it starts from keeps none.
fn judge_retention(
    classes: &Classes,
    destruction: &Destruction<'_>,
) -> (Retention, Option<crate::model::data_files::Severity>) {
    let retention = classes.retention();
    let from_before = retention.judge(
        destruction.resource_type,
        destruction.before,
        destruction.before_sensitive,
    );
    let Some(prior) = destruction.prior else {
        return match from_before {
            (Retention::Kept(why) | Retention::DestroyFails(why), at_most)
                if destruction.unconfirmed =>
            {
                (
                    Retention::Lost(format!(
                        "the change's `before` says {why}, but the plan has no prior-state object to confirm it (Terraform writes `before` from that object: the plan was trimmed or edited)"
                    )),
                    at_most,
                )
            }
            judged => judged,
        };
    };
    if matches!(from_before.0, Retention::Lost(_))
        || destruction
            .before
            .is_some_and(|before| before.get() == prior.get())
    {
        return from_before;
    }
    // The prior-state object is the one `before` was written from: its
    // change's mask marks it.
    match retention.judge(
        destruction.resource_type,
        Some(prior),
        destruction.before_sensitive,
    ) {
        (Retention::Lost(why), at_most) => (
            Retention::Lost(format!(
                "{why} (so says the prior state; the change's `before` says otherwise, so the plan was edited)"
            )),
            at_most,
        ),
        _ => from_before,
    }
}
