provider "aws" {
  region     = "us-west-2"
  access_key = "{{P:aws:aws_id#9}}"
  secret_key = "{{P:aws:aws_secret#9}}"
}

resource "aws_iam_role_policy" "reader" {
  name = "reader"
  role = aws_iam_role.reader.id
}
