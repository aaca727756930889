//! `iam-admin-grant`: the plan grants administrator access: a policy that
//! allows every action on every resource, an AdministratorAccess attachment,
//! an Owner/Editor binding.

use serde::Deserialize;
use serde_json::Value;
use wildmatch::WildMatch;

use super::{RuleInput, writing};
use crate::rules::policy::{self, strings};
use crate::rules::{Draft, Evidence, payload};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Managed policy ARNs that grant everything, matched by suffix.
    pub admin_policy_suffixes: Vec<String>,
    /// Role names that grant everything (GCP `roles/owner`, Azure `Owner`).
    pub admin_roles: Vec<String>,
    /// Attributes holding role names: `role`, `role_definition_name`, `members`…
    pub role_attributes: Vec<String>,
    /// Attributes holding policy ARNs.
    pub policy_arn_attributes: Vec<String>,
    /// Attributes holding JSON policy documents (paths, `[*]` allowed).
    pub policy_document_attributes: Vec<String>,
}

pub fn check(params: &Params, context: &RuleInput<'_, '_>) -> Vec<Draft> {
    let mut drafts = Vec::new();
    for change in writing(context) {
        let attributes = params
            .policy_arn_attributes
            .iter()
            .chain(&params.role_attributes)
            .chain(&params.policy_document_attributes)
            .map(String::as_str);
        if !payload::may_hold(change.change.after, attributes) {
            continue;
        }
        let Some(after) = payload::parse(change.change.after) else {
            continue;
        };
        // A grant already there is no news, if it is there in the prior
        // state too (see `PriorObjects::if_edited`).
        let before = payload::parse(change.change.before);
        let prior = payload::parse(context.prior_objects.if_edited(change));
        let holds = |object: &Value, grant: &str| {
            grants(params, object)
                .iter()
                .any(|(_, existing)| existing == grant)
        };
        let already = |grant: &str| {
            policy::already_there(before.as_ref(), prior.as_ref(), |object| {
                holds(object, grant)
            })
        };
        for (path, grant) in grants(params, &after) {
            if already(&grant) {
                continue;
            }
            drafts.push(
                Draft::new(
                    change.address.clone(),
                    format!("{} grants administrator access: {grant}", change.address),
                )
                .with_evidence(Evidence {
                    path,
                    before: None,
                    after: Some(grant),
                }),
            );
        }
    }
    drafts
}

/// (path, what it grants) for every admin grant in an object's values.
fn grants(params: &Params, object: &Value) -> Vec<(String, String)> {
    let mut found = Vec::new();
    for attribute in &params.policy_arn_attributes {
        for (path, value) in payload::lookup(object, attribute) {
            for arn in strings(value) {
                if params
                    .admin_policy_suffixes
                    .iter()
                    .any(|suffix| arn.ends_with(suffix.as_str()))
                {
                    found.push((path.clone(), format!("policy {arn}")));
                }
            }
        }
    }
    for attribute in &params.role_attributes {
        for (path, value) in payload::lookup(object, attribute) {
            for role in strings(value) {
                if params.admin_roles.iter().any(|admin| admin == role) {
                    found.push((path.clone(), format!("role {role}")));
                }
            }
        }
    }
    for (path, document) in policy::documents(object, &params.policy_document_attributes) {
        if let Some((action, resource)) = allows_everything(&document) {
            found.push((
                path,
                format!("a policy statement allowing {action} on {resource}"),
            ));
        }
    }
    found
}

