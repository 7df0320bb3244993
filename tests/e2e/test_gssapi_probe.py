"""End-to-end: `smtpauth probe --mech GSSAPI` (RFC 4752) and `--mech GS2-KRB5` (RFC 5801)
with a real MIT Kerberos realm (tests/servers/kdc.py: KDC on 127.0.0.1, user and service
principals, keytab, `kinit` with the password on stdin, a private KRB5CCNAME).

GSSAPI is judged by a real Dovecot 2.3 (dovecot-gssapi) over SMTP submission, IMAP and POP3.
Dovecot has no GS2-KRB5, so GS2-KRB5 (and GSSAPI once more) is judged by Cyrus libsasl2 as the
server, inside a scripted SMTP server (tests/servers/cyrus_sasl.py).

The service principal is built from the host name, so the targets are `localhost` (127.0.0.1),
never an address. Kerberos failures (no credentials, expired ticket, clock skew, unknown
service principal) are asserted with their exit status and plain-words message.
"""

import json
import os
import subprocess
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import clitest  # noqa: E402

sys.path.insert(0, os.path.join(clitest.source_dir(), "tests", "servers"))
from cyrus_sasl import CyrusSmtpAuth  # noqa: E402
from dovecot_server import DovecotServer  # noqa: E402
from kdc import Kdc  # noqa: E402
from scripted_server import ScriptedServer, SmtpScript  # noqa: E402

TIMEOUT = 30
URL_SCHEME = {"submission": "smtp", "imap": "imap", "pop3": "pop3"}


def probe(kdc_env, *args, extra_env=None, program=None):
    env = dict(kdc_env, **(extra_env or {}))
    return subprocess.run([*(program or []), clitest.binary(), "probe", *args], env=env,
                          stdin=subprocess.DEVNULL, capture_output=True, timeout=TIMEOUT)


def text(r):
    return r.stdout.decode("utf-8", "replace") + r.stderr.decode("utf-8", "replace")


class KerberosDovecotCase(unittest.TestCase):
    """One realm and one Dovecot with its keytab per class."""

    SERVICES = ("smtp", "imap", "pop")

    @classmethod
    def setUpClass(cls):
        cls.kdc = Kdc(services=cls.SERVICES)
        cls.kdc.start()
        try:
            cls.dovecot = DovecotServer(gssapi=cls.kdc)
            cls.info = cls.dovecot.start()
        except BaseException:
            cls.kdc.cleanup()
            raise
        cls.env = cls.kdc.kinit("ccache")

    @classmethod
    def tearDownClass(cls):
        cls.dovecot.cleanup()
        cls.kdc.cleanup()

    def url(self, listener, host="localhost"):
        return f"{URL_SCHEME[listener]}://{host}:{self.info['ports'][listener]}"

    def run_probe(self, listener, *args, env=None, **kw):
        return probe(env or self.env, "--cafile", self.info["ca"], "--mech", "GSSAPI",
                     *args, self.url(listener), **kw)


class TestGssapiDovecot(KerberosDovecotCase):
    def check_accepted(self, listener, service):
        r = self.run_probe(listener)
        out = text(r)
        self.assertEqual(r.returncode, 0, out + self.dovecot.log_text()[-2000:])
        self.assertIn("AUTH GSSAPI: ACCEPTED", out)
        self.assertIn("client principal: alice@SMTPAUTH.TEST", out)
        self.assertIn(f"service principal: {service}/localhost@SMTPAUTH.TEST", out)
        self.assertIn("credential cache: FILE:" + self.kdc.path("ccache"), out)
        # Dovecot offers no security layer (and smtpauth asks for none: TLS protects the rest).
        self.assertIn("security layer: none (server offered none, max buffer", out)
        self.assertIn("server verified", out)  # Kerberos mutual authentication (AP-REP)
        self.assertIn("method=GSSAPI", self.dovecot.log_text())
        return out

    def test_smtp_submission(self):
        self.check_accepted("submission", "smtp")

    def test_imap_with_mailbox_check(self):
        out = self.check_accepted("imap", "imap")
        self.assertIn("EXAMINE INBOX: reachable", out)

    def test_pop3_with_mailbox_check(self):
        out = self.check_accepted("pop3", "pop")
        self.assertIn("STAT: reachable", out)

    def test_json_details(self):
        r = self.run_probe("imap", "--json")
        self.assertEqual(r.returncode, 0, text(r))
        auth = json.loads(r.stdout)["auth"]
        self.assertEqual(auth["result"], "accepted")
        self.assertEqual(auth["mechanism"], "GSSAPI")
        d = auth["details"]
        self.assertEqual(d["client_principal"], "alice@SMTPAUTH.TEST")
        self.assertEqual(d["service_principal"], "imap/localhost@SMTPAUTH.TEST")
        self.assertTrue(d["security_layer"].startswith("none"))
        self.assertGreaterEqual(auth["round_trips"], 3)

    def test_user_option_refused(self):
        r = self.run_probe("imap", "--user", "alice")
        self.assertEqual(r.returncode, 64, text(r))
        self.assertIn("GSSAPI authenticates with your Kerberos ticket (run kinit, or set "
                      "KRB5CCNAME), not with --user", text(r))

    def test_ip_literal_target_refused(self):
        r = probe(self.env, "--cafile", self.info["ca"], "--mech", "GSSAPI",
                  f"imap://127.0.0.1:{self.info['ports']['imap']}")
        self.assertEqual(r.returncode, 64, text(r))
        self.assertIn("the target 127.0.0.1 is an IP address, but Kerberos names the service "
                      "after the server's host name (imap/HOST@REALM)", text(r))

    def test_verbose_transcript_hides_nothing_it_should_show(self):
        r = self.run_probe("submission", "-v")
        self.assertEqual(r.returncode, 0, text(r))
        self.assertIn("AUTH GSSAPI", text(r))


