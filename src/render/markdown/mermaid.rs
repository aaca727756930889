//! The blast radius as a Mermaid graph: roots, the members they destroy,
//! lose data of or disrupt, collapsed into groups past a node budget.

use super::*;

// ---------------------------------------------------------------- graph

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(super) enum Impact {
    Destroyed,
    DataLoss,
    Disrupted,
}

impl Impact {
    fn class(self) -> &'static str {
        match self {
            Self::Destroyed => "destroyed",
            Self::DataLoss => "dataloss",
            Self::Disrupted => "disrupted",
        }
    }

    fn words(self) -> &'static str {
        match self {
            Self::Destroyed => "destroyed",
            Self::DataLoss => "with data loss",
            Self::Disrupted => "disrupted",
        }
    }
}

pub(super) fn member_kind(member: &Member) -> Impact {
    match member.role {
        Role::Destroyed => Impact::Destroyed,
        Role::DataLoss => Impact::DataLoss,
        Role::Disrupted => Impact::Disrupted,
    }
}

pub(super) fn root_kind(root: &Root) -> Impact {
    if root.data_loss {
        Impact::DataLoss
    } else {
        Impact::Destroyed
    }
}

/// One resource of the blast radius, as the graph sees it.
pub(super) struct GraphNode<'r> {
    plan: usize,
    address: &'r str,
    resource_type: &'r str,
    kind: Impact,
    is_root: bool,
}

/// How nodes are merged into groups, from none to most.
#[derive(Clone, Copy)]
pub(super) struct Level {
    /// Roots are merged too (otherwise each root is its own node).
    roots: bool,
    module: ModuleGrouping,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum ModuleGrouping {
    /// Every node is its own group.
    None,
    /// By module instance: `module.app["api"]`.
    Instance,
    /// By module call, keys dropped: `module.app`.
    Call,
    /// By type alone.
    Ignored,
}

pub(super) const LEVELS: [Level; 6] = [
    Level {
        roots: false,
        module: ModuleGrouping::None,
    },
    Level {
        roots: false,
        module: ModuleGrouping::Instance,
    },
    Level {
        roots: false,
        module: ModuleGrouping::Call,
    },
    Level {
        roots: true,
        module: ModuleGrouping::Instance,
    },
    Level {
        roots: true,
        module: ModuleGrouping::Call,
    },
    Level {
        roots: true,
        module: ModuleGrouping::Ignored,
    },
];

/// What nodes merged at one level share; `None` parts are not merged on.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(super) struct GroupKey {
    plan: usize,
    address: Option<String>,
    module: Option<String>,
    resource_type: Option<String>,
    kind: Impact,
    /// Roots and members are never merged together: an edge into a group
    /// then means every resource in it is reached.
    is_root: bool,
}

/// The module path of an address: `(module.a["k"].module.b, module.a.module.b)`;
/// empty for the root module or an address that does not parse.
pub(super) fn modules_of(address: &str) -> (String, String) {
    address
        .parse::<Address>()
        .map(|parsed| {
            let calls: Vec<String> = parsed
                .module
                .iter()
                .map(|step| format!("module.{}", step.name))
                .collect();
            (parsed.module_path(), calls.join("."))
        })
        .unwrap_or_default()
}

pub(super) fn group_key(
    node: &GraphNode<'_>,
    level: Level,
    modules: &(String, String),
) -> GroupKey {
    if level.module == ModuleGrouping::None || (node.is_root && !level.roots) {
        return GroupKey {
            plan: node.plan,
            address: Some(node.address.to_owned()),
            module: None,
            resource_type: None,
            kind: node.kind,
            is_root: node.is_root,
        };
    }
    let module = match level.module {
        ModuleGrouping::Instance => Some(modules.0.clone()),
        ModuleGrouping::Call => Some(modules.1.clone()),
        ModuleGrouping::None | ModuleGrouping::Ignored => None,
    };
    GroupKey {
        plan: node.plan,
        address: None,
        module,
        resource_type: Some(node.resource_type.to_owned()),
        kind: node.kind,
        is_root: node.is_root,
    }
}

/// A node as drawn: one resource or a group of them.
pub(super) struct Drawn {
    plan: Option<usize>,
    kind: Impact,
    label: String,
    count: usize,
    first: usize,
}

