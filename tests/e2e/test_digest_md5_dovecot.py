"""End-to-end: DIGEST-MD5 (RFC 2831) against a real Dovecot over SMTP submission, IMAP and
POP3: the native client and the Cyrus back end (`--backend cyrus`), right password 0 (rspauth
checked), wrong password 77; `decode --check-password` on an exchange made by `gen`.
"""

import base64
import json
import os
import subprocess
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.environ.get("SMTPAUTH_SOURCE_DIR") or os.path.dirname(os.path.dirname(HERE))
BINARY = os.environ.get("SMTPAUTH_BINARY") or os.path.join(SOURCE_DIR, "build", "smtpauth")
sys.path.insert(0, os.path.join(SOURCE_DIR, "tests", "servers"))
from dovecot_server import DovecotServer  # noqa: E402  (path set above)

TIMEOUT = 60
SECRET_ENV = "SMTPAUTH_TEST_SECRET"
LISTENERS = [("submission", "smtp"), ("imap", "imap"), ("pop3", "pop3")]
SERVER = None
INFO = None


def setUpModule():
    global SERVER, INFO
    SERVER = DovecotServer(digest_md5=True)
    INFO = SERVER.start()


def tearDownModule():
    if SERVER is not None:
        SERVER.cleanup()


def run(args, secret=None, stdin=None):
    env = dict(os.environ)
    env.pop(SECRET_ENV, None)
    if secret is not None:
        env[SECRET_ENV] = secret
    return subprocess.run([BINARY, *args], env=env, capture_output=True, input=stdin,
                          stdin=None if stdin is not None else subprocess.DEVNULL,
                          timeout=TIMEOUT, check=False)


class DigestMd5DovecotTest(unittest.TestCase):
    def probe(self, listener, scheme, secret, expect, *extra):
        p = run(["probe", f"{scheme}://{INFO['host']}:{INFO['ports'][listener]}", "--cafile",
                 INFO["ca"], "--user", "alice", "--password-env", SECRET_ENV, "--mech",
                 "DIGEST-MD5", "--json", *extra], secret=secret)
        self.assertEqual(p.returncode, expect, (p.stdout + p.stderr).decode(errors="replace"))
        return json.loads(p.stdout)

    def test_right_and_wrong_password_native_and_cyrus(self):
        good = INFO["users"]["alice"]
        for listener, scheme in LISTENERS:
            for backend in ("native", "cyrus"):
                with self.subTest(listener=listener, backend=backend, password="right"):
                    r = self.probe(listener, scheme, good, 0, "--backend", backend)
                    self.assertEqual(r["auth"]["result"], "accepted")
                    self.assertEqual(r["auth"]["mechanism"], "DIGEST-MD5")
                    self.assertTrue(r["auth"]["server_verified"])  # rspauth checked
                    # challenge, response, rspauth acknowledgement: 3 client lines waited.
                    self.assertEqual(r["auth"]["round_trips"], 3)
                with self.subTest(listener=listener, backend=backend, password="wrong"):
                    r = self.probe(listener, scheme, good + "x", 77, "--backend", backend)
                    self.assertEqual(r["auth"]["result"], "rejected")
                    self.assertFalse(r["auth"]["server_verified"])

    def test_offered_list_names_it(self):
        r = self.probe("submission", "smtp", INFO["users"]["alice"], 0)
        self.assertIn("DIGEST-MD5", r["mechanisms"]["offered"])

    def test_non_ascii_credentials_native_agrees_with_cyrus(self):
        # RFC 2831 §2.1.2.1 hashes user name and password in ISO 8859-1 when they fit it under
        # charset=utf-8; Cyrus does, and so does smtpauth. Dovecot 2.3 hashes the UTF-8 bytes,
        # so it refuses both clients for "jörg": the outcomes must be the same.
        results = set()
        for backend in ("native", "cyrus"):
            p = run(["probe", f"smtp://{INFO['host']}:{INFO['ports']['submission']}",
                     "--cafile", INFO["ca"], "--user", "jörg", "--password-env", SECRET_ENV,
                     "--mech", "DIGEST-MD5", "--backend", backend, "-q"],
                    secret=INFO["users"]["jörg"])
            results.add(p.returncode)
        self.assertEqual(results, {77})


class DigestMd5GenDecodeTest(unittest.TestCase):
    CHALLENGE = ('realm="elwood.innosoft.com",nonce="OA6MG9tEQGm2hh",qop="auth",'
                 'algorithm=md5-sess,charset=utf-8')

    def gen(self, *extra):
        return run(["gen", "DIGEST-MD5", "chris", "--password-env", SECRET_ENV, "--challenge",
                    base64.b64encode(self.CHALLENGE.encode()).decode(), "--client-nonce",
                    "OA6MHXh6VqTrRk", "--host", "elwood.innosoft.com", *extra], secret="secret")

    def test_gen_reproduces_the_rfc_2831_example(self):
        p = self.gen("--line", "imap")
        self.assertEqual(p.returncode, 0, p.stderr)
        text = p.stdout.decode()
        self.assertIn(base64.b64encode(
            b'charset=utf-8,username="chris",realm="elwood.innosoft.com",'
            b'nonce="OA6MG9tEQGm2hh",cnonce="OA6MHXh6VqTrRk",nc=00000001,qop=auth,'
            b'digest-uri="imap/elwood.innosoft.com",'
            b'response=d388dad90d4bbd760a152321f2143af7').decode(), text)

    def test_decode_explains_and_checks(self):
        response = self.gen("--line", "imap").stdout.decode().split()[-1]
        transcript = (f"S: + {base64.b64encode(self.CHALLENGE.encode()).decode()}\n"
                      f"C: {response}\n"
                      f"S: + {base64.b64encode(b'rspauth=ea40f60335c427b5527b84dbabcdfffd').decode()}\n"
                      "C: \nS: a1 OK done\n")
        p = run(["decode", "--json", "-"], stdin=transcript.encode())
        self.assertEqual(p.returncode, 0, p.stderr)
        out = p.stdout.decode()
        self.assertNotIn("d388dad90d4bbd760a152321f2143af7", out)  # response masked
        for word in ("OA6MG9tEQGm2hh", "md5-sess", "imap/elwood.innosoft.com", "RFC 6331"):
            self.assertIn(word, out)
        ok = run(["decode", "--check-password-env", SECRET_ENV, "-"], secret="secret",
                 stdin=transcript.encode())
        self.assertEqual(ok.returncode, 0, ok.stdout + ok.stderr)
        bad = run(["decode", "--check-password-env", SECRET_ENV, "-"], secret="Secret",
                  stdin=transcript.encode())
        self.assertEqual(bad.returncode, 1, bad.stdout + bad.stderr)


if __name__ == "__main__":
    unittest.main()
