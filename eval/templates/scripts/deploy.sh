#!/usr/bin/env bash
set -euo pipefail
export GITHUB_TOKEN={{P:github:ghp}}
export DEPLOY_ENV=production
export NPM_TOKEN={{P:npm:npm}}

mysql -h db.prod.internal -u migrator -p'{{P:generic:password}}' app < migrate.sql
./bin/release --token {{P:generic:b62_32}} --channel stable
curl -sf -H "Authorization: Bearer {{P:generic:b62_32}}" https://deploy.acme-corp.io/api/v1/release
curl -sf -u "ci-bot:{{P:generic:password}}" https://artifacts.acme-corp.io/upload
