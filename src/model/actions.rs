//! `change.actions` and `action_reason`, as Terraform's `internal/command/jsonplan` writes them.

use std::fmt;

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};

/// The action list of one resource change. Terraform writes a closed set of
/// lists; anything else is an input error, because guessing what an unknown
/// action does could let a destroy pass unseen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Actions {
    NoOp,
    Create,
    Read,
    Update,
    Delete,
    /// `["delete","create"]`: the old object is destroyed before its replacement exists.
    DeleteThenCreate,
    /// `["create","delete"]`: create_before_destroy.
    CreateThenDelete,
    /// `["forget"]`: removed from state, the real object is kept.
    Forget,
    /// `["create","forget"]`: replaced, the old object is kept (`destroy = false`).
    CreateThenForget,
    /// `["open"]`: an ephemeral resource, opened during the run.
    Open,
}

pub const KNOWN_ACTION_LISTS: &str = r#"["no-op"], ["create"], ["read"], ["update"], ["delete"], ["delete","create"], ["create","delete"], ["forget"], ["create","forget"], ["open"]"#;

impl Actions {
    pub fn from_list(list: &[&str]) -> Option<Self> {
        Some(match list {
            ["no-op"] => Self::NoOp,
            ["create"] => Self::Create,
            ["read"] => Self::Read,
            ["update"] => Self::Update,
            ["delete"] => Self::Delete,
            ["delete", "create"] => Self::DeleteThenCreate,
            ["create", "delete"] => Self::CreateThenDelete,
            ["forget"] => Self::Forget,
            ["create", "forget"] => Self::CreateThenForget,
            ["open"] => Self::Open,
            _ => return None,
        })
    }

    pub fn as_list(self) -> &'static [&'static str] {
        match self {
            Self::NoOp => &["no-op"],
            Self::Create => &["create"],
            Self::Read => &["read"],
            Self::Update => &["update"],
            Self::Delete => &["delete"],
            Self::DeleteThenCreate => &["delete", "create"],
            Self::CreateThenDelete => &["create", "delete"],
            Self::Forget => &["forget"],
            Self::CreateThenForget => &["create", "forget"],
            Self::Open => &["open"],
        }
    }

    /// The one-word name used in reports.
    pub fn label(self) -> &'static str {
        match self {
            Self::NoOp => "no-op",
            Self::Create => "create",
            Self::Read => "read",
            Self::Update => "update",
            Self::Delete => "delete",
            Self::DeleteThenCreate | Self::CreateThenDelete => "replace",
            Self::Forget => "forget",
            Self::CreateThenForget => "replace-forget",
            Self::Open => "open",
        }
    }

    /// True when the real object that exists today is destroyed by this change.
    /// A forget (even with `delete_because_no_resource_config`) destroys nothing.
    pub fn destroys(self) -> bool {
        matches!(
            self,
            Self::Delete | Self::DeleteThenCreate | Self::CreateThenDelete
        )
    }

    pub fn is_replace(self) -> bool {
        matches!(self, Self::DeleteThenCreate | Self::CreateThenDelete)
    }
}

impl fmt::Display for Actions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

impl Serialize for Actions {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.as_list().serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Actions {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ActionsVisitor;
        impl<'de> Visitor<'de> for ActionsVisitor {
            type Value = Actions;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "an action list, one of {KNOWN_ACTION_LISTS}")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Actions, A::Error> {
                let mut items: Vec<std::borrow::Cow<'de, str>> = Vec::with_capacity(2);
                while let Some(item) = seq.next_element::<std::borrow::Cow<'de, str>>()? {
                    if items.len() == 4 {
                        return Err(de::Error::custom(format!(
                            "unknown action list: too many actions; expected one of {KNOWN_ACTION_LISTS}"
                        )));
                    }
                    items.push(item);
                }
                let list: Vec<&str> = items.iter().map(|s| s.as_ref()).collect();
                Actions::from_list(&list).ok_or_else(|| {
                    let shown: Vec<String> = list
                        .iter()
                        .map(|s| format!("{:?}", crate::util::escape::bounded(s, 40)))
                        .collect();
                    de::Error::custom(format!(
                        "unknown action list [{}]; expected one of {KNOWN_ACTION_LISTS}",
                        shown.join(",")
                    ))
                })
            }
        }
        deserializer.deserialize_seq(ActionsVisitor)
    }
}

