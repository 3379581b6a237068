provider "aws" {
  region     = "us-west-2"
  access_key = "AKIA6DZ4HLSAUYRDKVCD"
  secret_key = "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"
}

resource "aws_iam_role_policy" "reader" {
  name = "reader"
  role = aws_iam_role.reader.id
}
