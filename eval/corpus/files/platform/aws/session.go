package storage

import "github.com/aws/aws-sdk-go/aws/credentials"

var creds = credentials.NewStaticCredentials("AKIARTASKTA2VDJK4VBA", "MZbLKOZZQVLiw+NqqDSAHwLwfn2m7CkY9BnvlRno", "")
