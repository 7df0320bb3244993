"""smtpauth decode as a user runs it: input forms, transcripts, secrets, --check-password,
--json, errors and exit statuses (RFC 4616, RFC 2195, RFC 5802/7677, RFC 7628 vectors)."""

import base64
import json
import os
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "servers"))
from scripted_server import ScriptedServer, make_self_signed_cert  # noqa: E402

BINARY = os.environ.get("SMTPAUTH_BINARY", "smtpauth")

PLAIN_TIM = "AHRpbQB0YW5zdGFhZnRhbnN0YWFm"  # \0tim\0tanstaaftanstaaf
CRAM_CHALLENGE = "PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+"
CRAM_RESPONSE = "dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw"
SCRAM_SHA256 = [
    "n,,n=user,r=rOprNGfwEbeRWgbNEkqO",
    "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
    "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
    "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
    "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=",
]
OAUTHBEARER_IR = (
    "bixhPXVzZXJAZXhhbXBsZS5jb20sAWhvc3Q9c2VydmVyLmV4YW1wbGUuY29tAXBvcnQ9MTQzAWF1dGg9QmVhcmVy"
    "IHZGOWRmdDRxbVRjMk52YjNSbGNrQmhiSFJoZG1semRHRXVZMjl0Q2c9PQEB"
)
GOOGLE_ERROR = (
    "eyJzdGF0dXMiOiI0MDEiLCJzY2hlbWVzIjoiYmVhcmVyIG1hYyIsInNjb3BlIjoiaHR0cHM6Ly9tYWlsLmdvb2ds"
    "ZS5jb20vIn0K"
)


def b64(data):
    if isinstance(data, str):
        data = data.encode()
    return base64.b64encode(data).decode()


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def run(args, stdin=None, env=None):
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run(
        [BINARY, "decode", *args],
        input=stdin if stdin is None or isinstance(stdin, bytes) else stdin.encode(),
        capture_output=True,
        timeout=30,
        env=full_env,
    )


def out(proc):
    return proc.stdout.decode("utf-8", "strict")


class InputForms(unittest.TestCase):
    def assert_plain_tim(self, proc):
        self.assertEqual(proc.returncode, 0, proc.stderr)
        text = out(proc)
        self.assertIn("PLAIN", text)
        self.assertIn("user:     tim", text)
        self.assertNotIn("tanstaaf", text)
        self.assertIn("password: <hidden, 16 bytes; --show-secrets to show>", text)
        self.assertEqual(proc.stderr, b"")

    def test_each_form_as_argument(self):
        for form in (
            PLAIN_TIM,
            "AUTH PLAIN " + PLAIN_TIM,
            "a1 AUTHENTICATE PLAIN " + PLAIN_TIM,
            "C: AUTH PLAIN " + PLAIN_TIM,
            "[  12 ms] C: AUTH PLAIN " + PLAIN_TIM,
        ):
            with self.subTest(form=form):
                self.assert_plain_tim(run([form]))

    def test_stdin_when_no_argument_and_dash(self):
        self.assert_plain_tim(run([], stdin=PLAIN_TIM + "\n"))
        self.assert_plain_tim(run(["-"], stdin="AUTH PLAIN " + PLAIN_TIM + "\r\n"))

    def test_two_step_imap_and_pop3(self):
        proc = run(["a1 AUTHENTICATE PLAIN", "+", PLAIN_TIM, "a1 OK done"])
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertIn("authentication succeeded", out(proc))
        proc = run(["AUTH PLAIN", "+ ", PLAIN_TIM, "+OK Logged in."])
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertIn("user:     tim", out(proc))

    def test_smtp_transcript_with_noise(self):
        transcript = "\n".join(
            [
                "S: 220 mx.example ESMTP",
                "C: EHLO me",
                "S: 250-mx.example",
                "S: 250 AUTH LOGIN PLAIN",
                "C: AUTH LOGIN",
                "S: 334 VXNlcm5hbWU6",
                "C: dGlt",
                "S: 334 UGFzc3dvcmQ6",
                "C: dGFuc3RhYWZ0YW5zdGFhZg==",
                "S: 235 2.7.0 Authentication successful",
                "C: QUIT",
            ]
        )
        proc = run([], stdin=transcript)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        text = out(proc)
        self.assertIn("LOGIN user name", text)
        self.assertIn("user: tim", text)
        self.assertIn("LOGIN password", text)
        self.assertNotIn("tanstaaf", text)
        self.assertIn("not part of", text)

    def test_scram_transcript_raw_messages(self):
        proc = run(SCRAM_SHA256)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        text = out(proc)
        self.assertIn("SCRAM-SHA-256", text)
        self.assertIn("server-nonce: %hvYDpWUa2RaTCAfuxFIlj)hNlF$k0", text)
        self.assertIn("salt:", text)
        self.assertNotIn("dHzbZapWIk4", text)  # the proof is hidden

    def test_oauthbearer_and_xoauth2_error(self):
        proc = run([OAUTHBEARER_IR])
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertIn("host:     server.example.com", out(proc))
        self.assertNotIn("vF9dft4qmTc2", out(proc))
        proc = run(["334 " + GOOGLE_ERROR])
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertIn("status:  401", out(proc))
        self.assertIn("scope:   https://mail.google.com/", out(proc))


