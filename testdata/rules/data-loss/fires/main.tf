# data-loss/fires, AFTER: the master username change forces replacement of the DB
# (delete,create; with aws provider 5.x an identifier change is an in-place update).
# The new config asks for a final snapshot, but the destroy runs with the PRIOR
# values (skip_final_snapshot = true): no snapshot is taken. The bucket block is
# gone: the bucket (force_destroy = true in state) is deleted with its objects.
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
  identifier                = "bw-dl-fires-db"
  engine                    = "postgres"
  engine_version            = "16.3"
  instance_class            = "db.t3.micro"
  allocated_storage         = 20
  username                  = "orders_owner"
  password                  = "fixture-password-not-secret"
  skip_final_snapshot       = false
  final_snapshot_identifier = "bw-dl-fires-db-final"
  deletion_protection       = false
}
