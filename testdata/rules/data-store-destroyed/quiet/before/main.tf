# data-store-destroyed/quiet, BEFORE: deletion protection off, versioning suspended.
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

resource "aws_db_instance" "orders" {
  identifier          = "bw-dsd-quiet-db"
  engine              = "postgres"
  engine_version      = "16.3"
  instance_class      = "db.t3.micro"
  allocated_storage   = 20
  username            = "orders_admin"
  password            = "fixture-password-not-secret"
  skip_final_snapshot = true
  deletion_protection = false
}

resource "aws_s3_bucket" "archive" {
  bucket        = "bw-dsd-quiet-archive"
  force_destroy = false
}

resource "aws_s3_bucket_versioning" "archive" {
  bucket = aws_s3_bucket.archive.id
  versioning_configuration {
    status = "Suspended"
  }
}
