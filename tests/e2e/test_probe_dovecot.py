"""End-to-end: `smtpauth probe` against a real Dovecot 2.3 (IMAP, POP3, submission; STARTTLS
RFC 3207/2595 and implicit TLS RFC 8314; SASL RFC 4422 with PLAIN, LOGIN, CRAM-MD5,
SCRAM-SHA-1/256, XOAUTH2, OAUTHBEARER) started by tests/servers/dovecot_server.py.

Dovecot is the independent judge: it checks our client messages with its own SASL code.
One Dovecot serves the whole module; every probe runs as a subprocess with a timeout and
gets its secret through the environment (--password-env/--token-env) unless the test is
about another source.
"""

import base64
import json
import os
import smtplib
import socket
import ssl
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.environ.get("SMTPAUTH_SOURCE_DIR") or os.path.dirname(os.path.dirname(HERE))
BINARY = os.environ.get("SMTPAUTH_BINARY") or os.path.join(SOURCE_DIR, "build", "smtpauth")
sys.path.insert(0, os.path.join(SOURCE_DIR, "tests", "servers"))
from dovecot_server import DovecotServer  # noqa: E402  (path set above)

PROBE_TIMEOUT = 60
SECRET_ENV = "SMTPAUTH_TEST_SECRET"
PASSWORD_MECHS = ["PLAIN", "LOGIN", "CRAM-MD5", "SCRAM-SHA-1", "SCRAM-SHA-256"]
TOKEN_MECHS = ["XOAUTH2", "OAUTHBEARER"]
ALL_MECHS = PASSWORD_MECHS + TOKEN_MECHS

# (listener, URL scheme, protocol, tls_mode)
TRANSPORTS = [
    ("imap", "imap", "imap", "starttls"),
    ("imaps", "imaps", "imap", "implicit"),
    ("pop3", "pop3", "pop3", "starttls"),
    ("pop3s", "pop3s", "pop3", "implicit"),
    ("submission", "smtp", "smtp", "starttls"),
    ("submissions", "smtps", "smtp", "implicit"),
]
STARTTLS_TRANSPORTS = [t for t in TRANSPORTS if t[3] == "starttls"]

SERVER = None
INFO = None


def setUpModule():
    global SERVER, INFO
    SERVER = DovecotServer()
    INFO = SERVER.start()


def tearDownModule():
    if SERVER is not None:
        SERVER.cleanup()


def url(listener, host=None):
    scheme = {t[0]: t[1] for t in TRANSPORTS}[listener]
    host = host or INFO["host"]
    if ":" in host:
        host = f"[{host}]"
    return f"{scheme}://{host}:{INFO['ports'][listener]}"


def password(user="alice"):
    return INFO["users"][user]


def run(args, secret=None, stdin_text=None, timeout=PROBE_TIMEOUT):
    """Runs `smtpauth probe ARGS`; the secret only ever travels in the environment."""
    env = dict(os.environ)
    env.pop(SECRET_ENV, None)
    if secret is not None:
        env[SECRET_ENV] = secret
    return subprocess.run([BINARY, "probe", *args], env=env, capture_output=True,
                          input=stdin_text.encode("utf-8") if stdin_text is not None else None,
                          stdin=None if stdin_text is not None else subprocess.DEVNULL,
                          timeout=timeout, check=False)


def text(proc):
    return (proc.stdout + proc.stderr).decode("utf-8", "replace")


def probe_json(test, args, secret=None, expect=0, **kw):
    proc = run(["--json", *args], secret=secret, **kw)
    out = proc.stdout.decode("utf-8", "replace")
    test.assertEqual(proc.returncode, expect,
                     f"args={args}\nstdout={out}\nstderr={proc.stderr.decode(errors='replace')}")
    try:
        report = json.loads(out)
    except ValueError as e:
        test.fail(f"stdout is not one JSON object ({e}): {out!r}")
    test.assertEqual(report["schema_version"], 2)
    return report


def with_password(listener, mech=None, user="alice", host=None, extra=()):
    args = [url(listener, host), "--cafile", INFO["ca"], "--user", user,
            "--password-env", SECRET_ENV, *extra]
    if mech:
        args += ["--mech", mech]
    return args


