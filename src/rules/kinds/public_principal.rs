//! `public-principal`: a resource policy that lets anyone in: a statement
//! allowing `Principal "*"` (or `{"AWS": "*"}`) with no condition, on a bucket,
//! queue, topic, key or role trust policy, or a Lambda permission for
//! principal `*` with nothing that names the caller.

use serde::Deserialize;
use serde_json::Value;

use super::{RuleInput, writing};
use crate::rules::policy::{self, strings};
use crate::rules::{Draft, Evidence, payload};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Attributes holding JSON resource policies (paths, `[*]` allowed).
    pub policy_document_attributes: Vec<String>,
    /// Types whose `principal` attribute names who may invoke or use them.
    pub principal_types: Vec<String>,
    /// Attributes of those types that, when set, name the caller (a source
    /// ARN or account): with one, `*` is not anyone.
    pub caller_attributes: Vec<String>,
    /// Settings that open a resource to anyone by themselves (a function
    /// URL without authorization).
    #[serde(default)]
    pub open_settings: Vec<OpenSetting>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpenSetting {
    pub types: Vec<String>,
    /// A top-level attribute.
    pub attribute: String,
    /// The value that opens it.
    pub equals: Value,
    /// What that means.
    pub meaning: String,
}

pub fn check(params: &Params, context: &RuleInput<'_, '_>) -> Vec<Draft> {
    let mut drafts = Vec::new();
    for change in writing(context) {
        let opened_by_setting = params.open_settings.iter().any(|setting| {
            setting
                .types
                .iter()
                .any(|open| *open == *change.resource_type)
        });
        let by_principal = params
            .principal_types
            .iter()
            .any(|principal_type| *principal_type == *change.resource_type);
        let attributes = params.policy_document_attributes.iter().map(String::as_str);
        if !by_principal
            && !opened_by_setting
            && !payload::may_hold(change.change.after, attributes)
        {
            continue;
        }
        let Some(after) = payload::parse(change.change.after) else {
            continue;
        };
        // Open already, in `before` and in the prior state, is no news.
        let before = payload::parse(change.change.before);
        let prior = payload::parse(context.prior_objects.if_edited(change));
        let open_in = |object: &Value, opening: &str| {
            openings(params, &change.resource_type, by_principal, object)
                .iter()
                .any(|(_, existing)| existing == opening)
        };
        let already = |opening: &str| {
            policy::already_there(before.as_ref(), prior.as_ref(), |object| {
                open_in(object, opening)
            })
        };
        for (path, opening) in openings(params, &change.resource_type, by_principal, &after) {
            if already(&opening) {
                continue;
            }
            drafts.push(
                Draft::new(
                    change.address.clone(),
                    format!("{} lets anyone in: {opening}", change.address),
                )
                .with_evidence(Evidence {
                    path,
                    before: None,
                    after: Some(opening),
                }),
            );
        }
    }
    drafts
}

/// (path, what it opens) for every way `object` lets anyone in.
fn openings(
    params: &Params,
    resource_type: &str,
    by_principal: bool,
    object: &Value,
) -> Vec<(String, String)> {
    let mut found = Vec::new();
    for setting in &params.open_settings {
        if setting.types.iter().any(|open| open == resource_type)
            && object.get(&setting.attribute) == Some(&setting.equals)
        {
            found.push((
                setting.attribute.clone(),
                format!(
                    "{} = {}: {}",
                    setting.attribute, setting.equals, setting.meaning
                ),
            ));
        }
    }
    if by_principal
        && object.get("principal").and_then(Value::as_str) == Some("*")
        && !params
            .caller_attributes
            .iter()
            .any(|attribute| is_set(object.get(attribute)))
    {
        found.push((
            "principal".to_owned(),
            "principal \"*\" with no source ARN or account".to_owned(),
        ));
    }
    for (path, document) in policy::documents(object, &params.policy_document_attributes) {
        if let Some(actions) = allows_anyone(&document) {
            found.push((
                path,
                format!(
                    "a policy statement allows Principal \"*\" to {actions}, with no condition"
                ),
            ));
        }
    }
    found
}

fn is_set(value: Option<&Value>) -> bool {
    match value {
        None | Some(Value::Null) => false,
        Some(Value::String(text)) => !text.is_empty(),
        Some(Value::Array(items)) => !items.is_empty(),
        Some(Value::Object(members)) => !members.is_empty(),
        Some(_) => true,
    }
}

