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
    commit = "{{N:generic:sha1}}"
  }
}