def with_token(listener, mech=None, extra=()):
    args = [url(listener), "--cafile", INFO["ca"], "--user", "alice",
            "--token-env", SECRET_ENV, *extra]
    if mech:
        args += ["--mech", mech]
    return args


def client_lines(report):
    return [e["text"] for e in report.get("transcript") or [] if e["dir"] == "C"]


def sent_auth(report):
    """True if a client line of the -v transcript started an authentication (SMTP/POP3
    `AUTH ...`, IMAP `tag AUTHENTICATE ...` or `tag LOGIN ...`)."""
    for line in client_lines(report):
        words = line.upper().split()
        if words[:1] == ["AUTH"] or words[1:2] in (["AUTHENTICATE"], ["LOGIN"]):
            return True
    return False


class HarnessTest(unittest.TestCase):
    """The premise of the TLS tests, checked without smtpauth: a password is refused before
    TLS (the client, 127.0.0.1, is not the server's own address) and accepted after it."""

    def test_dovecot_refuses_password_before_tls(self):
        ctx = ssl.create_default_context(cafile=INFO["ca"])
        plain = base64.b64encode(b"\0alice\0" + password().encode()).decode()
        with smtplib.SMTP(INFO["host"], INFO["ports"]["submission"], timeout=10) as s:
            s.ehlo()
            self.assertNotIn("PLAIN", s.esmtp_features.get("auth", "").split())
            code, _ = s.docmd("AUTH", "PLAIN " + plain)
            self.assertEqual(code, 523)  # 5.7.10 Plaintext authentication disabled
            s.starttls(context=ctx)
            s.ehlo()
            self.assertIn("PLAIN", s.esmtp_features["auth"].split())
            code, _ = s.docmd("AUTH", "PLAIN " + plain)
            self.assertEqual(code, 235)

    def test_certificate_fixtures_fail_for_the_intended_reason(self):
        # Python's own TLS client (OpenSSL underneath, but not our code) sees exactly one
        # problem per listener address.
        cases = [(INFO["host"], None), (INFO["wrong_name_host"], "mismatch"),
                 (INFO["expired_host"], "expired"), (INFO["unknown_ca_host"], "issuer")]
        for host, reason in cases:
            with self.subTest(host=host):
                ctx = ssl.create_default_context(cafile=INFO["ca"])
                try:
                    with socket.create_connection((host, INFO["ports"]["imaps"]), 10) as raw:
                        with ctx.wrap_socket(raw, server_hostname=host):
                            pass
                    error = None
                except ssl.SSLCertVerificationError as e:
                    error = e.verify_message.lower()
                if reason is None:
                    self.assertIsNone(error)
                else:
                    self.assertIsNotNone(error)
                    self.assertIn(reason, error)


