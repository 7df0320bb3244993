"""End-to-end: `smtpauth session` through a pipe against a real Dovecot 2.3 (submission
relaying to tests/servers/smtp_receiver.py, IMAP, POP3): typed lines reach the server
unchanged (lines beginning with R, Q, K included), IMAP tags, QUIT/LOGOUT at end of input,
exit statuses, the -v transcript and redaction. The terminal cases are in
test_session_terminal.py."""

import base64
import glob
import json
import os
import re
import sys
import unittest

from sessiontest import BINARY, K_LINE, Q_LINE, R_LINE, SOURCE_DIR, run_piped

sys.path.insert(0, os.path.join(SOURCE_DIR, "tests", "servers"))
from dovecot_server import DovecotServer  # noqa: E402  (path set above)

SECRET_ENV = "SMTPAUTH_TEST_SECRET"
SERVER = None
INFO = None


def setUpModule():
    global SERVER, INFO
    SERVER = DovecotServer()
    INFO = SERVER.start()


def tearDownModule():
    if SERVER is not None:
        SERVER.cleanup()


def url(listener):
    scheme = {"submission": "smtp", "submissions": "smtps", "imap": "imap", "imaps": "imaps",
              "pop3": "pop3", "pop3s": "pop3s"}[listener]
    return f"{scheme}://{INFO['host']}:{INFO['ports'][listener]}"


def session(listener, lines, *extra, user=True):
    env = dict(os.environ)
    env[SECRET_ENV] = INFO["users"]["alice"]
    auth = ["--user", "alice", "--password-env", SECRET_ENV] if user else []
    p = run_piped([url(listener), "--cafile", INFO["ca"], "--timeout", "10", *auth, *extra],
                  "".join(line + "\n" for line in lines), env=env)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def spooled():
    return sorted(glob.glob(os.path.join(INFO["smtp_spool"], "*.json")))


class SessionCase(unittest.TestCase):
    def check(self, result, status):
        code, out, err = result
        self.assertEqual(code, status, f"stdout:\n{out}\nstderr:\n{err}")
        password = INFO["users"]["alice"]
        plain = base64.b64encode(b"\0alice\0" + password.encode()).decode()
        for text in (out, err):
            self.assertNotIn(password, text)
            self.assertNotIn(plain, text)
        return out, err


class TestSmtp(SessionCase):
    def test_typed_envelope_and_message_reach_the_receiver_then_typed_quit(self):
        before = spooled()
        body = ["Subject: session test", "", K_LINE, Q_LINE, R_LINE, "Quit is not a command",
                "kilo", ".."]
        out, _ = self.check(session("submission", [
            "MAIL FROM:<alice@example.com>", "RCPT TO:<bob@example.org>",
            "RCPT TO:<carol@example.org>", "DATA", *body, ".", "QUIT"], "--mech", "PLAIN"), 0)
        new = [p for p in spooled() if p not in before]
        self.assertEqual(len(new), 1, out)
        with open(new[0], encoding="utf-8") as f:
            rec = json.load(f)
        self.assertEqual(rec["mail_from"], "alice@example.com")
        self.assertEqual(rec["rcpt_tos"], ["bob@example.org", "carol@example.org"])
        data = base64.b64decode(rec["data_b64"])
        # Each typed line arrived as typed ("..": dot-stuffing is the typist's job).
        self.assertIn(b"\r\n\r\n" + "\r\n".join(body[2:-1]).encode() + b"\r\n.\r\n", data)
        self.assertRegex(out, r"(?m)^250 2\.0\.0 .*Ok: queued as Q\d+N\d+")
        self.assertRegex(out, r"(?m)^221 ")
        self.assertIn("* AUTH ", out)  # smtpauth's own AUTH is reported,
        self.assertRegex(out, r"> AUTH \S+ <redacted")  # and its line redacted

    def test_end_of_input_sends_quit_and_exit_from_last_reply(self):
        out, _ = self.check(session("submission", ["NOOP"], "-v"), 0)
        self.assertRegex(out, r"(?m)^ +\d+ ms C: NOOP$")
        self.assertRegex(out, r"(?m)^ +\d+ ms C: QUIT$")
        self.assertRegex(out, r"(?m)^ +\d+ ms S: 221 ")
        # The QUIT comes after the NOOP's reply (the wait at end of input).
        self.assertLess(out.index("S: 250 2.0.0 OK"), out.index("C: QUIT"))

    def test_negative_last_reply_is_86(self):
        _, err = self.check(session("submission", ["RCPT TO:<bob@example.org>"]), 86)
        self.assertIn("FAILED at session: the last reply was negative: 5", err)

    def test_verbose_transcript_redacts_and_show_secrets_reveals(self):
        out, _ = self.check(session("submissions", ["NOOP"], "-v", "--mech", "PLAIN"), 0)
        self.assertRegex(out, r"(?m)^ +\d+ ms S: 220 ")
        self.assertRegex(out, r"(?m)^ +\d+ ms C: EHLO ")
        self.assertRegex(out, r"(?m)^ +\d+ ms C: AUTH PLAIN <redacted: \d+ bytes base64>$")
        self.assertRegex(out, r"(?m)^ +\d+ ms \* TLS established: ")
        code, out, _ = session("submissions", ["NOOP"], "-v", "--mech", "PLAIN",
                               "--show-secrets")
        self.assertEqual(code, 0)
        plain = base64.b64encode(b"\0alice\0" + INFO["users"]["alice"].encode()).decode()
        self.assertIn("C: AUTH PLAIN " + plain, out)

    def test_typed_auth_login_challenges_decoded_credentials_hidden(self):
        user = base64.b64encode(b"alice").decode()
        password = base64.b64encode(INFO["users"]["alice"].encode()).decode()
        out, _ = self.check(session("submission", ["AUTH LOGIN", user, password, "NOOP"], "-v",
                                    user=False), 0)
        self.assertIn("S: 334 VXNlcm5hbWU6   [decoded: Username:]", out)
        self.assertIn("S: 334 UGFzc3dvcmQ6   [decoded: Password:]", out)
        self.assertRegex(out, r"S: 235 2\.7\.0 ")
        self.assertNotIn(user, out)
        self.assertNotIn(password, out)
        self.assertRegex(out, r"C: <redacted: \d+ bytes base64>")


