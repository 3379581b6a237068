GOOGLE_OAUTH_CLIENT_ID = "639238479893-wecpmj4oiblcj7dmhs24p15z5czs1nef.apps.googleusercontent.com"
GOOGLE_CLOUD_PROJECT = "acme-analytics-prod"
GCP_PROJECT_NUMBER = "732019485512"
SERVICE_ACCOUNT = "etl-runner@acme-analytics-prod.iam.gserviceaccount.com"
