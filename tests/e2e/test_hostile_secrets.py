"""Secrets (issue 4 item 7): the password never appears in stdout, stderr, JSON or the -v
transcript without --show-secrets (PLAIN and LOGIN: not its base64 form either); a password
given as an argument to probe draws a warning on stderr; core dumps are disabled while the
probe holds a secret (checked on the live process through /proc/PID)."""

import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.environ.get("SMTPAUTH_SOURCE_DIR", os.path.join(HERE, "..", "..")),
                                "tests", "servers"))

import unittest  # noqa: E402

from scripted_server import (PASSWORD, SECRET_ENV, USER, ProbeCase, binary,  # noqa: E402
                             good_context, pki, secret_forms)
from scripted_server import ImapScript, Pop3Script, SmtpScript  # noqa: E402


def caps(*mechs):
    return [b"hostile.test", b"AUTH " + b" ".join(m.encode() for m in mechs)]


def login_auth(s, line):
    s.send(b"334 VXNlcm5hbWU6\r\n")
    s.readline()
    s.send(b"334 UGFzc3dvcmQ6\r\n")
    s.readline()
    s.send(b"235 2.7.0 ok\r\n")


class Redaction(ProbeCase):
    def test_never_printed_without_show_secrets(self):
        ctx = good_context()
        for mech in ("PLAIN", "LOGIN", "CRAM-MD5"):
            for outcome in ("accepted", "rejected"):
                for mode in ((), ("-v",), ("--json",), ("--json", "-v")):
                    with self.subTest(mech=mech, outcome=outcome, mode=mode):
                        def auth(s, line, mech=mech, outcome=outcome):
                            if mech == "LOGIN":
                                s.send(b"334 VXNlcm5hbWU6\r\n")
                                s.readline()
                                s.send(b"334 UGFzc3dvcmQ6\r\n")
                                s.readline()
                            elif mech == "CRAM-MD5":
                                s.send(b"334 PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+\r\n")
                                s.readline()
                            s.send(b"235 2.7.0 ok\r\n" if outcome == "accepted"
                                   else b"535 5.7.8 bad credentials\r\n")
                        server = self.serve(SmtpScript(ctx, caps_tls=caps(mech), auth=auth))
                        r = self.probe(server, f"smtp://127.0.0.1:{server.port}", json_out=False,
                                       extra=["--mech", mech, *mode])
                        self.assertEqual(r.status, 0 if outcome == "accepted" else 77, r.text())
                        self.assert_no_secret_in_output(r)
                        # the premise: the secret did go over the (TLS) wire
                        if mech != "CRAM-MD5":
                            self.assertTrue(any(f in server.all_received()
                                                for f in secret_forms()))

    def test_show_secrets_shows_them(self):
        """Premise of the redaction test: with --show-secrets the same run does show it."""
        ctx = good_context()
        server = self.serve(SmtpScript(ctx, caps_tls=caps("LOGIN"), auth=login_auth))
        r = self.probe(server, f"smtp://127.0.0.1:{server.port}", json_out=False,
                       extra=["--mech", "LOGIN", "-v", "--show-secrets"])
        self.assertEqual(r.status, 0, r.text())
        self.assertTrue(any(f in r.stdout + r.stderr for f in secret_forms()), r.text())


class PasswordArgument(ProbeCase):
    def test_password_argument_warns(self):
        ctx = good_context()
        server = self.serve(SmtpScript(ctx, caps_tls=caps("PLAIN")))
        args = [binary(), "probe", f"smtp://127.0.0.1:{server.port}", "--cafile", pki()["ca"],
                "--user", USER, "--password", PASSWORD, "--json"]
        proc = subprocess.run(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, timeout=60, check=False)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertRegex(proc.stderr.decode(), r"(?i)warning.*password")
        for form in secret_forms():
            self.assertNotIn(form, proc.stdout + proc.stderr)

    def test_environment_source_does_not_warn(self):
        ctx = good_context()
        server = self.serve(SmtpScript(ctx, caps_tls=caps("PLAIN")))
        r = self.probe(server, f"smtp://127.0.0.1:{server.port}")
        self.assertEqual(r.status, 0, r.text())
        self.assertNotRegex(r.stderr.decode(), r"(?i)warning")


class CoreDumps(ProbeCase):
    def test_core_dumps_disabled_while_the_secret_is_held(self):
        """The probe stalls in AUTH (the server never answers); meanwhile /proc/PID/limits
        shows a core file size limit of 0."""
        ctx = good_context()
        in_auth = []

        def auth(s, line):
            in_auth.append(True)
            s.wait_close(30)
        server = self.serve(SmtpScript(ctx, caps_tls=caps("PLAIN"), auth=auth))
        env = dict(os.environ, **{SECRET_ENV: PASSWORD})
        args = [binary(), "probe", f"smtp://127.0.0.1:{server.port}", "--cafile", pki()["ca"],
                "--user", USER, "--password-env", SECRET_ENV, "--timeout", "20"]
        proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, env=env)
        try:
            end = time.monotonic() + 20
            while not in_auth and time.monotonic() < end and proc.poll() is None:
                time.sleep(0.05)
            self.assertTrue(in_auth, "the probe never reached AUTH")
            with open(f"/proc/{proc.pid}/limits") as f:
                limits = f.read()
            core = [l for l in limits.splitlines() if l.startswith("Max core file size")]
            self.assertEqual(len(core), 1, limits)
            # "Max core file size  <soft>  <hard>  bytes": the soft limit decides
            self.assertEqual(core[0].split()[4], "0", core[0])
        finally:
            proc.kill()
            proc.wait(10)


if __name__ == "__main__":
    unittest.main()
