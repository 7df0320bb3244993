"""`smtpauth probe` against scripted servers: the exact bytes the client sends, exit statuses
and JSON for what real servers never do (legacy AUTH=, Gmail's XOAUTH2 error flow, 504,
multi-line oddities, STARTTLS refusal and injection, PREAUTH, unsolicited data, cleartext).
"""

import base64
import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "servers"))
from scripted_server import ScriptedServer, make_self_signed_cert  # noqa: E402

BINARY = os.environ.get("SMTPAUTH_BINARY", os.path.join(HERE, "..", "..", "build", "smtpauth"))

USER, PASSWORD = "alice", "s3cret-Pa55"
PLAIN_IR = base64.b64encode(b"\0" + USER.encode() + b"\0" + PASSWORD.encode()).decode()
TOKEN = "ya29.test-token-value"
XOAUTH2_IR = base64.b64encode(
    ("user=%s\x01auth=Bearer %s\x01\x01" % (USER, TOKEN)).encode()).decode()
GMAIL_ERROR = ("eyJzdGF0dXMiOiI0MDEiLCJzY2hlbWVzIjoiYmVhcmVyIG1hYyIsInNjb3BlIjoiaHR0cHM6Ly9tYWls"
               "Lmdvb2dsZS5jb20vIn0K")

EHLO = ("expect", r"EHLO \S+")
SMTP_GREETING = ("send", b"220 scripted.test ESMTP ready\r\n")


def smtp_starttls_prefix(after_tls_ehlo):
    """Greeting, EHLO with STARTTLS, the go-ahead, handshake, EHLO again."""
    return [
        SMTP_GREETING,
        EHLO,
        ("send", b"250-scripted.test\r\n250-PIPELINING\r\n250 STARTTLS\r\n"),
        ("expect", "STARTTLS"),
        ("send", b"220 2.0.0 Ready to start TLS\r\n"),
        ("starttls",),
        EHLO,
        ("send", after_tls_ehlo),
    ]


QUIT = [("expect", "QUIT"), ("send", b"221 2.0.0 bye\r\n")]


