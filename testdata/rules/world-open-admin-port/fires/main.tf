# world-open-admin-port/fires, AFTER: created by the plan: a security group with an
# inline ingress on 22 (SSH) from 0.0.0.0/0, a standalone ingress rule on 3389
# (RDP) from ::/0 and one on 5432 (Postgres) from 0.0.0.0/0.
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
  cidr_block                       = "10.70.0.0/16"
  assign_generated_ipv6_cidr_block = true
}

resource "aws_security_group" "bastion" {
  name        = "bw-woap-fires-bastion"
  description = "bastion"
  vpc_id      = aws_vpc.main.id
  ingress {
    description = "ssh from anywhere"
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_vpc_security_group_ingress_rule" "rdp_v6" {
  security_group_id = aws_security_group.bastion.id
  description       = "rdp from anywhere (IPv6)"
  ip_protocol       = "tcp"
  from_port         = 3389
  to_port           = 3389
  cidr_ipv6         = "::/0"
}

resource "aws_vpc_security_group_ingress_rule" "postgres" {
  security_group_id = aws_security_group.bastion.id
  description       = "postgres from anywhere"
  ip_protocol       = "tcp"
  from_port         = 5432
  to_port           = 5432
  cidr_ipv4         = "0.0.0.0/0"
}
