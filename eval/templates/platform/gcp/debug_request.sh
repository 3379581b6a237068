#!/bin/sh
curl -H "Authorization: Bearer {{P:gcp:google_access}}" \
  https://storage.googleapis.com/storage/v1/b/acme-exports/o
