# data-store-destroyed/fires, BEFORE: the DB already takes a final snapshot on destroy.
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
  username                  = "orders_admin"
  password                  = "fixture-password-not-secret"
  skip_final_snapshot       = false
  final_snapshot_identifier = "bw-dsd-fires-db-final"
  deletion_protection       = false
}
