provider "aws" {
  region     = "eu-central-1"
  access_key = "AKIAEHGFXVPTO23BIZGI"
  secret_key = "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"
}

resource "aws_db_instance" "reports" {
  identifier        = "reports"
  engine            = "postgres"
  instance_class    = "db.t3.medium"
  username          = "reports"
  password          = "4c~qq8T2Iz+Og0q"
  allocated_storage = 50
}

variable "datadog_api_key" {
  type      = string
  sensitive = true
}
