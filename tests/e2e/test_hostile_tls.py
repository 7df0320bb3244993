"""TLS failures a probe must name (issue 4 item 4; EAST testcases_extra T_1-T_4): expired,
not yet valid, wrong host, self-signed, unknown CA, RSA-1024 leaf, TLS 1.0/1.1-only server.
Implicit TLS (SMTPS) and STARTTLS. Each fails before AUTH with an error naming the reason;
--insecure continues but still reports the verification failure."""

import os
import ssl
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.environ.get("SMTPAUTH_SOURCE_DIR", os.path.join(HERE, "..", "..")),
                                "tests", "servers"))

import unittest  # noqa: E402

from scripted_server import ProbeCase, pki  # noqa: E402
from scripted_server import SmtpScript, server_context  # noqa: E402

# leaf name -> what the error must say (OpenSSL's X509 verify reasons or ours)
CERT_CASES = {
    "expired": r"(?i)expired",
    "not-yet-valid": r"(?i)not yet valid",
    "wrong-host": r"(?i)host|name|mismatch",
    "self-signed": r"(?i)self[- ]signed",
    "unknown-ca": r"(?i)issuer|unknown|unable to get local",
}


def context_for(name, **kw):
    cert, key = pki()[name]
    return server_context(cert, key, **kw)


class Certificates(ProbeCase):
    def test_fixture_is_good(self):
        """Premise: the good leaf verifies, so every failure below is the intended one."""
        server = self.serve(SmtpScript(), implicit_tls=context_for("good"))
        r = self.probe(server, f"smtps://127.0.0.1:{server.port}", user=None)
        self.assertEqual(r.status, 0, r.text())
        self.assertTrue(r.json["tls"]["verified"])

    def test_verification_failures(self):
        for name, reason in CERT_CASES.items():
            for mode in ("implicit", "starttls"):
                with self.subTest(cert=name, mode=mode):
                    ctx = context_for(name)
                    if mode == "implicit":
                        server = self.serve(SmtpScript(), implicit_tls=ctx)
                        target = f"smtps://127.0.0.1:{server.port}"
                    else:
                        server = self.serve(SmtpScript(ctx))
                        target = f"smtp://127.0.0.1:{server.port}"
                    r = self.probe(server, target)
                    self.assert_failure(r, 81, stage="tls", kind="certificate", message=reason)
                    self.assert_no_secret_sent(server)
                    for s in server.sessions:
                        self.assertEqual(s.commands("AUTH"), [])

    def test_insecure_continues_and_reports(self):
        for name, reason in CERT_CASES.items():
            with self.subTest(cert=name):
                server = self.serve(SmtpScript(), implicit_tls=context_for(name))
                r = self.probe(server, f"smtps://127.0.0.1:{server.port}",
                               extra=["--insecure", "--mech", "PLAIN"])
                self.assertEqual(r.status, 0, r.text())
                self.assertFalse(r.json["tls"]["verified"])
                self.assertRegex(r.json["tls"]["verify_error"] or "", reason)
                human = self.probe(server, f"smtps://127.0.0.1:{server.port}", json_out=False,
                                   extra=["--insecure", "--mech", "PLAIN"])
                self.assertRegex(human.stdout.decode(errors="replace"), reason)

    def test_weak_rsa_1024_key(self):
        ctx = context_for("rsa1024", weak=True)
        server = self.serve(SmtpScript(), implicit_tls=ctx)
        r = self.probe(server, f"smtps://127.0.0.1:{server.port}")
        # OpenSSL's security level 2 refuses the 1024-bit key in verification (81).
        self.assertEqual(r.status, 81, r.text())
        self.assertRegex(r.text(), r"(?i)key too small|weak|small|1024|security level")
        self.assert_no_secret_sent(server)


class OldProtocols(ProbeCase):
    def server_for(self, version):
        try:
            ctx = context_for("good", weak=True, max_version=version)
        except (ssl.SSLError, ValueError) as e:
            self.skipTest(f"the system OpenSSL refuses a {version.name}-only server: {e}")
        return self.serve(SmtpScript(), implicit_tls=ctx)

    def test_tls10_and_tls11_only(self):
        for version in (ssl.TLSVersion.TLSv1, ssl.TLSVersion.TLSv1_1):
            with self.subTest(version=version.name):
                server = self.server_for(version)
                r = self.probe(server, f"smtps://127.0.0.1:{server.port}")
                self.assert_failure(r, 80, stage="tls",
                                    message=r"(?i)version|protocol|unsupported")
                self.assert_no_secret_sent(server)
                # did the server side even get as far as a handshake attempt?
                self.assertTrue(server.sessions, "the client connected")


if __name__ == "__main__":
    unittest.main()
