#!/usr/bin/env python3
"""Write the labelled evaluation corpus: eval/corpus/files/** and eval/corpus/labels.json.

    python3 eval/gen_corpus.py            # rewrites eval/corpus/ (deterministic: seeded)

Every file is a template written for this corpus (configs, sources in several languages, CI
files, docs). Tokens are generated to each provider's documented format, with a valid
checksum where the format has one; look-alikes are the values that fool scanners in real code
(placeholders, truncated tokens, failed checksums, hashes, UUIDs, documented example keys).
Nothing here comes from another scanner's rules or test files.

Template markers, replaced by generated values and recorded in the labels with their line:
  {{P:<category>:<generator>}}   a real-shaped secret a scanner should report
  {{N:<category>:<generator>}}   a look-alike a scanner should not report
  {{V:<generator>}}              a neutral value, not labelled (ids, hashes in prose)
The same marker name with a `#n` suffix (`{{P:aws:aws_id#1}}`) reuses one generated value.
"""

import base64
import hashlib
import json
import os
import random
import re
import shutil
import string
import zlib

SEED = 15
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "corpus")
TEMPLATES = os.path.join(HERE, "templates")

B62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
ALNUM = string.ascii_letters + string.digits
B64 = ALNUM + "+/"
B64URL = ALNUM + "-_"
B32 = string.ascii_uppercase + "234567"
HEX = "0123456789abcdef"


