# wrong-target/fires, BEFORE: an SSM parameter (account 123456789012 = moto, us-east-1).
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
  value = "v1"
}
