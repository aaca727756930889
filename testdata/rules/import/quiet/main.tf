# import/quiet, AFTER: nothing imported; release v1->v2 (update), flag no-op.
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
  name  = "/bw-import-quiet/release"
  type  = "String"
  value = "v2"
}

resource "aws_ssm_parameter" "flag" {
  name  = "/bw-import-quiet/feature-flag"
  type  = "String"
  value = "on"
}
