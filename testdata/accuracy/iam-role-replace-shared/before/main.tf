# BEFORE: one role shared by 3 services' instance profiles.
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

resource "aws_iam_role" "app" {
  name = "bwa-rolehub-app"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = "ec2.amazonaws.com" } }]
  })
}

resource "aws_iam_role_policy" "logs" {
  name = "logs"
  role = aws_iam_role.app.id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = ["logs:PutLogEvents"], Resource = "*" }]
  })
}

resource "aws_iam_role_policy" "params" {
  name = "params"
  role = aws_iam_role.app.id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = ["ssm:GetParameter"], Resource = "arn:aws:ssm:us-east-1:123456789012:parameter/bwa-rolehub/*" }]
  })
}

resource "aws_iam_instance_profile" "api" {
  name = "bwa-rolehub-api"
  role = aws_iam_role.app.name
}

resource "aws_launch_template" "api" {
  name          = "bwa-rolehub-api"
  image_id      = "ami-12c6146b"
  instance_type = "t3.micro"
  iam_instance_profile {
    arn = aws_iam_instance_profile.api.arn
  }
}

resource "aws_iam_instance_profile" "web" {
  name = "bwa-rolehub-web"
  role = aws_iam_role.app.name
}

resource "aws_launch_template" "web" {
  name          = "bwa-rolehub-web"
  image_id      = "ami-12c6146b"
  instance_type = "t3.micro"
  iam_instance_profile {
    arn = aws_iam_instance_profile.web.arn
  }
}

resource "aws_iam_instance_profile" "worker" {
  name = "bwa-rolehub-worker"
  role = aws_iam_role.app.name
}

resource "aws_launch_template" "worker" {
  name          = "bwa-rolehub-worker"
  image_id      = "ami-12c6146b"
  instance_type = "t3.micro"
  iam_instance_profile {
    arn = aws_iam_instance_profile.worker.arn
  }
}

resource "aws_ssm_parameter" "cfg0" {
  name  = "/bwa-rolehub/cfg0"
  type  = "String"
  value = "on"
}

resource "aws_ssm_parameter" "cfg1" {
  name  = "/bwa-rolehub/cfg1"
  type  = "String"
  value = "on"
}

resource "aws_ssm_parameter" "cfg2" {
  name  = "/bwa-rolehub/cfg2"
  type  = "String"
  value = "on"
}

resource "aws_ssm_parameter" "cfg3" {
  name  = "/bwa-rolehub/cfg3"
  type  = "String"
  value = "on"
}

resource "aws_ssm_parameter" "cfg4" {
  name  = "/bwa-rolehub/cfg4"
  type  = "String"
  value = "on"
}

resource "aws_ssm_parameter" "cfg5" {
  name  = "/bwa-rolehub/cfg5"
  type  = "String"
  value = "on"
}

resource "aws_ssm_parameter" "cfg6" {
  name  = "/bwa-rolehub/cfg6"
  type  = "String"
  value = "on"
}

resource "aws_ssm_parameter" "cfg7" {
  name  = "/bwa-rolehub/cfg7"
  type  = "String"
  value = "on"
}

resource "aws_ssm_parameter" "cfg8" {
  name  = "/bwa-rolehub/cfg8"
  type  = "String"
  value = "on"
}

resource "aws_ssm_parameter" "cfg9" {
  name  = "/bwa-rolehub/cfg9"
  type  = "String"
  value = "on"
}