pub(super) fn blast_graph(report: &Report, comment: &mut Comment) {
    if report.plans.iter().all(|plan| plan.blast.is_empty()) {
        comment.block("\nNothing is destroyed.\n");
        return;
    }
    let mermaid = mermaid(report);
    comment.block(&format!(
        "\n#### Blast radius\n\n```mermaid\n{mermaid}```\n\n🟥 destroyed · 🟪 data loss · 🟧 disrupted (kept, but loses something it depends on)\n"
    ));
    let mut data = Vec::new();
    for plan in &report.plans {
        for verdict in &plan.blast.data {
            let (label, why) = match &verdict.retention {
                Retention::Lost(why) => ("💥 data loss", why),
                Retention::Kept(how) => ("✅ data kept", how),
                Retention::DestroyFails(why) => ("⛔ destroy fails", why),
            };
            data.push(format!(
                "- {label}: {}: {}\n",
                escape_bounded(&verdict.address, ADDRESS_CHARS),
                escape_bounded(why, SENTENCE_CHARS)
            ));
        }
    }
    let total = data.len();
    data.truncate(LIST_ITEMS);
    if total > LIST_ITEMS {
        data.push(format!(
            "- … and {} more (`--format json` lists them all)\n",
            total - LIST_ITEMS
        ));
    }
    comment.list("\n", data, "");
}

