# iam-wildcard-admin/quiet, AFTER: the plan creates and attaches a least-privilege
# policy: s3:GetObject on the objects of one bucket.
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

resource "aws_iam_role" "ops" {
  name = "bw-iam-quiet-ops"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = "ec2.amazonaws.com" } }]
  })
}

resource "aws_iam_policy" "read_reports" {
  name = "bw-iam-quiet-read-reports"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "s3:GetObject", Resource = "arn:aws:s3:::bw-iam-quiet-reports/*" }]
  })
}

resource "aws_iam_role_policy_attachment" "read_reports" {
  role       = aws_iam_role.ops.name
  policy_arn = aws_iam_policy.read_reports.arn
}
