# AFTER: the data store is gone from the configuration.
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

resource "aws_ssm_parameter" "app_env" {
  name  = "/bwa-secnorec/env"
  type  = "String"
  value = "prod"
}

resource "aws_ssm_parameter" "app_flag" {
  name  = "/bwa-secnorec/flag"
  type  = "String"
  value = "on"
}
