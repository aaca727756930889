# data-store-destroyed/fires, AFTER: the master username change replaces the DB (delete,create);
# the prior state has skip_final_snapshot = false + final_snapshot_identifier,
# so the destroy keeps a final snapshot.
terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.100"
    }
  }
}

provider "aws" {
  region                      = "us-east-1"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  s3_use_path_style           = true
}

resource "aws_db_instance" "orders" {
  identifier                = "bw-dsd-fires-db"
  engine                    = "postgres"
  engine_version            = "16.3"
  instance_class            = "db.t3.micro"
  allocated_storage         = 20
  username                  = "orders_owner"
  password                  = "fixture-password-not-secret"
  skip_final_snapshot       = false
  final_snapshot_identifier = "bw-dsd-fires-db-final"
  deletion_protection       = false
}
