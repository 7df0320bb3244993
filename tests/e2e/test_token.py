"""End-to-end: `smtpauth token` against a real OAuth 2.0 authorization server (Authlib, over
HTTPS with the test CA, tests/servers/oauth_server.py): client credentials, refresh with
rotation, device flow (RFC 8628), browser flow (PKCE + loopback redirect, RFC 7636/8252),
discovery, the token store, error explanations, mail warnings and hostile identity
providers. Secrets travel in the environment, never on argv.
"""

import json
import os
import re
import socket
import stat
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

from clitest import binary, run
from tokentest import OAuthServer, endpoint_args

SERVER = None
SECRET_ENV = "SMTPAUTH_TEST_CLIENT_SECRET"
RT_ENV = "SMTPAUTH_TEST_REFRESH_TOKEN"
EXIT_USAGE, EXIT_BAD_INPUT, EXIT_TIMEOUT, EXIT_PROTOCOL = 64, 65, 75, 76
EXIT_REJECTED, EXIT_CERTIFICATE = 77, 81


def setUpModule():
    global SERVER
    SERVER = OAuthServer().start()


def tearDownModule():
    if SERVER is not None:
        SERVER.stop()


def token(args, secret=None, refresh_token=None, timeout=60):
    env = {SECRET_ENV: secret} if secret is not None else {}
    if refresh_token is not None:
        env[RT_ENV] = refresh_token
    return run(["token", *args], extra_env=env, timeout=timeout)


def client_credentials(extra=(), secret="daemon-secret"):
    return token([*endpoint_args(SERVER, "daemon"), "--flow", "client-credentials",
                  "--client-secret-env", SECRET_ENV, "--scope", "mail", *extra], secret=secret)


class Base(unittest.TestCase):
    def setUp(self):
        SERVER.reset()
        self.tmp = tempfile.TemporaryDirectory(prefix="smtpauth-token-")
        self.store = os.path.join(self.tmp.name, "store.json")

    def tearDown(self):
        self.tmp.cleanup()

    def assertExit(self, proc, code):
        self.assertEqual(proc.returncode, code,
                         f"stdout={proc.stdout!r}\nstderr={proc.stderr.decode(errors='replace')}")

    def device_store(self, script=("approve",), extra=()):
        """A store filled by the device flow (the server approves at the first poll)."""
        SERVER.set(device_script=list(script))
        p = token([*endpoint_args(SERVER), "--flow", "device", "--scope", "mail",
                   "--store", self.store, *extra])
        self.assertExit(p, 0)
        return p

    def load_store(self):
        with open(self.store, encoding="utf-8") as f:
            return json.load(f)


