# AFTER: count -> for_each, no moved blocks: the 3 parameters are deleted and recreated under new keys.
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

variable "names" {
  default = ["alpha", "bravo", "charlie"]
}

resource "aws_ssm_parameter" "svc" {
  for_each = toset(var.names)
  name     = "/bwa-ssmfe/${each.key}"
  type     = "String"
  value    = "on"
}

resource "terraform_data" "cfg_00" {
  input = "cfg_00"
}

resource "terraform_data" "cfg_01" {
  input = "cfg_01"
}

resource "terraform_data" "cfg_02" {
  input = "cfg_02"
}

resource "terraform_data" "cfg_03" {
  input = "cfg_03"
}

resource "terraform_data" "cfg_04" {
  input = "cfg_04"
}

resource "terraform_data" "cfg_05" {
  input = "cfg_05"
}

resource "terraform_data" "cfg_06" {
  input = "cfg_06"
}

resource "terraform_data" "cfg_07" {
  input = "cfg_07"
}

resource "terraform_data" "cfg_08" {
  input = "cfg_08"
}

resource "terraform_data" "cfg_09" {
  input = "cfg_09"
}

resource "terraform_data" "cfg_10" {
  input = "cfg_10"
}

resource "terraform_data" "cfg_11" {
  input = "cfg_11"
}

resource "terraform_data" "cfg_12" {
  input = "cfg_12"
}