/// The actions of the first statement that allows everyone, without a
/// condition that narrows the caller (see [`narrows_the_caller`]).
fn allows_anyone(document: &Value) -> Option<String> {
    policy::statements(document)
        .into_iter()
        .find_map(|statement| {
            let allow = statement
                .get("Effect")
                .and_then(Value::as_str)
                .is_some_and(|effect| effect == "Allow");
            let narrowed = statement.get("Condition").is_some_and(narrows_the_caller);
            // `NotPrincipal` with `Allow` is everyone but those listed.
            let everyone = match (statement.get("Principal"), statement.get("NotPrincipal")) {
                (Some(principal), _) => names_everyone(principal),
                (None, excluded) => excluded.is_some(),
            };
            if !allow || narrowed || !everyone {
                return None;
            }
            let actions: Vec<&str> = statement.get("Action").map(strings).unwrap_or_default();
            Some(match actions.as_slice() {
                [] => "every action but those listed (NotAction)".to_owned(),
                [one] => format!("\"{one}\""),
                [first, rest @ ..] => format!("\"{first}\" and {} more", rest.len()),
            })
        })
}

/// Condition keys that say who may call, or from where: with one (and a
/// value that is not all wildcard), `*` is not anyone.
const NARROWING_KEYS: &[&str] = &[
    "aws:sourcearn",
    "aws:sourceaccount",
    "aws:sourceowner",
    "aws:sourceorgid",
    "aws:sourceorgpaths",
    "aws:principalarn",
    "aws:principalaccount",
    "aws:principalorgid",
    "aws:principalorgpaths",
    "aws:sourcevpc",
    "aws:sourcevpce",
    "aws:sourceip",
    "aws:vpcsourceip",
    "kms:calleraccount",
];

/// Whether a statement's `Condition` narrows who can use it. A condition
/// on anything else (`aws:SecureTransport`, a date) still lets anyone in:
/// an agent adding one to get past this rule gets nowhere. Nor does a test
/// that holds for callers it does not name: a negated operator
/// (`StringNotEquals`: everyone outside the organisation), one that holds
/// when the key is absent (`…IfExists`, `ForAllValues:`, `Null`), a value
/// that is all wildcards, or a source range that is most of the internet.
fn narrows_the_caller(condition: &Value) -> bool {
    let Some(operators) = condition.as_object() else {
        return false;
    };
    operators.iter().any(|(operator, tests)| {
        let operator = operator.to_ascii_lowercase();
        let names_whom_it_lets_in = !operator.contains("not")
            && !operator.ends_with("ifexists")
            && !operator.starts_with("forallvalues:")
            && operator != "null";
        let Some(tests) = tests.as_object().filter(|_| names_whom_it_lets_in) else {
            return false;
        };
        tests.iter().any(|(key, value)| {
            let key = key.to_ascii_lowercase();
            let named = strings(value);
            let internet = matches!(key.as_str(), "aws:sourceip" | "aws:vpcsourceip")
                && super::open_ingress::most_of_the_internet(
                    &named
                        .iter()
                        .map(|text| (*text).to_owned())
                        .collect::<Vec<_>>(),
                )
                .is_some();
            NARROWING_KEYS.contains(&key.as_str())
                && !internet
                && !named.is_empty()
                && named
                    .iter()
                    .all(|text| !text.chars().all(|c| matches!(c, '*' | '?')))
        })
    })
}

