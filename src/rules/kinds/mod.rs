//! Rule kinds: the logic, one file per kind. A rule file names its kind and
//! gives its `[params]`; each kind parses its own parameters strictly.

mod attribute_transition;
mod blast_radius_exceeds;
mod change_matches;
mod data_loss;
mod data_store_destroyed;
mod deleted_outside;
mod destroy_of_class;
mod destructive_update;
mod drift_revert;
mod iam_admin_grant;
mod open_ingress;
mod plan_health;
mod refactor;
mod replace_order;
mod sensitive_change;
pub mod share_of_state_exceeds;
mod wrong_target;

use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::{Classes, Draft};
use crate::analysis::{HealthIssue, Summary};
use crate::blast::BlastRadius;
use crate::graph::ResourceGraph;
use crate::model::{Plan, ResourceChange};

pub use plan_health::PLAN_ADDRESS;
pub use wrong_target::Targets;

/// What a rule kind can look at for one plan.
pub struct Context<'c, 'a> {
    pub plan: &'c Plan<'a>,
    pub changes: &'c [ResourceChange<'a>],
    pub graph: &'c ResourceGraph,
    pub blast: &'c BlastRadius,
    pub summary: &'c Summary,
    pub health: &'c [HealthIssue],
    pub classes: &'c Classes,
    pub targets: &'c Targets,
    /// Values of variables the configuration marks sensitive: never shown,
    /// even where they were copied into an attribute without a mask.
    pub sensitive_values: &'c [String],
}

pub const KIND_NAMES: &[&str] = &[
    "attribute-transition",
    "blast-radius-exceeds",
    "change-matches",
    "data-loss",
    "data-store-destroyed",
    "deleted-outside",
    "destroy-of-class",
    "destructive-update",
    "drift-revert",
    "iam-admin-grant",
    "open-ingress",
    "plan-health",
    "refactor",
    "replace-order",
    "sensitive-change",
    "share-of-state-exceeds",
    "wrong-target",
];

#[derive(Debug, Clone)]
pub enum Kind {
    AttributeTransition(attribute_transition::Params),
    BlastRadiusExceeds(blast_radius_exceeds::Params),
    ChangeMatches(change_matches::Params),
    DataLoss,
    DataStoreDestroyed,
    DeletedOutside(deleted_outside::Params),
    DestroyOfClass(destroy_of_class::Params),
    DestructiveUpdate(destructive_update::Params),
    DriftRevert,
    IamAdminGrant(iam_admin_grant::Params),
    OpenIngress(open_ingress::Params),
    PlanHealth,
    Refactor(refactor::Params),
    ReplaceOrder(replace_order::Params),
    SensitiveChange,
    ShareOfStateExceeds(share_of_state_exceeds::Params),
    WrongTarget,
}

pub enum KindError {
    Unknown,
    Params(toml::de::Error),
}

/// Deserialises only `[params]` of the whole rule file, so a parameter
/// error carries a span into the file.
#[derive(Deserialize)]
struct ParamsOf<P> {
    params: P,
}

fn params<P: DeserializeOwned>(text: &str) -> Result<P, KindError> {
    toml::from_str::<ParamsOf<P>>(text)
        .map(|file| file.params)
        .map_err(KindError::Params)
}

/// `[params]` for kinds whose parameters all have defaults.
#[derive(Deserialize)]
struct OptionalParamsOf<P> {
    #[serde(default)]
    params: Option<P>,
}

fn optional_params<P: DeserializeOwned + Default>(text: &str) -> Result<P, KindError> {
    toml::from_str::<OptionalParamsOf<P>>(text)
        .map(|file| file.params.unwrap_or_default())
        .map_err(KindError::Params)
}

impl Kind {
    pub fn parse(name: &str, text: &str) -> Result<Self, KindError> {
        Ok(match name {
            "attribute-transition" => Self::AttributeTransition(params(text)?),
            "blast-radius-exceeds" => Self::BlastRadiusExceeds(params(text)?),
            "change-matches" => Self::ChangeMatches(params(text)?),
            "data-loss" => Self::DataLoss,
            "data-store-destroyed" => Self::DataStoreDestroyed,
            "deleted-outside" => Self::DeletedOutside(optional_params(text)?),
            "destroy-of-class" => Self::DestroyOfClass(params(text)?),
            "destructive-update" => Self::DestructiveUpdate(params(text)?),
            "drift-revert" => Self::DriftRevert,
            "iam-admin-grant" => Self::IamAdminGrant(params(text)?),
            "open-ingress" => Self::OpenIngress(params(text)?),
            "plan-health" => Self::PlanHealth,
            "refactor" => Self::Refactor(params(text)?),
            "replace-order" => Self::ReplaceOrder(params(text)?),
            "sensitive-change" => Self::SensitiveChange,
            "share-of-state-exceeds" => Self::ShareOfStateExceeds(params(text)?),
            "wrong-target" => Self::WrongTarget,
            _ => return Err(KindError::Unknown),
        })
    }

