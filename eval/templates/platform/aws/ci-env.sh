#!/usr/bin/env bash
# Exported for the integration job; rotate monthly.
export AWS_SECRET={{P:aws:aws_secret#10}}
export AWS_REGION=us-east-1
export AWS_SESSION_TOKEN="{{P:aws:aws_session_iqo}}"
