"""Hostile servers that break the reply grammar or the size limits (issue 4 items 2 and 6;
SPEC-NOTES H.2): over-long lines, 1 MiB without a newline, endless multi-line replies,
invalid or mismatched codes, NUL bytes, replies cut mid-line, data before the first command,
terminal escapes in server text. Protocol errors exit 76 with the stage named; memory stays
bounded; nothing is sent in the clear; the output never carries raw control characters."""

import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.environ.get("SMTPAUTH_SOURCE_DIR", os.path.join(HERE, "..", "..")),
                                "tests", "servers"))

import unittest  # noqa: E402

from scripted_server import ProbeCase, good_context  # noqa: E402
from scripted_server import ImapScript, Pop3Script, SmtpScript  # noqa: E402

ESCAPES = b"\x1b]0;pwned-title\x07\x1b[2J\x1b[H\x1b[32mAuthentication succeeded\x1b[0m"


def raw_greeting(data, then_wait=3.0):
    """A scenario that sends `data` as the greeting and then waits for the client to go."""
    def scenario(s):
        s.send(data)
        s.wait_close(then_wait)
    return scenario


def endless(prefix, line_fmt, seconds=10.0):
    def scenario(s):
        s.send(prefix)
        end = time.monotonic() + seconds
        i = 0
        while time.monotonic() < end:
            s.send(b"".join(line_fmt % (i + k) for k in range(100)))
            i += 100
    return scenario