class ProbeScripted(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.cert, cls.key = make_self_signed_cert(cls.tmp.name)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def server(self, script=None, scripts=None, tls=None, drain=1.0):
        srv = ScriptedServer(script=script, scripts=scripts, tls=tls, certfile=self.cert,
                             keyfile=self.key, timeout=10, drain_seconds=drain)
        srv.start()
        self.addCleanup(srv.close)
        return srv

    def probe(self, srv, *args, target=None, stdin=None, env=None):
        if target is None:
            target = "127.0.0.1:%d" % srv.port
        cmd = [BINARY, "probe", target, "--cafile", self.cert, "--deadline", "20",
               "--ehlo", "client.test"] + list(args)
        if "--timeout" not in args:
            cmd += ["--timeout", "5"]
        run_env = dict(os.environ)
        if env:
            run_env.update(env)
        p = subprocess.run(cmd, input=stdin, capture_output=True, text=True, timeout=60,
                           env=run_env)
        srv.wait(30)
        return p

    def json_probe(self, srv, *args, **kw):
        p = self.probe(srv, "--json", *args, **kw)
        try:
            doc = json.loads(p.stdout)
        except ValueError:
            self.fail("stdout is not one JSON object: %r (stderr %r)" % (p.stdout, p.stderr))
        return p, doc

    def client_lines(self, srv, tls=None):
        return [l.decode("latin-1") for t, l in srv.lines if tls is None or t == tls]

    def assert_no_credentials(self, srv):
        data = srv.received
        self.assertNotIn(b"AUTH", data)
        self.assertNotIn(PLAIN_IR.encode(), data)
        self.assertNotIn(PASSWORD.encode(), data)

    # --- the main path ---------------------------------------------------------------

    def test_smtp_starttls_plain_accepted_json(self):
        srv = self.server(smtp_starttls_prefix(b"250-scripted.test\r\n250 AUTH PLAIN LOGIN\r\n") + [
            ("expect", "AUTH PLAIN " + PLAIN_IR),
            ("send", b"235 2.7.0 Authentication successful\r\n"),
        ] + QUIT)
        p, doc = self.json_probe(srv, "--user", USER, "--password-env", "PW",
                                 env={"PW": PASSWORD})
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(srv.errors, [])
        # Exact client transcript: the protocol minimum, STARTTLS before any credential.
        self.assertEqual(self.client_lines(srv, tls=False), ["EHLO client.test", "STARTTLS"])
        self.assertEqual(self.client_lines(srv, tls=True),
                         ["EHLO client.test", "AUTH PLAIN " + PLAIN_IR, "QUIT"])
        self.assertEqual(doc["schema_version"], 2)
        self.assertEqual(doc["target"], {"input": "127.0.0.1:%d" % srv.port, "host": "127.0.0.1",
                                         "port": srv.port, "protocol": "smtp",
                                         "tls_mode": "starttls"})
        self.assertEqual(doc["address"], "127.0.0.1")
        self.assertTrue(doc["tls"]["verified"])
        self.assertIsNone(doc["tls"]["verify_error"])
        self.assertIn("TLSv1.", doc["tls"]["version"])
        self.assertEqual(doc["greeting"], "220 scripted.test ESMTP ready")
        self.assertEqual(doc["capabilities"]["before_tls"], ["PIPELINING", "STARTTLS"])
        self.assertEqual(doc["capabilities"]["after_tls"], ["AUTH PLAIN LOGIN"])
        self.assertEqual(doc["mechanisms"]["offered"], ["PLAIN", "LOGIN"])
        self.assertEqual(doc["auth"]["mechanism"], "PLAIN")
        self.assertEqual(doc["auth"]["result"], "accepted")
        self.assertEqual(doc["auth"]["server_reply"], "235 2.7.0 Authentication successful")
        self.assertEqual(doc["auth"]["round_trips"], 1)
        self.assertIsNone(doc["error"])
        for k in ("resolve", "connect", "tls", "greeting", "capabilities", "auth", "total"):
            self.assertGreaterEqual(doc["timings_ms"][k], 0)
        self.assertNotIn("transcript", doc)
        self.assertNotIn(PASSWORD, p.stdout + p.stderr)

    def test_verbose_transcript_redacts_unless_show_secrets(self):
        script = smtp_starttls_prefix(b"250-scripted.test\r\n250 AUTH PLAIN\r\n") + [
            ("expect", "AUTH PLAIN " + PLAIN_IR),
            ("send", b"235 2.7.0 ok\r\n"),
        ] + QUIT
        srv = self.server(script)
        p = self.probe(srv, "-v", "--user", USER, "--password-env", "PW", env={"PW": PASSWORD})
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertNotIn(PLAIN_IR, p.stdout)
        self.assertIn("C: AUTH PLAIN <redacted", p.stdout)
        self.assertIn("S~ 220 scripted.test ESMTP ready", p.stdout)  # cleartext marked
        self.assertIn("S: 235 2.7.0 ok", p.stdout)
        srv = self.server(script)
        p, doc = self.json_probe(srv, "-v", "--show-secrets", "--user", USER, "--password-env",
                                 "PW", env={"PW": PASSWORD})
        self.assertEqual(p.returncode, 0, p.stderr)
        sent = [e for e in doc["transcript"] if e["dir"] == "C" and e["text"].startswith("AUTH")]
        self.assertEqual(sent[0]["text"], "AUTH PLAIN " + PLAIN_IR)
        self.assertFalse(sent[0]["redacted"])

    def test_password_argument_warns(self):
        srv = self.server(smtp_starttls_prefix(b"250-scripted.test\r\n250 AUTH PLAIN\r\n") + [
            ("expect", "AUTH PLAIN .*"), ("send", b"235 ok\r\n")] + QUIT)
        p = self.probe(srv, "--user", USER, "--password", PASSWORD)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("warning", p.stderr)
        self.assertNotIn(PASSWORD, p.stdout + p.stderr)

    def test_no_user_reports_capabilities_only(self):
        srv = self.server(smtp_starttls_prefix(b"250-scripted.test\r\n250 AUTH PLAIN\r\n") + QUIT)
        p, doc = self.json_probe(srv)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(doc["auth"]["result"], "not-attempted")
        self.assertEqual(self.client_lines(srv, tls=True), ["EHLO client.test", "QUIT"])

    def test_legacy_auth_equals_form_implicit_tls(self):
        srv = self.server([
            SMTP_GREETING, EHLO,
            ("send", b"250-scripted.test\r\n250-AUTH=LOGIN PLAIN\r\n250 8BITMIME\r\n"),
            ("expect", "AUTH PLAIN " + PLAIN_IR),
            ("send", b"235 2.7.0 ok\r\n"),
        ] + QUIT, tls="implicit")
        p, doc = self.json_probe(srv, "--user", USER, "--password-env", "PW",
                                 target="smtps://127.0.0.1:%d" % srv.port, env={"PW": PASSWORD})
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(doc["target"]["tls_mode"], "implicit")
        self.assertIsNone(doc["capabilities"]["before_tls"])
        self.assertEqual(doc["mechanisms"]["offered"], ["LOGIN", "PLAIN"])
        self.assertTrue(any("AUTH=" in n for n in doc["notes"]))
        self.assertEqual(doc["auth"]["result"], "accepted")
        self.assertEqual(srv.errors, [])

    # --- AUTH flows ----------------------------------------------------------------------

    def test_gmail_xoauth2_error_flow_sends_one_empty_line(self):
        srv = self.server(smtp_starttls_prefix(b"250-smtp.gmail.test\r\n250 AUTH XOAUTH2 PLAIN\r\n") + [
            ("expect", "AUTH XOAUTH2 " + XOAUTH2_IR),
            ("send", ("334 " + GMAIL_ERROR + "\r\n").encode()),
            ("expect", ""),
            ("send", b"535-5.7.8 Username and Password not accepted. Learn more at\r\n"
                     b"535 5.7.8  https://support.google.com/mail/?p=BadCredentials x\r\n"),
        ] + QUIT)
        p, doc = self.json_probe(srv, "--user", USER, "--token-env", "TK", env={"TK": TOKEN})
        self.assertEqual(p.returncode, 77, p.stderr)
        self.assertEqual(srv.errors, [])
        # The exact bytes after TLS: the IR, then exactly one empty line ("\r\n"), then QUIT.
        self.assertEqual(srv.received_tls,
                         b"EHLO client.test\r\nAUTH XOAUTH2 " + XOAUTH2_IR.encode() +
                         b"\r\n\r\nQUIT\r\n")
        self.assertEqual(doc["auth"]["result"], "rejected")
        self.assertEqual(doc["auth"]["round_trips"], 2)
        self.assertEqual(doc["auth"]["server_error"]["status"], "401")
        self.assertEqual(doc["auth"]["server_error"]["scope"], "https://mail.google.com/")
        self.assertEqual(doc["auth"]["server_error"]["schemes"], "bearer mac")
        self.assertIn("scope", doc["auth"]["hint"])
        self.assertEqual(doc["error"]["kind"], "auth-rejected")
        self.assertEqual(doc["error"]["stage"], "auth")
        self.assertNotIn(TOKEN, p.stdout + p.stderr)

    def test_gmail_app_password_hint_and_multiline_535(self):
        srv = self.server(smtp_starttls_prefix(b"250-scripted.test\r\n250 AUTH PLAIN\r\n") + [
            ("expect", "AUTH PLAIN .*"),
            ("send", b"535-5.7.8 Username and Password not accepted. For more information, go to\r\n"
                     b"535 5.7.8  https://support.google.com/mail/?p=BadCredentials abc\r\n"),
        ] + QUIT)
        p = self.probe(srv, "--user", USER, "--password-env", "PW", env={"PW": PASSWORD})
        self.assertEqual(p.returncode, 77, p.stderr)
        self.assertIn("app password", p.stdout)
        self.assertIn("535 5.7.8  https://support.google.com/mail/?p=BadCredentials abc", p.stdout)
        self.assertIn("FAILED at auth:", p.stderr)
        self.assertTrue(p.stderr.startswith("smtpauth: "), p.stderr)

    def test_504_for_advertised_mechanism_is_reported_not_retried(self):
        srv = self.server(smtp_starttls_prefix(b"250-scripted.test\r\n250 AUTH PLAIN LOGIN CRAM-MD5 XOAUTH2\r\n") + [
            ("expect", "AUTH CRAM-MD5"),
            ("send", b"504 5.5.4 Unrecognized authentication type\r\n"),
        ] + QUIT)
        p, doc = self.json_probe(srv, "--user", USER, "--password-env", "PW",
                                 env={"PW": PASSWORD})
        self.assertEqual(p.returncode, 82, p.stderr)
        self.assertEqual(srv.errors, [])
        auth_lines = [l for l in self.client_lines(srv) if l.startswith("AUTH")]
        self.assertEqual(auth_lines, ["AUTH CRAM-MD5"])
        self.assertEqual(doc["error"]["kind"], "mechanism-unavailable")
        self.assertIn("504 5.5.4", doc["auth"]["server_reply"])

    def test_undecodable_challenge_gets_star(self):
        srv = self.server(smtp_starttls_prefix(b"250-scripted.test\r\n250 AUTH LOGIN\r\n") + [
            ("expect", "AUTH LOGIN"),
            ("send", b"334 =?not*base64!!==\r\n"),
            ("expect", r"\*"),
            ("send", b"501 5.7.0 cancelled\r\n"),
        ] + QUIT)
        p, doc = self.json_probe(srv, "--user", USER, "--password-env", "PW",
                                 env={"PW": PASSWORD})
        self.assertEqual(p.returncode, 76, p.stderr)
        self.assertEqual(srv.errors, [])
        self.assertIn("undecodable", doc["error"]["message"])
        self.assertNotIn(base64.b64encode(PASSWORD.encode()), srv.received)

    def test_mech_all_table(self):
        def conn(mech_line, reply):
            return smtp_starttls_prefix(b"250-scripted.test\r\n250 AUTH PLAIN LOGIN\r\n") + mech_line + [
                ("send", reply)] + QUIT
        srv = self.server(scripts=[
            conn([("expect", "AUTH PLAIN " + PLAIN_IR)], b"535 5.7.8 no\r\n"),
            conn([("expect", "AUTH LOGIN"), ("send", b"334 VXNlcm5hbWU6\r\n"),
                  ("expect", base64.b64encode(USER.encode()).decode()),
                  ("send", b"334 UGFzc3dvcmQ6\r\n"),
                  ("expect", base64.b64encode(PASSWORD.encode()).decode())],
                 b"235 2.7.0 ok\r\n"),
        ])
        p, doc = self.json_probe(srv, "--mech", "all", "--user", USER, "--password-env", "PW",
                                 env={"PW": PASSWORD})
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(srv.errors, [])
        self.assertEqual([(a["mechanism"], a["result"]) for a in doc["attempts"]],
                         [("PLAIN", "rejected"), ("LOGIN", "accepted")])
        self.assertEqual(len(srv.connections), 2)

    def test_mech_all_every_rejection_exits_77(self):
        def conn(steps):
            return smtp_starttls_prefix(b"250-x\r\n250 AUTH PLAIN LOGIN\r\n") + steps + QUIT
        srv = self.server(scripts=[
            conn([("expect", "AUTH PLAIN .*"), ("send", b"535 5.7.8 no\r\n")]),
            conn([("expect", "AUTH LOGIN"), ("send", b"334 VXNlcm5hbWU6\r\n"), ("line",),
                  ("send", b"334 UGFzc3dvcmQ6\r\n"), ("line",), ("send", b"535 5.7.8 no\r\n")]),
        ])
        p, doc = self.json_probe(srv, "--mech", "all", "--user", USER, "--password-env", "PW",
                                 env={"PW": PASSWORD})
        self.assertEqual(p.returncode, 77, p.stderr)
        self.assertEqual([a["result"] for a in doc["attempts"]], ["rejected", "rejected"])
        self.assertEqual(doc["error"]["kind"], "auth-rejected")

    # --- multi-line oddities and grammar -------------------------------------------------

    def test_multiline_oddities_long_line_and_bare_code(self):
        srv = self.server([
            ("send", b"220-scripted.test first\r\n220-second line\r\n220\r\n"),
            EHLO,
            ("send", b"250-scripted.test\r\n250-X-PAD-" + b"B" * 590 +
             b"\r\n250-AUTH\tPLAIN\r\n250 STARTTLS\r\n"),
            ("expect", "STARTTLS"),
            ("send", b"220 go\r\n"), ("starttls",), EHLO,
            ("send", b"250-scripted.test\r\n250-AUTH PLAIN\r\n250 X-LAST\r\n"),
        ] + QUIT)
        p, doc = self.json_probe(srv)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(doc["greeting"], "220-scripted.test first\n220-second line\n220")
        self.assertEqual(len(doc["capabilities"]["before_tls"]), 3)
        self.assertEqual(doc["mechanisms"]["offered"], ["PLAIN"])

    def test_reply_code_change_inside_reply_is_protocol_error(self):
        srv = self.server([SMTP_GREETING, EHLO,
                           ("send", b"250-hostile.test\r\n251-AUTH PLAIN\r\n550 STARTTLS\r\n")])
        p, doc = self.json_probe(srv, "--user", USER, "--password-env", "PW",
                                 env={"PW": PASSWORD})
        self.assertEqual(p.returncode, 76, p.stderr)
        self.assertEqual(doc["error"]["kind"], "protocol")
        self.assertEqual(doc["error"]["stage"], "capabilities")
        self.assertIn("EHLO reply", doc["error"]["message"])
        self.assert_no_credentials(srv)

    def test_nul_and_escapes_in_greeting(self):
        srv = self.server([("send", b"220 hostile\x00.test ESMTP\r\n")])
        p = self.probe(srv)
        self.assertEqual(p.returncode, 76, p.stderr)
        self.assertIn("FAILED at greeting", p.stderr)
        self.assertNotIn("\x00", p.stdout + p.stderr)
        srv = self.server([("send", b"220 hostile.test \x1b]0;pwned\x07\x1b[2J ok\r\n")])
        p = self.probe(srv)
        self.assertNotIn("\x1b", p.stdout + p.stderr)
        self.assertIn("\\x1b", p.stderr)  # the failure line, escaped

    def test_oversized_challenge_is_cancelled(self):
        big = base64.b64encode(b"x" * 20000)  # above the 16384-octet challenge cap
        srv = self.server(smtp_starttls_prefix(b"250-x\r\n250 AUTH LOGIN\r\n") + [
            ("expect", "AUTH LOGIN"), ("send", b"334 " + big + b"\r\n"),
            ("expect", r"\*"), ("send", b"501 5.7.0 cancelled\r\n")] + QUIT)
        p, doc = self.json_probe(srv, "--user", USER, "--password-env", "PW",
                                 env={"PW": PASSWORD})
        self.assertEqual(p.returncode, 76, p.stderr)
        self.assertEqual(srv.errors, [])
        self.assertIn("larger than 16384", doc["error"]["message"])
        self.assertNotIn(base64.b64encode(USER.encode()), srv.received)

    # --- STARTTLS boundary ---------------------------------------------------------------

    def test_starttls_refused_no_credentials(self):
        for reply in (b"454 4.7.0 TLS not available due to temporary reason\r\n",
                      b"502 5.5.1 Command not implemented\r\n", b"354 do something else\r\n"):
            with self.subTest(reply=reply):
                srv = self.server([SMTP_GREETING, EHLO,
                                   ("send", b"250-x\r\n250-AUTH PLAIN LOGIN\r\n250 STARTTLS\r\n"),
                                   ("expect", "STARTTLS"), ("send", reply)])
                p, doc = self.json_probe(srv, "--user", USER, "--password-env", "PW",
                                         env={"PW": PASSWORD})
                self.assertEqual(p.returncode, 80, p.stderr)
                self.assertEqual(doc["error"]["kind"], "tls")
                self.assertEqual(doc["error"]["stage"], "starttls")
                self.assertEqual(doc["auth"]["result"], "not-attempted")
                self.assert_no_credentials(srv)

    def test_imap_preauth_with_starttls_required(self):
        srv = self.server([("send", b"* PREAUTH [CAPABILITY IMAP4rev1] IMAP server ready.\r\n")])
        p, doc = self.json_probe(srv, "--user", USER, "--password-env", "PW",
                                 target="imap://127.0.0.1:%d" % srv.port, env={"PW": PASSWORD})
        self.assertEqual(p.returncode, 80, p.stderr)
        self.assertEqual(doc["error"]["stage"], "greeting")
        self.assertIn("PREAUTH", doc["error"]["message"])
        self.assertEqual(srv.received, b"")

    def test_data_before_first_command(self):
        srv = self.server([("send", b"220 x ESMTP\r\n250-hostile.test\r\n250 AUTH PLAIN LOGIN\r\n")])
        p, doc = self.json_probe(srv, "--user", USER, "--password-env", "PW",
                                 env={"PW": PASSWORD})
        self.assertEqual(p.returncode, 76, p.stderr)
        self.assertEqual(doc["error"]["kind"], "protocol")
        self.assertIn("before the command", doc["error"]["message"])
        self.assertEqual(srv.received, b"")

    def test_imap_injection_after_starttls_go_ahead(self):
        srv = self.server([("send", b"* OK [CAPABILITY IMAP4rev1 STARTTLS] ready\r\n"),
                           ("expect", "A1 STARTTLS"),
                           ("send", b"A1 OK Begin TLS\r\n* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n"
                                    b"A2 OK CAPABILITY completed\r\n")])
        p, doc = self.json_probe(srv, "--user", USER, "--password-env", "PW",
                                 target="imap://127.0.0.1:%d" % srv.port, env={"PW": PASSWORD})
        self.assertEqual(p.returncode, 76, p.stderr)
        self.assertEqual(doc["error"]["stage"], "starttls")
        self.assertIn("inject", doc["error"]["message"])
        self.assertNotIn(PLAIN_IR.encode(), srv.received)
        self.assertEqual(self.client_lines(srv), ["A1 STARTTLS"])

    def test_injected_success_after_auth_challenge(self):
        # A 334 and, unasked, a 235 in the same write: never taken as authentication.
        srv = self.server(smtp_starttls_prefix(b"250-x\r\n250 AUTH LOGIN\r\n") + [
            ("expect", "AUTH LOGIN"),
            ("send", b"334 VXNlcm5hbWU6\r\n235 2.7.0 Authentication successful\r\n")])
        p, doc = self.json_probe(srv, "--user", USER, "--password-env", "PW",
                                 env={"PW": PASSWORD})
        self.assertEqual(p.returncode, 76, p.stderr)
        self.assertNotEqual(doc["auth"]["result"], "accepted")
        self.assertNotIn(base64.b64encode(PASSWORD.encode()), srv.received)

    def test_imap_preauth_under_implicit_tls_cannot_auth(self):
        srv = self.server([("send", b"* PREAUTH [CAPABILITY IMAP4rev1 AUTH=PLAIN] hi\r\n")],
                          tls="implicit")
        p, doc = self.json_probe(srv, "--user", USER, "--password-env", "PW",
                                 target="imaps://127.0.0.1:%d" % srv.port, env={"PW": PASSWORD})
        self.assertEqual(p.returncode, 76, p.stderr)
        self.assertIn("PREAUTH", doc["error"]["message"])
        self.assertNotIn(b"AUTHENTICATE", srv.received)

    # --- time and broken TLS --------------------------------------------------------------

    def test_slow_greeting_times_out(self):
        srv = self.server([("drip", b"220 slow server greeting here\r\n", 0.2)])
        p, doc = self.json_probe(srv, "--timeout", "1")
        self.assertEqual(p.returncode, 75, p.stderr)
        self.assertEqual(doc["error"]["kind"], "timeout")
        self.assertEqual(doc["error"]["stage"], "greeting")
        self.assertLess(doc["timings_ms"]["total"], 5000)

    def test_silent_after_starttls_go_ahead_times_out(self):
        srv = self.server([SMTP_GREETING, EHLO, ("send", b"250-x\r\n250 STARTTLS\r\n"),
                           ("expect", "STARTTLS"), ("send", b"220 go ahead\r\n"),
                           ("sleep", 3)], drain=0.1)
        p, doc = self.json_probe(srv, "--timeout", "1", "--user", USER, "--password-env", "PW",
                                 env={"PW": PASSWORD})
        self.assertEqual(p.returncode, 75, p.stderr)
        self.assertEqual(doc["error"]["stage"], "tls")
        self.assert_no_credentials(srv)

    def test_close_mid_handshake_is_tls_error(self):
        srv = self.server([SMTP_GREETING, EHLO, ("send", b"250-x\r\n250 STARTTLS\r\n"),
                           ("expect", "STARTTLS"), ("send", b"220 go ahead\r\n"),
                           ("read_bytes", 5), ("close",)])
        p, doc = self.json_probe(srv, "--user", USER, "--password-env", "PW",
                                 env={"PW": PASSWORD})
        self.assertEqual(p.returncode, 80, p.stderr)
        self.assertEqual(doc["error"]["kind"], "tls")
        self.assert_no_credentials(srv)

    def test_wrong_host_certificate_and_insecure(self):
        cert, key = make_self_signed_cert(self.tmp.name, names=("other.invalid",), ips=(),
                                          basename="other")
        script = [SMTP_GREETING, EHLO, ("send", b"250-x\r\n250 AUTH PLAIN\r\n")] + QUIT
        srv = ScriptedServer(script=script, tls="implicit", certfile=cert, keyfile=key)
        srv.start()
        self.addCleanup(srv.close)
        p = subprocess.run([BINARY, "probe", "--json", "smtps://127.0.0.1:%d" % srv.port,
                            "--cafile", cert, "--timeout", "5"], capture_output=True, text=True,
                           timeout=60)
        srv.wait(30)
        doc = json.loads(p.stdout)
        self.assertEqual(p.returncode, 81, p.stderr)
        self.assertEqual(doc["error"]["kind"], "certificate")
        self.assertEqual(doc["error"]["stage"], "tls")
        srv = ScriptedServer(script=script, tls="implicit", certfile=cert, keyfile=key)
        srv.start()
        self.addCleanup(srv.close)
        p = subprocess.run([BINARY, "probe", "--json", "--insecure",
                            "smtps://127.0.0.1:%d" % srv.port, "--cafile", cert, "--timeout", "5"],
                           capture_output=True, text=True, timeout=60)
        srv.wait(30)
        doc = json.loads(p.stdout)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertFalse(doc["tls"]["verified"])
        self.assertTrue(doc["tls"]["verify_error"])

    def test_only_the_post_tls_mechanism_list_counts(self):
        # Cleartext EHLO offers PLAIN and LOGIN; under TLS only CRAM-MD5 is offered.
        srv = self.server([
            SMTP_GREETING, EHLO,
            ("send", b"250-scripted.test\r\n250-AUTH PLAIN LOGIN\r\n250 STARTTLS\r\n"),
            ("expect", "STARTTLS"), ("send", b"220 go\r\n"), ("starttls",), EHLO,
            ("send", b"250-scripted.test\r\n250 AUTH CRAM-MD5\r\n"),
            ("expect", "AUTH CRAM-MD5"),
            ("send", b"334 PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+\r\n"),
            ("line",), ("send", b"235 2.7.0 ok\r\n")] + QUIT)
        p, doc = self.json_probe(srv, "--user", USER, "--password-env", "PW",
                                 env={"PW": PASSWORD})
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(doc["mechanisms"]["offered"], ["CRAM-MD5"])
        self.assertEqual(doc["auth"]["mechanism"], "CRAM-MD5")
        self.assertNotIn(PLAIN_IR.encode(), srv.received)

    def test_auth_offered_only_before_tls_sends_no_credentials(self):
        srv = self.server([
            SMTP_GREETING, EHLO,
            ("send", b"250-scripted.test\r\n250-AUTH PLAIN LOGIN\r\n250 STARTTLS\r\n"),
            ("expect", "STARTTLS"), ("send", b"220 go\r\n"), ("starttls",), EHLO,
            ("send", b"250-scripted.test\r\n250 8BITMIME\r\n")] + QUIT)
        p, doc = self.json_probe(srv, "--user", USER, "--password-env", "PW",
                                 env={"PW": PASSWORD})
        self.assertEqual(p.returncode, 82, p.stderr)
        self.assertEqual(doc["mechanisms"]["offered"], [])
        self.assert_no_credentials(srv)

    # --- cleartext ----------------------------------------------------------------------

    def test_tls_none_refuses_plain_without_flag(self):
        srv = self.server([SMTP_GREETING, EHLO, ("send", b"250-x\r\n250 AUTH PLAIN LOGIN\r\n")]
                          + QUIT)
        p, doc = self.json_probe(srv, "--tls", "none", "--user", USER, "--password-env", "PW",
                                 env={"PW": PASSWORD})
        self.assertEqual(p.returncode, 82, p.stderr)
        self.assertEqual(doc["error"]["kind"], "mechanism-unavailable")
        self.assertIn("--allow-plaintext-auth", doc["error"]["message"])
        self.assertIsNone(doc["tls"])
        self.assertEqual(doc["capabilities"]["before_tls"], ["AUTH PLAIN LOGIN"])
        self.assert_no_credentials(srv)

    def test_tls_none_with_allow_plaintext_auth(self):
        srv = self.server([SMTP_GREETING, EHLO, ("send", b"250-x\r\n250 AUTH PLAIN\r\n"),
                           ("expect", "AUTH PLAIN " + PLAIN_IR), ("send", b"235 ok\r\n")] + QUIT)
        p, doc = self.json_probe(srv, "--tls", "none", "--allow-plaintext-auth", "--user", USER,
                                 "--password-env", "PW", env={"PW": PASSWORD})
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(doc["auth"]["result"], "accepted")

    # --- IMAP and POP3 ------------------------------------------------------------------

    def test_imap_starttls_sasl_ir(self):
        srv = self.server([
            ("send", b"* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] ready\r\n"),
            ("expect", "A1 STARTTLS"),
            ("send", b"A1 OK Begin TLS negotiation now.\r\n"),
            ("starttls",),
            ("expect", "A2 CAPABILITY"),
            ("send", b"* CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN AUTH=LOGIN\r\n"
                     b"A2 OK Pre-login capabilities listed.\r\n"),
            ("expect", "A3 AUTHENTICATE PLAIN " + PLAIN_IR),
            ("send", b"A3 OK [CAPABILITY IMAP4rev1 IDLE] Logged in\r\n"),
            ("expect", "A4 EXAMINE INBOX"),
            ("send", b"* 2 EXISTS\r\n* 0 RECENT\r\nA4 OK [READ-ONLY] Examine completed.\r\n"),
            ("expect", "A5 LOGOUT"),
            ("send", b"* BYE Logging out\r\nA5 OK Logout completed.\r\n"),
        ])
        p, doc = self.json_probe(srv, "--user", USER, "--password-env", "PW",
                                 target="imap://127.0.0.1:%d" % srv.port, env={"PW": PASSWORD})
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(srv.errors, [])
        self.assertEqual(doc["auth"]["result"], "accepted")
        self.assertEqual(doc["capabilities"]["after_tls"],
                         ["IMAP4rev1", "SASL-IR", "AUTH=PLAIN", "AUTH=LOGIN"])
        self.assertEqual(doc["mailbox"]["messages"], 2)

    def test_imap_without_sasl_ir_uses_continuation(self):
        srv = self.server([
            ("send", b"* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready\r\n"),
            ("expect", "A1 AUTHENTICATE PLAIN"),
            ("send", b"+ \r\n"),
            ("expect", PLAIN_IR),
            ("send", b"A1 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n"),
            ("expect", "A2 LOGOUT"),
            ("send", b"A2 OK bye\r\n"),
        ], tls="implicit")
        p, doc = self.json_probe(srv, "--user", USER, "--password-env", "PW",
                                 target="imaps://127.0.0.1:%d" % srv.port, env={"PW": PASSWORD})
        self.assertEqual(p.returncode, 77, p.stderr)
        self.assertEqual(srv.errors, [])
        self.assertEqual(doc["auth"]["round_trips"], 2)

    def test_pop3_stls_sasl(self):
        srv = self.server([
            ("send", b"+OK POP3 ready\r\n"),
            ("expect", "CAPA"),
            ("send", b"+OK\r\nUSER\r\nSTLS\r\n.\r\n"),
            ("expect", "STLS"),
            ("send", b"+OK Begin TLS\r\n"),
            ("starttls",),
            ("expect", "CAPA"),
            ("send", b"+OK\r\nUSER\r\nSASL PLAIN\r\n..X-STUFFED\r\n.\r\n"),
            ("expect", "AUTH PLAIN " + PLAIN_IR),
            ("send", b"+OK Logged in.\r\n"),
            ("expect", "STAT"),
            ("send", b"+OK 3 4567\r\n"),
            ("expect", "QUIT"),
            ("send", b"+OK bye\r\n"),
        ])
        p, doc = self.json_probe(srv, "--user", USER, "--password-env", "PW",
                                 target="pop3://127.0.0.1:%d" % srv.port, env={"PW": PASSWORD})
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual((doc["mailbox"]["messages"], doc["mailbox"]["octets"]), (3, 4567))
        self.assertEqual(srv.errors, [])
        self.assertEqual(doc["capabilities"]["after_tls"], ["USER", "SASL PLAIN", ".X-STUFFED"])

    # --- usage ---------------------------------------------------------------------------

    def test_user_without_secret_and_no_terminal_is_usage_error(self):
        p = subprocess.run([BINARY, "probe", "127.0.0.1:9", "--user", USER],
                           stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30)
        self.assertEqual(p.returncode, 64, p.stderr)


if __name__ == "__main__":
    unittest.main()