class TestClientCredentials(Base):
    def test_prints_the_access_token_alone(self):
        p = client_credentials()
        self.assertExit(p, 0)
        lines = p.stdout.decode().splitlines()
        self.assertEqual(len(lines), 1)
        self.assertTrue(lines[0].startswith("at-"))
        self.assertEqual(SERVER.token_requests("client_credentials"), 1)

    def test_wrong_secret_is_invalid_client_with_hint(self):
        p = client_credentials(secret="not-the-secret")
        self.assertExit(p, EXIT_REJECTED)
        err = p.stderr.decode()
        self.assertIn("invalid_client", err)
        self.assertIn("hint: check --client-id", err)
        self.assertNotIn("not-the-secret", err + p.stdout.decode())

    def test_needs_a_secret(self):
        p = token([*endpoint_args(SERVER, "daemon"), "--flow", "client-credentials"])
        self.assertExit(p, EXIT_USAGE)
        self.assertIn("client secret", p.stderr.decode())

    def test_json_masks_the_token_unless_show_secrets(self):
        p = client_credentials(["--json"])
        self.assertExit(p, 0)
        doc = json.loads(p.stdout)
        self.assertEqual(doc["flow"], "client-credentials")
        self.assertEqual(doc["token_type"], "Bearer")
        self.assertEqual(doc["scopes"], ["mail"])
        self.assertNotIn("at-", doc["access_token"])
        self.assertIn("hidden", doc["access_token"])
        self.assertTrue(3500 < doc["expires_in"] <= 3600)
        shown = json.loads(client_credentials(["--json", "--show-secrets"]).stdout)
        self.assertTrue(shown["access_token"].startswith("at-"))

    def test_scope_is_repeatable(self):
        p = client_credentials(["--scope", "second", "--json"])
        self.assertExit(p, 0)
        self.assertEqual(json.loads(p.stdout)["scopes"], ["mail", "second"])

    def test_discovery_finds_the_endpoints(self):
        p = token(["--issuer", SERVER.base, "--client-id", "daemon", "--cafile", SERVER.ca,
                   "--flow", "client-credentials", "--client-secret-env", SECRET_ENV,
                   "--scope", "mail"], secret="daemon-secret")
        self.assertExit(p, 0)
        self.assertTrue(p.stdout.startswith(b"at-"))

    def test_discovery_with_another_issuer_is_refused(self):
        SERVER.set(discovery_issuer="https://evil.example")
        p = token(["--issuer", SERVER.base, "--client-id", "daemon", "--cafile", SERVER.ca,
                   "--flow", "client-credentials", "--client-secret-env", SECRET_ENV],
                  secret="daemon-secret")
        self.assertExit(p, EXIT_PROTOCOL)
        self.assertIn("names the issuer", p.stderr.decode())

    def test_unknown_ca_is_a_certificate_error(self):
        args = endpoint_args(SERVER, "daemon")
        args[args.index("--cafile") + 1] = SERVER.other_ca
        p = token([*args, "--flow", "client-credentials", "--client-secret-env", SECRET_ENV],
                  secret="daemon-secret")
        self.assertExit(p, EXIT_CERTIFICATE)
        self.assertIn("--cafile", p.stderr.decode())

    def test_plain_http_endpoint_is_refused(self):
        p = token(["--token-endpoint", "http://127.0.0.1:1/token", "--client-id", "x",
                   "--flow", "client-credentials", "--client-secret-env", SECRET_ENV],
                  secret="s")
        self.assertExit(p, EXIT_USAGE)
        self.assertIn("https://", p.stderr.decode())


class TestErrorExplanations(Base):
    CASES = [
        ({"error": "invalid_grant", "error_description":
          "AADSTS65001: The user or administrator has not consented to use the application."},
         "AADSTS65001", "Grant admin consent"),
        ({"error": "invalid_client", "error_description":
          "AADSTS7000218: The request body must contain client_assertion or client_secret."},
         "AADSTS7000218", "Allow public client flows"),
        ({"error": "invalid_grant", "error_description":
          "AADSTS50076: Due to a configuration change you must use multi-factor auth."},
         "AADSTS50076", "multi-factor authentication is required"),
        ({"error": "unauthorized_client", "error_description":
          "AADSTS700016: Application with identifier 'x' was not found in the directory."},
         "AADSTS700016", "check --client-id and --tenant"),
        ({"error": "invalid_request", "error_description":
          "AADSTS90002: Tenant 'nope' not found."}, "AADSTS90002", "check --tenant"),
        ({"error": "invalid_client", "error_description": "The OAuth client was not found."},
         "invalid_client", "Desktop app"),
        ({"error": "redirect_uri_mismatch", "error_description": "Bad Request"},
         "redirect_uri_mismatch", "http://127.0.0.1:<port>/"),
        ({"error": "unauthorized_client", "error_description": "Unauthorized"},
         "unauthorized_client", "may not use this grant type"),
        ({"error": "invalid_scope"}, "invalid_scope", "Google's device flow"),
    ]

    def test_each_error_in_plain_words_with_hint(self):
        for body, code, words in self.CASES:
            with self.subTest(code=code):
                SERVER.set(token_error={"status": 400, "body": body})
                p = client_credentials()
                self.assertExit(p, EXIT_REJECTED)
                err = p.stderr.decode()
                self.assertIn(code, err)
                self.assertIn(words, err)
                self.assertIn("hint:", err)
                self.assertEqual(p.stdout, b"")


