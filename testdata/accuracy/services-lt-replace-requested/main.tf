# 3 services, each with a role, an inline role policy, an instance profile and a launch template; -replace of the api launch template.
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

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }
}

resource "aws_vpc" "main" {
  cidr_block = "10.25.0.0/16"
  tags = {
    Name = "bwa-svclt"
  }
}

resource "aws_security_group" "shared" {
  name   = "bwa-svclt-shared"
  vpc_id = aws_vpc.main.id
}

locals {
  services = {
    api    = "logs:PutLogEvents"
    web    = "s3:GetObject"
    worker = "sqs:ReceiveMessage"
  }
}

resource "aws_iam_role" "svc" {
  for_each           = local.services
  name               = "bwa-svclt-${each.key}"
  assume_role_policy = data.aws_iam_policy_document.assume.json
}

resource "aws_iam_role_policy" "svc" {
  for_each = local.services
  name     = "${each.key}-inline"
  role     = aws_iam_role.svc[each.key].id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = [each.value], Resource = "*" }]
  })
}

resource "aws_iam_instance_profile" "svc" {
  for_each = local.services
  name     = "bwa-svclt-${each.key}"
  role     = aws_iam_role.svc[each.key].name
}

resource "aws_launch_template" "svc" {
  for_each               = local.services
  name                   = "bwa-svclt-${each.key}"
  image_id               = "ami-12c6146b"
  instance_type          = "t3.micro"
  vpc_security_group_ids = [aws_security_group.shared.id]
  iam_instance_profile {
    arn = aws_iam_instance_profile.svc[each.key].arn
  }
}
