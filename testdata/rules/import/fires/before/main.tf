# import/fires, BEFORE: one managed parameter. After the apply the script creates
# /bw-import-fires/feature-flag out of band (boto3 against moto).
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
  name  = "/bw-import-fires/release"
  type  = "String"
  value = "v1"
}
