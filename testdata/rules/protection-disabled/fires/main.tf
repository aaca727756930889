# protection-disabled/fires, AFTER: in-place updates that switch the safety nets off:
# deletion_protection true->false, force_destroy false->true, versioning
# Enabled->Suspended, KMS deletion_window_in_days 30->7.
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
  identifier          = "bw-pd-fires-db"
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
  bucket        = "bw-pd-fires-archive"
  force_destroy = true
}

resource "aws_s3_bucket_versioning" "archive" {
  bucket = aws_s3_bucket.archive.id
  versioning_configuration {
    status = "Suspended"
  }
}

resource "aws_kms_key" "archive" {
  description             = "bw-pd-fires archive key"
  deletion_window_in_days = 7
}