/// The blast radius as a Mermaid `graph LR`: every resource when there are
/// few, otherwise members (then roots, then modules) merged into counted
/// groups, so the graph stays readable whatever the plan's size.
pub(super) fn mermaid(report: &Report) -> String {
    let mut nodes: Vec<GraphNode<'_>> = Vec::new();
    let mut index: HashMap<(usize, &str), usize> = HashMap::new();
    let mut links: Vec<(usize, &str, &str)> = Vec::new();
    for (plan_index, plan) in report.plans.iter().enumerate() {
        for root in &plan.blast.roots {
            index.entry((plan_index, &root.address)).or_insert_with(|| {
                nodes.push(GraphNode {
                    plan: plan_index,
                    address: &root.address,
                    resource_type: &root.resource_type,
                    kind: root_kind(root),
                    is_root: true,
                });
                nodes.len() - 1
            });
            for member in &root.members {
                index
                    .entry((plan_index, &member.address))
                    .or_insert_with(|| {
                        nodes.push(GraphNode {
                            plan: plan_index,
                            address: &member.address,
                            resource_type: &member.resource_type,
                            kind: member_kind(member),
                            is_root: false,
                        });
                        nodes.len() - 1
                    });
                // Paths are the search's tree: each member's last link is
                // its own, earlier links belong to the members before it.
                links.push((plan_index, root.parent(member), &member.address));
            }
        }
    }

    // The least merging that fits.
    let modules: Vec<(String, String)> = if nodes.len() > GRAPH_NODES {
        nodes.iter().map(|node| modules_of(node.address)).collect()
    } else {
        vec![(String::new(), String::new()); nodes.len()]
    };
    let mut chosen: Option<Vec<GroupKey>> = None;
    for level in LEVELS {
        let keys: Vec<GroupKey> = nodes
            .iter()
            .zip(&modules)
            .map(|(node, modules)| group_key(node, level, modules))
            .collect();
        let distinct: BTreeSet<&GroupKey> = keys.iter().collect();
        let fits = distinct.len() <= GRAPH_NODES;
        chosen = Some(keys);
        if fits {
            break;
        }
    }
    let keys = chosen.expect("at least one level");

    let mut drawn: Vec<Drawn> = Vec::new();
    let mut group_of_key: HashMap<&GroupKey, usize> = HashMap::new();
    let mut group_of_node: Vec<usize> = Vec::with_capacity(nodes.len());
    for (id, key) in keys.iter().enumerate() {
        let group = *group_of_key.entry(key).or_insert_with(|| {
            drawn.push(Drawn {
                plan: Some(key.plan),
                kind: key.kind,
                label: String::new(),
                count: 0,
                first: id,
            });
            drawn.len() - 1
        });
        drawn[group].count += 1;
        group_of_node.push(group);
    }
    // Still too many (many modules and types): keep the largest groups and
    // merge the rest, per kind, into "other" nodes.
    if drawn.len() > GRAPH_NODES {
        let mut order: Vec<usize> = (0..drawn.len()).collect();
        order.sort_by_key(|&group| (std::cmp::Reverse(drawn[group].count), group));
        let keep = GRAPH_NODES - 3;
        let mut remap: Vec<usize> = vec![0; drawn.len()];
        let mut merged: Vec<Drawn> = Vec::new();
        let mut other: BTreeMap<Impact, usize> = BTreeMap::new();
        let mut kept: Vec<usize> = order[..keep].to_vec();
        kept.sort_unstable();
        for &group in &kept {
            remap[group] = merged.len();
            let old = &drawn[group];
            merged.push(Drawn {
                plan: old.plan,
                kind: old.kind,
                label: String::new(),
                count: old.count,
                first: old.first,
            });
        }
        for &group in &order[keep..] {
            let kind = drawn[group].kind;
            let target = *other.entry(kind).or_insert_with(|| {
                merged.push(Drawn {
                    plan: None,
                    kind,
                    label: String::new(),
                    count: 0,
                    first: usize::MAX,
                });
                merged.len() - 1
            });
            merged[target].count += drawn[group].count;
            remap[group] = target;
        }
        for group in &mut group_of_node {
            *group = remap[*group];
        }
        drawn = merged;
    }
    for node in &mut drawn {
        node.label = if node.plan.is_none() {
            format!("{} other resources {}", node.count, node.kind.words())
        } else if node.count == 1 {
            bounded(nodes[node.first].address, ADDRESS_CHARS)
        } else {
            let key = &keys[node.first];
            let resource_type = key
                .resource_type
                .as_deref()
                .unwrap_or(nodes[node.first].resource_type);
            match key.module.as_deref() {
                Some("") | None => format!("{} × {resource_type}", node.count),
                Some(module) => format!("{} × {resource_type} in {module}", node.count),
            }
        };
    }

    let mut edges: BTreeSet<(usize, usize)> = BTreeSet::new();
    for (plan, from, to) in links {
        let (Some(&from), Some(&to)) = (index.get(&(plan, from)), index.get(&(plan, to))) else {
            continue;
        };
        let (from, to) = (group_of_node[from], group_of_node[to]);
        if from != to {
            edges.insert((from, to));
        }
    }

    let mut text = String::from("graph LR\n");
    let many_plans = report.plans.len() > 1;
    let mut by_plan: BTreeMap<Option<usize>, Vec<usize>> = BTreeMap::new();
    for (group, node) in drawn.iter().enumerate() {
        by_plan
            .entry(node.plan.filter(|_| many_plans))
            .or_default()
            .push(group);
    }
    for (plan, groups) in &by_plan {
        let indent = if let Some(plan) = plan {
            let _ = writeln!(
                text,
                "  subgraph p{plan}[\"{}\"]",
                mermaid_label(&bounded(&report.plans[*plan].label, 80))
            );
            "    "
        } else {
            "  "
        };
        for &group in groups {
            let _ = writeln!(
                text,
                "{indent}n{group}[\"{}\"]",
                mermaid_label(&drawn[group].label)
            );
        }
        if plan.is_some() {
            text.push_str("  end\n");
        }
    }
    let total_edges = edges.len();
    for (from, to) in edges.iter().take(GRAPH_EDGES) {
        let _ = writeln!(text, "  n{from} --> n{to}");
    }
    if total_edges > GRAPH_EDGES {
        let _ = writeln!(
            text,
            "  %% {} more edges not drawn",
            total_edges - GRAPH_EDGES
        );
    }
    text.push_str("  classDef destroyed fill:#ffd7d7,stroke:#d00000,color:#000\n");
    text.push_str("  classDef dataloss fill:#f7d0ff,stroke:#b000b0,color:#000\n");
    text.push_str("  classDef disrupted fill:#ffe3c2,stroke:#e07000,color:#000\n");
    for kind in [Impact::Destroyed, Impact::DataLoss, Impact::Disrupted] {
        let members: Vec<String> = drawn
            .iter()
            .enumerate()
            .filter(|(_, node)| node.kind == kind)
            .map(|(group, _)| format!("n{group}"))
            .collect();
        if !members.is_empty() {
            let _ = writeln!(text, "  class {} {}", members.join(","), kind.class());
        }
    }
    text
}