class Gen:
    def __init__(self, seed):
        self.r = random.Random(seed)

    def pick(self, alphabet, n):
        return "".join(self.r.choice(alphabet) for _ in range(n))

    # --- checksums ---------------------------------------------------------------------
    @staticmethod
    def b62(n, width):
        out = []
        for _ in range(width):
            out.append(B62[n % 62])
            n //= 62
        return "".join(reversed(out))

    def crc_token(self, prefix, good=True):
        """GitHub / npm: 30 random base62 characters, then base62 CRC-32 of them (6 chars).
        https://github.blog/engineering/platform-security/behind-githubs-new-authentication-token-formats/"""
        body = self.pick(ALNUM, 30)
        crc = zlib.crc32(body.encode()) & 0xFFFFFFFF
        if not good:
            crc = (crc + 1 + self.r.randrange(1000)) & 0xFFFFFFFF
        return prefix + body + self.b62(crc, 6)

    # --- providers ---------------------------------------------------------------------
    def ghp(self):
        return self.crc_token("ghp_")

    def gho(self):
        return self.crc_token("gho_")

    def ghs(self):
        return self.crc_token("ghs_")

    def ghp_badcrc(self):
        return self.crc_token("ghp_", good=False)

    def ghp_truncated(self):
        return self.crc_token("ghp_")[:-9]

    def github_pat(self):
        # https://github.blog/changelog/2022-10-18-introducing-fine-grained-personal-access-tokens/
        return "github_pat_" + self.pick(ALNUM, 22) + "_" + self.pick(ALNUM, 59)

    def npm(self):
        # https://github.blog/changelog/2021-09-23-npm-has-a-new-access-token-format/
        return self.crc_token("npm_")

    def glpat(self):
        # https://docs.gitlab.com/ee/security/tokens/#token-prefixes
        return "glpat-" + self.pick(ALNUM + "_-", 20)

    def slack_bot(self):
        # https://api.slack.com/authentication/token-types
        return "xoxb-%s-%s-%s" % (self.pick(string.digits, 11), self.pick(string.digits, 13), self.pick(ALNUM, 24))

    def slack_webhook(self):
        # https://api.slack.com/messaging/webhooks
        return "https://hooks.slack.com/services/T%s/B%s/%s" % (
            self.pick(string.ascii_uppercase + string.digits, 8),
            self.pick(string.ascii_uppercase + string.digits, 10),
            self.pick(ALNUM, 24),
        )

    def stripe_live(self):
        # https://docs.stripe.com/keys
        return "sk_live_51" + self.pick(ALNUM, 97)

    def stripe_restricted(self):
        return "rk_live_51" + self.pick(ALNUM, 97)

    def stripe_docs_test_key(self):
        # Published in Stripe's API reference as the sample test key: not a secret.
        return "sk_test_4eC39HqLyjWDarjtT1zdp7dc"

    def openai(self):
        # https://platform.openai.com/docs/api-reference/authentication (project keys)
        return "sk-proj-" + self.pick(B64URL, 74) + "T3BlbkFJ" + self.pick(B64URL, 74)

    def openai_lookalike(self):
        # Right prefix, no T3BlbkFJ marker, too short for the legacy 48-character body.
        return "sk-proj-" + self.pick(ALNUM, 30)

    def anthropic(self):
        # https://docs.anthropic.com/en/api/getting-started (sk-ant-api03-…AA)
        return "sk-ant-api03-" + self.pick(B64URL, 93) + "AA"

    def sendgrid(self):
        # https://www.twilio.com/docs/sendgrid/ui/account-and-settings/api-keys
        return "SG." + self.pick(B64URL, 22) + "." + self.pick(B64URL, 43)

    def aws_id(self):
        # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html
        return "AKIA" + self.pick(B32, 16)

    def aws_secret(self):
        return self.pick(B64, 40)

    def aws_docs_id(self):
        return "AKIAIOSFODNN7EXAMPLE"

    def aws_docs_secret(self):
        return "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"

    def gcp_api_key(self):
        # https://cloud.google.com/docs/authentication/api-keys
        return "AIza" + self.pick(ALNUM + "_-", 35)

    def pem_body(self, nbytes):
        raw = bytes([0x30, 0x82, (nbytes >> 8) & 0xFF, nbytes & 0xFF, 0x02, 0x01, 0x00]) + bytes(
            self.r.randrange(256) for _ in range(nbytes - 7)
        )
        b = base64.b64encode(raw).decode()
        return [b[i : i + 64] for i in range(0, len(b), 64)]

    def pem_rsa(self):
        # RFC 7468 textual encoding; PKCS#1 RSAPrivateKey
        return "\n".join(["-----BEGIN RSA PRIVATE KEY-----"] + self.pem_body(1190) + ["-----END RSA PRIVATE KEY-----"])

    def pem_pkcs8(self):
        return "\n".join(["-----BEGIN PRIVATE KEY-----"] + self.pem_body(1216) + ["-----END PRIVATE KEY-----"])

    def pem_ec(self):
        return "\n".join(["-----BEGIN EC PRIVATE KEY-----"] + self.pem_body(121) + ["-----END EC PRIVATE KEY-----"])

    def pem_pkcs8_escaped(self):
        """One JSON string line: newlines escaped as \\n (service-account key files)."""
        return "\\n".join(["-----BEGIN PRIVATE KEY-----"] + self.pem_body(1216) + ["-----END PRIVATE KEY-----"]) + "\\n"

    def pem_public(self):
        return "\n".join(["-----BEGIN PUBLIC KEY-----"] + self.pem_body(294) + ["-----END PUBLIC KEY-----"])

    def jwt(self):
        # RFC 7519
        enc = lambda d: base64.urlsafe_b64encode(json.dumps(d, separators=(",", ":")).encode()).decode().rstrip("=")
        header = enc({"alg": "HS256", "typ": "JWT"})
        payload = enc({"iss": "https://auth.acme-corp.io", "sub": "svc-" + self.pick(HEX, 8), "iat": 1733900000 + self.r.randrange(10**6), "exp": 1765436000})
        return header + "." + payload + "." + self.pick(B64URL, 43)

    def jwt_io_sample(self):
        return "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"

    # --- issue 15 depth: AWS ----------------------------------------------------------------
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-unique-ids
    # AKIA/ASIA/ABIA/ACCA are access key ids (credentials); AIDA, AROA, AGPA, ANPA, ANVA, AIPA,
    # APKA, ASCA name users, roles, groups, policies, instance profiles, public keys and
    # certificates: identifiers that are not secret (IAM policies and CloudTrail logs hold them).
    def aws_key_id(self, prefix):
        return prefix + self.pick(B32, 16)

    def aws_id_asia(self):
        return self.aws_key_id("ASIA")

    def aws_id_abia(self):
        return self.aws_key_id("ABIA")

    def aws_id_acca(self):
        return self.aws_key_id("ACCA")

    def aws_unique_id(self):
        return self.r.choice(["AIDA", "AROA", "AGPA", "ANPA", "ANVA", "AIPA", "APKA", "ASCA"]) + self.pick(B32, 17)

    def aws_session_fwo(self):
        # STS session tokens are base64; older ones begin FwoGZXIvYXdzE, newer IQoJb3JpZ2luX2Vj.
        return "FwoGZXIvYXdzE" + self.pick(B64, 280) + "=="

    def aws_session_iqo(self):
        return "IQoJb3JpZ2luX2Vj" + self.pick(B64, 600) + "="

    def aws_bedrock(self):
        # https://docs.aws.amazon.com/bedrock/latest/userguide/api-keys.html : ABSK + base64 of
        # "BedrockAPIKey-<id>-at-<account>:<secret>"
        raw = "BedrockAPIKey-%s-at-%s:%s" % (self.pick("abcdefghijklmnopqrstuvwxyz0123456789", 4), self.pick(string.digits, 12), self.pick(B64, 40))
        return "ABSK" + base64.b64encode(raw.encode()).decode()

    def mws_token(self):
        # https://developer-docs.amazon.com/sp-api/docs/ (MWS auth token: amzn.mws.<uuid>)
        return "amzn.mws." + self.uuid()

    def aws_secret_placeholder(self):
        return "YOUR_SECRET_ACCESS_KEY"

    # --- issue 15 depth: private keys (RFC 7468 armor, random DER-shaped bodies) ------------
    def pem_of(self, label, nbytes, sep="\n"):
        return sep.join(["-----BEGIN %s-----" % label] + self.pem_body(nbytes) + ["-----END %s-----" % label])

    def pem_dsa(self):
        return self.pem_of("DSA PRIVATE KEY", 443)

    def pem_rsa_2048(self):
        return self.pem_of("RSA PRIVATE KEY", 1190)

    def pem_encrypted(self):
        return self.pem_of("ENCRYPTED PRIVATE KEY", 1298)

    def pem_openssh(self):
        # https://cvsweb.openbsd.org/src/usr.bin/ssh/PROTOCOL.key : "openssh-key-v1\0" magic
        raw = b"openssh-key-v1\x00" + bytes(self.r.randrange(256) for _ in range(380))
        b = base64.b64encode(raw).decode()
        return "\n".join(["-----BEGIN OPENSSH PRIVATE KEY-----"] + [b[i : i + 70] for i in range(0, len(b), 70)] + ["-----END OPENSSH PRIVATE KEY-----"])

    def pgp_private(self):
        # RFC 4880 section 6.2 ASCII armor
        b = base64.b64encode(bytes([0x95, 0x03, 0xC6]) + bytes(self.r.randrange(256) for _ in range(900))).decode()
        return "\n".join(["-----BEGIN PGP PRIVATE KEY BLOCK-----", ""] + [b[i : i + 64] for i in range(0, len(b), 64)] + ["=" + self.pick(B64, 4), "-----END PGP PRIVATE KEY BLOCK-----"])

    def ppk(self, version):
        # PuTTY user key file: https://the.earth.li/~sgtatham/putty/0.78/htmldoc/AppendixC.html
        pub = base64.b64encode(b"\x00\x00\x00\x07ssh-rsa" + bytes(self.r.randrange(256) for _ in range(260))).decode()
        priv = base64.b64encode(bytes(self.r.randrange(256) for _ in range(650))).decode()
        pl = [pub[i : i + 64] for i in range(0, len(pub), 64)]
        vl = [priv[i : i + 64] for i in range(0, len(priv), 64)]
        lines = ["PuTTY-User-Key-File-%d: ssh-rsa" % version, "Encryption: none", "Comment: deploy@build-01", "Public-Lines: %d" % len(pl)] + pl
        if version == 3:
            lines.append("Private-Lines: %d" % len(vl))
        else:
            lines.append("Private-Lines: %d" % len(vl))
        lines += vl + ["Private-MAC: " + self.pick(HEX, 64 if version == 3 else 40)]
        return "\n".join(lines)

    def ppk2(self):
        return self.ppk(2)

    def ppk3(self):
        return self.ppk(3)

    def pem_one_line(self):
        """Armor and body on one line, separated by spaces (pasted into a CI variable)."""
        return self.pem_of("RSA PRIVATE KEY", 1190, sep=" ")

    def pem_b64(self):
        """The whole PEM, base64-encoded (Kubernetes tls.key, kubeconfig client-key-data)."""
        return base64.b64encode((self.pem_of("RSA PRIVATE KEY", 1190) + "\n").encode()).decode()

    def pem_ec_b64(self):
        return base64.b64encode((self.pem_of("EC PRIVATE KEY", 121) + "\n").encode()).decode()

    def pem_java_concat(self):
        """A PKCS#8 key as a Java string concatenation, one base64 line per literal."""
        lines = ["-----BEGIN PRIVATE KEY-----"] + self.pem_body(1216) + ["-----END PRIVATE KEY-----"]
        return "\n".join('"%s\\n" +' % l for l in lines[:-1]) + '\n"%s";' % lines[-1]

    def pem_python_concat(self):
        """An RSA key as Python implicit string concatenation inside parentheses."""
        lines = ["-----BEGIN RSA PRIVATE KEY-----"] + self.pem_body(1190) + ["-----END RSA PRIVATE KEY-----"]
        return "\n".join('"%s\\n"' % l for l in lines)

    def ssh2_private(self):
        """ssh.com / Tectia private key: four-dash armor, Comment header, blob magic 0x3f6ff9eb."""
        raw = bytes([0x3F, 0x6F, 0xF9, 0xEB]) + (700).to_bytes(4, "big") + bytes(self.r.randrange(256) for _ in range(692))
        b = base64.b64encode(raw).decode()
        return "\n".join(
            ["---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----", 'Comment: "rsa-key-20261207"']
            + [b[i : i + 70] for i in range(0, len(b), 70)]
            + ["---- END SSH2 ENCRYPTED PRIVATE KEY ----"]
        )

    def pem_cert(self):
        return self.pem_of("CERTIFICATE", 800)

    def pem_cert_b64(self):
        return base64.b64encode((self.pem_of("CERTIFICATE", 800) + "\n").encode()).decode()

    def pem_truncated(self):
        return "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA...\n-----END RSA PRIVATE KEY-----"

    def pem_doc_placeholder(self):
        return "-----BEGIN PRIVATE KEY-----\n<private key>\n-----END PRIVATE KEY-----"

    def ssh_public(self):
        return "ssh-ed25519 " + base64.b64encode(b"\x00\x00\x00\x0bssh-ed25519\x00\x00\x00\x20" + bytes(self.r.randrange(256) for _ in range(32))).decode() + " deploy@ci"

    def pem_escaped_rsa(self):
        return self.pem_of("RSA PRIVATE KEY", 1190, sep="\\n") + "\\n"

    # --- issue 15 depth: GCP --------------------------------------------------------------
    def gcp_key_id(self):
        return self.pick(HEX, 40)

    def gcp_sa_doc(self, indent):
        doc = {
            "type": "service_account",
            "project_id": "acme-ci-%s" % self.pick("abcdefghijklmnopqrstuvwxyz", 5),
            "private_key_id": self.pick(HEX, 40),
            "private_key": self.pem_of("PRIVATE KEY", 1216) + "\n",
            "client_email": "deployer@acme-ci.iam.gserviceaccount.com",
            "client_id": self.pick(string.digits, 21),
            "token_uri": "https://oauth2.googleapis.com/token",
        }
        return json.dumps(doc, indent=indent)

    def gcp_sa_b64(self):
        """A whole key file, base64-encoded as CI systems want it (GCP_SA_KEY secrets)."""
        return base64.b64encode(self.gcp_sa_doc(2).encode()).decode()

    def gcp_sa_oneline(self):
        return self.gcp_sa_doc(None)

    def gocspx(self):
        # https://developers.google.com/identity/protocols/oauth2 (client secrets GOCSPX-, 28 chars)
        return "GOCSPX-" + self.pick(ALNUM + "-_", 28)

    def google_refresh(self):
        # https://developers.google.com/identity/protocols/oauth2 (refresh tokens begin 1//)
        return "1//0" + self.r.choice("egh") + self.pick(ALNUM + "-_", 98)

    def google_access(self):
        return "ya29." + self.pick(ALNUM + "-_", 160)

    def goog_hmac_id(self):
        # https://cloud.google.com/storage/docs/authentication/hmackeys : GOOG1 + 56 chars (61)
        return "GOOG1E" + self.pick(string.ascii_uppercase + string.digits, 55)

    def goog_hmac_secret(self):
        return self.pick(B64, 40)

    def gcp_client_id(self):
        return self.pick(string.digits, 12) + "-" + self.pick(string.ascii_lowercase + string.digits, 32) + ".apps.googleusercontent.com"

    def aiza_short(self):
        return "AIza" + self.pick(ALNUM + "_-", 33)

    def aiza_long(self):
        return "AIza" + self.pick(ALNUM + "_-", 38)

    # --- issue 15 depth: connection strings -------------------------------------------------
    def db_pw(self):
        return self.pg_password()

    def azure_account_key(self):
        return base64.b64encode(bytes(self.r.randrange(256) for _ in range(64))).decode()

    def azure_sas_key(self):
        return base64.b64encode(bytes(self.r.randrange(256) for _ in range(32))).decode()

    def placeholder_angle_pw(self):
        return "<password>"

    def trivial_pw(self):
        return self.r.choice(["postgres", "test", "password", "secret"])

    # --- generic -----------------------------------------------------------------------
    def password(self):
        """A human-set but strong password: letters, digits and a symbol or two."""
        n = self.r.randrange(14, 22)
        s = list(self.pick(ALNUM, n))
        for _ in range(2):
            s[self.r.randrange(n)] = self.r.choice("!#%^*~-_+")
        s[self.r.randrange(n)] = self.r.choice(string.digits)
        return "".join(s)

    def hex32(self):
        return self.pick(HEX, 32)

    def hex40(self):
        return self.pick(HEX, 40)

    def b62_32(self):
        return self.pick(ALNUM, 32)

    def b64_44(self):
        return base64.b64encode(bytes(self.r.randrange(256) for _ in range(32))).decode()

    def basic_auth(self):
        user = self.r.choice(["deploy", "ci-bot", "svc-reports", "jenkins"])
        return base64.b64encode((user + ":" + self.password()).encode()).decode()

    def pg_password(self):
        return self.password().replace("#", "x").replace("%", "z").replace("^", "y")

    # --- look-alikes and neutral values -------------------------------------------------
    def uuid(self):
        h = self.pick(HEX, 32)
        return "%s-%s-4%s-a%s-%s" % (h[:8], h[8:12], h[13:16], h[17:20], h[20:32])

    def sha256(self):
        return hashlib.sha256(self.pick(ALNUM, 16).encode()).hexdigest()

    def sha1(self):
        return hashlib.sha1(self.pick(ALNUM, 16).encode()).hexdigest()

    def sri(self):
        return "sha512-" + base64.b64encode(hashlib.sha512(self.pick(ALNUM, 16).encode()).digest()).decode()

    def placeholder_pw(self):
        return "${DB_PASSWORD}"

    def placeholder_angle(self):
        return "<your-stripe-secret-key>"

    def placeholder_changeme(self):
        return "changeme"

    def placeholder_x(self):
        return "ghp_" + "x" * 36

    def placeholder_env(self):
        return "$(API_TOKEN)"

    def pem_ec_escaped(self):
        return "\\n".join(["-----BEGIN EC PRIVATE KEY-----"] + self.pem_body(121) + ["-----END EC PRIVATE KEY-----"]) + "\\n"

    def word_value(self):
        return self.r.choice(["Token2022Program", "config.db.password", "AUTH_TOKEN_HEADER", "passwordResetForm", "SessionTokenProvider"])


