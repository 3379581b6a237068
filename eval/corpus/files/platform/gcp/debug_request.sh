#!/bin/sh
curl -H "Authorization: Bearer ya29.2y0NGRnsMatuAFychZSVYwCMIEWGEWilwSa8m9ErnwkBvoBKwpn3fugIpKXjchvPa5ZIHlIu3asKYFZq3jaFFfYu-DaRIZXH0pHzbcbtXxQWYIVvHrdCTPLV4Pwea68PVw_BrhohJm1cIVPTFBrXNfKH1LsuPHzr" \
  https://storage.googleapis.com/storage/v1/b/acme-exports/o