class TransportTest(unittest.TestCase):
    def test_every_transport_accepts_plain(self):
        for listener, _scheme, protocol, tls_mode in TRANSPORTS:
            with self.subTest(listener=listener):
                r = probe_json(self, with_password(listener, "PLAIN"), secret=password())
                self.assertEqual(r["target"]["protocol"], protocol)
                self.assertEqual(r["target"]["tls_mode"], tls_mode)
                self.assertEqual(r["target"]["port"], INFO["ports"][listener])
                self.assertEqual(r["address"], INFO["host"])
                self.assertIsNone(r["error"])
                self.assertTrue(r["tls"]["verified"])
                self.assertIsNone(r["tls"]["verify_error"])
                self.assertRegex(r["tls"]["version"], r"^TLSv1\.[23]$")
                self.assertEqual(r["auth"]["mechanism"], "PLAIN")
                self.assertEqual(r["auth"]["result"], "accepted")
                self.assertIn("Logged in", r["auth"]["server_reply"])  # Dovecot's own words
                self.assertIn("smtpauth test Dovecot ready", r["greeting"])
                self.assertEqual(sorted(r["mechanisms"]["offered"]), sorted(ALL_MECHS))
                caps = r["capabilities"]
                self.assertTrue(caps["after_tls"])
                if tls_mode == "starttls":
                    self.assertTrue(caps["before_tls"])
                else:
                    self.assertIsNone(caps["before_tls"])
                for key in ("connect", "tls", "greeting", "auth", "total"):
                    self.assertGreaterEqual(r["timings_ms"][key], 0)
                self.assertGreater(r["timings_ms"]["total"], 0)

    def test_starttls_capabilities_before_and_after(self):
        r = probe_json(self, [url("imap"), "--cafile", INFO["ca"]])
        before = " ".join(r["capabilities"]["before_tls"]).upper()
        after = " ".join(r["capabilities"]["after_tls"]).upper()
        self.assertIn("STARTTLS", before)
        self.assertIn("LOGINDISABLED", before)
        self.assertNotIn("STARTTLS", after)
        self.assertIn("AUTH=PLAIN", after)
        r = probe_json(self, [url("pop3"), "--cafile", INFO["ca"]])
        self.assertIn("STLS", " ".join(r["capabilities"]["before_tls"]).upper())

    def test_ipv6_loopback(self):
        if not INFO["host6"]:
            self.fail("::1 unavailable: the IPv6 tests need a loopback IPv6 address")
        for listener in ("imaps", "submission", "pop3"):
            with self.subTest(listener=listener):
                r = probe_json(self, with_password(listener, "SCRAM-SHA-256", host="::1",
                                                   extra=["-6"]), secret=password())
                self.assertEqual(r["address"], "::1")
                self.assertEqual(r["target"]["host"], "::1")
                self.assertTrue(r["tls"]["verified"])
                self.assertEqual(r["auth"]["result"], "accepted")
                self.assertTrue(r["auth"]["server_verified"])

    def test_certificate_chain_reported(self):
        r = probe_json(self, [url("submissions"), "--cafile", INFO["ca"]])
        leaf = r["tls"]["chain"][0]
        sans = " ".join(leaf["subject_alt_names"])
        for name in ("localhost", "127.0.0.2"):
            self.assertIn(name, sans)
        self.assertIn("localhost", leaf["subject"])
        self.assertIn("smtpauth test CA", leaf["issuer"])
        self.assertEqual(leaf["key_type"].upper(), "RSA")
        self.assertEqual(leaf["key_bits"], 2048)
        self.assertIn(leaf["days_left"], (28, 29, 30))
        fp = subprocess.run(["openssl", "x509", "-noout", "-fingerprint", "-sha256", "-in",
                             INFO["server_cert"]], capture_output=True, text=True,
                            timeout=30, check=True).stdout
        want = fp.split("=", 1)[1].strip().replace(":", "").lower()
        self.assertEqual(leaf["sha256_fingerprint"].replace(":", "").lower(), want)