def render(gen, text, labels, rel):
    values = {}
    result = []
    pos = 0
    line_no = 1
    pat = re.compile(r"\{\{([PNV]):(?:([a-z_]+):)?([a-z0-9_]+)(#\d+)?\}\}")
    for m in pat.finditer(text):
        before = text[pos : m.start()]
        result.append(before)
        line_no += before.count("\n")
        kind, cat, g, tag = m.group(1), m.group(2), m.group(3), m.group(4)
        key = (g, tag) if tag else None
        if key and key in values:
            v = values[key]
        else:
            v = getattr(gen, g)()
            if key:
                values[key] = v
        # Multi-line values keep the template line's indentation.
        line_start = "".join(result).rsplit("\n", 1)[-1]
        indent = re.match(r"[ \t]*", line_start).group(0)
        v_text = v.replace("\n", "\n" + indent) if "\n" in v else v
        result.append(v_text)
        end_line = line_no + v_text.count("\n")
        if kind != "V":
            labels.append({
                "path": rel,
                "line": line_no,
                "end_line": end_line,
                "category": cat,
                "expect": "secret" if kind == "P" else "none",
                "generator": g,
            })
        line_no = end_line
        pos = m.end()
    result.append(text[pos:])
    return "".join(result)


def main():
    import argparse

    ap = argparse.ArgumentParser(description="write the labelled corpus (deterministic)")
    ap.add_argument("--out", default=OUT, help="directory to write (default: eval/corpus)")
    out = ap.parse_args().out
    gen = Gen(SEED)
    # platform/ (issue 15: AWS, GCP, private keys, connection strings) draws from its own
    # generator so the values of the older files stay as they were.
    gen_platform = Gen(SEED * 1000 + 15)
    files_dir = os.path.join(out, "files")
    if os.path.isdir(files_dir):
        shutil.rmtree(files_dir)
    labels = []
    names = []
    for root, _, files in os.walk(TEMPLATES):
        for f in files:
            names.append(os.path.relpath(os.path.join(root, f), TEMPLATES))
    names.sort()
    for rel in names:
        with open(os.path.join(TEMPLATES, rel), encoding="utf-8") as fh:
            text = fh.read()
        # `.tmpl` keeps template files from being taken for real configs by tools.
        out_rel = rel[: -len(".tmpl")] if rel.endswith(".tmpl") else rel
        body = render(gen_platform if rel.startswith("platform" + os.sep) else gen, text, labels, out_rel)
        dest = os.path.join(files_dir, out_rel)
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        with open(dest, "w", encoding="utf-8") as fh:
            fh.write(body)
    doc = {
        "version": 1,
        "seed": SEED,
        "about": "Labels of eval/corpus/files: each entry is one planted value. expect=secret: a "
        "scanner should report it (recall); expect=none: a look-alike it should not report. "
        "Files with no expect=secret entry are negative files. Regenerate with "
        "python3 eval/gen_corpus.py.",
        "files": sorted(n[: -len(".tmpl")] if n.endswith(".tmpl") else n for n in names),
        "labels": labels,
    }
    with open(os.path.join(out, "labels.json"), "w", encoding="utf-8") as fh:
        json.dump(doc, fh, indent=1, sort_keys=True)
        fh.write("\n")
    pos = sum(1 for l in labels if l["expect"] == "secret")
    print("corpus: %d files, %d secrets, %d look-alikes" % (len(names), pos, len(labels) - pos))


if __name__ == "__main__":
    main()
