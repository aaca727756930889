# import/fires, AFTER: an import block adopts the out-of-band parameter into
# aws_ssm_parameter.flag (change.importing.id); release v1->v2 (update).
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

resource "aws_ssm_parameter" "release" {
  name  = "/bw-import-fires/release"
  type  = "String"
  value = "v2"
}

import {
  to = aws_ssm_parameter.flag
  id = "/bw-import-fires/feature-flag"
}

resource "aws_ssm_parameter" "flag" {
  name  = "/bw-import-fires/feature-flag"
  type  = "String"
  value = "on"
}
