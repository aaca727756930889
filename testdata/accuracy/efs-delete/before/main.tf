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

resource "aws_efs_file_system" "shared" {
  creation_token = "bwa-efsdel-shared"
  tags = {
    Name = "bwa-efsdel-shared"
  }
}

resource "aws_ssm_parameter" "app_env" {
  name  = "/bwa-efsdel/env"
  type  = "String"
  value = "prod"
}

resource "aws_ssm_parameter" "app_flag" {
  name  = "/bwa-efsdel/flag"
  type  = "String"
  value = "on"
}