/// `"*"`, `{"AWS": "*"}` or `{"AWS": ["*", …]}`: every principal there is.
fn names_everyone(principal: &Value) -> bool {
    let everyone = |value: &Value| match value {
        Value::String(text) => text == "*",
        Value::Array(items) => items.iter().any(|item| item.as_str() == Some("*")),
        _ => false,
    };
    match principal {
        Value::Object(members) => members.get("AWS").is_some_and(everyone),
        other => everyone(other),
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::drafts;

    const PARAMS: &str = r#"[params]
policy_document_attributes = ["policy", "assume_role_policy"]
principal_types = ["aws_lambda_permission"]
caller_attributes = ["source_arn", "source_account", "principal_org_id"]
"#;

    fn plan(resource_type: &str, after: &str) -> String {
        format!(
            r#"{{"format_version":"1.2","resource_changes":[{{"address":"{resource_type}.x","type":"{resource_type}","name":"x","change":{{"actions":["create"],"before":null,"after":{after}}}}}]}}"#
        )
    }

    fn policy(statement: &str) -> String {
        let document = format!(r#"{{"Version":"2012-10-17","Statement":[{statement}]}}"#);
        format!(
            r#"{{"policy":{}}}"#,
            serde_json::to_string(&document).unwrap()
        )
    }

    #[test]
    fn a_policy_that_lets_anyone_in_fires_and_one_for_a_service_does_not() {
        for (statement, fires) in [
            (
                r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"}"#,
                true,
            ),
            (
                r#"{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::1:root","*"]},"Action":["sts:AssumeRole"]}"#,
                true,
            ),
            (
                r#"{"Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"s3:PutObject"}"#,
                false,
            ),
            (
                r#"{"Effect":"Allow","Principal":"*","Action":"sqs:SendMessage","Condition":{"ArnEquals":{"aws:SourceArn":"arn:aws:sns:us-east-1:1:t"}}}"#,
                false,
            ),
            (
                r#"{"Effect":"Deny","Principal":"*","Action":"s3:*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}"#,
                false,
            ),
            // A condition that names no caller, or names every one, does
            // not narrow `*`.
            (
                r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Condition":{"Bool":{"aws:SecureTransport":"true"}}}"#,
                true,
            ),
            (
                r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Condition":{"StringLike":{"aws:PrincipalOrgID":"*"}}}"#,
                true,
            ),
            (
                r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Condition":{"StringEquals":{"aws:PrincipalOrgID":["o-abc123"]}}}"#,
                false,
            ),
            // Tests that hold for callers they do not name, and everyone
            // but one principal.
            (
                r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Condition":{"StringNotEquals":{"aws:PrincipalOrgID":"o-abc123"}}}"#,
                true,
            ),
            (
                r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Condition":{"StringEqualsIfExists":{"aws:SourceAccount":"123456789012"}}}"#,
                true,
            ),
            (
                r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Condition":{"IpAddress":{"aws:SourceIp":["0.0.0.0/1","128.0.0.0/1"]}}}"#,
                true,
            ),
            (
                r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Condition":{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}}"#,
                false,
            ),
            (
                r#"{"Effect":"Allow","NotPrincipal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"s3:GetObject"}"#,
                true,
            ),
        ] {
            let found = drafts(
                "public-principal",
                PARAMS,
                &plan("aws_s3_bucket_policy", &policy(statement)),
            );
            assert_eq!(found.len(), usize::from(fires), "{statement}: {found:?}");
        }
    }

    #[test]
    fn a_function_url_without_authorization_fires_and_one_with_iam_does_not() {
        let params = format!(
            "{PARAMS}{}",
            r#"[[params.open_settings]]
types = ["aws_lambda_function_url"]
attribute = "authorization_type"
equals = "NONE"
meaning = "anyone with the URL can invoke the function"
"#
        );
        let open = drafts(
            "public-principal",
            &params,
            &plan(
                "aws_lambda_function_url",
                r#"{"authorization_type":"NONE"}"#,
            ),
        );
        assert_eq!(open.len(), 1);
        assert!(
            open[0]
                .message
                .contains(r#"authorization_type = "NONE": anyone with the URL"#),
            "{open:?}"
        );
        let iam = drafts(
            "public-principal",
            &params,
            &plan(
                "aws_lambda_function_url",
                r#"{"authorization_type":"AWS_IAM"}"#,
            ),
        );
        assert!(iam.is_empty());
    }

    #[test]
    fn a_lambda_permission_for_anyone_fires_unless_the_caller_is_named() {
        let anyone = r#"{"principal":"*","action":"lambda:InvokeFunction","source_arn":null}"#;
        let found = drafts(
            "public-principal",
            PARAMS,
            &plan("aws_lambda_permission", anyone),
        );
        assert_eq!(found.len(), 1);
        assert!(found[0].message.contains("principal \"*\""), "{found:?}");
        let named = r#"{"principal":"*","action":"lambda:InvokeFunction","source_arn":"arn:aws:execute-api:us-east-1:1:abc/*"}"#;
        assert!(
            drafts(
                "public-principal",
                PARAMS,
                &plan("aws_lambda_permission", named)
            )
            .is_empty()
        );
        let service = r#"{"principal":"s3.amazonaws.com","action":"lambda:InvokeFunction"}"#;
        assert!(
            drafts(
                "public-principal",
                PARAMS,
                &plan("aws_lambda_permission", service)
            )
            .is_empty()
        );
    }
}
