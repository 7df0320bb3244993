"""Errors that say what to do next: an untrusted certificate, implicit TLS vs STARTTLS
mismatches seen in the bytes (RFC 8314 §3), another service's greeting, a silent server, an
unusable --cafile or client certificate, and how server text is shown. Each case asserts the
exact exit status and the exact advice."""

import os
import re
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.environ.get("SMTPAUTH_SOURCE_DIR", os.path.join(HERE, "..", "..")),
                                "tests", "servers"))

import unittest  # noqa: E402

from scripted_server import (ProbeCase, ScriptedServer, SmtpScript, ImapScript,  # noqa: E402
                             Pop3Script, good_context, pki)

SLACK = 5.0
EHLO = ("expect", r"EHLO \S+")


class Case(ProbeCase):
    def steps(self, script, tls=None, **kw):
        """A step-script server, trusted through the test CA."""
        cert, key = pki()["good"]
        srv = ScriptedServer(script=script, tls=tls, certfile=cert, keyfile=key, timeout=15,
                             drain_seconds=1, **kw)
        srv.start()
        self.addCleanup(srv.stop)
        return srv

    def stderr(self, r):
        return r.stderr.decode("utf-8", "replace")


class UntrustedCertificate(Case):
    def advice(self, port, starttls):
        fetch = f"openssl s_client -showcerts -connect 127.0.0.1:{port}"
        if starttls:
            fetch += f" -starttls {starttls}"
        return ("; to trust it, pass the CA certificate that issued it with --cafile FILE "
                "(alias --cacert); to see the chain the server sends: " + fetch +
                " </dev/null; or, to look without trusting it, --insecure (never with a real "
                "password)")

    def test_starttls_smtp_imap_pop3(self):
        for name, script, scheme in (("smtp", SmtpScript, "smtp"), ("imap", ImapScript, "imap"),
                                     ("pop3", Pop3Script, "pop3")):
            with self.subTest(protocol=name):
                server = self.serve(script(good_context()))
                # No --cafile: the system store does not know the test CA.
                r = self.probe(server, f"{scheme}://127.0.0.1:{server.port}", cafile=False)
                self.assert_failure(r, 81, stage="tls", kind="certificate")
                self.assertEqual(r.error["message"],
                                 "certificate verify failed: unable to get local issuer "
                                 "certificate" + self.advice(server.port, name))
                self.assertEqual(self.stderr(r), "smtpauth: FAILED at tls: " +
                                 r.error["message"] + "\n")

    def test_implicit_tls_has_no_starttls_option(self):
        server = self.serve(SmtpScript(), implicit_tls=good_context())
        r = self.probe(server, f"smtps://127.0.0.1:{server.port}", cafile=False)
        self.assert_failure(r, 81, stage="tls", kind="certificate")
        self.assertTrue(r.error["message"].endswith(self.advice(server.port, None)),
                        r.error["message"])

    def test_named_host_gets_servername(self):
        server = self.serve(SmtpScript(good_context()))
        r = self.probe(server, f"smtp://localhost:{server.port}", cafile=False,
                       extra=["-4"])
        self.assert_failure(r, 81, stage="tls", kind="certificate")
        self.assertIn(f"openssl s_client -showcerts -connect localhost:{server.port} -starttls "
                      f"smtp -servername localhost </dev/null", r.error["message"])


