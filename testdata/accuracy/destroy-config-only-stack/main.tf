# A stack holding only configuration-valued resources, planned with -destroy.
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

resource "aws_ssm_parameter" "a" {
  name  = "/bwa-dcfg/a"
  type  = "String"
  value = "v1"
}

resource "aws_ssm_parameter" "b" {
  name  = "/bwa-dcfg/b"
  type  = "String"
  value = "v1"
}

resource "aws_ssm_parameter" "c" {
  name  = "/bwa-dcfg/c"
  type  = "String"
  value = "v1"
}

resource "aws_iam_role" "app" {
  name = "bwa-dcfg-app"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = "ec2.amazonaws.com" } }]
  })
}

resource "aws_iam_role_policy" "read_params" {
  name = "read-params"
  role = aws_iam_role.app.id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "ssm:GetParameter", Resource = aws_ssm_parameter.a.arn }]
  })
}

resource "terraform_data" "release" {
  input = "release"
}