class TestImap(SessionCase):
    def test_untagged_commands_get_tags_and_base64_lines_arrive_unchanged(self):
        out, _ = self.check(session("imaps", ["CAPABILITY", "select INBOX", K_LINE,
                                              "x1 NOOP"]), 0)
        self.assertRegex(out, r"(?m)^A\d+ OK .*Capability completed")
        self.assertRegex(out, r"(?m)^A\d+ OK \[READ-WRITE\] Select completed")
        # The line arrived as typed: Dovecot answers with its first word as the tag.
        self.assertRegex(out, r"(?m)^" + re.escape(K_LINE) + r" BAD ")
        self.assertRegex(out, r"(?m)^x1 OK NOOP completed")
        self.assertRegex(out, r"(?m)^> A\d+ LOGOUT$")  # end of input: LOGOUT, echoed
        self.assertRegex(out, r"(?m)^\* BYE ")
        self.assertRegex(out, r"(?m)^A\d+ OK Logout completed")

    def test_raw_sends_lines_untouched(self):
        out, _ = self.check(session("imap", ["CAPABILITY", Q_LINE + " NOOP", R_LINE],
                                    "--raw", "-v"), 86)
        self.assertRegex(out, r"(?m)C: CAPABILITY$")
        self.assertRegex(out, r"(?m)S: CAPABILITY BAD ")
        self.assertRegex(out, r"(?m)S: " + re.escape(Q_LINE) + " OK NOOP completed")
        self.assertRegex(out, r"(?m)S: " + re.escape(R_LINE) + " BAD ")
        self.assertRegex(out, r"(?m)C: A\d+ LOGOUT$")

    def test_typed_login_is_redacted(self):
        password = INFO["users"]["alice"]
        out, _ = self.check(session("imap", ['LOGIN alice "%s"' % password, "NOOP"], "-v",
                                    "--tls", "starttls", user=False), 0)
        self.assertRegex(out, r"C: A\d+ LOGIN <redacted>")
        self.assertRegex(out, r"S: A\d+ OK .*Logged in")


class TestPop3(SessionCase):
    def test_lines_arrive_unchanged_and_quit_at_end_of_input(self):
        out, _ = self.check(session("pop3s", ["STAT", R_LINE, "LIST", "NOOP"], "-v"), 0)
        self.assertRegex(out, r"S: \+OK 0 0")
        self.assertRegex(out, r"(?m)C: " + re.escape(R_LINE) + "$")
        self.assertRegex(out, r"S: -ERR Unknown command: ")
        self.assertRegex(out, r"(?m)C: QUIT$")
        self.assertRegex(out, r"S: \+OK Logging out")

    def test_negative_last_reply_is_86(self):
        _, err = self.check(session("pop3", ["RETR 1"], "--tls", "starttls"), 86)
        self.assertIn("the last reply was negative: -ERR", err)


class TestSetup(SessionCase):
    def test_wrong_password_is_77_and_nothing_is_relayed(self):
        env = dict(os.environ)
        env[SECRET_ENV] = "wrong password"
        p = run_piped([url("imaps"), "--cafile", INFO["ca"], "--user", "alice",
                       "--password-env", SECRET_ENV], "NOOP\n", env=env)
        self.assertEqual(p.returncode, 77, p.stderr)
        self.assertIn(b"FAILED at auth", p.stderr)
        self.assertNotIn(b"NOOP", p.stdout)

    def test_certificate_checked_like_probe(self):
        p = run_piped([url("imaps")], "NOOP\n")  # no --cafile: the test CA is unknown
        self.assertEqual(p.returncode, 81, p.stderr)


if __name__ == "__main__":
    unittest.main()
