GOOGLE_OAUTH_CLIENT_ID = "{{N:gcp:gcp_client_id}}"
GOOGLE_CLOUD_PROJECT = "acme-analytics-prod"
GCP_PROJECT_NUMBER = "732019485512"
SERVICE_ACCOUNT = "etl-runner@acme-analytics-prod.iam.gserviceaccount.com"
