//! Where each finding and each blast-radius resource of a plan is in the
//! Terraform configuration, resolved once while the report is built (see
//! [`locate`](super::locate)): renderers look places up, they never read
//! files, so every format that shows a location shows the same `.tf` line.

use std::collections::HashMap;

use super::locate::{Locator, Place};
use crate::analysis::PlanAnalysis;
use crate::rules::kinds::PLAN_ADDRESS;

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
    /// Resolves each finding's address and each blast-radius root and
    /// member (the steps of SARIF's code flows) of every plan.
    pub fn resolve(plans: &[PlanAnalysis]) -> Self {
        let mut locator = Locator::new();
        let plans = plans
            .iter()
            .map(|plan| {
                let site = locator.plan(&plan.label);
                let fallback = locator.place(&site, PLAN_ADDRESS);
                let mut found = HashMap::new();
                if site.root().is_some() {
                    let addresses = plan
                        .findings
                        .iter()
                        .map(|finding| finding.address.as_str())
                        .chain(plan.blast.roots.iter().flat_map(|root| {
                            std::iter::once(root.address.as_str())
                                .chain(root.members.iter().map(|member| member.address.as_str()))
                        }));
                    for address in addresses {
                        if found.contains_key(address) {
                            continue;
                        }
                        let place = locator.place(&site, address);
                        if place != fallback {
                            found.insert(address.to_owned(), place);
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
