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

resource "aws_ssm_parameter" "endpoint" {
  name  = "/bwa-ssmval/endpoint"
  type  = "String"
  value = "https://api-v1.internal"
}

resource "aws_ssm_parameter" "flag" {
  name  = "/bwa-ssmval/flag"
  type  = "String"
  value = "on"
}
