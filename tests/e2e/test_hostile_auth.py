"""Hostile servers inside AUTH (issue 4 item 5; SPEC-NOTES H.2): advertised mechanisms
refused with 504, undecodable and oversized challenges (RFC 4954 §4 / RFC 5034 §4 / RFC 3501
§6.2.2: the client cancels with "*"), SCRAM abuse (RFC 5802 §5.1: nonce, iteration count,
server signature, e=, success without v=), mechanisms the server never advertised.
All of it happens inside TLS: the checks are on the dialogue, the exit status and message."""

import base64
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.environ.get("SMTPAUTH_SOURCE_DIR", os.path.join(HERE, "..", "..")),
                                "tests", "servers"))

import unittest  # noqa: E402

from scripted_server import PASSWORD, USER, ProbeCase, good_context  # noqa: E402
from scripted_server import ImapScript, Pop3Script, SmtpScript, b64  # noqa: E402

BAD_B64 = b"=?not*base64!!=="
SALT = base64.b64encode(b"hostile-salt-16b")


def caps(*mechs):
    return [b"hostile.test", b"AUTH " + b" ".join(m.encode() for m in mechs)]


def next_line(s):
    return s.readline()


class Refused(ProbeCase):
    def test_504_every_mechanism_is_not_looped(self):
        ctx = good_context()
        offered = ("PLAIN", "LOGIN", "CRAM-MD5", "XOAUTH2")
        for mode in ((), ("--mech", "all")):
            with self.subTest(mode=mode):
                server = self.serve(SmtpScript(
                    ctx, caps_tls=caps(*offered),
                    auth=lambda s, l: s.send(b"504 5.5.4 Unrecognized authentication type\r\n")))
                r = self.probe(server, f"smtp://127.0.0.1:{server.port}", extra=mode)
                # 504 to every offered mechanism: none could be used (82).
                self.assertEqual(r.status, 82, r.text())
                self.assertRegex(r.text(), r"504")
                sent = [l.split()[1].upper() for s in server.sessions for l in s.commands("AUTH")]
                self.assertEqual(len(sent), len(set(sent)), f"a mechanism was retried: {sent}")
                self.assertLessEqual(len(sent), 3, "only password mechanisms can be tried")
                if not mode:
                    self.assertEqual(len(sent), 1, sent)


