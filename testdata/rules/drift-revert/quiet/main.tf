# drift-revert/quiet, AFTER: the same out-of-band change to owner =
# "someone-in-the-console" (made by the script with boto3), but the config
# adopts it: resource_drift shows it, the change itself is a no-op.
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
  cidr_block = "10.91.0.0/16"
  tags = {
    Name  = "bw-drift-quiet"
    owner = "someone-in-the-console"
  }
}
