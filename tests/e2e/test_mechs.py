"""`smtpauth mechs`: every mechanism name known, what gen/probe/decode/check do with it, who
runs it, the Debian package of its Cyrus plugin (installed or not, as Cyrus itself reports
through SASL_PATH) and its security notes; --json follows the project's conventions."""

import json
import os
import subprocess
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.environ.get("SMTPAUTH_SOURCE_DIR") or os.path.dirname(os.path.dirname(HERE))
BINARY = os.environ.get("SMTPAUTH_BINARY") or os.path.join(SOURCE_DIR, "build", "smtpauth")


def run(args, env_extra=None):
    env = dict(os.environ)
    env.update(env_extra or {})
    return subprocess.run([BINARY, *args], env=env, capture_output=True,
                          stdin=subprocess.DEVNULL, timeout=30, check=False)


def mechs_json(test, env_extra=None, *extra):
    p = run(["mechs", "--json", *extra], env_extra)
    test.assertEqual(p.returncode, 0, p.stderr)
    doc = json.loads(p.stdout)
    test.assertEqual(doc["schema_version"], 1)
    return doc, {m["name"]: m for m in doc["mechanisms"]}


class MechsTest(unittest.TestCase):
    def test_json_facts(self):
        doc, by_name = mechs_json(self)
        self.assertTrue(doc["cyrus"]["available"])
        self.assertIn("2.1", doc["cyrus"]["version"])
        d = by_name["DIGEST-MD5"]
        self.assertEqual((d["gen"], d["probe"], d["decode"], d["check"], d["backend"]),
                         (True, True, True, True, "native"))
        self.assertEqual(d["cyrus_plugin"], {"package": "libsasl2-modules", "installed": True})
        self.assertIn("historic (RFC 6331)", d["security"])
        self.assertIn("plaintext-equivalent: needs TLS", by_name["PLAIN"]["security"])
        plus = by_name["SCRAM-SHA-256-PLUS"]
        self.assertFalse(plus["gen"])
        self.assertIn("channel binding (TLS)", plus["security"])
        self.assertEqual(by_name["GSSAPI"]["cyrus_plugin"]["package"],
                         "libsasl2-modules-gssapi-mit")
        self.assertEqual(by_name["GS2-KRB5"]["cyrus_plugin"]["package"],
                         "libsasl2-modules-gssapi-mit")
        self.assertTrue(by_name["NTLM"]["decode"])
        self.assertEqual(by_name["NTLM"]["cyrus_plugin"]["package"], "libsasl2-modules")
        self.assertEqual(by_name["OTP"]["cyrus_plugin"]["package"], "libsasl2-modules-otp")
        # Every entry has the same keys.
        keys = {"name", "description", "gen", "probe", "decode", "check", "backend",
                "cyrus_plugin", "security"}
        for m in doc["mechanisms"]:
            self.assertEqual(set(m), keys, m["name"])

    def test_plugins_follow_sasl_path(self):
        with tempfile.TemporaryDirectory() as empty:
            _, by_name = mechs_json(self, {"SASL_PATH": empty})
        self.assertEqual(by_name["DIGEST-MD5"]["cyrus_plugin"],
                         {"package": "libsasl2-modules", "installed": False})
        self.assertTrue(by_name["DIGEST-MD5"]["probe"])  # native: no plugin needed

    def test_no_cyrus_leaves_installed_unknown(self):
        doc, by_name = mechs_json(self, None, "--no-cyrus")
        self.assertFalse(doc["cyrus"]["available"])
        self.assertIsNone(by_name["PLAIN"]["cyrus_plugin"]["installed"])
        p = run(["mechs", "--no-cyrus"], {"LD_DEBUG": "files"})
        self.assertNotIn("libsasl2", p.stderr.decode(errors="replace"))

    def test_text_table(self):
        p = run(["mechs"])
        self.assertEqual(p.returncode, 0, p.stderr)
        lines = p.stdout.decode().splitlines()
        self.assertTrue(lines[0].startswith("MECHANISM"))
        digest = next(line for line in lines if line.startswith("DIGEST-MD5 "))
        self.assertEqual(digest.split()[1:6], ["yes", "yes", "yes", "yes", "native"])
        self.assertIn("installed: libsasl2-modules", digest)
        self.assertIn("historic (RFC 6331)", digest)
        self.assertTrue(any(line.startswith("Cyrus SASL: ") for line in lines))

    def test_probe_mech_error_names_the_cyrus_package(self):
        p = run(["probe", "127.0.0.1:1", "--mech", "OTP", "--user", "u", "--password-env",
                 "HOME"])
        self.assertEqual(p.returncode, 64)
        self.assertIn("OTP: smtpauth does not run it yet (a Cyrus plugin in libsasl2-modules-otp "
                      "has it); see 'smtpauth mechs'", p.stderr.decode())


if __name__ == "__main__":
    unittest.main()
