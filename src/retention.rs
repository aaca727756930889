//! Whether destroying a data-bearing resource loses its data, judged from
//! the values in effect when the destroy runs: `change.before`, the prior
//! state. A plan that sets `skip_final_snapshot = false` in the same plan as
//! the replace takes no snapshot, so the new configuration never counts.

use serde_json::Value;
use serde_json::value::RawValue;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Retention {
    /// The data is gone after apply.
    Lost(String),
    /// The plan provably keeps the data (a final snapshot, a deletion window).
    Kept(String),
    /// The destroy will fail at apply with these prior values.
    DestroyFails(String),
}

pub fn judge(resource_type: &str, before: Option<&RawValue>) -> Retention {
    let Some(before) = before.and_then(|raw| serde_json::from_str::<Value>(raw.get()).ok()) else {
        return Retention::Lost(
            "the plan does not hold the prior values, so nothing shows the data is kept".to_owned(),
        );
    };
    let flag = |name: &str| before.get(name).and_then(Value::as_bool);
    let text = |name: &str| {
        before
            .get(name)
            .and_then(Value::as_str)
            .filter(|value| !value.is_empty())
    };
    match resource_type {
        "aws_db_instance"
        | "aws_rds_cluster"
        | "aws_docdb_cluster"
        | "aws_neptune_cluster"
        | "aws_redshift_cluster" => {
            if flag("deletion_protection") == Some(true) {
                return Retention::DestroyFails(
                    "deletion_protection is on in the prior state: the destroy fails at apply"
                        .to_owned(),
                );
            }
            match (
                flag("skip_final_snapshot"),
                text("final_snapshot_identifier"),
            ) {
                (Some(false), Some(_)) => Retention::Kept(
                    "a final snapshot is taken (skip_final_snapshot = false)".to_owned(),
                ),
                (Some(true), _) => Retention::Lost(
                    "skip_final_snapshot = true: no final snapshot is taken".to_owned(),
                ),
                _ => Retention::Lost(
                    "no final snapshot identifier is set: no final snapshot is taken".to_owned(),
                ),
            }
        }
        "aws_s3_bucket" | "google_storage_bucket" => {
            if flag("force_destroy") == Some(true) {
                Retention::Lost(
                    "force_destroy = true: every object in the bucket is deleted".to_owned(),
                )
            } else {
                Retention::DestroyFails(
                    "force_destroy is off: the delete fails if the bucket holds objects".to_owned(),
                )
            }
        }
        "aws_dynamodb_table" => {
            if flag("deletion_protection_enabled") == Some(true) {
                Retention::DestroyFails(
                    "deletion_protection_enabled is on: the destroy fails at apply".to_owned(),
                )
            } else {
                Retention::Lost("the table and its items are deleted".to_owned())
            }
        }
        "google_sql_database_instance" | "google_bigquery_table" | "google_spanner_database" => {
            if flag("deletion_protection") != Some(false) {
                Retention::DestroyFails(
                    "deletion_protection is on in the prior state: the destroy fails at apply"
                        .to_owned(),
                )
            } else {
                Retention::Lost("deletion_protection = false: the data is deleted".to_owned())
            }
        }
        "aws_kms_key" => {
            let days = before
                .get("deletion_window_in_days")
                .and_then(Value::as_u64)
                .unwrap_or(30);
            Retention::Kept(format!(
                "the key is scheduled for deletion after {days} days and can be restored until then (anything it encrypts is unreadable meanwhile)"
            ))
        }
        "aws_ebs_volume" if flag("final_snapshot") == Some(true) => {
            Retention::Kept("a final snapshot is taken (final_snapshot = true)".to_owned())
        }
        "aws_elasticache_replication_group" | "aws_elasticache_cluster"
            if text("final_snapshot_identifier").is_some() =>
        {
            Retention::Kept("a final snapshot is taken (final_snapshot_identifier)".to_owned())
        }
        _ => Retention::Lost("nothing in the plan keeps its data".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(text: &str) -> Box<RawValue> {
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn rds_without_final_snapshot_loses_data() {
        let before = raw(r#"{"skip_final_snapshot":true,"deletion_protection":false}"#);
        assert!(matches!(
            judge("aws_db_instance", Some(&before)),
            Retention::Lost(_)
        ));
    }

    #[test]
    fn rds_with_final_snapshot_keeps_data_and_protection_fails_the_destroy() {
        let snapshot =
            raw(r#"{"skip_final_snapshot":false,"final_snapshot_identifier":"orders-final"}"#);
        assert!(matches!(
            judge("aws_db_instance", Some(&snapshot)),
            Retention::Kept(_)
        ));
        let protected = raw(r#"{"skip_final_snapshot":true,"deletion_protection":true}"#);
        assert!(matches!(
            judge("aws_db_instance", Some(&protected)),
            Retention::DestroyFails(_)
        ));
    }

    #[test]
    fn bucket_depends_on_force_destroy() {
        assert!(matches!(
            judge("aws_s3_bucket", Some(&raw(r#"{"force_destroy":true}"#))),
            Retention::Lost(_)
        ));
        assert!(matches!(
            judge("aws_s3_bucket", Some(&raw(r#"{"force_destroy":false}"#))),
            Retention::DestroyFails(_)
        ));
    }

    #[test]
    fn missing_prior_values_are_not_proof_of_retention() {
        assert!(matches!(judge("aws_db_instance", None), Retention::Lost(_)));
    }
}