/// The first statement that allows administrator access: every action
/// (`*`, `*:*`), every IAM action (`iam:*`, which grants the rest by
/// writing a policy) or one that writes policies (`iam:PutRolePolicy`), on
/// every resource (`*`, or an ARN pattern that names
/// no service: `arn:*`, `arn:aws:*`). Returns its action and resource.
fn allows_everything(document: &Value) -> Option<(String, String)> {
    policy::statements(document)
        .into_iter()
        .find_map(|statement| {
            let allow = statement
                .get("Effect")
                .and_then(Value::as_str)
                .is_none_or(|effect| effect == "Allow");
            let first = |key: &str, wanted: fn(&str) -> bool| {
                statement
                    .get(key)
                    .and_then(|value| strings(value).into_iter().find(|text| wanted(text)))
                    .map(str::to_owned)
            };
            let resource = match statement.get("NotResource") {
                // Every resource but those listed is every resource that
                // matters, unless a listed pattern takes out everything.
                Some(excluded) if statement.get("Resource").is_none() => {
                    let excluded = strings(excluded);
                    if excluded.iter().any(|pattern| is_every_resource(pattern)) {
                        return None;
                    }
                    let shown: Vec<String> = excluded
                        .iter()
                        .take(3)
                        .map(|pattern| format!("\"{pattern}\""))
                        .collect();
                    format!("every resource but {} (NotResource)", shown.join(", "))
                }
                _ => format!("Resource \"{}\"", first("Resource", is_every_resource)?),
            };
            let action = match statement.get("NotAction") {
                // Every action but those listed: administrator access unless
                // they take out the IAM actions that write policies.
                Some(excluded) if statement.get("Action").is_none() => {
                    let excluded = strings(excluded);
                    let grants_policy_writes = POLICY_WRITING_ACTIONS.iter().any(|action| {
                        !excluded.iter().any(|pattern| {
                            WildMatch::new(&pattern.to_ascii_lowercase()).matches(action)
                        })
                    });
                    if !grants_policy_writes {
                        return None;
                    }
                    let shown: Vec<String> = excluded
                        .iter()
                        .take(3)
                        .map(|pattern| format!("\"{pattern}\""))
                        .collect();
                    format!("every action but {} (NotAction)", shown.join(", "))
                }
                _ => format!("Action \"{}\"", first("Action", grants_every_action)?),
            };
            allow.then_some((action, resource))
        })
}

/// IAM actions that let whoever holds them grant themselves anything (in
/// lower case, as IAM compares actions): a `NotAction` statement that
/// leaves one of them in is administrator access.
const POLICY_WRITING_ACTIONS: &[&str] = &[
    "iam:putrolepolicy",
    "iam:attachrolepolicy",
    "iam:putuserpolicy",
    "iam:attachuserpolicy",
    "iam:createpolicyversion",
    "iam:putgrouppolicy",
    "iam:attachgrouppolicy",
];

/// An action pattern that grants every action, at once or by writing a
/// policy that grants it (`iam:AttachRolePolicy` on every resource attaches
/// AdministratorAccess to the role that holds it).
fn grants_every_action(action: &str) -> bool {
    is_admin_action(action)
        || POLICY_WRITING_ACTIONS
            .iter()
            .any(|writing| WildMatch::new_case_insensitive(action).matches(writing))
}

/// An action pattern that grants every IAM action (`*`, `*:*`, `iam:*`,
/// and any other spelling IAM's `*` and `?` wildcards allow: `i?m:*`,
/// `*am:*`, `i*`). IAM matches actions without regard to case.
fn is_admin_action(action: &str) -> bool {
    covers_every_continuation(action, &["iam:"], false)
}

/// A resource pattern through which an administrator action reaches
/// everything: every resource (`*`, or an ARN pattern that names no
/// service: `arn:*`, `arn:aws:*`, `arn:*:*:*:*:*`), or every IAM resource
/// of an account (`arn:aws:iam::123456789012:*`, `arn:aws:iam::*`), where a
/// policy granting the rest can be written. IAM's `*` and `?` wildcards
/// count wherever they stand (`arn:aws:i?m::*`).
fn is_every_resource(resource: &str) -> bool {
    let every_arn = PARTITIONS.map(|partition| format!("arn:{partition}:"));
    if covers_every_continuation(resource, &every_arn, true) {
        return true;
    }
    let Some(rest) = resource.strip_prefix("arn:") else {
        return false;
    };
    let parts: Vec<&str> = rest.split(':').collect();
    // Each IAM resource of the account the pattern names (its wildcards
    // filled in): `arn:aws:iam::123456789012:` followed by anything.
    let account = parts.get(3).map_or(String::new(), |account| {
        account.replace('*', "").replace('?', "0")
    });
    let every_iam_resource = PARTITIONS.map(|partition| format!("arn:{partition}:iam::{account}:"));
    if covers_every_continuation(resource, &every_iam_resource, true) {
        return true;
    }
    // `arn:*:*:*:*:*`: every part a wildcard or a partition, the last `*`.
    let a_partition = |part: &str| {
        part.bytes().all(|byte| byte == b'*')
            || PARTITIONS
                .iter()
                .any(|partition| WildMatch::new(part).matches(partition))
    };
    parts
        .last()
        .is_some_and(|last| !last.is_empty() && last.bytes().all(|byte| byte == b'*'))
        && parts.iter().all(|part| a_partition(part))
}

/// The partitions an ARN can name.
const PARTITIONS: [&str; 3] = ["aws", "aws-cn", "aws-us-gov"];

