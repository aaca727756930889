# A stack; the plan destroys only one leaf SSM parameter with -destroy -target.
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
  cidr_block = "10.20.0.0/16"
  tags = {
    Name = "bwa-dleaf"
  }
}

resource "aws_subnet" "a" {
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.20.1.0/24"
  availability_zone = "us-east-1a"
  tags = {
    Name = "bwa-dleaf-a"
  }
}

resource "aws_security_group" "app" {
  name   = "bwa-dleaf-app"
  vpc_id = aws_vpc.main.id

  ingress {
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["10.0.0.0/8"]
  }
  tags = {
    Name = "bwa-dleaf-app"
  }
}

resource "aws_ssm_parameter" "endpoint" {
  name  = "/bwa-dleaf/endpoint"
  type  = "String"
  value = "v1"
}

resource "aws_ssm_parameter" "flag" {
  name  = "/bwa-dleaf/flag"
  type  = "String"
  value = "on"
}

resource "aws_iam_role" "app" {
  name = "bwa-dleaf-app"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = "ec2.amazonaws.com" } }]
  })
}