class ImplicitTlsOnCleartextServer(Case):
    """A TLS target whose server speaks first in cleartext: STARTTLS (or no TLS) is wanted."""

    def test_smtps_on_starttls_server_answering_the_client_hello(self):
        # The greeting comes only after our ClientHello: OpenSSL reads it as a record header.
        srv = self.steps([("read_bytes", 5), ("send", b"220 mx.test ESMTP ready\r\n")])
        r = self.probe(srv, f"smtps://127.0.0.1:{srv.port}", user=None)
        self.assert_failure(r, 80, stage="tls", kind="tls")
        self.assertEqual(
            r.error["message"],
            f'TLS handshake failed: the server speaks cleartext first (it sent "220 mx.test ESMTP '
            f'ready" where a TLS handshake was expected), so port {srv.port} does not use '
            f"implicit TLS; for SMTP with STARTTLS use smtp://127.0.0.1:{srv.port} (the usual "
            f"STARTTLS submission port is 587)")

    def test_greeting_before_the_client_hello(self):
        # Greeting at once: it may be in our socket before the handshake starts, or answer
        # it; either way the diagnosis is the same (and no false injection alarm).
        for scheme, greeting, advice in (
                ("imaps", b"* OK [CAPABILITY IMAP4rev1 STARTTLS] ready\r\n",
                 "for IMAP with STARTTLS use imap://127.0.0.1:{port}"),
                ("pop3s", b"+OK POP3 ready\r\n",
                 "for POP3 with STARTTLS use pop3://127.0.0.1:{port}")):
            with self.subTest(scheme=scheme):
                srv = self.steps([("send", greeting), ("sleep", 1)])
                r = self.probe(srv, f"{scheme}://127.0.0.1:{srv.port}", user=None)
                self.assert_failure(r, 80, stage="tls", kind="tls")
                self.assertIn("the server speaks cleartext first (it sent \"" +
                              greeting.decode().strip() + "\"", r.error["message"])
                self.assertTrue(r.error["message"].endswith(advice.format(port=srv.port)),
                                r.error["message"])
                self.assertNotIn("injected", r.error["message"])


class ForeignGreeting(Case):
    CASES = (
        ("smtp", b"* OK [CAPABILITY IMAP4rev1] Dovecot ready.\r\n",
         '"* OK [CAPABILITY IMAP4rev1] Dovecot ready.", an IMAP greeting, not an SMTP greeting; '
         "to probe it as IMAP use imap://127.0.0.1:{port}"),
        ("smtp", b"+OK Dovecot ready.\r\n",
         '"+OK Dovecot ready.", a POP3 greeting, not an SMTP greeting; to probe it as POP3 use '
         "pop3://127.0.0.1:{port}"),
        ("imap", b"220 mx.test ESMTP\r\n",
         '"220 mx.test ESMTP", an SMTP greeting, not an IMAP greeting; to probe it as SMTP use '
         "smtp://127.0.0.1:{port}"),
        ("pop3", b"* OK IMAP ready\r\n",
         '"* OK IMAP ready", an IMAP greeting, not a POP3 greeting; to probe it as IMAP use '
         "imap://127.0.0.1:{port}"),
        ("smtp", b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n",
         '"SSH-2.0-OpenSSH_9.2p1 Debian-2", an SSH server, not an SMTP greeting; it is not a '
         "mail server (check the port)"),
        ("smtp", b"HTTP/1.1 400 Bad Request\r\n",
         '"HTTP/1.1 400 Bad Request", an HTTP server, not an SMTP greeting; it is not a mail '
         "server (check the port)"),
    )

    def test_each_greeting_is_named(self):
        for scheme, greeting, advice in self.CASES:
            with self.subTest(scheme=scheme, greeting=greeting):
                srv = self.steps([("send", greeting), ("sleep", 1)])
                r = self.probe(srv, f"{scheme}://127.0.0.1:{srv.port}", user=None)
                self.assert_failure(r, 76, stage="greeting", kind="protocol")
                self.assertEqual(r.error["message"], "the server greeted with " +
                                 advice.format(port=srv.port))
                # Nothing was sent to the wrong service but, at most, the protocol's goodbye.
                self.assertEqual([l for _, l in srv.lines if l not in (b"QUIT", b"A1 LOGOUT")],
                                 [])


