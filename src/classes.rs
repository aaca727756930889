//! Which resource types hold data that a destroy loses. A small built-in
//! list for the plan reader's interim policy; the risk rules replace it with
//! class data files.

/// Exact types and type prefixes whose destroy can lose data.
const DATA_BEARING: &[&str] = &[
    // databases and clusters
    "aws_db_instance",
    "aws_rds_cluster",
    "aws_rds_cluster_instance",
    "aws_docdb_cluster",
    "aws_neptune_cluster",
    "aws_redshift_cluster",
    "aws_dynamodb_table",
    "aws_elasticache_replication_group",
    "aws_elasticache_cluster",
    "aws_opensearch_domain",
    "aws_elasticsearch_domain",
    "aws_memorydb_cluster",
    "aws_timestreamwrite_table",
    "aws_keyspaces_table",
    "azurerm_mssql_database",
    "azurerm_mssql_server",
    "azurerm_postgresql_server",
    "azurerm_postgresql_flexible_server",
    "azurerm_mysql_server",
    "azurerm_mysql_flexible_server",
    "azurerm_cosmosdb_account",
    "azurerm_redis_cache",
    "google_sql_database_instance",
    "google_sql_database",
    "google_bigquery_dataset",
    "google_bigquery_table",
    "google_spanner_instance",
    "google_spanner_database",
    "google_bigtable_instance",
    "google_bigtable_table",
    "google_firestore_database",
    "google_redis_instance",
    // buckets, volumes, file systems
    "aws_s3_bucket",
    "aws_ebs_volume",
    "aws_efs_file_system",
    "aws_fsx_",
    "aws_backup_vault",
    "aws_ecr_repository",
    "azurerm_storage_account",
    "azurerm_storage_container",
    "azurerm_storage_share",
    "azurerm_managed_disk",
    "google_storage_bucket",
    "google_compute_disk",
    "google_filestore_instance",
    "kubernetes_persistent_volume",
    "kubernetes_persistent_volume_claim",
    // keys and secrets: destroying them makes encrypted data unreadable
    "aws_kms_key",
    "aws_secretsmanager_secret",
    "azurerm_key_vault",
    "azurerm_key_vault_key",
    "google_kms_crypto_key",
    "google_kms_key_ring",
    "google_secret_manager_secret",
];

pub fn is_data_bearing(resource_type: &str) -> bool {
    DATA_BEARING.iter().any(|entry| {
        if entry.ends_with('_') {
            resource_type.starts_with(entry)
        } else {
            resource_type == *entry
        }
    })
}

/// The class name shown in reports.
pub fn class_of(resource_type: &str) -> &'static str {
    if is_data_bearing(resource_type) {
        "data"
    } else {
        "unclassified"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn databases_and_buckets_are_data_bearing() {
        assert!(is_data_bearing("aws_db_instance"));
        assert!(is_data_bearing("aws_fsx_lustre_file_system"));
        assert!(!is_data_bearing("aws_db_instance_role_association_x"));
        assert!(!is_data_bearing("terraform_data"));
    }
}
