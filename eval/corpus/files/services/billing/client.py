import os
import requests

STRIPE_KEY = "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"
api_secret = "yAjc!10+rA0313RURTmv"


class LedgerClient:
    def __init__(self):
        self.session = requests.Session()
        self.session.headers["Authorization"] = "Basic amVua2luczp4JVBKWlc2UVU5MFR1TW03ekxfWWQ="
        self.webhook = "https://hooks.slack.com/services/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"

    def charge(self, amount):
        return self.session.post("https://ledger.acme-corp.io/charge", json={"amount": amount})
