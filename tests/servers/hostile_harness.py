"""Shared pieces of the tests/e2e/test_hostile_*.py tests: run `smtpauth probe` against a
HostileServer, and the assertions every hostile case makes (exit status, message, no
credential on the wire in the clear, no raw control characters in the output)."""

import base64
import json
import os
import subprocess
import tempfile
import time
import unittest

from hostile_certs import make_hostile_pki
from hostile_server import HostileServer, server_context

SECRET_ENV = "SMTPAUTH_HOSTILE_SECRET"
USER = "victim@hostile.test"
PASSWORD = "Hostile-Pass-7f3a9"  # unique: searched for in every byte the server received
PROBE_TIMEOUT = 60.0

_PKI = {}


def binary():
    path = os.environ.get("SMTPAUTH_BINARY")
    if not path:
        raise unittest.SkipTest("SMTPAUTH_BINARY is not set (run through ctest)")
    return os.path.abspath(path)


def pki():
    """The test PKI, made once per process with the openssl CLI in a temporary directory."""
    if not _PKI:
        d = tempfile.mkdtemp(prefix="smtpauth-hostile-pki-")
        _PKI.update(make_hostile_pki(d))
        _PKI["dir"] = d
    return _PKI


def good_context(**kw):
    cert, key = pki()["good"]
    return server_context(cert, key, **kw)


def secret_forms(user=USER, password=PASSWORD):
    """Byte strings that reveal the password: itself, PLAIN's and LOGIN's base64 forms."""
    plain = f"\0{user}\0{password}".encode()
    forms = [password.encode(), base64.b64encode(plain), base64.b64encode(password.encode())]
    # base64 of a PLAIN message with an authzid, or cut at another alignment, still carries
    # the password's base64 in one of three alignments.
    for pad in (b"", b"\0", b"\0\0"):
        enc = base64.b64encode(pad + password.encode())
        forms.append(enc[len(pad) * 2: -4])
    return forms


class Result:
    def __init__(self, proc, elapsed):
        self.proc = proc
        self.status = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr
        self.elapsed = elapsed
        self.json = None
        if self.stdout.strip().startswith(b"{"):
            try:
                self.json = json.loads(self.stdout)
            except ValueError:
                self.json = None

    @property
    def error(self):
        return (self.json or {}).get("error") or {}

    def text(self):
        return (self.stdout + self.stderr).decode("utf-8", "replace")


class HostileCase(unittest.TestCase):
    """Base class: self.serve(scenario) starts a server stopped at the end of the test."""

    def serve(self, scenario, implicit_tls=None, host="127.0.0.1"):
        server = HostileServer(scenario, implicit_tls=implicit_tls, host=host)
        self.addCleanup(server.stop)
        return server

    def probe(self, server, target=None, user=USER, password=PASSWORD, extra=(), json_out=True,
              timeout=PROBE_TIMEOUT, cafile=True, env_extra=None):
        scheme_target = target or f"127.0.0.1:{server.port}"
        args = [binary(), "probe", scheme_target]
        if cafile:
            args += ["--cafile", pki()["ca"]]
        if user is not None:
            args += ["--user", user, "--password-env", SECRET_ENV]
        if json_out:
            args.append("--json")
        args += list(extra)
        env = dict(os.environ)
        env[SECRET_ENV] = password
        if env_extra:
            env.update(env_extra)
        start = time.monotonic()
        proc = subprocess.run(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, env=env, timeout=timeout, check=False)
        result = Result(proc, time.monotonic() - start)
        self._log_outcome(args, result)
        return result

    def _log_outcome(self, args, result):
        """With SMTPAUTH_HOSTILE_LOG=FILE, one line per probe run: test, exit status, stage
        and message (for the closing note's table of observed outcomes)."""
        path = os.environ.get("SMTPAUTH_HOSTILE_LOG")
        if not path:
            return
        if result.json is not None:
            err = result.error
            stage, message = err.get("stage", "-"), err.get("message", "")
            if not err:
                message = "auth: " + str((result.json.get("auth") or {}).get("result"))
        else:
            stage = "-"
            lines = result.stderr.decode("utf-8", "replace").strip().splitlines()
            message = lines[-1] if lines else ""
        with open(path, "a", encoding="utf-8") as f:
            f.write(f"{self.id()}\t{' '.join(a for a in args[3:] if a.startswith('-'))}\t"
                    f"exit {result.status}\t{stage}\t{result.elapsed:.1f}s\t{message[:160]}\n")

    # -- assertions shared by every hostile case ------------------------------------------
    def assert_no_secret_in_clear(self, server):
        clear = server.all_cleartext()
        for form in secret_forms():
            self.assertNotIn(form, clear, "a credential crossed the wire before TLS")
        for s in server.sessions:
            for line in s.client_lines(tls=False):
                self.assertFalse(line.upper().startswith(b"AUTH")
                                 or b" AUTHENTICATE " in line.upper(),
                                 f"AUTH command sent in the clear: {line!r}")

    def assert_no_secret_sent(self, server):
        received = server.all_received()
        for form in secret_forms():
            self.assertNotIn(form, received, "a credential was sent")

    def assert_no_secret_in_output(self, result):
        out = result.stdout + result.stderr
        for form in secret_forms():
            self.assertNotIn(form, out, "a credential appears in the output")

    def assert_clean_output(self, result):
        out = result.stdout + result.stderr
        for bad in (b"\x1b", b"\x07", b"\x00", b"\x9b"):
            self.assertNotIn(bad, out, f"raw control byte {bad!r} in the output")

    def assert_failure(self, result, status, stage=None, message=None, kind=None):
        self.assertEqual(result.status, status, result.text())
        if result.json is not None:
            self.assertIsNotNone(result.json.get("error"), result.text())
            if stage:
                self.assertEqual(result.error.get("stage"), stage, result.text())
            if kind:
                self.assertEqual(result.error.get("kind"), kind, result.text())
            if message:
                self.assertRegex(result.error.get("message", ""), message)
        if message:
            self.assertRegex(result.stderr.decode("utf-8", "replace"), message)
        self.assert_clean_output(result)
        self.assert_no_secret_in_output(result)