class SilentServer(Case):
    """No greeting: one TLS handshake on the same connection tells implicit TLS and HTTP."""

    def test_implicit_tls_server_probed_with_starttls(self):
        cert, key = pki()["good"]
        for scheme, implicit in (("smtp", "smtps"), ("imap", "imaps"), ("pop3", "pop3s")):
            with self.subTest(scheme=scheme):
                srv = self.steps([("sleep", 5)], tls="implicit")
                r = self.probe(srv, f"{scheme}://127.0.0.1:{srv.port}", user=None,
                               extra=["--timeout", "2"])
                self.assert_failure(r, 80, stage="greeting", kind="tls")
                self.assertEqual(r.error["message"],
                                 f"no greeting within 2 s, but a TLS handshake succeeded: port "
                                 f"{srv.port} speaks implicit TLS; use "
                                 f"{implicit}://127.0.0.1:{srv.port}")
                self.assertLess(r.elapsed, 2 + 3 + SLACK)

    def test_http_server(self):
        # An HTTP server answers the ClientHello bytes with 400 (nginx and Apache do).
        srv = self.steps([("read_bytes", 5),
                          ("send", b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"),
                          ("close",)])
        r = self.probe(srv, f"127.0.0.1:{srv.port}", user=None, extra=["--timeout", "2"])
        self.assert_failure(r, 76, stage="greeting", kind="protocol")
        self.assertEqual(r.error["message"],
                         'no greeting within 2 s, and a TLS handshake was answered with '
                         '"HTTP/1.1 400 Bad Request": this is an HTTP server, not a mail server '
                         "(check the port)")

    def test_silent_to_everything(self):
        srv = self.steps([("sleep", 8)])
        start = time.monotonic()
        r = self.probe(srv, f"127.0.0.1:{srv.port}", user=None, extra=["--timeout", "2"])
        self.assertLess(time.monotonic() - start, 2 + 3 + SLACK)
        self.assert_failure(r, 75, stage="greeting", kind="timeout")
        self.assertEqual(r.error["message"],
                         "timed out waiting for data from the server (no greeting within 2 s): "
                         f"the server may expect TLS first (smtps://127.0.0.1:{srv.port}) or "
                         "speak a client-first protocol such as HTTP")

    def test_silent_after_implicit_tls(self):
        """Implicit TLS that then says nothing (an HTTPS port): no advice to use TLS."""
        srv = self.steps([("sleep", 6)], tls="implicit")
        r = self.probe(srv, f"smtps://127.0.0.1:{srv.port}", user=None,
                       extra=["--timeout", "2"])
        self.assert_failure(r, 75, stage="greeting", kind="timeout")
        self.assertEqual(r.error["message"],
                         "timed out waiting for data from the server (no greeting within 2 s): "
                         "the server says nothing after the TLS handshake; it may speak a "
                         "client-first protocol such as HTTPS (check the port)")

    def test_greeting_only_after_the_client_spoke(self):
        """A mail server that greets late (after our bytes): a timeout, with that advice."""
        srv = self.steps([("read_bytes", 5), ("send", b"220 late.test ESMTP\r\n")])
        r = self.probe(srv, f"127.0.0.1:{srv.port}", user=None, extra=["--timeout", "2"])
        self.assert_failure(r, 75, stage="greeting", kind="timeout")
        self.assertEqual(r.error["message"],
                         'timed out waiting for data from the server (no greeting within 2 s; '
                         'the server answered "220 late.test ESMTP" only after the client spoke: '
                         "SMTP with a delayed greeting; a longer --timeout may help)")

    def test_slow_greeting_is_not_called_silence(self):
        """A greeting cut off by the timeout was speech: no TLS handshake, no mismatch."""
        srv = self.steps([("drip", b"220 slow.test ESMTP\r\n", 0.5)])
        r = self.probe(srv, f"127.0.0.1:{srv.port}", user=None, extra=["--timeout", "2"])
        self.assert_failure(r, 75, stage="greeting", kind="timeout")
        self.assertEqual(r.error["message"], "timed out waiting for data from the server")
        self.assertEqual(srv.received_cleartext, b"")


class FilesCheckedBeforeConnecting(Case):
    def test_cafile_that_is_not_pem(self):
        srv = self.steps([("send", b"220 x ESMTP\r\n")])
        with tempfile.NamedTemporaryFile("w", suffix=".txt") as f:
            f.write("not a certificate\n")
            f.flush()
            r = self.probe(srv, f"127.0.0.1:{srv.port}", user=None, cafile=False,
                           extra=["--cafile", f.name])
            self.assert_failure(r, 65, stage="tls", kind="bad-input")
            self.assertEqual(r.error["message"],
                             f"cannot load CA file '{f.name}': no certificate or crl found "
                             "(expected a PEM file: -----BEGIN CERTIFICATE-----)")
        srv.stop()
        self.assertEqual(srv.connections, [], "the probe connected before checking --cafile")

    def test_client_key_that_is_not_pem(self):
        srv = self.steps([("send", b"220 x ESMTP\r\n")])
        cert, _ = pki()["good"]
        r = self.probe(srv, f"127.0.0.1:{srv.port}", user=None,
                       extra=["--cert", cert, "--key", "/etc/hostname"])
        self.assert_failure(r, 65, stage="tls", kind="bad-input")
        self.assertRegex(r.error["message"],
                         r"^cannot load client key '/etc/hostname': .* \(expected a PEM file: "
                         r"-----BEGIN PRIVATE KEY-----\)$")
        srv.stop()
        self.assertEqual(srv.connections, [])

    def test_client_key_that_does_not_match(self):
        srv = self.steps([("send", b"220 x ESMTP\r\n")])
        cert, _ = pki()["good"]
        _, other_key = pki()["expired"]
        r = self.probe(srv, f"127.0.0.1:{srv.port}", user=None,
                       extra=["--cert", cert, "--key", other_key])
        self.assert_failure(r, 65, stage="tls", kind="bad-input",
                            message=r"client key does not match the client certificate")
        srv.stop()
        self.assertEqual(srv.connections, [])

    def test_tls_none_needs_no_cafile(self):
        srv = self.steps([("send", b"220 x ESMTP\r\n"), EHLO, ("send", b"250 x\r\n"),
                          ("expect", "QUIT"), ("send", b"221 bye\r\n")])
        r = self.probe(srv, f"127.0.0.1:{srv.port}", user=None, cafile=False,
                       extra=["--tls", "none", "--cafile", "/etc/hostname"])
        self.assertEqual(r.status, 0, r.text())


class TextReport(Case):
    def smtp_rejecting(self, reply):
        ctx = good_context()

        def auth(s, line):
            s.send(reply)
        return self.serve(SmtpScript(ctx, caps_tls=[b"x", b"AUTH PLAIN"], auth=auth))

    def test_multi_line_reply_in_the_failure_line(self):
        server = self.smtp_rejecting(b"535-5.7.8 Username and Password not accepted.\r\n"
                                     b"535 5.7.8 Learn more at https://support.test/\r\n")
        r = self.probe(server, f"127.0.0.1:{server.port}", json_out=False)
        self.assert_failure(r, 77)
        label = "smtpauth: FAILED at auth: "
        self.assertEqual(self.stderr(r),
                         label + "server rejected the credentials (PLAIN): 535-5.7.8 Username "
                         "and Password not accepted.\n" + " " * len(label) +
                         "535 5.7.8 Learn more at https://support.test/\n")
        out = r.stdout.decode()
        self.assertNotIn("\\n", out + self.stderr(r))
        self.assertIn("  server said: 535-5.7.8 Username and Password not accepted.\n"
                      "               535 5.7.8 Learn more at https://support.test/\n",
                      out)

    def test_no_user_is_one_sentence(self):
        server = self.serve(SmtpScript(good_context()))
        r = self.probe(server, f"127.0.0.1:{server.port}", user=None, json_out=False)
        self.assertEqual(r.status, 0, r.text())
        self.assertIn("\nAUTH:         not attempted (no --user given)\n", r.stdout.decode())
        r = self.probe(server, f"127.0.0.1:{server.port}", user=None)
        self.assertEqual(r.json["auth"]["message"], "no --user given")


if __name__ == "__main__":
    unittest.main()
