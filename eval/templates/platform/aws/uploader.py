"""Nightly export of invoices to S3."""
import boto3

s3 = boto3.client(
    "s3",
    region_name="us-east-2",
    aws_access_key_id="{{P:aws:aws_id#4}}",
    aws_secret_access_key="{{P:aws:aws_secret#4}}",
)

# Bucket owned by the finance account.
BUCKET = "acme-invoices-export"


def sts_client():
    return boto3.client("sts", aws_access_key_id="{{N:aws:aws_docs_id}}",
                        aws_secret_access_key=os.environ["AWS_SECRET_ACCESS_KEY"])