class TestHostileProvider(Base):
    def test_slow_provider_times_out(self):
        SERVER.set(token_mode="slow")
        start = time.monotonic()
        p = token([*endpoint_args(SERVER, "daemon"), "--flow", "client-credentials",
                   "--client-secret-env", SECRET_ENV, "--timeout", "2"], secret="daemon-secret")
        self.assertExit(p, EXIT_TIMEOUT)
        self.assertLess(time.monotonic() - start, 15)
        self.assertIn("did not answer in time", p.stderr.decode())

    def test_closed_connection(self):
        SERVER.set(token_mode="close")
        p = client_credentials()
        self.assertExit(p, EXIT_PROTOCOL)
        self.assertIn("closed the connection", p.stderr.decode())

    def test_huge_answer_is_refused(self):
        SERVER.set(token_mode="huge")
        p = client_credentials()
        self.assertExit(p, EXIT_PROTOCOL)
        self.assertIn("larger than 256 KiB", p.stderr.decode())

    def test_malformed_json(self):
        SERVER.set(token_mode="malformed")
        p = client_credentials()
        self.assertExit(p, EXIT_PROTOCOL)
        self.assertIn("malformed", p.stderr.decode())

    def test_token_with_terminal_escapes_is_refused(self):
        SERVER.set(token_mode="escape")
        p = client_credentials()
        self.assertExit(p, EXIT_PROTOCOL)
        self.assertIn("b64token", p.stderr.decode())
        self.assertNotIn(b"\x1b", p.stdout + p.stderr)

    def test_redirect_is_not_followed(self):
        SERVER.set(token_mode="redirect")
        p = client_credentials()
        self.assertExit(p, EXIT_PROTOCOL)
        self.assertIn("not followed", p.stderr.decode())


