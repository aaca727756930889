# state-not-found/quiet: applied, then the SSM parameter is deleted out of band
# (boto3 against moto), then `terraform plan -refresh-only`: resource_drift holds
# a delete of aws_ssm_parameter.flag, and there are no resource_changes.
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

resource "aws_vpc" "main" {
  cidr_block = "10.53.0.0/16"
  tags       = { Name = "bw-snf-quiet", owner = "platform" }
}

resource "aws_ssm_parameter" "flag" {
  name  = "/bw-snf-quiet/flag"
  type  = "String"
  value = "on"
}
