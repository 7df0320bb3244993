"""Hostile servers at the STARTTLS boundary (issue 4 item 1; SPEC-NOTES H.1): responses
injected after the go-ahead (curl CVE-2021-22947, Mutt CVE-2020-14954), STARTTLS missing or
refused (stripping), IMAP PREAUTH (CVE-2020-12398, CVE-2014-2567), injected success replies.
Each case asserts the exit status, the message and that no credential crossed the wire."""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.environ.get("SMTPAUTH_SOURCE_DIR", os.path.join(HERE, "..", "..")),
                                "tests", "servers"))

import unittest  # noqa: E402

from scripted_server import ProbeCase, good_context  # noqa: E402
from scripted_server import (ImapScript, Pop3Script, SmtpScript, SMTP_CAPS_CLEAR,  # noqa: E402
                            POP3_CAPA_CLEAR, pop3_capa, smtp_reply)

INJECTION = r"(?i)inject"


def then_handshake(context):
    """After writing the go-ahead (+ injection), act as a MITM that relays the handshake."""
    def attempt(s):
        s.start_tls(context)
        return None
    return attempt


class StartTlsInjection(ProbeCase):
    """Bytes after the go-ahead, in the same write, must abort the probe before TLS."""

    def check(self, server, result):
        self.assert_failure(result, 76, stage="starttls", kind="protocol", message=INJECTION)
        self.assertIsNone(result.json["capabilities"]["after_tls"], result.text())
        self.assert_no_secret_sent(server)
        # the injected capabilities never reached a second AUTH attempt
        for s in server.sessions:
            self.assertEqual(s.commands("AUTH") + s.commands("AUTHENTICATE"), [])

    def test_smtp_injected_capabilities(self):
        ctx = good_context()

        def starttls(s):
            s.send(b"220 2.0.0 Ready to start TLS\r\n250-mitm.invalid\r\n250-AUTH PLAIN\r\n"
                   b"250 PIPELINING\r\n")
            s.start_tls(ctx)
        server = self.serve(SmtpScript(ctx, starttls=starttls))
        self.check(server, self.probe(server, f"smtp://127.0.0.1:{server.port}"))

    def test_smtp_injected_success(self):
        """An injected 235 is never taken as authentication."""
        ctx = good_context()

        def starttls(s):
            s.send(b"220 2.0.0 Ready to start TLS\r\n235 2.7.0 Authentication successful\r\n")
            s.start_tls(ctx)
        server = self.serve(SmtpScript(ctx, starttls=starttls))
        r = self.probe(server, f"smtp://127.0.0.1:{server.port}")
        self.check(server, r)
        self.assertNotEqual((r.json or {}).get("auth", {}).get("result"), "accepted")

    def test_imap_injected_capabilities(self):
        ctx = good_context()

        def starttls(s, tag):
            s.send(tag + b" OK Begin TLS\r\n* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n"
                   b"A3 OK CAPABILITY completed\r\n")
            s.start_tls(ctx)
        server = self.serve(ImapScript(ctx, starttls=starttls))
        self.check(server, self.probe(server, f"imap://127.0.0.1:{server.port}"))

    def test_imap_injected_ok_and_alert(self):
        ctx = good_context()

        def starttls(s, tag):
            s.send(tag + b" OK Begin TLS\r\n* OK [ALERT] Attacker text\r\nA3 OK Logged in\r\n")
            s.start_tls(ctx)
        server = self.serve(ImapScript(ctx, starttls=starttls))
        r = self.probe(server, f"imap://127.0.0.1:{server.port}")
        self.check(server, r)
        self.assertNotIn(b"Attacker text", r.stdout + r.stderr)

    def test_pop3_injected_capabilities(self):
        ctx = good_context()

        def stls(s):
            s.send(b"+OK Begin TLS\r\n+OK\r\nSASL PLAIN\r\n.\r\n")
            s.start_tls(ctx)
        server = self.serve(Pop3Script(ctx, stls=stls))
        self.check(server, self.probe(server, f"pop3://127.0.0.1:{server.port}"))

    def test_pop3_injected_success(self):
        ctx = good_context()

        def stls(s):
            s.send(b"+OK Begin TLS\r\n+OK Logged in.\r\n")
            s.start_tls(ctx)
        server = self.serve(Pop3Script(ctx, stls=stls))
        self.check(server, self.probe(server, f"pop3://127.0.0.1:{server.port}"))


