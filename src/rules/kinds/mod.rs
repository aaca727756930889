//! Rule kinds: the logic, one file per kind. A rule file names its kind and
//! gives its `[params]`; each kind parses its own parameters strictly.

use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::{Classes, Draft};
use crate::blast::BlastRadius;
use crate::graph::ResourceGraph;
use crate::model::facts::{HealthIssue, Summary};
use crate::model::prior_objects::PriorObjects;
use crate::model::{Actions, Plan, ResourceChange};

// Declared here, not by `rule_kinds!`: `cargo fmt` does not follow modules a
// macro declares, and left the kinds unformatted. A module missing here does
// not compile; one missing from the table is dead code, which clippy refuses.
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
mod public_principal;
mod refactor;
mod replace_order;
mod sensitive_change;
mod share_of_state_exceeds;
mod wrong_target;

pub use plan_health::PLAN_ADDRESS;
pub use share_of_state_exceeds::share as share_of_state;
pub use wrong_target::Targets;

/// What a rule kind can look at for one plan.
pub struct RuleInput<'c, 'a> {
    pub plan: &'c Plan<'a>,
    pub changes: &'c [ResourceChange<'a>],
    pub graph: &'c ResourceGraph<'c>,
    pub blast: &'c BlastRadius,
    pub summary: &'c Summary,
    pub health: &'c [HealthIssue],
    pub classes: &'c Classes,
    pub targets: &'c Targets,
    /// Values of variables the configuration marks sensitive: never shown,
    /// even where they were copied into an attribute without a mask.
    pub sensitive_values: &'c crate::rules::payload::KnownSecrets,
    /// The prior state's current objects, by address (see [`PriorObjects::if_edited`]).
    pub prior_objects: &'c PriorObjects<'c>,
}

/// The registration table of rule kinds: the name rule files give in
/// `kind = "…"`, the module (`kinds/<name>.rs`, the name in snake case) that
/// implements it, and how its `[params]` are read (`params`: required,
/// `optional_params`: all have defaults; none: the kind takes no parameters).
/// Each module has `check(params?, context) -> Vec<Draft>` and, when it takes
/// parameters, a `Params` type.
macro_rules! rule_kinds {
    ($( $name:literal => $module:ident :: $variant:ident $( ($read:ident) )? ; )+) => {
        /// Every kind's name, as rule files spell it.
        pub const KIND_NAMES: &[&str] = &[$( $name ),+];

        /// Kind names with the file that implements each (checked by a test).
        #[cfg(test)]
        const KIND_FILES: &[(&str, &str)] = &[$( ($name, stringify!($module)) ),+];

        /// A rule kind with its parameters, read from a rule file.
        #[derive(Debug, Clone)]
        pub enum RuleKind {
            $( $variant $( (params_type!($read, $module)) )?, )+
        }

        impl RuleKind {
            pub fn parse(name: &str, text: &str) -> Result<Self, KindError> {
                Ok(match name {
                    $( $name => Self::$variant $( ($read(text)?) )?, )+
                    _ => return Err(KindError::Unknown),
                })
            }

            pub fn name(&self) -> &'static str {
                match self {
                    $( Self::$variant { .. } => $name, )+
                }
            }

            pub fn check(&self, context: &RuleInput<'_, '_>) -> Vec<Draft> {
                match self {
                    $(
                        Self::$variant $( (bound!($read, params)) )? => {
                            $module::check($( bound!($read, params), )? context)
                        }
                    )+
                }
            }
        }
    };
}

/// `Params` of a kind's module (the reader only says that it has them).
macro_rules! params_type {
    ($read:ident, $module:ident) => {
        $module::Params
    };
}

/// The parameters' binding in a pattern and a call.
macro_rules! bound {
    ($read:ident, $params:ident) => {
        $params
    };
}

