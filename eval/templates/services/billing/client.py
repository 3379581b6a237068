import os
import requests

STRIPE_KEY = "{{P:stripe:stripe_restricted}}"
api_secret = "{{P:generic:password}}"


class LedgerClient:
    def __init__(self):
        self.session = requests.Session()
        self.session.headers["Authorization"] = "Basic {{P:generic:basic_auth}}"
        self.webhook = "{{P:slack:slack_webhook}}"

    def charge(self, amount):
        return self.session.post("https://ledger.acme-corp.io/charge", json={"amount": amount})
