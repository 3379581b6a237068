provider "aws" {
  region     = "us-west-2"
  access_key = "AKIALFD2P2RPFNBUSWNV"
  secret_key = "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"
}

resource "aws_iam_role_policy" "reader" {
  name = "reader"
  role = aws_iam_role.reader.id
}
