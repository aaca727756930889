//! The prior state's current objects that changes start from, by address.
//! Terraform writes a change's `before` from that object, so where the two
//! texts differ the plan was edited (or a computed value was read again),
//! and a verdict that `before` alone would loosen is judged from the prior
//! state too: rules on updates and replaces, and the retention of a
//! destroyed data store.

use rustc_hash::{FxHashMap, FxHashSet};
use serde_json::value::RawValue;

use super::{Actions, Plan, ResourceChange};

pub struct PriorObjects<'c> {
    by_address: FxHashMap<&'c str, &'c RawValue>,
}

impl<'c> PriorObjects<'c> {
    /// The objects of the plan's updates and replaces, and of the deletes
    /// `is_judged_when_deleted` asks for (the data stores): only those, so a
    /// plan of 100k no-ops or a teardown of 100k resources does not pay for
    /// a map of its whole state. Validation has refused a prior state that
    /// lists a current address twice (outside the 0.12-era format).
    pub fn of(
        plan: &'c Plan<'_>,
        is_judged_when_deleted: impl Fn(&ResourceChange<'_>) -> bool,
    ) -> Self {
        let changes = plan.resource_changes.as_deref().unwrap_or_default();
        let wanted: FxHashSet<&str> = changes
            .iter()
            .filter(|change| change.deposed.is_none() && !change.is_data())
            .filter(|change| match change.change.actions {
                Actions::Update | Actions::DeleteThenCreate | Actions::CreateThenDelete => true,
                Actions::Delete => is_judged_when_deleted(change),
                _ => false,
            })
            .map(|change| &*change.address)
            .collect();
        if wanted.is_empty() {
            return Self {
                by_address: FxHashMap::default(),
            };
        }
        let by_address = plan
            .prior_values()
            .into_iter()
            .flat_map(|values| values.root_module.all_resources())
            .filter(|resource| {
                resource.deposed_key.is_none()
                    && !resource.is_data()
                    && wanted.contains(&*resource.address)
            })
            .filter_map(|resource| Some((&*resource.address, resource.values?)))
            .collect();
        Self { by_address }
    }

    /// The prior state's object that `change` starts from; `None` for a
    /// deposed object, a data source, or a change this map was not built
    /// for.
    pub fn of_change(&self, change: &ResourceChange<'_>) -> Option<&'c RawValue> {
        if change.deposed.is_some() || change.is_data() {
            return None;
        }
        self.by_address.get(&*change.address).copied()
    }

    /// [`PriorObjects::of_change`], when its text differs from the change's
    /// `before`. Real plans differ there in computed attributes read again
    /// (`latest_restorable_time`), so a difference is not refused, only
    /// never trusted to suppress a finding: an agent that edits `before`
    /// alone does not loosen the verdict.
    pub fn if_edited(&self, change: &ResourceChange<'_>) -> Option<&'c RawValue> {
        self.of_change(change)
            .filter(|prior| Some(prior.get()) != change.change.before.map(RawValue::get))
    }
}
