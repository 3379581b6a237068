#!/usr/bin/env bash
set -euo pipefail
export GITHUB_TOKEN=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
export DEPLOY_ENV=production
export NPM_TOKEN=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

mysql -h db.prod.internal -u migrator -p'o2DeAP%3+nOXIuHPl1Voh' app < migrate.sql
./bin/release --token tPJDNM8qcLTmadi7Is8bVSvTENewIJSN --channel stable
curl -sf -H "Authorization: Bearer ncpHITqMvhHViU3YFYnbrrBmb0YUcqtF" https://deploy.acme-corp.io/api/v1/release
curl -sf -u "ci-bot:83OSzzIc^h5VxqC^SsW1" https://artifacts.acme-corp.io/upload
