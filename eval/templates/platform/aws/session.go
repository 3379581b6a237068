package storage

import "github.com/aws/aws-sdk-go/aws/credentials"

var creds = credentials.NewStaticCredentials("{{P:aws:aws_id#14}}", "{{P:aws:aws_secret#14}}", "")