class Limits(ProbeCase):
    def check_protocol(self, server, result, stage, message=None):
        self.assert_failure(result, 76, stage=stage, message=message)
        self.assert_no_secret_sent(server)

    def test_smtp_long_ehlo_line_is_one_reply(self):
        """590-octet EHLO line: within the 64 KiB line cap, accepted and not split."""
        ctx = good_context()
        caps = [b"hostile.test", b"X-PAD-" + b"B" * 590, b"STARTTLS", b"AUTH PLAIN"]
        server = self.serve(SmtpScript(ctx, caps_clear=caps))
        r = self.probe(server, f"smtp://127.0.0.1:{server.port}", user=None)
        self.assertEqual(r.status, 0, r.text())
        self.assertIn("X-PAD-" + "B" * 590, r.json["capabilities"]["before_tls"])

    def test_one_mib_without_newline(self):
        for proto, prefix in (("smtp", b"220 "), ("imap", b"* OK "), ("pop3", b"+OK ")):
            with self.subTest(proto=proto):
                server = self.serve(raw_greeting(prefix + b"A" * (1 << 20), then_wait=10))
                r = self.probe(server, f"{proto}://127.0.0.1:{server.port}")
                self.check_protocol(server, r, "greeting", r"(?i)line|long|limit|exceed")
                self.assertLess(len(r.stdout), 10000, "the output is bounded too")

    def test_endless_multiline(self):
        cases = (
            ("smtp", b"220-hostile.test\r\n", b"220-X-FILLER-%08d\r\n", "greeting"),
            ("pop3", None, None, "capabilities"),
        )
        for proto, prefix, fmt, stage in cases:
            with self.subTest(proto=proto):
                if proto == "pop3":
                    def scenario(s):
                        s.send(b"+OK ready\r\n")
                        s.readline()
                        endless(b"+OK capa\r\n", b"X-FILLER-%08d\r\n")(s)
                    server = self.serve(scenario)
                else:
                    server = self.serve(endless(prefix, fmt))
                start = time.monotonic()
                r = self.probe(server, f"{proto}://127.0.0.1:{server.port}")
                self.check_protocol(server, r, stage, r"(?i)lines|limit|more than|exceed|too")
                self.assertLess(time.monotonic() - start, 10, "capped, not timed out")

    def test_smtp_endless_ehlo(self):
        def scenario(s):
            s.send(b"220 hostile.test\r\n")
            s.readline()
            endless(b"250-hostile.test\r\n", b"250-X-FILLER-%08d\r\n")(s)
        server = self.serve(scenario)
        r = self.probe(server, f"smtp://127.0.0.1:{server.port}")
        self.check_protocol(server, r, "capabilities", r"lines in one reply")

    def test_imap_endless_untagged(self):
        def scenario(s):
            s.send(b"* OK ready\r\n")
            s.readline()
            endless(b"", b"* CAPABILITY X-FILLER-%08d\r\n")(s)
        server = self.serve(scenario)
        r = self.probe(server, f"imap://127.0.0.1:{server.port}")
        self.check_protocol(server, r, "capabilities", r"(?i)lines|limit|more than|exceed|too")

    def test_smtp_invalid_reply_codes(self):
        for greeting in (b"abc-hostile.test\r\n999 AUTH PLAIN LOGIN STARTTLS\r\n",
                         b"999 hostile.test\r\n",
                         b"2200 hostile\r\n",
                         b"220-hostile\r\n250 mismatched code\r\n",
                         b"22 short\r\n"):
            with self.subTest(greeting=greeting):
                server = self.serve(raw_greeting(greeting))
                r = self.probe(server, f"smtp://127.0.0.1:{server.port}")
                self.check_protocol(server, r, "greeting")
                self.assertEqual(server.session.commands("HELO"), [])

    def test_smtp_mismatched_ehlo_codes(self):
        def scenario(s):
            s.send(b"220 hostile.test\r\n")
            s.readline()
            s.send(b"250-hostile.test\r\n251-AUTH PLAIN\r\n550 STARTTLS\r\n")
            s.wait_close(3)
        server = self.serve(scenario)
        r = self.probe(server, f"smtp://127.0.0.1:{server.port}")
        self.check_protocol(server, r, "capabilities")
        self.assertEqual(server.session.commands("HELO"), [], "no HELO fallback")

    def test_nul_bytes(self):
        for proto, greeting in (("smtp", b"220 hostile\0.test ESMTP \0\0 nul\r\n"),
                                ("imap", b"* OK hostile\0.test\r\n"),
                                ("pop3", b"+OK hostile\0.test\r\n")):
            with self.subTest(proto=proto):
                server = self.serve(raw_greeting(greeting))
                r = self.probe(server, f"{proto}://127.0.0.1:{server.port}")
                self.check_protocol(server, r, "greeting", r"(?i)NUL|control|character")

    def test_smtp_nul_in_ehlo(self):
        server = self.serve(SmtpScript(caps_clear=[b"hostile.test", b"X-NUL\0INSIDE",
                                                   b"STARTTLS"]))
        r = self.probe(server, f"smtp://127.0.0.1:{server.port}")
        self.check_protocol(server, r, "capabilities", r"(?i)NUL|control|character")

    def test_reply_cut_mid_line(self):
        def smtp(s):
            s.send(b"220 hostile.test\r\n")
            s.readline()
            s.send(b"250-hostile.test\r\n250-AUTH PL")
        def imap(s):
            s.send(b"* OK ready\r\n")
            s.readline()
            s.send(b"* CAPABILITY IMAP4rev1 STAR")
        def pop3(s):
            s.send(b"+OK ready\r\n")
            s.readline()
            s.send(b"+OK\r\nSASL PL")
        for proto, scenario in (("smtp", smtp), ("imap", imap), ("pop3", pop3)):
            with self.subTest(proto=proto):
                server = self.serve(scenario)
                r = self.probe(server, f"{proto}://127.0.0.1:{server.port}")
                self.check_protocol(server, r, "capabilities", r"(?i)closed")

    def test_data_before_first_command(self):
        """Unsolicited data pipelined before the client spoke is flagged, never used."""
        cases = (
            ("smtp", b"220 hostile.test\r\n250-hostile.test\r\n250 AUTH PLAIN LOGIN\r\n"),
            ("imap", b"* OK ready\r\n* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\nA1 OK done\r\n"),
            ("pop3", b"+OK ready\r\n+OK\r\nSASL PLAIN\r\n.\r\n"),
        )
        for proto, data in cases:
            with self.subTest(proto=proto):
                server = self.serve(raw_greeting(data))
                r = self.probe(server, f"{proto}://127.0.0.1:{server.port}")
                self.assert_failure(r, 76, message=r"(?i)before|unsolicited|pipelin|unexpected")
                self.assertIn(r.error.get("stage"), ("greeting", "capabilities"), r.text())
                self.assert_no_secret_sent(server)


