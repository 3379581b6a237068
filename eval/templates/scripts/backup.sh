#!/usr/bin/env bash
set -euo pipefail
# Credentials come from the environment (set by the CI secret store).
: "${PGPASSWORD:?set PGPASSWORD}"
pg_dump -h "$DB_HOST" -U backup --password="$PGPASSWORD" app > /backups/app.sql
aws s3 cp /backups/app.sql "s3://acme-backups/$(date +%F)/" --sse
./bin/notify --token "$SLACK_TOKEN" --message "backup done"
curl -sf -H "Authorization: Bearer ${DEPLOY_TOKEN}" https://deploy.acme-corp.io/api/v1/ping
sha256sum /backups/app.sql  # {{N:generic:sha256}}
