# One app tier: an instance in a subnet behind security groups that the
# caller passes in, with its own network interface.
variable "name" {
  type = string
}

variable "subnet_id" {
  type = string
}

variable "security_group_ids" {
  type = list(string)
}

variable "instance_profile" {
  type = string
}

variable "tags" {
  type = map(string)
}

resource "aws_network_interface" "this" {
  subnet_id       = var.subnet_id
  security_groups = var.security_group_ids
  tags            = merge(var.tags, { Name = "${var.name}-eni" })
}

resource "aws_instance" "this" {
  ami                  = "ami-1e749f67"
  instance_type        = "t3.micro"
  iam_instance_profile = var.instance_profile
  network_interface {
    network_interface_id = aws_network_interface.this.id
    device_index         = 0
  }
  tags = merge(var.tags, { Name = var.name })
}

output "private_ip" {
  value = aws_network_interface.this.private_ip
}

output "instance_id" {
  value = aws_instance.this.id
}