class TestGssapiFailures(KerberosDovecotCase):
    """A realm without smtp/localhost: SMTP probes meet an unknown service principal."""

    SERVICES = ("imap", "pop")

    def assert_failure(self, r, status, *phrases):
        out = text(r)
        self.assertEqual(r.returncode, status, out)
        for p in phrases:
            self.assertIn(p, out)
        self.assertNotIn("generic failure", out.split("Kerberos:")[0])

    def test_no_credentials_cache(self):
        env = self.kdc.env(KRB5CCNAME="FILE:" + self.kdc.path("no-such-cache"))
        r = self.run_probe("imap", env=env)
        self.assert_failure(r, 77, "no Kerberos credentials", "run `kinit`",
                            "No credentials cache found")

    def test_expired_ticket(self):
        env = self.kdc.kinit("short-ccache", lifetime="1s")
        # Bounded wait for the ticket to expire (klist -s fails once no ticket is valid).
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if subprocess.run(["klist", "-s"], env=env, timeout=10).returncode != 0:
                break
            time.sleep(0.2)
        else:
            self.fail("the 1-second ticket did not expire within 10 s")
        r = self.run_probe("imap", env=env)
        self.assert_failure(r, 77, "the Kerberos ticket of alice@SMTPAUTH.TEST has expired",
                            "kinit")

    def test_clock_skew(self):
        # The client's clock 10 minutes ahead (libfaketime), the KDC's true: more than the
        # 5-minute default skew, within the ticket's hour.
        r = self.run_probe("imap", extra_env={"ASAN_OPTIONS": "verify_asan_link_order=0"},
                           program=["faketime", "-f", "+10m"])
        self.assert_failure(r, 77, "clock", "allowed skew", "NTP",
                            "(Kerberos: Clock skew too great)")

    def test_unknown_service_principal(self):
        r = self.run_probe("submission")
        self.assert_failure(r, 77, "the Kerberos KDC does not know the service principal "
                            "smtp/localhost@SMTPAUTH.TEST", "host name")
        # The report still says who asked for what.
        r = self.run_probe("submission", "--json")
        self.assertEqual(r.returncode, 77)
        doc = json.loads(r.stdout)
        self.assertEqual(doc["auth"]["details"]["service_principal"],
                         "smtp/localhost@SMTPAUTH.TEST")
        self.assertEqual(doc["error"]["stage"], "auth")


class TestGs2Krb5CyrusServer(unittest.TestCase):
    """GS2-KRB5 and GSSAPI judged by Cyrus libsasl2 as the server (Dovecot has no GS2)."""

    @classmethod
    def setUpClass(cls):
        cls.kdc = Kdc(services=("smtp",))
        cls.kdc.start()
        cls.env = cls.kdc.kinit("ccache")
        # The acceptor in this process reads the realm's config and the keytab.
        cls.saved = {k: os.environ.get(k) for k in ("KRB5_CONFIG", "KRB5_KTNAME",
                                                     "KRB5RCACHETYPE")}
        os.environ.update(KRB5_CONFIG=cls.kdc.krb5_conf, KRB5_KTNAME=cls.kdc.keytab,
                          KRB5RCACHETYPE="none")

    @classmethod
    def tearDownClass(cls):
        for k, v in cls.saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        cls.kdc.cleanup()

    def serve(self):
        self.auth = CyrusSmtpAuth("smtp", "localhost")
        caps = [b"cyrus.test", b"AUTH GSSAPI GS2-KRB5"]
        srv = ScriptedServer(scenario=SmtpScript(caps_clear=caps, auth=self.auth))
        port = srv.start()
        self.addCleanup(srv.stop)
        return port

    def test_gs2_krb5_accepted(self):
        port = self.serve()
        r = probe(self.env, "--tls", "none", "--mech", "GS2-KRB5", f"smtp://localhost:{port}")
        out = text(r)
        self.assertEqual(r.returncode, 0, out + repr(self.auth.results))
        self.assertIn("AUTH GS2-KRB5: ACCEPTED", out)
        self.assertIn("client principal: alice@SMTPAUTH.TEST", out)
        self.assertIn("service principal: smtp/localhost@SMTPAUTH.TEST", out)
        self.assertIn("security layer: none (GS2 has no security layer)", out)
        self.assertEqual(self.auth.results[0]["result"], "ok")
        self.assertEqual(self.auth.results[0]["mechanism"], "GS2-KRB5")
        self.assertTrue(self.auth.results[0]["user"].startswith("alice"))

    def test_gssapi_accepted_by_cyrus_too(self):
        port = self.serve()
        r = probe(self.env, "--tls", "none", "--mech", "GSSAPI", f"smtp://localhost:{port}")
        self.assertEqual(r.returncode, 0, text(r) + repr(self.auth.results))
        self.assertEqual(self.auth.results[0]["result"], "ok")

    def test_gs2_krb5_without_credentials(self):
        port = self.serve()
        env = self.kdc.env(KRB5CCNAME="FILE:" + self.kdc.path("none"))
        r = probe(env, "--tls", "none", "--mech", "GS2-KRB5", f"smtp://localhost:{port}")
        self.assertEqual(r.returncode, 77, text(r))
        self.assertIn("GS2-KRB5: no Kerberos credentials", text(r))
        self.assertEqual(self.auth.results, [])  # nothing was sent


if __name__ == "__main__":
    unittest.main()
