variable "db_password" {
  description = "Master password for the reports database"
  type        = string
  sensitive   = true
}

resource "aws_db_instance" "staging" {
  identifier = "staging"
  username   = "staging"
  password   = var.db_password
  tags = {
    commit = "81f0954c5c939ccd6638816f07e49dda3f19f4c0"
  }
}