class MechanismTest(unittest.TestCase):
    def check_accepted(self, r, mech):
        self.assertEqual(r["auth"]["mechanism"], mech)
        self.assertEqual(r["auth"]["result"], "accepted")
        self.assertIsNone(r["error"])
        self.assertGreaterEqual(r["auth"]["round_trips"], 1)
        if mech.startswith("SCRAM-"):
            self.assertTrue(r["auth"]["server_verified"])
        else:
            self.assertFalse(r["auth"]["server_verified"])

    def check_rejected(self, r, mech):
        self.assertEqual(r["auth"]["mechanism"], mech)
        self.assertEqual(r["auth"]["result"], "rejected")
        self.assertEqual(r["error"]["kind"], "auth-rejected")
        self.assertEqual(r["error"]["stage"], "auth")
        self.assertFalse(r["auth"]["server_verified"])

    def test_password_mechanisms_right_and_wrong(self):
        for listener, _s, _p, _t in STARTTLS_TRANSPORTS + [TRANSPORTS[1]]:
            for mech in PASSWORD_MECHS:
                with self.subTest(listener=listener, mech=mech, password="right"):
                    r = probe_json(self, with_password(listener, mech), secret=password())
                    self.check_accepted(r, mech)
                with self.subTest(listener=listener, mech=mech, password="wrong"):
                    r = probe_json(self, with_password(listener, mech),
                                   secret=password() + "x", expect=77)
                    self.check_rejected(r, mech)

    def test_plain_round_trip_is_minimal(self):
        # SMTP and IMAP (SASL-IR) carry PLAIN's initial response in the command itself.
        for listener in ("submission", "imaps", "pop3s"):
            with self.subTest(listener=listener):
                r = probe_json(self, with_password(listener, "PLAIN"), secret=password())
                self.assertEqual(r["auth"]["round_trips"], 1)

    def test_token_mechanisms_right_and_wrong(self):
        for listener in ("submission", "imap", "pop3s"):
            for mech in TOKEN_MECHS:
                with self.subTest(listener=listener, mech=mech, token="right"):
                    r = probe_json(self, with_token(listener, mech),
                                   secret=INFO["tokens"]["alice"])
                    self.check_accepted(r, mech)
                with self.subTest(listener=listener, mech=mech, token="revoked"):
                    r = probe_json(self, with_token(listener, mech), secret=INFO["bad_token"],
                                   expect=77)
                    self.check_rejected(r, mech)
                    err = r["auth"]["server_error"]
                    self.assertIsNotNone(err, "Dovecot sends a JSON error challenge")
                    if mech == "XOAUTH2":
                        # {"status":"401","schemes":"bearer","scope":"mail"}
                        self.assertEqual(err["status"], "401")
                        self.assertEqual(err["schemes"], "bearer")
                        self.assertEqual(err["scope"], "mail")
                    else:
                        self.assertEqual(err["status"], "invalid_token")

    def test_token_is_not_a_password(self):
        r = probe_json(self, with_password("submission", "PLAIN"),
                       secret=INFO["tokens"]["alice"], expect=77)
        self.check_rejected(r, "PLAIN")

    def test_default_choice_is_strongest(self):
        r = probe_json(self, with_password("submission"), secret=password())
        self.check_accepted(r, "SCRAM-SHA-256")
        considered = {c["name"]: c for c in r["mechanisms"]["considered"]}
        for mech in ALL_MECHS:
            self.assertIn(mech, considered)
            self.assertTrue(considered[mech]["reason"], f"no reason given for {mech}")
        for mech in TOKEN_MECHS:  # a password cannot drive the bearer-token mechanisms
            self.assertFalse(considered[mech]["usable"])
        r = probe_json(self, with_token("submission"), secret=INFO["tokens"]["alice"])
        self.assertIn(r["auth"]["mechanism"], TOKEN_MECHS)
        self.assertEqual(r["auth"]["result"], "accepted")

    def test_non_ascii_user_and_password(self):
        for mech in ("PLAIN", "SCRAM-SHA-256", "CRAM-MD5"):
            with self.subTest(mech=mech):
                r = probe_json(self, with_password("submission", mech, user="jörg"),
                               secret=password("jörg"))
                self.check_accepted(r, mech)

    def test_mech_all_password(self):
        r = probe_json(self, with_password("submission", "all"), secret=password())
        results = {a["mechanism"]: a["result"] for a in r["attempts"]}
        self.assertEqual({m for m, res in results.items() if res == "accepted"},
                         set(PASSWORD_MECHS))
        for mech in TOKEN_MECHS:
            self.assertNotIn(results.get(mech), ("accepted", "rejected"))
        human = run(with_password("submission", "all"), secret=password())
        self.assertEqual(human.returncode, 0, text(human))
        for mech in PASSWORD_MECHS:
            self.assertIn(mech, human.stdout.decode())

    def test_mech_all_wrong_password(self):
        r = probe_json(self, with_password("imaps", "all"), secret="wrong", expect=77)
        results = {a["mechanism"]: a["result"] for a in r["attempts"]}
        self.assertEqual({m for m, res in results.items() if res == "rejected"},
                         set(PASSWORD_MECHS))
        self.assertNotIn("accepted", results.values())

    def test_mech_all_token(self):
        r = probe_json(self, with_token("pop3", "all"), secret=INFO["tokens"]["alice"])
        results = {a["mechanism"]: a["result"] for a in r["attempts"]}
        self.assertEqual({m for m, res in results.items() if res == "accepted"},
                         set(TOKEN_MECHS))


