# AFTER: new resources added next to the VPC.
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
  cidr_block = "10.34.0.0/16"
  tags = {
    Name = "bwa-add"
  }
}

resource "aws_ssm_parameter" "endpoint" {
  name  = "/bwa-add/endpoint"
  type  = "String"
  value = "v1"
}

resource "aws_sqs_queue" "jobs" {
  name = "bwa-add-jobs"
}

resource "aws_s3_bucket" "assets" {
  bucket = "bwa-add-assets"
}

resource "aws_subnet" "a" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.34.1.0/24"
}
