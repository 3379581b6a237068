#!/usr/bin/env bash
set -euo pipefail
aws configure set aws_access_key_id {{P:aws:aws_id#21}} --profile bootstrap
aws configure set aws_secret_access_key {{P:aws:aws_secret#21}} --profile bootstrap
aws configure set aws_secret_access_key "$AWS_SECRET_ACCESS_KEY" --profile ci