/// `action_reason`. Unknown reasons from newer Terraform versions are kept
/// verbatim and shown, never rejected: the action, not the reason, decides
/// what happens to the object.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ActionReason {
    Known(&'static str),
    Unknown(String),
}

const KNOWN_REASONS: &[&str] = &[
    "replace_because_tainted",
    "replace_because_cannot_update",
    "replace_by_request",
    "replace_by_triggers",
    "delete_because_no_resource_config",
    "delete_because_wrong_repetition",
    "delete_because_count_index",
    "delete_because_each_key",
    "delete_because_no_module",
    "delete_because_no_move_target",
    "read_because_config_unknown",
    "read_because_dependency_pending",
    "read_because_check_nested",
];

impl ActionReason {
    pub fn parse(text: &str) -> Self {
        match KNOWN_REASONS.iter().find(|known| **known == text) {
            Some(known) => Self::Known(known),
            None => Self::Unknown(text.to_owned()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            Self::Known(s) => s,
            Self::Unknown(s) => s,
        }
    }

    pub fn is_known(&self) -> bool {
        matches!(self, Self::Known(_))
    }

    /// A sentence a reviewer understands.
    pub fn explanation(&self) -> &'static str {
        match self.as_str() {
            "replace_because_tainted" => "the object is tainted (a previous apply failed part-way)",
            "replace_because_cannot_update" => {
                "an argument that cannot be updated in place changed"
            }
            "replace_by_request" => "replacement was requested with -replace",
            "replace_by_triggers" => "replace_triggered_by / triggers_replace changed",
            "delete_because_no_resource_config" => {
                "its resource block was removed from the configuration"
            }
            "delete_because_wrong_repetition" => {
                "count/for_each was added or removed on its resource"
            }
            "delete_because_count_index" => "its count index is now out of range",
            "delete_because_each_key" => "its for_each key is no longer in the map/set",
            "delete_because_no_module" => {
                "its module call was removed or no longer has this instance"
            }
            "delete_because_no_move_target" => {
                "a moved block points at an address with no configuration"
            }
            "read_because_config_unknown" => {
                "its configuration depends on values known only after apply"
            }
            "read_because_dependency_pending" => "it depends on a resource with pending changes",
            "read_because_check_nested" => "it is read inside a check block",
            _ => "a reason this version of blastwall does not know",
        }
    }
}

impl<'de> Deserialize<'de> for ActionReason {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        Ok(Self::parse(&text))
    }
}

impl Serialize for ActionReason {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_known_list_round_trips() {
        for actions in [
            Actions::NoOp,
            Actions::Create,
            Actions::Read,
            Actions::Update,
            Actions::Delete,
            Actions::DeleteThenCreate,
            Actions::CreateThenDelete,
            Actions::Forget,
            Actions::CreateThenForget,
            Actions::Open,
        ] {
            let json = serde_json::to_string(&actions).unwrap();
            assert_eq!(serde_json::from_str::<Actions>(&json).unwrap(), actions);
        }
    }

    #[test]
    fn unknown_action_list_is_an_error_naming_it() {
        let err = serde_json::from_str::<Actions>(r#"["delete","explode"]"#).unwrap_err();
        assert!(
            err.to_string()
                .contains(r#"unknown action list ["delete","explode"]"#),
            "{err}"
        );
        assert!(serde_json::from_str::<Actions>("[]").is_err());
    }

    #[test]
    fn forget_and_create_forget_destroy_nothing() {
        assert!(!Actions::Forget.destroys());
        assert!(!Actions::CreateThenForget.destroys());
        assert!(Actions::CreateThenDelete.destroys());
    }

    #[test]
    fn unknown_reason_is_kept() {
        let reason: ActionReason = serde_json::from_str(r#""replace_because_moon_phase""#).unwrap();
        assert_eq!(
            reason,
            ActionReason::Unknown("replace_because_moon_phase".into())
        );
        assert!(!reason.is_known());
    }
}
