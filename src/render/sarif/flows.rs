//! codeFlows: the dependency chain that puts each finding's resource in a
//! blast radius, looked up by address in the plan's blast radius.

use super::*;

/// A plan's blast radius, looked up by address.
pub(super) struct BlastIndex<'p> {
    roots: HashMap<&'p str, &'p Root>,
    /// Each member with its root.
    members: HashMap<&'p str, (&'p Root, &'p Member)>,
}

impl<'p> BlastIndex<'p> {
    pub(super) fn of(plan: &'p PlanAnalysis) -> Self {
        let mut index = Self {
            roots: HashMap::new(),
            members: HashMap::new(),
        };
        for root in &plan.blast.roots {
            index.roots.entry(&root.address).or_insert(root);
            for member in &root.members {
                index
                    .members
                    .entry(&member.address)
                    .or_insert((root, member));
            }
        }
        index
    }

    /// For a root, one thread flow per member (at most [`MAX_FLOW_MEMBERS`]);
    /// for a member, the chain from its root to it.
    pub(super) fn flows(&self, places: &Places, plan: usize, address: &str) -> Vec<CodeFlow<'p>> {
        if let Some(root) = self.roots.get(address) {
            if root.members.is_empty() {
                return Vec::new();
            }
            let total = root.members.len();
            let shown = total.min(MAX_FLOW_MEMBERS);
            let mut summary = format!(
                "blast radius of {}: {total} affected resource(s)",
                root.address
            );
            if shown < total {
                summary.push_str(&format!("; the first {shown} are shown"));
            }
            let thread_flows = root
                .members
                .iter()
                .take(shown)
                .map(|member| self.thread_flow(places, plan, root, member))
                .collect();
            return vec![CodeFlow {
                message: Text::with_plan_text(summary),
                thread_flows,
            }];
        }
        if let Some((root, member)) = self.members.get(address) {
            return vec![CodeFlow {
                message: Text::with_plan_text(format!(
                    "how {} is reached from {}",
                    member.address, root.address
                )),
                thread_flows: vec![self.thread_flow(places, plan, root, member)],
            }];
        }
        Vec::new()
    }

    pub(super) fn thread_flow(
        &self,
        places: &Places,
        plan: usize,
        root: &'p Root,
        member: &'p Member,
    ) -> ThreadFlow<'p> {
        let printed = root.printed_chain(member);
        let last = printed.addresses.len().saturating_sub(1);
        let locations = printed
            .addresses
            .iter()
            .enumerate()
            // The marker of a long chain's elided middle is no location.
            .filter_map(|(step, address)| match address {
                std::borrow::Cow::Borrowed(address) => Some((step, *address)),
                std::borrow::Cow::Owned(_) => None,
            })
            .map(|(step, address)| {
                let text = if step == 0 {
                    format!("root: {}", root.actions.label())
                } else {
                    let role = match self.members.get(address) {
                        Some((_, on_path)) => on_path.role.label(),
                        None => "reached",
                    };
                    match printed.via.get(step - 1).map(|sources| sources.labels()) {
                        Some(labels) if !labels.is_empty() => {
                            format!("{role} via {}", labels.join(", "))
                        }
                        _ => role.to_owned(),
                    }
                };
                ThreadFlowLocation {
                    location: location(places, plan, address, Some(text)),
                    importance: if step == 0 || step == last {
                        "essential"
                    } else {
                        "important"
                    },
                }
            })
            .collect();
        ThreadFlow {
            message: Text::with_plan_text(format!("{}: {}", member.address, member.role.label())),
            locations,
        }
    }
}