/// Whether `pattern` matches every text that starts with one of `prefixes`:
/// it ends in `*`, and what comes before that `*` matches the start of a
/// prefix (the `*` then takes the rest of the prefix and whatever follows).
/// Sound, not complete: `*:?*` matches every action but is not found.
fn covers_every_continuation(
    pattern: &str,
    prefixes: &[impl AsRef<str>],
    case_sensitive: bool,
) -> bool {
    let Some(head) = pattern.strip_suffix('*') else {
        return false;
    };
    let head = head.trim_end_matches('*');
    let head = if case_sensitive {
        WildMatch::new(head)
    } else {
        WildMatch::new_case_insensitive(head)
    };
    prefixes.iter().any(|prefix| {
        let prefix = prefix.as_ref();
        prefix
            .char_indices()
            .map(|(end, _)| end)
            .chain([prefix.len()])
            .any(|end| head.matches(&prefix[..end]))
    })
}

#[cfg(test)]
mod tests {
    use super::super::testing::drafts;

    const PARAMS: &str = r#"[params]
admin_policy_suffixes = ["/AdministratorAccess"]
admin_roles = ["roles/owner", "Owner"]
role_attributes = ["role", "role_definition_name"]
policy_arn_attributes = ["policy_arn", "managed_policy_arns"]
policy_document_attributes = ["policy", "inline_policy[*].policy"]
"#;

    fn plan(resource_type: &str, after: &str) -> String {
        format!(
            r#"{{"format_version":"1.2","resource_changes":[{{"address":"{resource_type}.x","type":"{resource_type}","name":"x","change":{{"actions":["create"],"before":null,"after":{after}}}}}]}}"#
        )
    }

