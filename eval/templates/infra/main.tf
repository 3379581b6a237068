provider "aws" {
  region     = "eu-central-1"
  access_key = "{{P:aws:aws_id#2}}"
  secret_key = "{{P:aws:aws_secret#2}}"
}

resource "aws_db_instance" "reports" {
  identifier        = "reports"
  engine            = "postgres"
  instance_class    = "db.t3.medium"
  username          = "reports"
  password          = "{{P:generic:password}}"
  allocated_storage = 50
}

variable "datadog_api_key" {
  type      = string
  sensitive = true
}