class CertificateTest(unittest.TestCase):
    """A certificate that does not verify stops the probe before any credential is sent."""

    CASES = [
        # (name, host, cafile key, word in OpenSSL's reason)
        ("unknown CA (client trusts another CA)", None, "other_ca", "issuer"),
        ("unknown CA (server cert from another CA)", "unknown_ca_host", "ca", "issuer"),
        ("wrong host name", "wrong_name_host", "ca", "mismatch"),
        ("expired", "expired_host", "ca", "expired"),
    ]

    def args(self, listener, host_key, ca_key, extra=()):
        host = INFO[host_key] if host_key else None
        return [url(listener, host), "--cafile", INFO[ca_key], "--user", "alice",
                "--password-env", SECRET_ENV, "--mech", "PLAIN", "-v", *extra]

    def test_verification_failures_exit_81_without_auth(self):
        for name, host_key, ca_key, word in self.CASES:
            for listener in ("submissions", "submission", "imap"):
                with self.subTest(case=name, listener=listener):
                    r = probe_json(self, self.args(listener, host_key, ca_key),
                                   secret=password(), expect=81)
                    self.assertEqual(r["error"]["kind"], "certificate")
                    self.assertEqual(r["error"]["stage"], "tls")
                    # The rejected certificate itself is reported, not only the reason.
                    self.assertFalse(r["tls"]["verified"])
                    self.assertIn(word, r["tls"]["verify_error"].lower())
                    self.assertTrue(r["tls"]["chain"], r["tls"])
                    self.assertRegex(r["tls"]["chain"][0]["sha256_fingerprint"],
                                     r"^([0-9A-F]{2}:){31}[0-9A-F]{2}$")
                    self.assertEqual(r["auth"]["result"], "not-attempted")
                    self.assertFalse(sent_auth(r), client_lines(r))
                    self.assertNotIn(password(), json.dumps(r, ensure_ascii=False))

    def test_human_failure_lines(self):
        proc = run(self.args("submission", "wrong_name_host", "ca"), secret=password())
        self.assertEqual(proc.returncode, 81, text(proc))
        self.assertIn("FAILED at tls", proc.stderr.decode())
        # Once, on stderr: the report on stdout does not repeat it (the -v transcript may
        # mention the failure as one of its events).
        self.assertNotRegex(proc.stdout.decode(), r"(?m)^FAILED at")
        # The names the certificate does carry are shown, so the mismatch can be understood.
        self.assertIn("DNS:mail.example.invalid", proc.stdout.decode())
        self.assertTrue(proc.stderr.decode().startswith("smtpauth: "), proc.stderr)

    def test_insecure_continues_and_reports(self):
        for name, host_key, ca_key, word in self.CASES:
            with self.subTest(case=name):
                r = probe_json(self, self.args("submission", host_key, ca_key, ["--insecure"]),
                               secret=password())
                self.assertFalse(r["tls"]["verified"])
                self.assertIn(word, r["tls"]["verify_error"].lower())
                self.assertEqual(r["auth"]["result"], "accepted")


class NoCredentialsTest(unittest.TestCase):
    def test_capabilities_only(self):
        for listener, _s, _p, _t in TRANSPORTS:
            with self.subTest(listener=listener):
                r = probe_json(self, [url(listener), "--cafile", INFO["ca"], "-v"])
                self.assertEqual(r["auth"]["result"], "not-attempted")
                self.assertIsNone(r["auth"]["mechanism"])
                self.assertIsNone(r["error"])
                self.assertTrue(r["tls"]["verified"])
                self.assertEqual(sorted(r["mechanisms"]["offered"]), sorted(ALL_MECHS))
                self.assertFalse(sent_auth(r), client_lines(r))

    def test_user_without_secret_source_is_usage_error(self):
        proc = run([url("submission"), "--cafile", INFO["ca"], "--user", "alice"], timeout=20)
        self.assertEqual(proc.returncode, 64, text(proc))