rule_kinds! {
    "attribute-transition" => attribute_transition::AttributeTransition(params);
    "blast-radius-exceeds" => blast_radius_exceeds::BlastRadiusExceeds(params);
    "change-matches" => change_matches::ChangeMatches(params);
    "data-loss" => data_loss::DataLoss;
    "data-store-destroyed" => data_store_destroyed::DataStoreDestroyed(optional_params);
    "deleted-outside" => deleted_outside::DeletedOutside(optional_params);
    "destroy-of-class" => destroy_of_class::DestroyOfClass(params);
    "destructive-update" => destructive_update::DestructiveUpdate(params);
    "drift-revert" => drift_revert::DriftRevert;
    "iam-admin-grant" => iam_admin_grant::IamAdminGrant(params);
    "open-ingress" => open_ingress::OpenIngress(params);
    "plan-health" => plan_health::PlanHealth;
    "public-principal" => public_principal::PublicPrincipal(params);
    "refactor" => refactor::Refactor(params);
    "replace-order" => replace_order::ReplaceOrder(params);
    "sensitive-change" => sensitive_change::SensitiveChange;
    "share-of-state-exceeds" => share_of_state_exceeds::ShareOfStateExceeds(params);
    "wrong-target" => wrong_target::WrongTarget;
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

/// Managed resource changes, the ones rules judge.
pub(crate) fn managed<'c, 'a>(
    context: &'c RuleInput<'c, 'a>,
) -> impl Iterator<Item = &'c ResourceChange<'a>> {
    context.changes.iter().filter(|change| !change.is_data())
}

/// Managed changes that write a new value (create, update, replace): the
/// ones whose `after` can grant or open something.
pub(crate) fn writing<'c, 'a>(
    context: &'c RuleInput<'c, 'a>,
) -> impl Iterator<Item = &'c ResourceChange<'a>> {
    managed(context).filter(|change| {
        !matches!(
            change.change.actions,
            Actions::NoOp | Actions::Delete | Actions::Forget | Actions::Read
        )
    })
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
mod registration {
    #[test]
    fn each_kind_lives_in_the_file_named_after_it() {
        for (name, file) in super::KIND_FILES {
            assert_eq!(
                name.replace('-', "_"),
                *file,
                "kind `{name}` is in {file}.rs"
            );
        }
    }
}

#[cfg(test)]
pub(crate) mod testing {
    //! Builds a [`RuleInput`] from plan JSON text for kind unit tests.

    use super::*;
    use crate::analysis::analyse_with;
    use crate::rules::RuleSet;

    pub fn drafts(kind: &str, params: &str, plan_json: &str) -> Vec<Draft> {
        let rule_text = format!("{params}\n");
        let kind =
            RuleKind::parse(kind, &rule_text).unwrap_or_else(|_| panic!("kind {kind} parses"));
        drafts_with(&kind, plan_json, &Targets::default())
    }

    pub fn drafts_with(kind: &RuleKind, plan_json: &str, targets: &Targets) -> Vec<Draft> {
        let plan = crate::model::parse_document(plan_json).expect("test plan parses");
        let rules = RuleSet::builtin().unwrap();
        let mut found = Vec::new();
        analyse_with("test.json", &plan, &rules, targets, |context| {
            found = kind.check(context)
        });
        found
    }

    /// A plan with one update of `resource_type.x` from `before` to `after`,
    /// whose prior state holds `prior` for it: `before` edited alone when the
    /// two differ.
    pub fn update_with_prior(
        resource_type: &str,
        before: &str,
        after: &str,
        prior: &str,
    ) -> String {
        format!(
            r#"{{"format_version":"1.2","resource_changes":[{{"address":"{resource_type}.x","mode":"managed","type":"{resource_type}","name":"x","change":{{"actions":["update"],"before":{before},"after":{after},"after_unknown":{{}}}}}}],"prior_state":{{"values":{{"root_module":{{"resources":[{{"address":"{resource_type}.x","mode":"managed","type":"{resource_type}","name":"x","values":{prior}}}]}}}}}}}}"#
        )
    }
}
