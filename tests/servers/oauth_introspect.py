#!/usr/bin/env python3
"""OAuth 2.0 token introspection endpoint (RFC 7662) on loopback, queried by Dovecot's
oauth2 passdb in the tests. Known tokens are active and name their user; any other token
is answered `{"active": false}` as RFC 7662 section 2.2 requires (HTTP 200).

The token may arrive as a POST form field `token` (introspection_mode = post), as a query
parameter `token` (mode get) or as `Authorization: Bearer` (mode auth), so the Dovecot
configuration can use any of them.

Run: oauth_introspect.py --tokens FILE --port-file FILE [--host 127.0.0.1]
FILE holds {"token": "username", ...}. Port 0 is bound and the port written atomically.
"""

import argparse
import http.server
import json
import os
import signal
import sys
import time
import urllib.parse

MAX_BODY = 65536


class IntrospectHandler(http.server.BaseHTTPRequestHandler):
    server_version = "smtpauth-introspect/1"
    tokens = {}

    def log_message(self, fmt, *args):  # noqa: N802 (http.server API)
        # Never log the token itself: only method, path and outcome.
        print("introspect: " + (fmt % args), file=sys.stderr, flush=True)

    def _token(self, body):
        auth = self.headers.get("Authorization", "")
        if auth.lower().startswith("bearer "):
            return auth[7:].strip()
        query = urllib.parse.urlsplit(self.path).query
        for source in (body, query):
            values = urllib.parse.parse_qs(source).get("token")
            if values:
                return values[0]
        return None

    def _answer(self, body):
        token = self._token(body)
        user = self.tokens.get(token) if token else None
        if user is None:
            result = {"active": False}
        else:
            now = int(time.time())
            result = {"active": True, "username": user, "email": user, "scope": "mail",
                      "token_type": "Bearer", "iat": now, "exp": now + 3600}
        data = json.dumps(result).encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):  # noqa: N802 (http.server API)
        self._answer("")

    def do_POST(self):  # noqa: N802 (http.server API)
        length = int(self.headers.get("Content-Length") or 0)
        if length < 0 or length > MAX_BODY:
            self.send_error(413)
            return
        self._answer(self.rfile.read(length).decode("utf-8", "replace"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--tokens", required=True)
    parser.add_argument("--port-file", required=True)
    args = parser.parse_args()
    with open(args.tokens, encoding="utf-8") as f:
        IntrospectHandler.tokens = json.load(f)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    server = http.server.ThreadingHTTPServer((args.host, 0), IntrospectHandler)
    server.daemon_threads = True
    tmp = args.port_file + ".tmp"
    with open(tmp, "w", encoding="ascii") as f:
        f.write(f"{server.server_address[1]}\n")
    os.replace(tmp, args.port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