    #[test]
    fn every_action_but_a_few_is_administrator_access_unless_iam_is_left_out() {
        let statement = |not_action: &str| {
            let document = format!(
                r#"{{"Statement":[{{"Effect":"Allow","NotAction":{not_action},"Resource":"*"}}]}}"#
            );
            super::allows_everything(&serde_json::from_str(&document).unwrap())
        };
        let (action, _) = statement(r#"["aws-portal:*"]"#).expect("admin");
        assert_eq!(action, r#"every action but "aws-portal:*" (NotAction)"#);
        assert!(statement(r#""s3:*""#).is_some());
        // PowerUserAccess leaves IAM out.
        assert!(statement(r#"["iam:*","organizations:*","account:*"]"#).is_none());
        assert!(statement(r#"["IAM:Put*","iam:Attach*","iam:CreatePolicyVersion"]"#).is_none());
        // Every resource but a few is every resource.
        let not_resource = |excluded: &str| {
            let document = format!(
                r#"{{"Statement":[{{"Effect":"Allow","Action":"*","NotResource":{excluded}}}]}}"#
            );
            super::allows_everything(&serde_json::from_str(&document).unwrap())
        };
        let (_, resource) = not_resource(r#""arn:aws:s3:::logs""#).expect("admin");
        assert_eq!(
            resource,
            r#"every resource but "arn:aws:s3:::logs" (NotResource)"#
        );
        assert!(not_resource(r#""*""#).is_none());
    }

    #[test]
    fn an_action_that_writes_policies_on_every_resource_is_administrator_access() {
        let statement = |action: &str, resource: &str| {
            let document = format!(
                r#"{{"Statement":[{{"Effect":"Allow","Action":{action},"Resource":{resource}}}]}}"#
            );
            super::allows_everything(&serde_json::from_str(&document).unwrap())
        };
        // The role attaches AdministratorAccess to itself.
        let (action, _) = statement(
            r#"["iam:PassRole","iam:AttachRolePolicy","s3:GetObject"]"#,
            r#""*""#,
        )
        .expect("admin");
        assert_eq!(action, r#"Action "iam:AttachRolePolicy""#);
        assert!(statement(r#""iam:createpolicyversion""#, r#""*""#).is_some());
        assert!(statement(r#""iam:Put*""#, r#""arn:aws:iam::123456789012:*""#).is_some());
        // Scoped to one role, or actions that write no policy: not admin.
        assert!(
            statement(
                r#""iam:PutRolePolicy""#,
                r#""arn:aws:iam::123456789012:role/app""#
            )
            .is_none()
        );
        assert!(statement(r#"["iam:PassRole","iam:GetRole"]"#, r#""*""#).is_none());
    }

    #[test]
    fn a_grant_written_into_before_alone_is_not_taken_as_already_there() {
        use super::super::testing::update_with_prior;
        let admin = r#"{"policy_arn":"arn:aws:iam::aws:policy/AdministratorAccess","role":"app"}"#;
        let read_only = r#"{"policy_arn":"arn:aws:iam::aws:policy/ReadOnlyAccess","role":"app"}"#;
        let kind = "aws_iam_role_policy_attachment";
        // `before` claims the grant was there; the prior state says not.
        let edited = update_with_prior(kind, admin, admin, read_only);
        assert_eq!(drafts("iam-admin-grant", PARAMS, &edited).len(), 1);
        // There in both: no news.
        let kept = update_with_prior(kind, admin, admin, admin);
        assert!(drafts("iam-admin-grant", PARAMS, &kept).is_empty());
    }

    #[test]
    fn admin_attachment_and_wildcard_policy_fire() {
        let found = drafts(
            "iam-admin-grant",
            PARAMS,
            &plan(
                "aws_iam_role_policy_attachment",
                r#"{"policy_arn":"arn:aws:iam::aws:policy/AdministratorAccess"}"#,
            ),
        );
        assert_eq!(found.len(), 1);
        let policy = r#"{"policy":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"}]}"}"#;
        assert_eq!(
            drafts("iam-admin-grant", PARAMS, &plan("aws_iam_policy", policy)).len(),
            1
        );
        assert_eq!(
            drafts(
                "iam-admin-grant",
                PARAMS,
                &plan("google_project_iam_member", r#"{"role":"roles/owner"}"#)
            )
            .len(),
            1
        );
    }

    #[test]
    fn scoped_policy_is_quiet() {
        let policy = r#"{"policy":"{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"s3:GetObject\"],\"Resource\":\"arn:aws:s3:::b/*\"}]}"}"#;
        assert!(drafts("iam-admin-grant", PARAMS, &plan("aws_iam_policy", policy)).is_empty());
    }

    #[test]
    fn every_spelling_of_administrator_access_fires() {
        let policy = |action: &str, resource: &str| {
            plan(
                "aws_iam_policy",
                &format!(
                    r#"{{"policy":"{{\"Statement\":[{{\"Effect\":\"Allow\",\"Action\":{action},\"Resource\":{resource}}}]}}"}}"#
                ),
            )
        };
        let fires = |action: &str, resource: &str| {
            drafts("iam-admin-grant", PARAMS, &policy(action, resource))
                .first()
                .map(|draft| draft.message.clone())
        };
        for (action, resource) in [
            (r#"\"iam:*\""#, r#"\"*\""#),
            (r#"[\"*\"]"#, r#"[\"arn:*\"]"#),
            (r#"\"*:*\""#, r#"\"arn:aws:*\""#),
            (r#"[\"s3:GetObject\",\"IAM:*\"]"#, r#"\"arn:aws:*:*:*:*\""#),
            // Every IAM resource: a policy granting the rest can be written.
            (r#"\"iam:*\""#, r#"\"arn:aws:iam::123456789012:*\""#),
            (r#"\"*\""#, r#"[\"arn:aws:iam::*:*\"]"#),
            // IAM's own wildcards spell the same grants another way.
            (r#"\"i?m:*\""#, r#"\"*\""#),
            (r#"\"*am:**\""#, r#"\"**\""#),
            (r#"\"I*\""#, r#"\"?*\""#),
            (r#"\"iam:*\""#, r#"\"arn:aws:i?m::*\""#),
            (r#"\"iam:*\""#, r#"\"arn:aws:iam::12345678901?:*\""#),
            (r#"\"iam:*\""#, r#"\"arn:*:*:*:*:**\""#),
            (r#"\"iam:*\""#, r#"\"arn:aws-*:*\""#),
        ] {
            let message = fires(action, resource);
            assert!(
                message
                    .as_deref()
                    .is_some_and(|message| message.contains("a policy statement allowing Action")),
                "{action} on {resource}: {message:?}"
            );
        }
        for (action, resource) in [
            (r#"\"s3:*\""#, r#"\"*\""#),
            (r#"\"iam:*\""#, r#"\"arn:aws:iam::123456789012:role/app\""#),
            (r#"\"*\""#, r#"\"arn:aws:s3:::*\""#),
            (r#"\"iam:*\""#, r#"\"arn:aws:iam::123456789012:role/*\""#),
            (r#"\"s3:*\""#, r#"\"arn:aws:iam::123456789012:*\""#),
            (r#"\"iam:Get*\""#, r#"\"*\""#),
            (r#"\"s?:*\""#, r#"\"*\""#),
            (r#"\"i?m:*\""#, r#"\"arn:aws:s?:::*\""#),
            (r#"\"*\""#, r#"\"arn:aws:iam::123456789012:ro?e/*\""#),
            (
                r#"\"iam:*\""#,
                r#"\"arn:aws:iam:us-east-1:123456789012:*\""#,
            ),
        ] {
            assert_eq!(fires(action, resource), None, "{action} on {resource}");
        }
    }
}