class StartTlsStripping(ProbeCase):
    """STARTTLS missing or refused: failure before any credential, exit 80, no fallback."""

    def check(self, server, result, message, stage="starttls"):
        self.assert_failure(result, 80, stage=stage, kind="tls", message=message)
        self.assert_no_secret_sent(server)
        for s in server.sessions:
            self.assertFalse(s.tls, "a handshake happened")
            self.assertEqual(s.commands("AUTH") + s.commands("AUTHENTICATE"), [])
            self.assertEqual(s.commands("HELO"), [], "fell back to HELO")

    def test_smtp_not_offered(self):
        caps = [c for c in SMTP_CAPS_CLEAR if c != b"STARTTLS"]
        server = self.serve(SmtpScript(caps_clear=caps))
        self.check(server, self.probe(server, f"smtp://127.0.0.1:{server.port}"), "STARTTLS")

    def test_smtp_refused(self):
        for reply in (b"454 4.7.0 TLS not available due to temporary reason\r\n",
                      b"502 5.5.1 Command not implemented\r\n",
                      b"354 do something else\r\n",
                      b"250 2.0.0 fine, stay in cleartext\r\n"):
            with self.subTest(reply=reply):
                def starttls(s, reply=reply):
                    s.send(reply)
                server = self.serve(SmtpScript(starttls=starttls))
                self.check(server, self.probe(server, f"smtp://127.0.0.1:{server.port}"),
                           "STARTTLS")

    def test_imap_not_offered(self):
        server = self.serve(ImapScript(caps_clear=b"IMAP4rev1 SASL-IR AUTH=PLAIN"))
        self.check(server, self.probe(server, f"imap://127.0.0.1:{server.port}"), "STARTTLS")

    def test_imap_refused(self):
        for status in (b"NO", b"BAD"):
            with self.subTest(status=status):
                def starttls(s, tag, status=status):
                    s.send(tag + b" " + status + b" STARTTLS unavailable\r\n")
                server = self.serve(ImapScript(starttls=starttls))
                self.check(server, self.probe(server, f"imap://127.0.0.1:{server.port}"),
                           "STARTTLS")

    def test_odd_replies_to_starttls(self):
        """Anything but the go-ahead: a continuation, another tag's OK, an untagged OK only,
        a POP3 continuation. Failure before credentials, no handshake. (An untagged OK is
        legal before the tagged reply, so the client waits for it: a timeout.)"""
        def imap_cont(s, tag):
            s.send(b"+ go ahead\r\n")
            s.wait_close(10)

        def imap_other_tag(s, tag):
            s.send(b"X999 OK Begin TLS negotiation now\r\n")
            s.wait_close(10)

        def imap_untagged(s, tag):
            s.send(b"* OK Begin TLS negotiation now\r\n")
            s.wait_close(10)

        def pop3_cont(s):
            s.send(b"+ go ahead\r\n")
            s.wait_close(10)
        for name, proto, script in (("imap-untagged", "imap", ImapScript(starttls=imap_untagged)),
                                    ("pop3-continuation", "pop3", Pop3Script(stls=pop3_cont))):
            with self.subTest(case=name):
                server = self.serve(script)
                r = self.probe(server, f"{proto}://127.0.0.1:{server.port}",
                               extra=["--timeout", "3"])
                self.assertEqual(r.status, 75 if name == "imap-untagged" else 80, r.text())
                self.assertLess(r.elapsed, 3 + 5)
                self.assert_clean_output(r)
                self.assert_no_secret_sent(server)
                for s in server.sessions:
                    self.assertFalse(s.tls, "a handshake happened")

    # An IMAP STARTTLS answered with a continuation or another tag's OK is a refused
    # STARTTLS (80), as SMTP (354, 250) and POP3 ("+ ...") odd answers are.
    def test_imap_odd_replies_exit_80(self):
        def imap_cont(s, tag):
            s.send(b"+ go ahead\r\n")
            s.wait_close(10)

        def imap_other_tag(s, tag):
            s.send(b"X999 OK Begin TLS negotiation now\r\n")
            s.wait_close(10)
        statuses = []
        for script in (ImapScript(starttls=imap_cont), ImapScript(starttls=imap_other_tag)):
            server = self.serve(script)
            r = self.probe(server, f"imap://127.0.0.1:{server.port}", extra=["--timeout", "3"])
            self.assert_no_secret_sent(server)
            self.assert_clean_output(r)
            statuses.append(r.status)
        self.assertEqual(statuses, [80, 80])

    def test_imap_preauth(self):
        server = self.serve(ImapScript(
            greeting=b"* PREAUTH [CAPABILITY IMAP4rev1 STARTTLS AUTH=PLAIN] ready\r\n"))
        self.check(server, self.probe(server, f"imap://127.0.0.1:{server.port}"), "PREAUTH",
                   stage="greeting")

    def test_pop3_not_offered(self):
        capa = [c for c in POP3_CAPA_CLEAR if c != b"STLS"]
        server = self.serve(Pop3Script(capa_clear=capa))
        self.check(server, self.probe(server, f"pop3://127.0.0.1:{server.port}"), "STLS")

    def test_pop3_refused(self):
        def stls(s):
            s.send(b"-ERR STLS not available\r\n")
        server = self.serve(Pop3Script(stls=stls))
        self.check(server, self.probe(server, f"pop3://127.0.0.1:{server.port}"), "STLS")


class PreTlsStateDiscarded(ProbeCase):
    """Capabilities learnt before TLS are not reused (RFC 3207 §4.2): the TLS list decides."""

    def test_smtp_mechanisms_only_before_tls(self):
        ctx = good_context()
        server = self.serve(SmtpScript(
            ctx, caps_clear=[b"hostile.test", b"STARTTLS", b"AUTH PLAIN LOGIN"],
            caps_tls=[b"hostile.test", b"AUTH CRAM-MD5"],
            auth=lambda s, line: s.send(b"535 5.7.8 no\r\n")))
        r = self.probe(server, f"smtp://127.0.0.1:{server.port}")
        self.assertEqual(r.status, 77, r.text())
        self.assertEqual(r.json["mechanisms"]["offered"], ["CRAM-MD5"])
        sent = server.session.commands("AUTH")
        self.assertTrue(all(b"CRAM-MD5" in l for l in sent), sent)
        self.assert_no_secret_sent(server)


if __name__ == "__main__":
    unittest.main()
