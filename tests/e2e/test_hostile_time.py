"""Hostile servers that stall (issue 4 item 3; fetchmail CVE-2011-1947): a greeting at one
byte per second, silence after the STARTTLS go-ahead, a close in the middle of the TLS
handshake or of AUTH. Each ends in a clear error within the configured --timeout/--deadline
(the elapsed-time bound is generous: limit + 5 s), with no credential sent."""

import os
import socket
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.environ.get("SMTPAUTH_SOURCE_DIR", os.path.join(HERE, "..", "..")),
                                "tests", "servers"))

import unittest  # noqa: E402

from scripted_server import ProbeCase, good_context  # noqa: E402
from scripted_server import ImapScript, Pop3Script, SmtpScript  # noqa: E402

SLACK = 5.0


def slowloris(text, seconds=30):
    def scenario(s):
        end = time.monotonic() + seconds
        for b in text:
            if time.monotonic() > end:
                return
            s.send(bytes([b]))
            time.sleep(1.0)
    return scenario


class Time(ProbeCase):
    def test_slowloris_greeting_hits_the_deadline(self):
        """One byte per second: each read makes progress, only the whole deadline stops it."""
        server = self.serve(slowloris(b"220 " + b"s" * 60 + b"\r\n"))
        r = self.probe(server, f"smtp://127.0.0.1:{server.port}",
                       extra=["--timeout", "3", "--deadline", "4"])
        self.assert_failure(r, 75, stage="greeting", message=r"(?i)time|deadline")
        self.assertLess(r.elapsed, 4 + SLACK)

    def test_slowloris_per_step_timeout(self):
        server = self.serve(slowloris(b"* OK " + b"s" * 60 + b"\r\n"))
        r = self.probe(server, f"imap://127.0.0.1:{server.port}",
                       extra=["--timeout", "2", "--deadline", "60"])
        self.assert_failure(r, 75, stage="greeting", message=r"(?i)time|deadline")
        self.assertLess(r.elapsed, 2 + SLACK, "the per-step timeout bounds a whole reply")

    def test_silence_after_go_ahead(self):
        def smtp(s):
            s.send(b"220 2.0.0 Ready to start TLS\r\n")
            s.wait_close(30)
            return False

        def imap(s, tag):
            s.send(tag + b" OK Begin TLS\r\n")
            s.wait_close(30)
            return False

        def pop3(s):
            s.send(b"+OK Begin TLS\r\n")
            s.wait_close(30)
            return False
        for proto, script in (("smtp", SmtpScript(starttls=smtp)),
                              ("imap", ImapScript(starttls=imap)),
                              ("pop3", Pop3Script(stls=pop3))):
            with self.subTest(proto=proto):
                server = self.serve(script)
                r = self.probe(server, f"{proto}://127.0.0.1:{server.port}",
                               extra=["--timeout", "2", "--deadline", "20"])
                self.assert_failure(r, 75, stage="tls", message=r"(?i)time")
                self.assertLess(r.elapsed, 2 + SLACK)
                self.assert_no_secret_sent(server)

    def test_close_mid_handshake(self):
        def smtp(s):
            s.send(b"220 2.0.0 Ready to start TLS\r\n")
            s.sock.settimeout(5)
            try:
                s.sock.recv(5)  # the first bytes of the ClientHello
            except OSError:
                pass
            s.sock.shutdown(socket.SHUT_RDWR)
            return False

        def imap(s, tag):
            s.send(tag + b" OK Begin TLS\r\n")
            return close_after_hello(s)

        def pop3(s):
            s.send(b"+OK Begin TLS\r\n")
            return close_after_hello(s)

        def close_after_hello(s):
            s.sock.settimeout(5)
            try:
                s.sock.recv(5)
            except OSError:
                pass
            s.sock.shutdown(socket.SHUT_RDWR)
            return False
        for proto, script in (("smtp", SmtpScript(starttls=smtp)),
                              ("imap", ImapScript(starttls=imap)),
                              ("pop3", Pop3Script(stls=pop3))):
            with self.subTest(proto=proto):
                server = self.serve(script)
                r = self.probe(server, f"{proto}://127.0.0.1:{server.port}",
                               extra=["--timeout", "5"])
                self.assert_failure(r, 80, stage="tls")
                self.assertLess(r.elapsed, 5 + SLACK)
                self.assert_no_secret_sent(server)
                # no cleartext retry: one connection only
                self.assertEqual(len(server.sessions), 1)

    def test_close_mid_auth(self):
        ctx = good_context()

        def auth(s, line):
            s.send(b"334 ")  # half a challenge, then FIN
            return False
        server = self.serve(SmtpScript(ctx, caps_tls=[b"hostile.test", b"AUTH LOGIN"],
                                       auth=auth))
        r = self.probe(server, f"smtp://127.0.0.1:{server.port}", extra=["--timeout", "5"])
        self.assert_failure(r, 76, stage="auth", message=r"(?i)closed")
        self.assertLess(r.elapsed, 5 + SLACK)

    def test_silence_during_auth(self):
        ctx = good_context()

        def auth(s, line):
            s.wait_close(30)
            return False
        server = self.serve(SmtpScript(ctx, auth=auth))
        r = self.probe(server, f"smtp://127.0.0.1:{server.port}",
                       extra=["--timeout", "2", "--mech", "PLAIN"])
        self.assert_failure(r, 75, stage="auth", message=r"(?i)time")
        self.assertLess(r.elapsed, 2 + SLACK)


if __name__ == "__main__":
    unittest.main()
