"""End-to-end: `smtpauth session` in a real terminal (a private tmux server: send-keys and
capture-pane) against a real Dovecot 2.3, submission relaying to smtp_receiver.py: typed
RCPT TO:, base64 lines beginning with K, Q and R, and QUIT reach the server unchanged;
Ctrl-C and Ctrl-D end the session with QUIT/LOGOUT; exit statuses; no secret on screen."""

import base64
import glob
import json
import os
import re
import sys
import unittest

from sessiontest import BINARY, K_LINE, Q_LINE, R_LINE, SOURCE_DIR, Terminal

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


class TerminalCase(unittest.TestCase):
    def start(self, scheme, listener, *extra):
        target = f"{scheme}://{INFO['host']}:{INFO['ports'][listener]}"
        term = Terminal([BINARY, "session", target, "--cafile", INFO["ca"], "--timeout", "10",
                         "--user", "alice", "--password-env", SECRET_ENV, *extra],
                        env={SECRET_ENV: INFO["users"]["alice"]})
        self.addCleanup(term.close)
        term.wait_for(r"\* ready: ")
        return term

    def no_secret(self, screen):
        password = INFO["users"]["alice"]
        self.assertNotIn(password, screen)
        self.assertNotIn(base64.b64encode(b"\0alice\0" + password.encode()).decode(), screen)


class TestTerminal(TerminalCase):
    def test_smtp_rcpt_base64_lines_and_quit_typed(self):
        spool = set(glob.glob(os.path.join(INFO["smtp_spool"], "*.json")))
        term = self.start("smtp", "submission")
        term.type_line("MAIL FROM:<alice@example.com>")
        term.wait_for(r"^250 2\.1\.0 ")
        term.type_line("RCPT TO:<renegotiate@example.org>")
        term.wait_for(r"RCPT TO:<renegotiate@example\.org>\n250 ")
        term.type_line("DATA")
        term.wait_for(r"^354 ")
        for line in ("Subject: terminal", "", K_LINE, Q_LINE, R_LINE, "k", "."):
            term.type_line(line)
        term.wait_for(r"(?m)^250 2\.0\.0 .*queued as ")
        term.type_line("QUIT")
        self.assertEqual(term.exit_status(), 0)
        screen = term.screen()
        self.assertRegex(screen, r"(?m)^221 ")
        self.no_secret(screen)
        new = set(glob.glob(os.path.join(INFO["smtp_spool"], "*.json"))) - spool
        self.assertEqual(len(new), 1, screen)
        with open(new.pop(), encoding="utf-8") as f:
            rec = json.load(f)
        self.assertEqual(rec["rcpt_tos"], ["renegotiate@example.org"])
        data = base64.b64decode(rec["data_b64"])
        self.assertIn(("\r\n".join([K_LINE, Q_LINE, R_LINE, "k"]) + "\r\n").encode(), data)

    def test_imap_ctrl_c_sends_logout(self):
        term = self.start("imaps", "imaps")
        term.type_line("noop")
        term.wait_for(r"^A\d+ OK NOOP completed")
        term.type_line(R_LINE)
        term.wait_for(r"^" + re.escape(R_LINE) + " BAD ")
        term.type_line("NOOP")  # the last reply (positive) decides the exit status
        screen = term.wait_for(r"(?s)NOOP completed.*NOOP completed")
        term.keys("C-c")
        self.assertEqual(term.exit_status(), 0)
        screen = term.screen()
        self.assertIn("* interrupted (Ctrl-C): sending LOGOUT", screen)
        self.assertRegex(screen, r"(?m)^> A\d+ LOGOUT$")
        self.assertRegex(screen, r"(?m)^A\d+ OK Logout completed")
        self.no_secret(screen)

    def test_pop3_ctrl_d_sends_quit_and_verbose_transcript(self):
        term = self.start("pop3s", "pop3s", "-v", "--mech", "PLAIN")
        term.type_line("STAT")
        term.wait_for(r"S: \+OK \d+ \d+")
        term.type_line(Q_LINE)
        term.wait_for(r"S: -ERR ")
        term.keys("C-d")
        # The last reply was -ERR: 86 after QUIT.
        self.assertEqual(term.exit_status(), 86)
        screen = term.screen()
        self.assertRegex(screen, r"(?m)^ +\d+ ms C: " + re.escape(Q_LINE) + "$")
        self.assertRegex(screen, r"(?m)^ +\d+ ms C: QUIT$")
        self.assertRegex(screen, r"(?m)^ +\d+ ms S: \+OK Logging out")
        self.assertRegex(screen, r"C: AUTH \S+ <redacted")
        self.no_secret(screen)


if __name__ == "__main__":
    unittest.main()
