# AFTER: the bucket leaves Terraform with removed { destroy = false }.
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

removed {
  from = aws_s3_bucket.archive

  lifecycle {
    destroy = false
  }
}

resource "aws_ssm_parameter" "flag" {
  name  = "/bwa-forget/flag"
  type  = "String"
  value = "on"
}
