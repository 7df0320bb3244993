"""Shared helpers for the `smtpauth token` tests: starts tests/servers/oauth_server.py (an
Authlib authorization server over HTTPS with the test CA) and drives it through its
control endpoints. Every wait is bounded; the server is stopped by pid.
"""

import json
import os
import shutil
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.environ.get("SMTPAUTH_SOURCE_DIR") or os.path.dirname(os.path.dirname(HERE))
SERVERS = os.path.join(SOURCE_DIR, "tests", "servers")
sys.path.insert(0, SERVERS)
import certs  # noqa: E402  (path set above)
from dovecot_server import stop_pid  # noqa: E402

START_TIMEOUT = 20.0


def authlib_python():
    """An interpreter that can import Authlib (Debian installs it for /usr/bin/python3,
    which may differ from the interpreter running the tests)."""
    for candidate in (sys.executable, "/usr/bin/python3"):
        if candidate and os.path.exists(candidate):
            probe = subprocess.run([candidate, "-c", "import authlib"], capture_output=True,
                                   timeout=30, check=False)
            if probe.returncode == 0:
                return candidate
    raise RuntimeError("no python3 with Authlib (install python3-authlib)")


class OAuthServer:
    """The test identity provider: `base` (https://127.0.0.1:PORT), `ca` (the CA file to give
    smtpauth with --cafile), `introspection_url` (plain HTTP, for Dovecot)."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="smtpauth-idp-")
        self.proc = None

    def start(self):
        pki = certs.make_pki(os.path.join(self.dir, "pki"))
        self.ca = pki["ca"]
        self.other_ca = pki["other_ca"]
        port_file = os.path.join(self.dir, "ports.json")
        log = open(os.path.join(self.dir, "idp.log"), "ab")
        self.proc = subprocess.Popen(
            [authlib_python(), os.path.join(SERVERS, "oauth_server.py"), "--cert",
             pki["server_cert"], "--key", pki["server_key"], "--port-file", port_file],
            stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True)
        log.close()
        deadline = time.monotonic() + START_TIMEOUT
        while not os.path.exists(port_file):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("oauth_server.py did not start:\n" + self.log())
            time.sleep(0.05)
        with open(port_file, encoding="ascii") as f:
            ports = json.load(f)
        self.port = ports["https"]
        self.base = f"https://127.0.0.1:{self.port}"
        self.introspection_url = (f"http://dovecot:introspection-secret@127.0.0.1:"
                                  f"{ports['http']}/introspect")
        self.context = ssl.create_default_context(cafile=self.ca)
        return self

    def log(self):
        try:
            with open(os.path.join(self.dir, "idp.log"), encoding="utf-8",
                      errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def stop(self):
        if self.proc is not None:
            stop_pid(self.proc.pid, "oauth_server.py", proc=self.proc)
            self.proc = None
        shutil.rmtree(self.dir, ignore_errors=True)

    # -- control -------------------------------------------------------------------------
    def _call(self, path, data=None):
        body = json.dumps(data).encode() if data is not None else None
        req = urllib.request.Request(self.base + path, data=body,
                                     method="POST" if body is not None else "GET")
        with urllib.request.urlopen(req, context=self.context, timeout=10) as r:
            return json.loads(r.read())

    def set(self, **settings):
        return self._call("/control", settings)

    def reset(self):
        return self._call("/control/reset", {})

    def revoke_all(self):
        return self._call("/control/revoke", {})

    def device_decision(self, user_code, action):
        return self._call("/control/device", {"user_code": user_code, "action": action})

    def stats(self):
        return self._call("/control/stats")

    def token_requests(self, grant):
        return self.stats()["token"].get(grant, 0)


def endpoint_args(server, client="mail-app"):
    """Explicit endpoints of the test server (no discovery)."""
    return ["--authorize-endpoint", server.base + "/authorize",
            "--token-endpoint", server.base + "/token",
            "--device-endpoint", server.base + "/device",
            "--client-id", client, "--cafile", server.ca]
