#!/bin/sh
curl -H "Authorization: Bearer ya29.xn9MUplXSdQXwqx-cOeOwSUGuJfg5g4vebcIivsqjNBn56gWzjkfrWt1V3mPFsOq-27KiUf80ptke3Pu2JB-xdwbR6DbxFMiXVwZWQTXIRA05L9_Wsl6sYak0u2UiM6j7X7j4xmaS0YR60iQdrsYTEVSJYos4_pU" \
  https://storage.googleapis.com/storage/v1/b/acme-exports/o
