"""Nightly export of invoices to S3."""
import boto3

s3 = boto3.client(
    "s3",
    region_name="us-east-2",
    aws_access_key_id="AKIAANMN2FOHG6HFPB2K",
    aws_secret_access_key="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",
)

# Bucket owned by the finance account.
BUCKET = "acme-invoices-export"


def sts_client():
    return boto3.client("sts", aws_access_key_id="AKIAIOSFODNN7EXAMPLE",
                        aws_secret_access_key=os.environ["AWS_SECRET_ACCESS_KEY"])
