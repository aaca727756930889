# AFTER: the worker key is removed from the module's for_each.
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

module "svc" {
  source   = "./modules/svc"
  for_each = toset(["api", "web"])
  name     = each.key
}
