# shared-dependency-replaced/quiet, BEFORE: the same shape.
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

resource "aws_vpc" "shared" {
  cidr_block = "10.42.0.0/16"
  tags = {
    Name = "bw-sdr-quiet"
  }
}

resource "aws_subnet" "app" {
  count             = 3
  vpc_id            = aws_vpc.shared.id
  cidr_block        = cidrsubnet(aws_vpc.shared.cidr_block, 8, count.index)
  availability_zone = ["us-east-1a", "us-east-1b", "us-east-1c"][count.index]
  tags = {
    Name = "bw-sdr-quiet-${count.index}"
  }
}

resource "aws_security_group" "app" {
  name        = "bw-sdr-quiet-app"
  description = "app traffic"
  vpc_id      = aws_vpc.shared.id
  ingress {
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = [aws_vpc.shared.cidr_block]
  }
}

resource "aws_network_interface" "app" {
  subnet_id       = aws_subnet.app[0].id
  security_groups = [aws_security_group.app.id]
  tags = {
    Name = "bw-sdr-quiet-eni"
  }
}
