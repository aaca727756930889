//! Where each finding and each blast-radius resource of a plan is in the
//! Terraform configuration, resolved once per report, when the first format
//! that shows places asks ([`Report::places`](super::Report::places); see
//! [`locate`](super::locate)): renderers look places up, they never read
//! files, so every format that shows a location shows the same `.tf` line.

use std::collections::{HashMap, HashSet};

use super::locate::{Locator, Place};
use crate::analysis::PlanAnalysis;
use crate::blast::{Member, Root};
use crate::rules::kinds::PLAN_ADDRESS;

/// The most affected resources shown as the flows of one finding.
pub const MAX_FLOW_MEMBERS: usize = 20;

/// The places of every plan of a report, by plan index.
#[derive(Debug, Clone, Default)]
pub struct Places {
    plans: Vec<PlanPlaces>,
}

#[derive(Debug, Clone)]
struct PlanPlaces {
    /// Where anything not found in the configuration is: the plan file.
    fallback: Place,
    /// Addresses whose block was found (empty when no `.tf` sits beside
    /// the plan: nothing can be found then).
    found: HashMap<String, Place>,
}

impl Places {
    /// Resolves each finding's address and the resources on the chains
    /// that explain it (the steps of SARIF's code flows) of every plan.
    pub fn resolve(plans: &[PlanAnalysis]) -> Self {
        let mut locator = Locator::new();
        let plans = plans
            .iter()
            .map(|plan| {
                let site = locator.plan(&plan.label);
                let fallback = locator.place(&site, PLAN_ADDRESS);
                let mut found = HashMap::new();
                if site.root().is_some() {
                    let addresses = located_addresses(plan);
                    for address in addresses {
                        let place = locator.place(&site, &address);
                        if place != fallback {
                            found.insert(address, place);
                        }
                    }
                }
                PlanPlaces { fallback, found }
            })
            .collect();
        Self { plans }
    }

    /// Where `address` of plan `plan` is: its block, else the plan file.
    pub fn of(&self, plan: usize, address: &str) -> &Place {
        let plan = &self.plans[plan];
        plan.found.get(address).unwrap_or(&plan.fallback)
    }
}

/// The addresses a report shows a location for: each finding's, and for a
/// finding on a blast-radius root the chains to its first
/// [`MAX_FLOW_MEMBERS`] members, for one on a member the chain to it. Not
/// every member of a large blast radius: most are never shown with a place.
fn located_addresses(plan: &PlanAnalysis) -> HashSet<String> {
    let mut roots: HashMap<&str, &Root> = HashMap::new();
    let mut members: HashMap<&str, (&Root, &Member)> = HashMap::new();
    for root in &plan.blast.roots {
        roots.entry(&root.address).or_insert(root);
        for member in &root.members {
            members.entry(&member.address).or_insert((root, member));
        }
    }
    let mut addresses = HashSet::new();
    for finding in &plan.findings {
        let address = finding.address.as_str();
        addresses.insert(address.to_owned());
        if let Some(root) = roots.get(address) {
            for member in root.members.iter().take(MAX_FLOW_MEMBERS) {
                add_chain(&mut addresses, root, member);
            }
        } else if let Some((root, member)) = members.get(address) {
            add_chain(&mut addresses, root, member);
        }
    }
    addresses
}

/// The addresses on the chain from `root` to `member`, as the report prints
/// it (a long chain's elided middle is no address).
fn add_chain(addresses: &mut HashSet<String>, root: &Root, member: &Member) {
    for address in root.printed_chain(member).addresses {
        if let std::borrow::Cow::Borrowed(address) = address {
            addresses.insert(address.to_owned());
        }
    }
}
