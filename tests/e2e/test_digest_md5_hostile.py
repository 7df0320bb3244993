"""Hostile DIGEST-MD5 servers (RFC 2831): a huge nonce, duplicate nonce and realm directives,
bad quoting, an algorithm other than md5-sess, a server that insists on a security layer
(qop auth-int/auth-conf only) and a wrong rspauth. The client cancels with "*", sends no
response, exits 76 with a message that says why, and never crashes; the Cyrus back end on
the same challenges fails as clearly, with Cyrus's own words."""

import base64
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.environ.get("SMTPAUTH_SOURCE_DIR", os.path.join(HERE, "..", "..")),
                                "tests", "servers"))

import unittest  # noqa: E402

from scripted_server import ProbeCase, SmtpScript, good_context  # noqa: E402

GOOD = 'nonce="OA6MG9tEQGm2hh",qop="auth",algorithm=md5-sess,charset=utf-8'


def caps():
    return [b"hostile.test", b"AUTH DIGEST-MD5"]


class HostileDigestMd5(ProbeCase):
    def run_challenge(self, challenge, extra=(), second=None):
        """The server sends `challenge`; with `second`, it answers the response with that
        (an rspauth message) and records the client's reply to it."""
        seen = {}

        def auth(s, line):
            s.send(b"334 " + base64.b64encode(challenge.encode()) + b"\r\n")
            seen["answer"] = s.readline()
            if second is not None and seen["answer"] != b"*":
                s.send(b"334 " + base64.b64encode(second.encode()) + b"\r\n")
                seen["second"] = s.readline()
            s.send(b"501 5.7.0 Authentication cancelled\r\n")
        server = self.serve(SmtpScript(good_context(), caps_tls=caps(), auth=auth))
        r = self.probe(server, f"smtp://127.0.0.1:{server.port}",
                       extra=["--mech", "DIGEST-MD5", *extra])
        return r, seen

    def test_hostile_challenges_are_cancelled_with_a_reason(self):
        cases = [
            ('nonce="' + "n" * 3000 + '",algorithm=md5-sess', r"RFC 2831 §2\.1\.1 allows less than 2048"),
            ('nonce="a",nonce="b",algorithm=md5-sess', r"more than one nonce directive"),
            ('realm="a",' + GOOD + ',qop="auth"', r"more than one qop directive"),
            ('nonce="abc,algorithm=md5-sess', r"unterminated quoted value of nonce"),
            ('nonce=a"b",algorithm=md5-sess', r"stray quote in the value of nonce"),
            ('nonce="a",algorithm=md5', r"algorithm=md5; RFC 2831 defines only md5-sess"),
            ('nonce="a",algorithm=sha-256-sess', r"algorithm=sha-256-sess"),
        ]
        for challenge, message in cases:
            with self.subTest(challenge=challenge[:60]):
                r, seen = self.run_challenge(challenge)
                self.assertEqual(seen.get("answer"), b"*", r.text())
                self.assert_failure(r, 76, stage="auth", message=message)

    def test_a_required_security_layer_makes_the_mechanism_unusable(self):
        # Not a broken server: DIGEST-MD5 without qop=auth is a mechanism smtpauth cannot use
        # here (82, choose another), as opposed to the malformed challenges above (76).
        r, seen = self.run_challenge('nonce="a",qop="auth-int,auth-conf",algorithm=md5-sess')
        self.assertEqual(seen.get("answer"), b"*", r.text())
        self.assert_failure(r, 82, stage="auth",
                            message=r"requires a security layer \(qop=auth-int,auth-conf\)")

    def test_duplicate_realms_are_a_list(self):
        # RFC 2831 §2.1.1: realm may appear more than once; the first is used.
        r, seen = self.run_challenge('realm="one",realm="two",' + GOOD,
                                     second="rspauth=00000000000000000000000000000000")
        answer = base64.b64decode(seen["answer"])
        self.assertIn(b'realm="one"', answer)
        # ... and a wrong rspauth is caught: the server does not know the password.
        self.assertEqual(seen.get("second"), b"*", r.text())
        self.assert_failure(r, 76, stage="auth", message=r"rspauth is wrong")

    def test_cyrus_back_end_fails_as_clearly(self):
        r, seen = self.run_challenge('nonce="a",qop="auth-int,auth-conf",algorithm=md5-sess',
                                     extra=["--backend", "cyrus"])
        self.assertEqual(seen.get("answer"), b"*", r.text())
        self.assert_failure(r, 76, stage="auth", message=r"DIGEST-MD5 \(Cyrus\): .*\[SASL_")


if __name__ == "__main__":
    unittest.main()
