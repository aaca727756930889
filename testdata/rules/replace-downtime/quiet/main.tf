# replace-downtime/quiet, AFTER: the same forcing change with create_before_destroy:
# the new one is created first (create,delete); name_prefix avoids a name clash.
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
  cidr_block = "10.61.0.0/16"
}

resource "aws_lb_target_group" "web" {
  name_prefix = "bwrdq-"
  port        = 8080
  protocol    = "HTTP"
  vpc_id      = aws_vpc.main.id
  lifecycle {
    create_before_destroy = true
  }
}