class Cancel(ProbeCase):
    """An undecodable or oversized challenge is answered with "*" (and nothing secret)."""

    def smtp_challenge(self, challenge, mech):
        ctx = good_context()
        seen = {}

        def auth(s, line):
            s.send(b"334 " + challenge + b"\r\n")
            seen["answer"] = s.readline()
            s.send(b"501 5.7.0 Authentication cancelled\r\n")
        server = self.serve(SmtpScript(ctx, caps_tls=caps(mech), auth=auth))
        r = self.probe(server, f"smtp://127.0.0.1:{server.port}", extra=["--mech", mech])
        return server, r, seen

    def test_smtp_undecodable(self):
        for mech in ("LOGIN", "PLAIN", "CRAM-MD5", "SCRAM-SHA-256"):
            with self.subTest(mech=mech):
                server, r, seen = self.smtp_challenge(BAD_B64, mech)
                self.assertEqual(seen.get("answer"), b"*", r.text())
                self.assertEqual(r.status, 76, r.text())
                self.assert_no_secret_in_output(r)

    def test_smtp_oversized_challenge(self):
        big = base64.b64encode(b"x" * 20000)  # > 16384 decoded octets, < 64 KiB line
        server, r, seen = self.smtp_challenge(big, "CRAM-MD5")
        self.assertEqual(seen.get("answer"), b"*", r.text())
        self.assertEqual(r.status, 76, r.text())

    def test_smtp_huge_challenge_line(self):
        """2 MiB of base64 in one line: the line cap ends the exchange (protocol error)."""
        ctx = good_context()

        def auth(s, line):
            s.send(b"334 " + b"QUFB" * (512 * 1024) + b"\r\n")
            s.wait_close(10)
        server = self.serve(SmtpScript(ctx, caps_tls=caps("CRAM-MD5"), auth=auth))
        r = self.probe(server, f"smtp://127.0.0.1:{server.port}")
        self.assert_failure(r, 76, stage="auth")

    def test_imap_undecodable(self):
        ctx = good_context()
        seen = {}

        def auth(s, line, tag):
            s.send(b"+ " + BAD_B64 + b"\r\n")
            seen["answer"] = s.readline()
            s.send(tag + b" BAD cancelled\r\n")
        server = self.serve(ImapScript(ctx, caps_tls=b"IMAP4rev1 AUTH=CRAM-MD5", auth=auth))
        r = self.probe(server, f"imap://127.0.0.1:{server.port}")
        self.assertEqual(seen.get("answer"), b"*", r.text())
        self.assertEqual(r.status, 76, r.text())

    # A deferred initial response (IMAP without SASL-IR) answers only a decodable first
    # challenge: an undecodable one gets "*" and the credentials stay home (RFC 4954 §4,
    # RFC 3501 §6.2.2).
    def test_imap_undecodable_before_deferred_initial_response(self):
        ctx = good_context()
        seen = {}

        def auth(s, line, tag):
            s.send(b"+ " + BAD_B64 + b"\r\n")
            seen["answer"] = s.readline()
            s.send(tag + b" BAD cancelled\r\n")
        server = self.serve(ImapScript(ctx, caps_tls=b"IMAP4rev1 AUTH=PLAIN", auth=auth))
        r = self.probe(server, f"imap://127.0.0.1:{server.port}", extra=["--mech", "PLAIN"])
        self.assertEqual(r.status, 76, r.text())
        self.assertEqual(seen.get("answer"), b"*", r.text())

    def test_pop3_undecodable(self):
        ctx = good_context()
        seen = {}

        def auth(s, line):
            s.send(b"+ " + BAD_B64 + b"\r\n")
            seen["answer"] = s.readline()
            s.send(b"-ERR cancelled\r\n")
        server = self.serve(Pop3Script(ctx, capa_tls=[b"SASL CRAM-MD5"], auth=auth))
        r = self.probe(server, f"pop3://127.0.0.1:{server.port}")
        self.assertEqual(seen.get("answer"), b"*", r.text())
        self.assertEqual(r.status, 76, r.text())


def scram_server(server_first=None, after_final=None):
    """SMTP AUTH SCRAM-SHA-256 handler. server_first(cnonce) -> bytes of server-first;
    after_final(s) sends whatever comes after the client-final."""
    def auth(s, line):
        words = line.split()
        if len(words) > 2:
            client_first = base64.b64decode(words[2])
        else:
            s.send(b"334 \r\n")
            client_first = base64.b64decode(s.readline())
        cnonce = re.search(rb",r=([^,]*)", client_first).group(1)
        s.send(b"334 " + base64.b64encode(server_first(cnonce)) + b"\r\n")
        answer = s.readline()
        if answer == b"*":
            s.send(b"501 5.7.0 cancelled\r\n")
            return
        after_final(s)
    return auth


def good_first(cnonce):
    return b"r=" + cnonce + b"srvpart,s=" + SALT + b",i=4096"


