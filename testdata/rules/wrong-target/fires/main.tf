# wrong-target/fires, AFTER: a small AWS plan in account 123456789012 (moto),
# region us-east-1: the parameter is updated, a bucket is created. The same
# plan is copied to ../quiet/: the rule's test decides by its allow-list.
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

resource "aws_ssm_parameter" "release" {
  name  = "/bw-wrong-target/release"
  type  = "String"
  value = "v2"
}

resource "aws_s3_bucket" "artifacts" {
  bucket = "bw-wrong-target-artifacts"
}
