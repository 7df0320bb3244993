"""`smtpauth session` against scripted servers, for what Dovecot will not do on cue: close
the connection mid-conversation (with and without a 421), send a line over the limit, leave
a reply out, a multi-line reply arriving while the user goes on typing, end of input inside
DATA. Exact exit statuses and what the server received."""

import os
import subprocess
import sys
import time
import unittest

from sessiontest import BINARY

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "servers"))
from scripted_server import ScriptedServer  # noqa: E402

GREETING = ("send", b"220 scripted.test ESMTP ready\r\n")
EHLO = [("expect", r"EHLO \S+"), ("send", b"250-scripted.test\r\n250 8BITMIME\r\n")]


class Scripted(unittest.TestCase):
    def server(self, script, drain=1.0):
        srv = ScriptedServer(script=script, timeout=10, drain_seconds=drain)
        srv.start()
        self.addCleanup(srv.close)
        return srv

    def command(self, srv, *extra):
        return [BINARY, "session", "smtp://127.0.0.1:%d" % srv.port, "--tls", "none",
                "--ehlo", "client.test", "--timeout", "2", *extra]

    def piped(self, srv, text, *extra):
        p = subprocess.run(self.command(srv, *extra), input=text.encode(), capture_output=True,
                           timeout=30)
        srv.wait(15)
        return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")

    def lines(self, srv):
        return [l.decode("latin-1") for _, l in srv.lines]


class TestServerEnds(Scripted):
    def open_input(self, srv, first_line):
        """The user types one line and keeps the input open (as at a terminal)."""
        p = subprocess.Popen(self.command(srv), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
        self.addCleanup(lambda: p.poll() is None and p.kill())
        p.stdin.write(first_line.encode() + b"\n")
        p.stdin.flush()
        try:
            out, err = p.communicate(timeout=20)
        finally:
            if p.stdin and not p.stdin.closed:
                p.stdin.close()
        srv.wait(15)
        return p.returncode, out.decode(errors="replace"), err.decode(errors="replace")

    def test_server_closes_mid_session_is_76_with_a_clear_message(self):
        srv = self.server([GREETING, *EHLO, ("expect", "NOOP"), ("send", b"250 ok\r\n"),
                           ("close",)])
        code, out, err = self.open_input(srv, "NOOP")
        self.assertEqual(code, 76, err)
        self.assertIn("FAILED at session: the server closed the connection", err)
        self.assertRegex(out, r"(?m)^250 ok$")

    def test_421_then_close_names_the_last_line(self):
        srv = self.server([GREETING, *EHLO, ("expect", "NOOP"),
                           ("send", b"421 4.4.2 scripted.test idle too long, closing\r\n"),
                           ("close",)])
        code, _, err = self.open_input(srv, "NOOP")
        self.assertEqual(code, 76, err)
        self.assertIn("the server closed the connection (its last line: 421 4.4.2", err)

    def test_line_over_the_limit_is_76(self):
        srv = self.server([GREETING, *EHLO, ("expect", "NOOP"),
                           ("send", b"250 " + b"x" * 70000 + b"\r\n")])
        code, _, err = self.open_input(srv, "NOOP")
        self.assertEqual(code, 76, err)
        self.assertIn("line from the server longer than the limit of 65536 bytes", err)


class TestEndOfInput(Scripted):
    def test_reply_that_never_comes_is_75_and_quit_still_sent(self):
        srv = self.server([GREETING, *EHLO, ("expect", "NOOP"), ("expect", "QUIT"),
                           ("send", b"221 bye\r\n")])
        start = time.monotonic()
        code, _, err = self.piped(srv, "NOOP\n")
        self.assertLess(time.monotonic() - start, 15)
        self.assertEqual(code, 75, err)
        self.assertIn("no reply to the last command within 2 s", err)
        self.assertEqual(self.lines(srv)[-2:], ["NOOP", "QUIT"])

    def test_input_ending_inside_data_sends_no_dot_and_no_quit(self):
        srv = self.server([GREETING, *EHLO, ("expect", "DATA"), ("send", b"354 go on\r\n")])
        code, _, err = self.piped(srv, "DATA\nSubject: unfinished\n")
        self.assertEqual(code, 65, err)
        self.assertIn("the session ended inside DATA", err)
        lines = self.lines(srv)
        self.assertNotIn(".", lines)
        self.assertNotIn("QUIT", lines)
        self.assertEqual(lines[-1], "Subject: unfinished")

    def test_message_text_waits_for_354_and_is_dropped_when_data_is_refused(self):
        srv = self.server([GREETING, *EHLO, ("expect", "DATA"), ("sleep", 0.3),
                           ("send", b"554 5.5.1 no valid recipients\r\n"), ("expect", "NOOP"),
                           ("send", b"250 2.0.0 ok\r\n"), ("expect", "QUIT"),
                           ("send", b"221 bye\r\n")])
        code, out, err = self.piped(srv, "DATA\nRSET\nQUIT is text here\n.\nNOOP\n")
        self.assertEqual(code, 0, err)
        self.assertEqual(self.lines(srv)[-3:], ["DATA", "NOOP", "QUIT"])
        self.assertIn("* DATA was refused: the message text typed for it is not sent", out)

    def test_typed_line_over_the_limit_is_not_sent(self):
        srv = self.server([GREETING, *EHLO, ("expect", "NOOP"), ("send", b"250 ok\r\n"),
                           ("expect", "QUIT"), ("send", b"221 bye\r\n")])
        code, out, err = self.piped(srv, "y" * 70000 + "\nNOOP\n")
        self.assertEqual(code, 0, err)
        self.assertIn("* a typed line longer than 65536 bytes was not sent", out)
        self.assertEqual(self.lines(srv)[-2:], ["NOOP", "QUIT"])

    def test_data_without_reply_is_75_and_its_text_not_sent(self):
        srv = self.server([GREETING, *EHLO, ("expect", "DATA")], drain=4.0)
        code, out, err = self.piped(srv, "DATA\nSubject: held\n.\n")
        self.assertEqual(code, 75, err)
        self.assertIn("no reply to DATA within 2 s", err)
        self.assertIn("* 2 typed lines were not sent (DATA had no reply)", out)
        self.assertEqual(self.lines(srv)[-1], "DATA")

    def test_help_documents_the_exit_statuses(self):
        p = subprocess.run([BINARY, "session", "--help"], capture_output=True, timeout=30)
        self.assertEqual(p.returncode, 0)
        out = p.stdout.decode()
        self.assertIn("86 it was negative", out)
        self.assertIn("--raw", out)

    def test_typing_goes_on_while_a_multi_line_reply_arrives(self):
        # The reply to NOOP arrives in pieces; RSET (already typed) reaches the server in
        # between, and both replies are shown in order.
        srv = self.server([GREETING, *EHLO, ("expect", "NOOP"), ("send", b"250-first part\r\n"),
                           ("expect", "RSET"), ("sleep", 0.2), ("send", b"250 last part\r\n"),
                           ("send", b"250 2.0.0 reset\r\n"), ("expect", "QUIT"),
                           ("send", b"221 bye\r\n")])
        code, out, err = self.piped(srv, "NOOP\nRSET\n")
        self.assertEqual(code, 0, err)
        self.assertIn("250-first part\n250 last part\n250 2.0.0 reset\n", out)
        self.assertEqual(self.lines(srv)[-3:], ["NOOP", "RSET", "QUIT"])


if __name__ == "__main__":
    unittest.main()
