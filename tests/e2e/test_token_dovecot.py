"""End-to-end: `smtpauth token` -> `smtpauth probe/send --oauth-store` -> a real Dovecot that
validates the token through the authorization server's introspection endpoint (RFC 7662),
for SMTP submission, IMAP and POP3; a revoked token is refused (exit 77).
"""

import glob
import json
import os
import tempfile
import unittest

from clitest import run
from tokentest import OAuthServer, endpoint_args
from dovecot_server import DovecotServer  # tests/servers is on the path (tokentest)

IDP = None
DOVECOT = None
INFO = None


def setUpModule():
    global IDP, DOVECOT, INFO
    IDP = OAuthServer().start()
    try:
        DOVECOT = DovecotServer(introspection_url=IDP.introspection_url)
        INFO = DOVECOT.start()
    except BaseException:
        IDP.stop()
        raise


def tearDownModule():
    if DOVECOT is not None:
        DOVECOT.cleanup()
    if IDP is not None:
        IDP.stop()


TARGETS = [("submission", "smtp"), ("imap", "imap"), ("pop3", "pop3")]


class TestProbeWithOAuthStore(unittest.TestCase):
    def setUp(self):
        IDP.reset()
        self.tmp = tempfile.TemporaryDirectory(prefix="smtpauth-token-dovecot-")
        self.store = os.path.join(self.tmp.name, "alice.json")
        IDP.set(device_script=["approve"])
        p = run(["token", *endpoint_args(IDP), "--flow", "device", "--scope", "mail",
                 "--store", self.store], timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)

    def tearDown(self):
        self.tmp.cleanup()

    def probe(self, listener, scheme, mech):
        url = f"{scheme}://{INFO['host']}:{INFO['ports'][listener]}"
        return run(["probe", url, "--cafile", INFO["ca"], "--user", "alice", "--oauth-store",
                    self.store, "--mech", mech, "--json"], timeout=60)

    def test_dovecot_accepts_the_token(self):
        for listener, scheme in TARGETS:
            for mech in ("XOAUTH2", "OAUTHBEARER"):
                with self.subTest(listener=listener, mech=mech):
                    p = self.probe(listener, scheme, mech)
                    self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
                    doc = json.loads(p.stdout)
                    self.assertEqual(doc["auth"]["result"], "accepted")
        # Dovecot asked the authorization server each time.
        self.assertGreaterEqual(IDP.stats()["introspect"], 6)

    def test_revoked_token_is_refused(self):
        IDP.revoke_all()
        for listener, scheme in TARGETS:
            with self.subTest(listener=listener):
                p = self.probe(listener, scheme, "XOAUTH2")
                self.assertEqual(p.returncode, 77, p.stdout + p.stderr)

    def test_expiring_token_is_refreshed_before_the_probe(self):
        with open(self.store, encoding="utf-8") as f:
            saved = json.load(f)
        saved["expires_at"] = 0  # as if it had expired
        with open(self.store, "w", encoding="utf-8") as f:
            json.dump(saved, f)
        p = self.probe("imap", "imap", "OAUTHBEARER")
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertEqual(IDP.token_requests("refresh_token"), 1)
        with open(self.store, encoding="utf-8") as f:
            self.assertNotEqual(json.load(f)["access_token"], saved["access_token"])

    def test_send_with_the_stored_token(self):
        spool = INFO["smtp_spool"]
        before = set(glob.glob(os.path.join(spool, "*.json")))
        url = f"smtp://{INFO['host']}:{INFO['ports']['submission']}"
        p = run(["send", url, "--cafile", INFO["ca"], "--user", "alice", "--oauth-store",
                 self.store, "--mech", "XOAUTH2", "--from", "alice@example.com",
                 "--to", "bob@example.org", "--json"], timeout=60)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        doc = json.loads(p.stdout)
        self.assertEqual(doc["auth"]["result"], "accepted")
        self.assertTrue(doc["send"]["delivered"])
        new = set(glob.glob(os.path.join(spool, "*.json"))) - before
        self.assertEqual(len(new), 1)
        with open(new.pop(), encoding="utf-8") as f:
            rec = json.load(f)
        self.assertEqual(rec["mail_from"], "alice@example.com")
        self.assertEqual(rec["rcpt_tos"], ["bob@example.org"])
        # The access token is in neither output nor the delivered message.
        with open(self.store, encoding="utf-8") as f:
            token = json.load(f)["access_token"].encode()
        self.assertNotIn(token, p.stdout + p.stderr)
        self.assertNotIn(token, json.dumps(rec).encode())


if __name__ == "__main__":
    unittest.main()
