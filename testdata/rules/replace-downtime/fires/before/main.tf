# replace-downtime/fires, BEFORE: a target group on port 80.
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
  cidr_block = "10.60.0.0/16"
}

resource "aws_lb_target_group" "web" {
  name     = "bw-rd-fires-web"
  port     = 80
  protocol = "HTTP"
  vpc_id   = aws_vpc.main.id
}
