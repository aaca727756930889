# refresh-only: applied, then changed out of band (the script retags the VPC
# and the bucket and deletes the SSM parameter through boto3 against moto),
# then planned with
# `terraform plan -refresh-only`: the drift is in resource_drift, and
# resource_changes is absent.
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

resource "aws_vpc" "drifty" {
  cidr_block = "10.50.0.0/16"
  tags       = { Name = "drifty", owner = "platform" }
}

resource "aws_s3_bucket" "drifty" {
  bucket = "blastwall-fixture-drifty"
  tags   = { owner = "platform" }
}

resource "terraform_data" "marker" {
  input = aws_vpc.drifty.id
}

resource "aws_ssm_parameter" "flag" {
  name  = "/drifty/flag"
  type  = "String"
  value = "on"
}