class Secrets(unittest.TestCase):
    def test_show_secrets(self):
        proc = run(["--show-secrets", PLAIN_TIM])
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertIn("password: tanstaaftanstaaf", out(proc))

    def test_no_secret_in_any_output_without_show_secrets(self):
        token = "header.payload.sig"
        jwt_claims = {"iss": "https://issuer.example/", "exp": int(time.time()) - 3 * 3600}
        jwt = ".".join(
            [
                b64url(json.dumps({"alg": "RS256", "typ": "JWT"}).encode()),
                b64url(json.dumps(jwt_claims).encode()),
                b64url(b"SIGNATURE-BYTES-XYZ"),
            ]
        )
        inputs = [
            PLAIN_TIM,
            "AUTH XOAUTH2 " + b64("user=a@b.c\x01auth=Bearer " + token + "\x01\x01"),
            "AUTH XOAUTH2 " + b64("user=a@b.c\x01auth=Bearer " + jwt + "\x01\x01"),
            "PASS sesame-open",
        ]
        for arg in inputs:
            for json_flag in ([], ["--json"]):
                with self.subTest(arg=arg, json=json_flag):
                    proc = run(json_flag + [arg])
                    self.assertEqual(proc.returncode, 0, proc.stderr)
                    both = proc.stdout + proc.stderr
                    for secret in (b"tanstaaf", token.encode(), jwt.encode(),
                                   b64url(b"SIGNATURE-BYTES-XYZ").encode(), b"sesame-open"):
                        self.assertNotIn(secret, both)

    def test_jwt_claims_not_verified_and_relative_expiry(self):
        now = int(time.time())
        jwt = ".".join(
            [
                b64url(json.dumps({"alg": "RS256"}).encode()),
                b64url(json.dumps({"aud": "https://outlook.office.com", "exp": now - 3 * 3600,
                                   "scp": "SMTP.Send", "upn": "u@contoso.com"}).encode()),
                b64url(b"sig"),
            ]
        )
        proc = run([b64("user=u@contoso.com\x01auth=Bearer " + jwt + "\x01\x01")])
        self.assertEqual(proc.returncode, 0, proc.stderr)
        text = out(proc)
        self.assertIn("NOT VERIFIED (signature not checked)", text)
        self.assertIn("(expired 3 h ago)", text)
        self.assertIn("jwt.scp:", text)
        self.assertIn("SMTP.Send", text)


