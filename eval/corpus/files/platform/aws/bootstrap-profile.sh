#!/usr/bin/env bash
set -euo pipefail
aws configure set aws_access_key_id AKIAS3FWTFKKW6XIBQKQ --profile bootstrap
aws configure set aws_secret_access_key 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 --profile bootstrap
aws configure set aws_secret_access_key "$AWS_SECRET_ACCESS_KEY" --profile ci