class SecretHandlingTest(unittest.TestCase):
    def secrets_of(self, mech):
        pw = password()
        b64 = lambda b: base64.b64encode(b).decode()  # noqa: E731
        return [pw, b64(pw.encode()), b64(b"\0alice\0" + pw.encode())] if mech != "XOAUTH2" \
            else [INFO["tokens"]["alice"]]

    def test_verbose_transcript_redacts(self):
        for listener in ("submission", "imap", "pop3"):
            for mech in ("PLAIN", "LOGIN", "SCRAM-SHA-256"):
                with self.subTest(listener=listener, mech=mech):
                    proc = run(with_password(listener, mech, extra=["-v"]), secret=password())
                    self.assertEqual(proc.returncode, 0, text(proc))
                    out = text(proc)
                    self.assertIn("C:", out)
                    self.assertIn("S:", out)
                    for secret in self.secrets_of(mech):
                        self.assertNotIn(secret, out)
        proc = run(with_token("submission", "XOAUTH2", extra=["-v"]),
                   secret=INFO["tokens"]["alice"])
        self.assertEqual(proc.returncode, 0, text(proc))
        self.assertNotIn(INFO["tokens"]["alice"], text(proc))
        line = f"user=alice\x01auth=Bearer {INFO['tokens']['alice']}\x01\x01".encode()
        self.assertNotIn(base64.b64encode(line).decode(), text(proc))

    def test_json_transcript_marks_redacted_lines(self):
        r = probe_json(self, with_password("submission", "PLAIN", extra=["-v"]),
                       secret=password())
        auth_lines = [e for e in r["transcript"] if e["dir"] == "C" and "AUTH" in e["text"]]
        self.assertTrue(auth_lines)
        self.assertTrue(all(e["redacted"] for e in auth_lines))
        self.assertNotIn(password(), json.dumps(r, ensure_ascii=False))

    def test_show_secrets_reveals(self):
        proc = run(with_password("submission", "PLAIN", extra=["-v", "--show-secrets"]),
                   secret=password())
        self.assertEqual(proc.returncode, 0, text(proc))
        plain = base64.b64encode(b"\0alice\0" + password().encode()).decode()
        self.assertTrue(plain in text(proc) or password() in text(proc), text(proc))

    def test_password_file(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "pw")
            with open(path, "w", encoding="utf-8") as f:
                f.write(password("jörg") + "\n")
            os.chmod(path, 0o600)
            r = probe_json(self, [url("imaps"), "--cafile", INFO["ca"], "--user", "jörg",
                                  "--password-file", path, "--mech", "SCRAM-SHA-1"])
            self.assertEqual(r["auth"]["result"], "accepted")

    def test_password_stdin(self):
        r = probe_json(self, [url("pop3s"), "--cafile", INFO["ca"], "--user", "alice",
                              "--password-stdin", "--mech", "PLAIN"],
                       stdin_text=password() + "\n")
        self.assertEqual(r["auth"]["result"], "accepted")

    def test_token_stdin(self):
        r = probe_json(self, [url("submission"), "--cafile", INFO["ca"], "--user", "alice",
                              "--token-stdin", "--mech", "OAUTHBEARER"],
                       stdin_text=INFO["tokens"]["alice"] + "\n")
        self.assertEqual(r["auth"]["result"], "accepted")


class PlaintextTest(unittest.TestCase):
    """--tls none: Dovecot hides the password-revealing mechanisms before TLS, and the probe
    must never fall back to one of them."""

    def test_plain_refused_without_tls(self):
        for extra in ([], ["--allow-plaintext-auth"]):
            with self.subTest(extra=extra):
                r = probe_json(self, with_password("submission", "PLAIN",
                                                   extra=["--tls", "none", "-v", *extra]),
                               secret=password(), expect=82)
                self.assertIsNone(r["tls"])
                self.assertNotIn("PLAIN", r["mechanisms"]["offered"])
                self.assertEqual(r["error"]["kind"], "mechanism-unavailable")
                self.assertFalse(sent_auth(r), client_lines(r))

    def test_default_choice_without_tls_is_not_plaintext(self):
        r = probe_json(self, with_password("submission", extra=["--tls", "none"]),
                       secret=password())
        self.assertIsNone(r["tls"])
        self.assertEqual(r["auth"]["mechanism"], "SCRAM-SHA-256")
        self.assertEqual(r["auth"]["result"], "accepted")
        self.assertTrue(r["auth"]["server_verified"])

    def test_imap_without_tls_reports_logindisabled(self):
        r = probe_json(self, [url("imap"), "--tls", "none"])
        caps = (r["capabilities"]["before_tls"] or []) + (r["capabilities"]["after_tls"] or [])
        self.assertIn("LOGINDISABLED", " ".join(caps).upper())
        self.assertNotIn("PLAIN", r["mechanisms"]["offered"])


if __name__ == "__main__":
    unittest.main()