class CheckPassword(unittest.TestCase):
    def test_plain_right_and_wrong(self):
        proc = run(["--check-password", "tanstaaftanstaaf", PLAIN_TIM])
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertIn("password matches", out(proc))
        proc = run(["--check-password", "wrong", PLAIN_TIM])
        self.assertEqual(proc.returncode, 1, proc.stderr)
        self.assertIn("password does NOT match", out(proc))

    def test_cram_and_scram_from_other_sources(self):
        with tempfile.NamedTemporaryFile("w", delete=False) as f:
            f.write("tanstaaftanstaaf\n")
            path = f.name
        try:
            proc = run(["--check-password-file", path, "+ " + CRAM_CHALLENGE, CRAM_RESPONSE])
            self.assertEqual(proc.returncode, 0, proc.stderr)
            self.assertIn("password matches (CRAM-MD5", out(proc))
        finally:
            os.unlink(path)
        proc = run(["--check-password-env", "PW", *SCRAM_SHA256], env={"PW": "pencil"})
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertIn("password matches (SCRAM-SHA-256", out(proc))
        self.assertIn("server signature v= matches", out(proc))
        proc = run(["--check-password-stdin", *SCRAM_SHA256], stdin="pencil2\n")
        self.assertEqual(proc.returncode, 1, proc.stderr)
        self.assertIn("password does NOT match", out(proc))

    def test_login_in_json(self):
        proc = run(["--json", "--check-password", "tanstaaftanstaaf",
                    "334 VXNlcm5hbWU6", "dGlt", "334 UGFzc3dvcmQ6", "dGFuc3RhYWZ0YW5zdGFhZg=="])
        self.assertEqual(proc.returncode, 0, proc.stderr)
        doc = json.loads(out(proc))
        self.assertEqual(doc["check_password"], {"mechanism": "LOGIN", "line": 4, "matches": True})

    def test_nothing_to_check_is_65(self):
        proc = run(["--check-password", "x", "334 VXNlcm5hbWU6"])
        self.assertEqual(proc.returncode, 65)
        self.assertIn(b"nothing to check", proc.stderr)
        proc = run(["--check-password", "pencil", SCRAM_SHA256[0], SCRAM_SHA256[2]])
        self.assertEqual(proc.returncode, 65)

    def test_stdin_cannot_carry_both(self):
        proc = run(["--check-password-stdin"], stdin=PLAIN_TIM + "\n")
        self.assertEqual(proc.returncode, 64)


class Json(unittest.TestCase):
    def test_schema(self):
        proc = run(["--json", "C: AUTH PLAIN " + PLAIN_TIM, "S: 235 2.7.0 ok"])
        self.assertEqual(proc.returncode, 0, proc.stderr)
        doc = json.loads(out(proc))
        self.assertEqual(doc["schema_version"], 1)
        self.assertIsNone(doc["check_password"])
        first, second = doc["messages"]
        self.assertEqual(first["line"], 1)
        self.assertEqual(first["direction"], "client")
        self.assertEqual(first["mechanism"], "PLAIN")
        fields = {f["name"]: f for f in first["fields"]}
        self.assertEqual(fields["user"]["value"], "tim")
        self.assertEqual(fields["password"],
                         {"name": "password", "value": None, "secret": True, "hidden": True,
                          "bytes": 16})
        self.assertEqual(second["kind"], "success")
        self.assertEqual(second["direction"], "server")

    def test_show_secrets_in_json(self):
        doc = json.loads(out(run(["--json", "--show-secrets", PLAIN_TIM])))
        fields = {f["name"]: f for f in doc["messages"][0]["fields"]}
        self.assertEqual(fields["password"]["value"], "tanstaaftanstaaf")
        self.assertFalse(fields["password"]["hidden"])


class BadInput(unittest.TestCase):
    def assert_error(self, proc, status, *parts):
        self.assertEqual(proc.returncode, status, proc.stderr)
        err = proc.stderr.decode()
        self.assertTrue(err.startswith("smtpauth: "), err)
        self.assertEqual(err.count("\n"), 1, err)
        for part in parts:
            self.assertIn(part, err)
        self.assertEqual(proc.stdout, b"")

    def test_invalid_base64_offset(self):
        self.assert_error(run(["AHRp*bQB"]), 65, "invalid base64 at offset 4")

    def test_invalid_base64_line_is_a_note_and_decoding_goes_on(self):
        proc = run([], stdin="EHLO x\nAUTH PLAIN\n334 \nAHRp*bQB\n235 2.7.0 ok\n")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        text = out(proc)
        self.assertIn("line 4, unknown: invalid base64 at offset 4", text)
        self.assertIn("line 5, server, PLAIN: authentication succeeded", text)

    def test_scram_grammar(self):
        self.assert_error(run(["r=abc,s=QSXCR+Q6sek8bf92,i=0x10"]), 65, "iteration count is not a positive decimal number")

    def test_plain_not_utf8(self):
        self.assert_error(run(["AUTH PLAIN " + b64(b"\0ab\xff\0p")]), 65, "not valid UTF-8")

    def test_caps(self):
        self.assert_error(run([], stdin=b"A" * (1024 * 1024 + 10)), 65, "1 MiB")
        self.assert_error(run(["A" * (64 * 1024 + 4)]), 65, "64 KiB")

    def test_hostile_bytes_escaped(self):
        hostile = b"\x1b]0;pwned\x07\x00\r\x1b[2J\xff"
        proc = run([b64(hostile)])
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertNotIn(b"\x1b", proc.stdout)
        self.assertNotIn(b"\x00", proc.stdout)
        self.assertNotIn(b"\x07", proc.stdout)
        self.assertIn(b"\\x1b]0;pwned\\x07\\x00\\r\\x1b[2J\\xff", proc.stdout)
        # and in an error message quoting the input
        proc = run([b"AUTH PL\x1bAIN x".decode()])
        self.assertEqual(proc.returncode, 65)
        self.assertNotIn(b"\x1b", proc.stderr)

    def test_binary_stdin_never_crashes(self):
        proc = run([], stdin=bytes(range(256)) * 10)
        self.assertIn(proc.returncode, (0, 65))
        self.assertNotIn(b"\x1b", proc.stdout + proc.stderr)

    def test_usage(self):
        proc = run(["--no-such-option"])
        self.assertEqual(proc.returncode, 64)