class UntrustedText(ProbeCase):
    """Terminal escapes from the server are printed neutralised (human, -v and JSON)."""

    def test_escapes_in_greeting_and_capabilities(self):
        ctx = good_context()
        for proto, script in (
            ("smtp", SmtpScript(ctx, greeting=b"220 hostile.test " + ESCAPES + b"\r\n",
                                caps_tls=[b"hostile " + ESCAPES, b"AUTH PLAIN"],
                                auth=lambda s, l: s.send(b"535 5.7.8 " + ESCAPES + b"\r\n"))),
            ("imap", ImapScript(ctx, greeting=b"* OK " + ESCAPES + b"\r\n",
                                auth=lambda s, l, tag: s.send(tag + b" NO " + ESCAPES + b"\r\n"))),
            ("pop3", Pop3Script(ctx, greeting=b"+OK " + ESCAPES + b"\r\n",
                                auth=lambda s, l: s.send(b"-ERR " + ESCAPES + b"\r\n"))),
        ):
            for mode in ((), ("-v",), ("--json",), ("--json", "-v")):
                with self.subTest(proto=proto, mode=mode):
                    server = self.serve(script)
                    r = self.probe(server, f"{proto}://127.0.0.1:{server.port}",
                                   json_out=False, extra=mode)
                    # The greeting's control characters break the reply grammar (76).
                    self.assertEqual(r.status, 76, r.text())
                    self.assert_clean_output(r)
                    self.assert_no_secret_in_output(r)
                    # The report or the failure line (stderr) shows it, escaped.
                    self.assertIn(b"pwned-title", r.stdout + r.stderr,
                                  "the text is shown, escaped")

    def test_c1_controls_and_invalid_utf8_in_accepted_replies(self):
        """8-bit text passes the reply grammar, so it reaches the renderers: C1 controls
        (U+009B CSI, U+009D OSC in UTF-8) and raw 0x9B must come out escaped."""
        ctx = good_context()
        c1 = "\u009b2J\u009d0;c1-title\u009c".encode() + b" raw\x9b31m"
        for proto, script in (
            ("smtp", SmtpScript(ctx, greeting=b"220 hostile.test " + c1 + b"\r\n",
                                auth=lambda s, l: s.send(b"535 5.7.8 " + c1 + b"\r\n"))),
            ("imap", ImapScript(ctx, greeting=b"* OK " + c1 + b"\r\n",
                                auth=lambda s, l, tag: s.send(tag + b" NO " + c1 + b"\r\n"))),
            ("pop3", Pop3Script(ctx, greeting=b"+OK " + c1 + b"\r\n",
                                auth=lambda s, l: s.send(b"-ERR " + c1 + b"\r\n"))),
        ):
            for mode in ((), ("-v",), ("--json",), ("--json", "-v")):
                with self.subTest(proto=proto, mode=mode):
                    server = self.serve(script)
                    r = self.probe(server, f"{proto}://127.0.0.1:{server.port}",
                                   json_out=False, extra=("--mech", "PLAIN", *mode))
                    self.assertEqual(r.status, 77, r.text())
                    out = r.stdout + r.stderr
                    self.assertNotIn(b"\xc2\x9b", out)
                    self.assertNotIn(b"\xc2\x9d", out)
                    self.assert_clean_output(r)
                    self.assertIn(b"c1-title", r.stdout, "the text is shown, escaped")

    def test_cleartext_greeting_is_labelled_unauthenticated(self):
        ctx = good_context()
        server = self.serve(SmtpScript(ctx, greeting=b"220 bank.example ESMTP all is well\r\n"))
        r = self.probe(server, f"smtp://127.0.0.1:{server.port}", json_out=False, user=None)
        self.assertEqual(r.status, 0, r.text())
        line = [l for l in r.stdout.decode().splitlines() if "all is well" in l]
        self.assertEqual(len(line), 1, r.text())
        self.assertRegex(line[0], r"(?i)unauthenticated|cleartext")


if __name__ == "__main__":
    unittest.main()