class TestDeviceFlow(Base):
    def test_user_code_shown_and_approved(self):
        SERVER.set(device_script=[])  # pending until the user decides
        proc = subprocess.Popen(
            [binary(), "token", *endpoint_args(SERVER), "--flow", "device", "--scope", "mail"],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            line = proc.stderr.readline().decode()
            m = re.search(r"open (https://\S+) and enter the code (\S+)", line)
            self.assertIsNotNone(m, line)
            self.assertEqual(m.group(1), SERVER.base + "/activate")
            time.sleep(1.5)  # at least one authorization_pending poll
            SERVER.device_decision(m.group(2), "approve")
            out, err = proc.communicate(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        self.assertEqual(proc.returncode, 0, err)
        self.assertTrue(out.startswith(b"at-"))
        self.assertGreaterEqual(len(SERVER.stats()["device_polls"]), 2)

    def test_slow_down_adds_five_seconds(self):
        SERVER.set(device_script=["slow_down", "approve"])
        p = token([*endpoint_args(SERVER), "--flow", "device", "--scope", "mail"])
        self.assertExit(p, 0)
        polls = SERVER.stats()["device_polls"]
        self.assertEqual(len(polls), 2)
        self.assertGreaterEqual(polls[1] - polls[0], 5.9)  # interval 1 s + 5 s
        self.assertIn("polling every 6 s", p.stderr.decode())

    def test_access_denied(self):
        SERVER.set(device_script=["pending", "deny"])
        p = token([*endpoint_args(SERVER), "--flow", "device"])
        self.assertExit(p, EXIT_REJECTED)
        self.assertIn("access_denied", p.stderr.decode())
        self.assertIn("declined", p.stderr.decode())

    def test_expired_token(self):
        SERVER.set(device_script=["expire"])
        p = token([*endpoint_args(SERVER), "--flow", "device"])
        self.assertExit(p, EXIT_TIMEOUT)
        self.assertIn("device code expired", p.stderr.decode())

    def test_timeout(self):
        SERVER.set(device_script=[])
        p = token([*endpoint_args(SERVER), "--flow", "device", "--timeout", "2"])
        self.assertExit(p, EXIT_TIMEOUT)
        self.assertIn("--timeout", p.stderr.decode())


class TestStore(Base):
    def test_store_is_private_and_reused_without_a_request(self):
        first = self.device_store()
        self.assertEqual(stat.S_IMODE(os.stat(self.store).st_mode), 0o600)
        saved = self.load_store()
        self.assertEqual(saved["version"], 1)
        self.assertEqual(saved["token_endpoint"], SERVER.base + "/token")
        self.assertEqual(saved["client_id"], "mail-app")
        self.assertEqual(saved["scopes"], ["mail"])
        self.assertTrue(saved["refresh_token"].startswith("rt-"))
        before = SERVER.stats()["token"]
        again = token(["--store", self.store])
        self.assertExit(again, 0)
        self.assertEqual(again.stdout, first.stdout)
        self.assertEqual(SERVER.stats()["token"], before)

    def test_refresh_when_expiring_within_60_s_and_rotation(self):
        SERVER.set(expires_in=30)
        first = self.device_store()
        old_rt = self.load_store()["refresh_token"]
        SERVER.set(expires_in=3600)
        p = token(["--store", self.store, "--json"])
        self.assertExit(p, 0)
        doc = json.loads(p.stdout)
        self.assertTrue(doc["refreshed"])
        self.assertEqual(SERVER.token_requests("refresh_token"), 1)
        saved = self.load_store()
        self.assertNotEqual(saved["refresh_token"], old_rt)  # the rotated one was saved
        self.assertNotEqual(saved["access_token"], first.stdout.decode().strip())
        # The old refresh token is dead after rotation.
        p = token([*endpoint_args(SERVER), "--flow", "refresh", "--refresh-token-env", RT_ENV],
                  refresh_token=old_rt)
        self.assertExit(p, EXIT_REJECTED)
        self.assertIn("invalid_grant", p.stderr.decode())
        self.assertNotIn(old_rt, p.stderr.decode())  # secrets never in an error message
        # The new one works.
        p = token([*endpoint_args(SERVER), "--flow", "refresh", "--refresh-token-env", RT_ENV],
                  refresh_token=saved["refresh_token"])
        self.assertExit(p, 0)

    def test_flow_refresh_forces_a_request(self):
        self.device_store()
        p = token(["--store", self.store, "--flow", "refresh"])
        self.assertExit(p, 0)
        self.assertEqual(SERVER.token_requests("refresh_token"), 1)

    def test_group_readable_store_is_refused(self):
        self.device_store()
        os.chmod(self.store, 0o640)
        p = token(["--store", self.store])
        self.assertExit(p, EXIT_BAD_INPUT)
        self.assertIn("chmod 600", p.stderr.decode())
        self.assertEqual(p.stdout, b"")

    def test_revoked_authorization_names_the_renewing_command(self):
        SERVER.set(expires_in=30)
        self.device_store()
        SERVER.revoke_all()
        p = token(["--store", self.store])
        self.assertExit(p, EXIT_REJECTED)
        err = p.stderr.decode()
        self.assertIn("is gone", err)
        self.assertIn(f"renew it with: smtpauth token --store '{self.store}' --flow device", err)

    def test_two_concurrent_refreshes_make_one_request(self):
        SERVER.set(expires_in=30)
        self.device_store()
        SERVER.set(expires_in=3600, token_delay=1.0)
        procs = [subprocess.Popen([binary(), "token", "--store", self.store],
                                  stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE) for _ in range(2)]
        outs = [p.communicate(timeout=60) for p in procs]
        for p, (out, err) in zip(procs, outs):
            self.assertEqual(p.returncode, 0, err)
        self.assertEqual(outs[0][0], outs[1][0])
        self.assertEqual(SERVER.token_requests("refresh_token"), 1)

    def test_encrypted_store(self):
        self.device_store(extra=["--encrypt-cmd", "base64", "--decrypt-cmd", "base64 -d"])
        with open(self.store, "rb") as f:
            raw = f.read()
        self.assertNotIn(b"refresh_token", raw)
        p = token(["--store", self.store, "--decrypt-cmd", "base64 -d"])
        self.assertExit(p, 0)
        p = token(["--store", self.store])
        self.assertExit(p, EXIT_BAD_INPUT)
        self.assertIn("--decrypt-cmd", p.stderr.decode())


class TestBrowserFlow(Base):
    def start(self, extra=()):
        proc = subprocess.Popen(
            [binary(), "token", *endpoint_args(SERVER), "--flow", "browser", "--no-browser",
             "--scope", "mail", *extra],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.addCleanup(lambda: (proc.poll() is None and proc.kill(), proc.wait()))
        url = None
        for _ in range(5):
            line = proc.stderr.readline().decode().strip()
            if line.startswith("https://"):
                url = line
                break
        self.assertIsNotNone(url, "no URL line on stderr")
        return proc, url

    def authorize(self, url):
        """The test user's browser: the authorize endpoint approves and redirects; the
        redirect is returned, not followed."""
        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None
        opener = urllib.request.build_opener(
            NoRedirect, urllib.request.HTTPSHandler(context=SERVER.context))
        try:
            opener.open(url, timeout=10)
        except urllib.error.HTTPError as e:
            self.assertEqual(e.code, 302)
            return e.headers["Location"]
        self.fail("the authorize endpoint did not redirect")

    @staticmethod
    def get(url):
        try:
            with urllib.request.urlopen(url, timeout=10) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def test_sign_in_with_pkce(self):
        proc, url = self.start()
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))
        self.assertEqual(query["code_challenge_method"], "S256")
        self.assertRegex(query["redirect_uri"], r"^http://127\.0\.0\.1:\d+/$")
        callback = self.authorize(url)
        parts = urllib.parse.urlsplit(callback)
        base = f"http://127.0.0.1:{parts.port}"
        # Not our path: refused, the flow goes on.
        self.assertEqual(self.get(base + "/favicon.ico")[0], 404)
        # Right path, wrong state: refused, the flow goes on.
        forged = dict(urllib.parse.parse_qsl(parts.query), state="forged")
        self.assertEqual(self.get(base + "/?" + urllib.parse.urlencode(forged))[0], 400)
        status, page = self.get(callback)
        self.assertEqual(status, 200)
        self.assertIn("signed in", page)
        out, err = proc.communicate(timeout=30)
        self.assertEqual(proc.returncode, 0, err)
        self.assertTrue(out.startswith(b"at-"))
        self.assertIn(b"refused a request for /favicon.ico", err)
        self.assertIn(b"state does not match", err)
        # Exactly one callback: nothing listens any more.
        with self.assertRaises(OSError):
            socket.create_connection(("127.0.0.1", parts.port), timeout=5).close()

    def test_pkce_verifier_mismatch_is_refused_by_the_server(self):
        proc, url = self.start()
        # An attacker's authorization request with its own challenge, code injected into
        # our callback: our verifier does not match, the server refuses the exchange.
        tampered = re.sub(r"code_challenge=[^&]+",
                          "code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", url)
        self.assertEqual(self.get(self.authorize(tampered))[0], 200)
        out, err = proc.communicate(timeout=30)
        self.assertEqual(proc.returncode, EXIT_REJECTED, err)
        self.assertIn(b"invalid_grant", err)
        self.assertIn(b"Code challenge failed", err)
        self.assertEqual(out, b"")

    def test_user_declines(self):
        SERVER.set(authorize_deny=True)
        proc, url = self.start()
        self.assertEqual(self.get(self.authorize(url))[0], 200)
        out, err = proc.communicate(timeout=30)
        self.assertEqual(proc.returncode, EXIT_REJECTED, err)
        self.assertIn(b"access_denied", err)

    def test_no_callback_times_out(self):
        proc, _ = self.start(["--timeout", "2"])
        out, err = proc.communicate(timeout=30)
        self.assertEqual(proc.returncode, EXIT_TIMEOUT, err)
        self.assertIn(b"within --timeout", err)


class TestMailWarnings(Base):
    def warnings_for(self, claims, extra=()):
        SERVER.set(jwt_claims=claims)
        p = client_credentials(["--json", *extra])
        self.assertExit(p, 0)
        return json.loads(p.stdout), p.stderr.decode()

    def test_graph_token_is_not_for_outlook(self):
        doc, err = self.warnings_for({
            "iss": "https://login.microsoftonline.com/t/v2.0",
            "aud": "https://graph.microsoft.com", "scp": "Mail.Read User.Read"})
        self.assertEqual(doc["claims"]["aud"], "https://graph.microsoft.com")
        self.assertIn("not Outlook", err)
        self.assertIn("no SMTP.Send scope", err)
        self.assertIn("no IMAP.AccessAsUser.All", err)

    def test_outlook_token_with_mail_scopes_has_no_warning(self):
        doc, err = self.warnings_for({
            "iss": "https://login.microsoftonline.com/t/v2.0",
            "aud": "https://outlook.office.com", "scp": "SMTP.Send IMAP.AccessAsUser.All"})
        self.assertEqual(doc["warnings"], [])
        self.assertNotIn("warning", err)

    def test_app_token_without_roles(self):
        doc, err = self.warnings_for({
            "iss": "https://sts.windows.net/t/", "aud": "https://outlook.office365.com",
            "roles": ["Mail.Read"]})
        self.assertIn("no SMTP.SendAsApp role", err)
        self.assertIn("no IMAP.AccessAsApp role", err)

    def test_google_token_without_mail_scope(self):
        p = token(["--provider", "google", *endpoint_args(SERVER, "daemon"), "--flow",
                   "client-credentials", "--client-secret-env", SECRET_ENV, "--scope",
                   "openid"], secret="daemon-secret")
        self.assertExit(p, 0)
        self.assertIn("lacks the scope https://mail.google.com/", p.stderr.decode())


class TestDefaultFlow(Base):
    def preset(self, provider):
        return ["--provider", provider, "--authorize-endpoint", SERVER.base + "/authorize",
                "--token-endpoint", SERVER.base + "/token",
                "--device-endpoint", SERVER.base + "/device", "--client-id", "mail-app",
                "--cafile", SERVER.ca, "--scope", "mail"]

    def test_microsoft_defaults_to_the_device_flow(self):
        SERVER.set(device_script=["approve"])
        p = token(self.preset("microsoft"))
        self.assertExit(p, 0)
        self.assertIn("enter the code", p.stderr.decode())

    def test_google_defaults_to_the_browser_flow(self):
        p = token([*self.preset("google"), "--no-browser", "--timeout", "1"])
        self.assertExit(p, EXIT_TIMEOUT)
        url = [line for line in p.stderr.decode().splitlines()
               if line.startswith(SERVER.base + "/authorize?")]
        self.assertEqual(len(url), 1)  # the URL on a line of its own
        self.assertIn("access_type=offline", url[0])

    def test_store_with_a_refresh_token_defaults_to_it(self):
        SERVER.set(expires_in=30)
        self.device_store()
        p = token(["--store", self.store, "--json"])
        self.assertExit(p, 0)
        self.assertEqual(json.loads(p.stdout)["flow"], "store")
        self.assertEqual(SERVER.token_requests("refresh_token"), 1)


class TestUsage(Base):
    def test_tenant_needs_microsoft(self):
        p = token(["--provider", "google", "--tenant", "x", "--client-id", "a"])
        self.assertExit(p, EXIT_USAGE)
        self.assertIn("--tenant is for --provider microsoft", p.stderr.decode())

    def test_client_id_required(self):
        p = token(["--token-endpoint", SERVER.base + "/token", "--flow", "device"])
        self.assertExit(p, EXIT_USAGE)
        self.assertIn("--client-id is required", p.stderr.decode())

    def test_refresh_needs_a_refresh_token(self):
        p = token([*endpoint_args(SERVER), "--flow", "refresh"])
        self.assertExit(p, EXIT_USAGE)
        self.assertIn("needs a refresh token", p.stderr.decode())

    def test_missing_store_file_for_probe(self):
        p = run(["probe", "127.0.0.1:1", "--user", "alice", "--oauth-store",
                 os.path.join(self.tmp.name, "absent.json")])
        self.assertExit(p, 66)


class TestLazyLibcurl(unittest.TestCase):
    """DESIGN.md: libcurl is loaded only on the path that needs it."""

    def loaded(self, args):
        p = run(args, extra_env={"LD_DEBUG": "files"})
        return p.stderr.decode(errors="replace")

    def test_gen_plain_maps_neither_libcurl_nor_libsasl2(self):
        trace = self.loaded(["gen", "PLAIN", "--user", "u", "--password-env", "HOME"])
        self.assertIn("file=", trace)  # the trace works
        self.assertNotIn("libcurl", trace)
        self.assertNotIn("libsasl2", trace)

    def test_token_loads_libcurl(self):
        trace = self.loaded(["token", "--token-endpoint", "https://127.0.0.1:1/token",
                             "--client-id", "x", "--flow", "refresh", "--refresh-token-env",
                             "HOME", "--timeout", "2"])
        self.assertIn("libcurl.so.4", trace)


if __name__ == "__main__":
    unittest.main()