class ProbeTranscript(unittest.TestCase):
    """The output of `smtpauth probe -v` (a real run against a scripted server) decodes."""

    def probe_output(self, *extra):
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        cert, key = make_self_signed_cert(tmp.name)
        ehlo = ("expect", r"EHLO \S+")
        script = [
            ("send", b"220 scripted.test ESMTP ready\r\n"), ehlo,
            ("send", b"250-scripted.test\r\n250 STARTTLS\r\n"),
            ("expect", "STARTTLS"), ("send", b"220 2.0.0 Ready to start TLS\r\n"),
            ("starttls",), ehlo,
            ("send", b"250-scripted.test\r\n250 AUTH LOGIN\r\n"),
            ("expect", "AUTH LOGIN"), ("send", b"334 VXNlcm5hbWU6\r\n"),
            ("expect", "YWxpY2U="), ("send", b"334 UGFzc3dvcmQ6\r\n"),
            ("expect", b64("s3cret-Pa55")), ("send", b"235 2.7.0 ok\r\n"),
            ("expect", "QUIT"), ("send", b"221 bye\r\n"),
        ]
        srv = ScriptedServer(script=script, certfile=cert, keyfile=key, timeout=10,
                             drain_seconds=1.0)
        srv.start()
        self.addCleanup(srv.close)
        proc = subprocess.run(
            [BINARY, "probe", "127.0.0.1:%d" % srv.port, "--cafile", cert, "--user", "alice",
             "--password-env", "PW", "--mech", "LOGIN", "--timeout", "5", "--deadline", "20",
             "-v", *extra],
            capture_output=True, timeout=60, env=dict(os.environ, PW="s3cret-Pa55"))
        srv.wait(30)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        return proc.stdout

    def test_probe_verbose_with_secrets_checks_password(self):
        report = self.probe_output("--show-secrets")
        proc = run(["--check-password-env", "PW"], stdin=report, env={"PW": "s3cret-Pa55"})
        self.assertEqual(proc.returncode, 0, proc.stderr)
        text = out(proc)
        self.assertIn("LOGIN user name", text)
        self.assertIn("user: alice", text)
        self.assertIn("transcript format: smtpauth (detected)", text)
        self.assertIn("smtpauth output, not protocol (not shown)", text)
        self.assertIn("password matches (LOGIN, line 18, user alice)", text)
        self.assertNotIn("s3cret-Pa55", text)
        proc = run(["--check-password-env", "PW"], stdin=report, env={"PW": "wrong"})
        self.assertEqual(proc.returncode, 1, proc.stderr)

    def test_probe_verbose_redacted_has_nothing_to_check(self):
        report = self.probe_output()
        self.assertNotIn(b64("s3cret-Pa55").encode(), report)
        proc = run([], stdin=report)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertIn("redacted in the transcript", out(proc))
        proc = run(["--check-password-env", "PW"], stdin=report, env={"PW": "s3cret-Pa55"})
        self.assertEqual(proc.returncode, 65)
        self.assertIn(b"nothing to check", proc.stderr)


if __name__ == "__main__":
    unittest.main()
