# AFTER
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

resource "aws_db_instance" "main" {
  identifier                = "bwa-dbresize-db"
  engine                    = "postgres"
  engine_version            = "16.3"
  instance_class            = "db.t3.micro"
  allocated_storage         = 30
  username                  = "app_admin"
  password                  = "fixture-password-not-secret"
  skip_final_snapshot       = false
  final_snapshot_identifier = "bwa-dbresize-final"
  deletion_protection       = false
}

resource "aws_ssm_parameter" "app_env" {
  name  = "/bwa-dbresize/env"
  type  = "String"
  value = "prod"
}

resource "aws_ssm_parameter" "app_flag" {
  name  = "/bwa-dbresize/flag"
  type  = "String"
  value = "on"
}
