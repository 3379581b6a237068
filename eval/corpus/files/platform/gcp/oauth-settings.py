GOOGLE_OAUTH_CLIENT_ID = "525073021165-0ury4eftaqx5obtyyuf97le2ew4pgixb.apps.googleusercontent.com"
GOOGLE_CLOUD_PROJECT = "acme-analytics-prod"
GCP_PROJECT_NUMBER = "732019485512"
SERVICE_ACCOUNT = "etl-runner@acme-analytics-prod.iam.gserviceaccount.com"
