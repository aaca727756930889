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

resource "aws_s3_bucket" "data" {
  bucket        = "bwa-s3rep-data"
  force_destroy = true
}

resource "aws_ssm_parameter" "bucket_name" {
  name  = "/bwa-s3rep/bucket"
  type  = "String"
  value = aws_s3_bucket.data.bucket
}
