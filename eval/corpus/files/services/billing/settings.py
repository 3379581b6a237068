import os

SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "billing",
        "USER": "billing",
        "PASSWORD": os.environ.get("DB_PASSWORD", ""),
    }
}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
AUTH_TOKEN_HEADER = "HTTP_X_AUTH_TOKEN"
STRIPE_API_KEY = "sk_test_4eC39HqLyjWDarjtT1zdp7dc"
