# BEFORE: a zone with 3 records and 6 unrelated SSM parameters.
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

resource "aws_route53_zone" "main" {
  name = "bwa-r53.example.com"
}

resource "aws_route53_record" "www" {
  zone_id = aws_route53_zone.main.zone_id
  name    = "www.bwa-r53.example.com"
  type    = "A"
  ttl     = 60
  records = ["10.26.0.10"]
}

resource "aws_route53_record" "api" {
  zone_id = aws_route53_zone.main.zone_id
  name    = "api.bwa-r53.example.com"
  type    = "A"
  ttl     = 60
  records = ["10.26.0.11"]
}

resource "aws_route53_record" "mail" {
  zone_id = aws_route53_zone.main.zone_id
  name    = "mail.bwa-r53.example.com"
  type    = "A"
  ttl     = 60
  records = ["10.26.0.12"]
}

resource "aws_ssm_parameter" "cfg0" {
  name  = "/bwa-r53/cfg0"
  type  = "String"
  value = "on"
}

resource "aws_ssm_parameter" "cfg1" {
  name  = "/bwa-r53/cfg1"
  type  = "String"
  value = "on"
}

resource "aws_ssm_parameter" "cfg2" {
  name  = "/bwa-r53/cfg2"
  type  = "String"
  value = "on"
}

resource "aws_ssm_parameter" "cfg3" {
  name  = "/bwa-r53/cfg3"
  type  = "String"
  value = "on"
}

resource "aws_ssm_parameter" "cfg4" {
  name  = "/bwa-r53/cfg4"
  type  = "String"
  value = "on"
}

resource "aws_ssm_parameter" "cfg5" {
  name  = "/bwa-r53/cfg5"
  type  = "String"
  value = "on"
}
