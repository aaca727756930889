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

resource "aws_s3_bucket" "archive" {
  bucket        = "bwa-forget-archive"
  force_destroy = true
}

resource "aws_ssm_parameter" "flag" {
  name  = "/bwa-forget/flag"
  type  = "String"
  value = "on"
}
