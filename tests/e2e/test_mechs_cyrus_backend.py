"""End-to-end: the Cyrus libsasl2 client back end. `probe --backend cyrus` runs native
mechanisms through Cyrus against a real Dovecot (a cross-check of both implementations);
a missing plugin is a clear error naming the Debian package; libsasl2 is loaded only on the
paths that run a Cyrus mechanism.
"""

import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.environ.get("SMTPAUTH_SOURCE_DIR") or os.path.dirname(os.path.dirname(HERE))
BINARY = os.environ.get("SMTPAUTH_BINARY") or os.path.join(SOURCE_DIR, "build", "smtpauth")
sys.path.insert(0, os.path.join(SOURCE_DIR, "tests", "servers"))
from dovecot_server import DovecotServer  # noqa: E402  (path set above)

TIMEOUT = 60
SECRET_ENV = "SMTPAUTH_TEST_SECRET"
# (listener, URL scheme)
LISTENERS = [("submission", "smtp"), ("imap", "imap"), ("pop3", "pop3")]

SERVER = None
INFO = None


def setUpModule():
    global SERVER, INFO
    SERVER = DovecotServer()
    INFO = SERVER.start()


def tearDownModule():
    if SERVER is not None:
        SERVER.cleanup()


def run(args, secret=None, extra_env=None):
    env = dict(os.environ)
    env.pop(SECRET_ENV, None)
    if secret is not None:
        env[SECRET_ENV] = secret
    env.update(extra_env or {})
    return subprocess.run([BINARY, *args], env=env, capture_output=True,
                          stdin=subprocess.DEVNULL, timeout=TIMEOUT, check=False)


def probe_args(listener, scheme, mech, *extra):
    return ["probe", f"{scheme}://{INFO['host']}:{INFO['ports'][listener]}", "--cafile",
            INFO["ca"], "--user", "alice", "--password-env", SECRET_ENV, "--mech", mech,
            "--backend", "cyrus", *extra]


class CyrusBackendTest(unittest.TestCase):
    def probe_json(self, args, secret, expect, extra_env=None):
        p = run([*args, "--json"], secret=secret, extra_env=extra_env)
        self.assertEqual(p.returncode, expect, (p.stdout + p.stderr).decode(errors="replace"))
        return json.loads(p.stdout)

    def test_native_mechanisms_through_cyrus_right_and_wrong(self):
        good = INFO["users"]["alice"]
        for listener, scheme in LISTENERS:
            for mech in ("PLAIN", "CRAM-MD5", "SCRAM-SHA-256"):
                with self.subTest(listener=listener, mech=mech, password="right"):
                    r = self.probe_json(probe_args(listener, scheme, mech), good, 0)
                    self.assertEqual(r["auth"]["mechanism"], mech)
                    self.assertEqual(r["auth"]["result"], "accepted")
                    # Cyrus checked SCRAM's server signature (v=) itself.
                    self.assertEqual(r["auth"]["server_verified"], mech == "SCRAM-SHA-256")
                with self.subTest(listener=listener, mech=mech, password="wrong"):
                    r = self.probe_json(probe_args(listener, scheme, mech), good + "x", 77)
                    self.assertEqual(r["auth"]["result"], "rejected")
                    self.assertEqual(r["error"]["kind"], "auth-rejected")

    def test_the_password_is_not_in_the_output(self):
        good = INFO["users"]["alice"]
        p = run([*probe_args("submission", "smtp", "PLAIN"), "-v"], secret=good)
        self.assertEqual(p.returncode, 0, p.stderr)
        out = (p.stdout + p.stderr).decode(errors="replace")
        self.assertIn("AUTH PLAIN", out)
        self.assertNotIn(good, out)

    def test_missing_plugin_names_the_debian_package(self):
        # SASL_PATH is where Cyrus looks for its plugins: an empty directory has none.
        with tempfile.TemporaryDirectory() as empty:
            p = run(probe_args("submission", "smtp", "PLAIN"), secret="x",
                    extra_env={"SASL_PATH": empty})
        self.assertEqual(p.returncode, 82, p.stderr)
        self.assertIn("PLAIN: needs the Cyrus plugin from libsasl2-modules", p.stderr.decode())

    def test_backend_is_checked(self):
        p = run(probe_args("submission", "smtp", "PLAIN")[:-1] + ["openssl"], secret="x")
        self.assertEqual(p.returncode, 64)
        self.assertIn("--backend", p.stderr.decode())


class LazyLibsasl2Test(unittest.TestCase):
    """libsasl2 is mapped only when a mechanism runs through Cyrus (LD_DEBUG=files)."""

    def trace(self, args, secret=None):
        p = run(args, secret=secret, extra_env={"LD_DEBUG": "files"})
        return p.returncode, p.stderr.decode(errors="replace")

    def test_gen_plain_and_native_probe_do_not_map_libsasl2(self):
        _, trace = self.trace(["gen", "PLAIN", "--user", "u", "--password-env", "HOME"])
        self.assertIn("file=", trace)  # the trace works
        self.assertNotIn("libsasl2", trace)
        rc, trace = self.trace([*probe_args("submission", "smtp", "PLAIN")[:-2]],
                               secret=INFO["users"]["alice"])
        self.assertEqual(rc, 0, trace[-2000:])
        self.assertNotIn("libsasl2", trace)

    def test_backend_cyrus_maps_libsasl2(self):
        rc, trace = self.trace(probe_args("submission", "smtp", "PLAIN"),
                               secret=INFO["users"]["alice"])
        self.assertEqual(rc, 0, trace[-2000:])
        self.assertIn("libsasl2.so.2", trace)


if __name__ == "__main__":
    unittest.main()
