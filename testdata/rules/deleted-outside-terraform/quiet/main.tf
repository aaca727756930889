# deleted-outside-terraform/quiet: applied, then the VPC is retagged out of band
# (boto3 against moto), then `terraform plan -refresh-only`: resource_drift holds
# only an update of aws_vpc.main (tags), and there are no resource_changes.
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
  cidr_block = "10.52.0.0/16"
  tags       = { Name = "bw-dot-quiet", owner = "platform" }
}

resource "aws_ssm_parameter" "flag" {
  name  = "/bw-dot-quiet/flag"
  type  = "String"
  value = "on"
}
