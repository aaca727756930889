# BEFORE
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
  identifier          = "bwa-dbprot-db"
  engine              = "postgres"
  engine_version      = "16.3"
  instance_class      = "db.t3.micro"
  allocated_storage   = 20
  username            = "app_admin"
  password            = "fixture-password-not-secret"
  skip_final_snapshot = true
  deletion_protection = true
}

resource "aws_ssm_parameter" "app_env" {
  name  = "/bwa-dbprot/env"
  type  = "String"
  value = "prod"
}

resource "aws_ssm_parameter" "app_flag" {
  name  = "/bwa-dbprot/flag"
  type  = "String"
  value = "on"
}
