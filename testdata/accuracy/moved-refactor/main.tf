# AFTER: renamed, count -> for_each, moved into a module, all with moved blocks.
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

resource "aws_ssm_parameter" "api_endpoint" {
  name  = "/bwa-moved/endpoint"
  type  = "String"
  value = "https://api.internal"
}

moved {
  from = aws_ssm_parameter.endpoint
  to   = aws_ssm_parameter.api_endpoint
}

resource "terraform_data" "worker" {
  for_each = toset(["a", "b"])
  input    = "worker-${each.key}"
}

moved {
  from = terraform_data.worker[0]
  to   = terraform_data.worker["a"]
}

moved {
  from = terraform_data.worker[1]
  to   = terraform_data.worker["b"]
}
