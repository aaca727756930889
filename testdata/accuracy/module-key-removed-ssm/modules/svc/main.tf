variable "name" {
  type = string
}

resource "aws_ssm_parameter" "url" {
  name  = "/bwa-modkey/${var.name}/url"
  type  = "String"
  value = "https://${var.name}.internal"
}

resource "aws_ssm_parameter" "replicas" {
  name  = "/bwa-modkey/${var.name}/replicas"
  type  = "String"
  value = "2"
}
