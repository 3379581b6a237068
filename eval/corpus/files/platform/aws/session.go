package storage

import "github.com/aws/aws-sdk-go/aws/credentials"

var creds = credentials.NewStaticCredentials("AKIANC32TTZ64OW5I6SE", "uwFWZNXPpb5yWYvRLfgfQODZ4krfm+vhe2zwC2rw", "")
