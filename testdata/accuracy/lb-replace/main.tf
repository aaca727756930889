# AFTER: the load balancer becomes internal (forces replacement).
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
  cidr_block = "10.27.0.0/16"
  tags = {
    Name = "bwa-lb"
  }
}

resource "aws_subnet" "a" {
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.27.1.0/24"
  availability_zone = "us-east-1a"
  tags = {
    Name = "bwa-lb-a"
  }
}

resource "aws_subnet" "b" {
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.27.2.0/24"
  availability_zone = "us-east-1b"
  tags = {
    Name = "bwa-lb-b"
  }
}

resource "aws_security_group" "app" {
  name   = "bwa-lb-app"
  vpc_id = aws_vpc.main.id

  ingress {
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["10.0.0.0/8"]
  }
  tags = {
    Name = "bwa-lb-app"
  }
}

resource "aws_lb" "web" {
  name               = "bwa-lb-web"
  internal           = true
  load_balancer_type = "application"
  subnets            = [aws_subnet.a.id, aws_subnet.b.id]
  security_groups    = [aws_security_group.app.id]
}

resource "aws_lb_target_group" "web" {
  name     = "bwa-lb-web"
  port     = 80
  protocol = "HTTP"
  vpc_id   = aws_vpc.main.id
}

resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.web.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.web.arn
  }
}
