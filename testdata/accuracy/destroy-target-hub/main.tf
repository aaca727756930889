# A network stack; the plan destroys the VPC hub with -destroy -target.
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
  cidr_block = "10.21.0.0/16"
  tags = {
    Name = "bwa-dhub"
  }
}

resource "aws_subnet" "a" {
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.21.1.0/24"
  availability_zone = "us-east-1a"
  tags = {
    Name = "bwa-dhub-a"
  }
}

resource "aws_subnet" "b" {
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.21.2.0/24"
  availability_zone = "us-east-1b"
  tags = {
    Name = "bwa-dhub-b"
  }
}

resource "aws_security_group" "app" {
  name   = "bwa-dhub-app"
  vpc_id = aws_vpc.main.id

  ingress {
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["10.0.0.0/8"]
  }
  tags = {
    Name = "bwa-dhub-app"
  }
}

resource "aws_instance" "web" {
  ami                    = "ami-12c6146b"
  instance_type          = "t3.micro"
  subnet_id              = aws_subnet.a.id
  vpc_security_group_ids = [aws_security_group.app.id]
  tags = {
    Name = "bwa-dhub-web"
  }
}

resource "aws_instance" "api" {
  ami                    = "ami-12c6146b"
  instance_type          = "t3.micro"
  subnet_id              = aws_subnet.b.id
  vpc_security_group_ids = [aws_security_group.app.id]
  tags = {
    Name = "bwa-dhub-api"
  }
}

resource "aws_ssm_parameter" "flag" {
  name  = "/bwa-dhub/flag"
  type  = "String"
  value = "on"
}

resource "aws_s3_bucket" "logs" {
  bucket = "bwa-dhub-logs"
}