    pub fn name(&self) -> &'static str {
        match self {
            Self::AttributeTransition(_) => "attribute-transition",
            Self::BlastRadiusExceeds(_) => "blast-radius-exceeds",
            Self::ChangeMatches(_) => "change-matches",
            Self::DataLoss => "data-loss",
            Self::DataStoreDestroyed => "data-store-destroyed",
            Self::DeletedOutside(_) => "deleted-outside",
            Self::DestroyOfClass(_) => "destroy-of-class",
            Self::DestructiveUpdate(_) => "destructive-update",
            Self::DriftRevert => "drift-revert",
            Self::IamAdminGrant(_) => "iam-admin-grant",
            Self::OpenIngress(_) => "open-ingress",
            Self::PlanHealth => "plan-health",
            Self::Refactor(_) => "refactor",
            Self::ReplaceOrder(_) => "replace-order",
            Self::SensitiveChange => "sensitive-change",
            Self::ShareOfStateExceeds(_) => "share-of-state-exceeds",
            Self::WrongTarget => "wrong-target",
        }
    }

    pub fn check(&self, context: &Context<'_, '_>) -> Vec<Draft> {
        match self {
            Self::AttributeTransition(params) => attribute_transition::check(params, context),
            Self::BlastRadiusExceeds(params) => blast_radius_exceeds::check(params, context),
            Self::ChangeMatches(params) => change_matches::check(params, context),
            Self::DataLoss => data_loss::check(context),
            Self::DataStoreDestroyed => data_store_destroyed::check(context),
            Self::DeletedOutside(params) => deleted_outside::check(params, context),
            Self::DestroyOfClass(params) => destroy_of_class::check(params, context),
            Self::DestructiveUpdate(params) => destructive_update::check(params, context),
            Self::DriftRevert => drift_revert::check(context),
            Self::IamAdminGrant(params) => iam_admin_grant::check(params, context),
            Self::OpenIngress(params) => open_ingress::check(params, context),
            Self::PlanHealth => plan_health::check(context),
            Self::Refactor(params) => refactor::check(params, context),
            Self::ReplaceOrder(params) => replace_order::check(params, context),
            Self::SensitiveChange => sensitive_change::check(context),
            Self::ShareOfStateExceeds(params) => share_of_state_exceeds::check(params, context),
            Self::WrongTarget => wrong_target::check(context),
        }
    }
}

/// Managed resource changes, the ones rules judge.
pub(crate) fn managed<'c, 'a>(
    context: &'c Context<'c, 'a>,
) -> impl Iterator<Item = &'c ResourceChange<'a>> {
    context.changes.iter().filter(|change| !change.is_data())
}

/// An `Actions` list from rule parameters, e.g. `["delete", "replace"]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ActionName {
    Delete,
    Replace,
    ReplaceDestroyFirst,
    Update,
    Create,
    Forget,
}

impl ActionName {
    pub fn matches(self, actions: crate::model::Actions) -> bool {
        use crate::model::Actions;
        match self {
            Self::Delete => actions == Actions::Delete,
            Self::Replace => actions.is_replace(),
            Self::ReplaceDestroyFirst => actions == Actions::DeleteThenCreate,
            Self::Update => actions == Actions::Update,
            Self::Create => matches!(actions, Actions::Create | Actions::CreateThenForget),
            Self::Forget => matches!(actions, Actions::Forget | Actions::CreateThenForget),
        }
    }
}

#[cfg(test)]
pub(crate) mod testing {
    //! Builds a [`Context`] from plan JSON text for kind unit tests.

    use super::*;
    use crate::analysis::analyse_with;
    use crate::rules::RuleSet;

    pub fn drafts(kind: &str, params: &str, plan_json: &str) -> Vec<Draft> {
        let rule_text = format!("{params}\n");
        let kind = Kind::parse(kind, &rule_text).unwrap_or_else(|_| panic!("kind {kind} parses"));
        drafts_with(&kind, plan_json, &Targets::default())
    }

    pub fn drafts_with(kind: &Kind, plan_json: &str, targets: &Targets) -> Vec<Draft> {
        let plan = crate::model::parse_document(plan_json).expect("test plan parses");
        let rules = RuleSet::builtin().unwrap();
        let mut found = Vec::new();
        analyse_with("test.json", &plan, &rules, targets, |context| {
            found = kind.check(context)
        });
        found
    }
}
