# world-open-admin-port/quiet, AFTER: created by the plan: a security group with an
# inline ingress on 443 from 0.0.0.0/0, standalone ingress rules on 443 from ::/0
# and on 22 (SSH) from 10.0.0.0/8 only.
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
  cidr_block                       = "10.71.0.0/16"
  assign_generated_ipv6_cidr_block = true
}

resource "aws_security_group" "web" {
  name        = "bw-woap-quiet-web"
  description = "web"
  vpc_id      = aws_vpc.main.id
  ingress {
    description = "https from anywhere"
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_vpc_security_group_ingress_rule" "https_v6" {
  security_group_id = aws_security_group.web.id
  description       = "https from anywhere (IPv6)"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv6         = "::/0"
}

resource "aws_vpc_security_group_ingress_rule" "ssh_internal" {
  security_group_id = aws_security_group.web.id
  description       = "ssh from the private network"
  ip_protocol       = "tcp"
  from_port         = 22
  to_port           = 22
  cidr_ipv4         = "10.0.0.0/8"
}
