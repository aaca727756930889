# drift-revert/fires: applied as is; then the script sets the VPC tag
# owner = "someone-in-the-console" out of band (boto3 against moto) and plans
# this unchanged config: the plan reverts the tag to "platform"
# (resource_drift shows the out-of-band change).
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
  cidr_block = "10.90.0.0/16"
  tags = {
    Name  = "bw-drift-fires"
    owner = "platform"
  }
}