class ScramAbuse(ProbeCase):
    def run_case(self, **kw):
        ctx = good_context()
        server = self.serve(SmtpScript(ctx, caps_tls=caps("SCRAM-SHA-256"),
                                       auth=scram_server(**kw)))
        r = self.probe(server, f"smtp://127.0.0.1:{server.port}", extra=["--mech", "SCRAM-SHA-256"])
        self.assertEqual(r.status, 76, r.text())
        self.assertNotEqual(r.json["auth"]["result"], "accepted", r.text())
        self.assertFalse(r.json["auth"]["server_verified"])
        self.assert_no_secret_in_output(r)
        return server, r

    def final_reply(self, data):
        def after(s):
            s.send(data)
            s.readline()  # the client's answer ("" or "*")
            s.send(b"235 2.7.0 Authentication successful\r\n")
        return after

    def test_nonce_not_extending_ours(self):
        server, r = self.run_case(server_first=lambda n: b"r=attackernonce,s=" + SALT + b",i=4096",
                                  after_final=self.final_reply(b"235 ok\r\n"))
        self.assertRegex(r.text(), r"(?i)nonce")

    def test_nonce_equal_to_ours(self):
        server, r = self.run_case(server_first=lambda n: b"r=" + n + b",s=" + SALT + b",i=4096",
                                  after_final=self.final_reply(b"235 ok\r\n"))
        self.assertRegex(r.text(), r"(?i)nonce")

    def test_iterations_too_low(self):
        server, r = self.run_case(
            server_first=lambda n: b"r=" + n + b"X,s=" + SALT + b",i=1",
            after_final=self.final_reply(b"235 ok\r\n"))
        self.assertRegex(r.text(), r"(?i)iteration")

    def test_iterations_absurd(self):
        server, r = self.run_case(
            server_first=lambda n: b"r=" + n + b"X,s=" + SALT + b",i=4294967295",
            after_final=self.final_reply(b"235 ok\r\n"))
        self.assertRegex(r.text(), r"(?i)iteration")
        self.assertLess(r.elapsed, 15, "no PBKDF2 marathon")

    def test_bogus_server_signature(self):
        server, r = self.run_case(
            server_first=good_first,
            after_final=self.final_reply(b"334 " + base64.b64encode(b"v=" + base64.b64encode(b"\0" * 32)) + b"\r\n"))
        self.assertRegex(r.text(), r"(?i)signature")

    def test_server_error_invalid_proof(self):
        server, r = self.run_case(
            server_first=good_first,
            after_final=self.final_reply(b"334 " + base64.b64encode(b"e=invalid-proof") + b"\r\n"))
        self.assertRegex(r.text(), r"invalid-proof")

    def test_success_without_server_final(self):
        def after(s):
            s.send(b"235 2.7.0 Authentication successful\r\n")
        server, r = self.run_case(server_first=good_first, after_final=after)
        self.assertRegex(r.text(), r"(?i)verif|proof|signature|v=")


class NotAdvertised(ProbeCase):
    def test_no_usable_mechanism(self):
        ctx = good_context()
        server = self.serve(SmtpScript(ctx, caps_tls=caps("XOAUTH2", "OAUTHBEARER")))
        r = self.probe(server, f"smtp://127.0.0.1:{server.port}")
        self.assert_failure(r, 82, stage="auth")
        self.assertEqual(server.session.commands("AUTH"), [])
        self.assert_no_secret_sent(server)

    def test_forced_mechanism_not_offered(self):
        ctx = good_context()
        server = self.serve(SmtpScript(ctx, caps_tls=caps("CRAM-MD5")))
        r = self.probe(server, f"smtp://127.0.0.1:{server.port}", extra=["--mech", "PLAIN"])
        self.assert_failure(r, 82, stage="auth")
        self.assertEqual(server.session.commands("AUTH"), [])
        self.assert_no_secret_sent(server)

    def test_no_auth_capability(self):
        ctx = good_context()
        for proto, script in (("smtp", SmtpScript(ctx, caps_tls=[b"hostile.test"])),
                              ("imap", ImapScript(ctx, caps_tls=b"IMAP4rev1")),
                              ("pop3", Pop3Script(ctx, capa_tls=[b"USER"]))):
            with self.subTest(proto=proto):
                server = self.serve(script)
                r = self.probe(server, f"{proto}://127.0.0.1:{server.port}")
                self.assert_failure(r, 82, stage="auth")
                self.assert_no_secret_sent(server)

    def test_plaintext_mechanisms_refused_without_tls(self):
        """--tls none: PLAIN/LOGIN are never used without --allow-plaintext-auth."""
        server = self.serve(SmtpScript(caps_clear=caps("PLAIN", "LOGIN")))
        r = self.probe(server, f"smtp://127.0.0.1:{server.port}", extra=["--tls", "none"])
        self.assert_failure(r, 82, stage="auth")
        self.assert_no_secret_sent(server)


if __name__ == "__main__":
    unittest.main()
