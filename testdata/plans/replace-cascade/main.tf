# replace-cascade, AFTER (applied before: before/main.tf). The VPC CIDR
# changes, which forces a replacement of the VPC (delete,create), cascading
# to the subnets, security groups, route table, associations and, through
# module variables, the network interfaces and instances in module.app[*];
# the SSM parameter built from module outputs is updated. aws_iam_role.app
# is renamed and has create_before_destroy: ["create","delete"].
variable "vpc_cidr" {
  type    = string
  default = "10.31.0.0/16"
}

variable "role_generation" {
  type    = string
  default = "v2"
}

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

locals {
  tags  = { project = "blastwall-fixture", scenario = "replace-cascade" }
  tiers = { web = 0, api = 1 }
}

resource "aws_vpc" "main" {
  cidr_block = var.vpc_cidr
  tags       = merge(local.tags, { Name = "main" })
}

resource "aws_internet_gateway" "main" {
  vpc_id = aws_vpc.main.id
  tags   = local.tags
}

resource "aws_subnet" "app" {
  count             = 2
  vpc_id            = aws_vpc.main.id
  cidr_block        = cidrsubnet(aws_vpc.main.cidr_block, 8, count.index)
  availability_zone = ["us-east-1a", "us-east-1b"][count.index]
  tags              = merge(local.tags, { Name = "app-${count.index}" })
}

resource "aws_security_group" "app" {
  name   = "app"
  vpc_id = aws_vpc.main.id
  ingress {
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = [aws_vpc.main.cidr_block]
  }
  tags = local.tags
}

resource "aws_security_group" "admin" {
  name   = "admin"
  vpc_id = aws_vpc.main.id
  tags   = local.tags
}

resource "aws_route_table" "main" {
  vpc_id = aws_vpc.main.id
  route {
    cidr_block = "0.0.0.0/0"
    gateway_id = aws_internet_gateway.main.id
  }
  tags = local.tags
}

resource "aws_route_table_association" "app" {
  count          = 2
  subnet_id      = aws_subnet.app[count.index].id
  route_table_id = aws_route_table.main.id
}

# Independent of the VPC; replaced create-before-destroy when its name changes.
resource "aws_iam_role" "app" {
  name = "app-${var.role_generation}"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = "ec2.amazonaws.com" } }]
  })
  tags = local.tags
  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_iam_instance_profile" "app" {
  name = "app"
  role = aws_iam_role.app.name
}

module "app" {
  source             = "./modules/app"
  for_each           = local.tiers
  name               = each.key
  subnet_id          = aws_subnet.app[each.value].id
  security_group_ids = [aws_security_group.app.id, aws_security_group.admin.id]
  instance_profile   = aws_iam_instance_profile.app.name
  tags               = local.tags
}

resource "aws_ssm_parameter" "inventory" {
  name  = "/app/inventory"
  type  = "String"
  value = jsonencode({ for k, m in module.app : k => { ip = m.private_ip, instance = m.instance_id } })
  tags  = local.tags
}

output "app_ips" {
  value = { for k, m in module.app : k => m.private_ip }
}
