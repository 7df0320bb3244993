#!/usr/bin/env python3
"""OAuth 2.0 authorization server for the `smtpauth token` tests, built on Authlib (Debian
python3-authlib): authorization code with PKCE (RFC 6749 §4.1, RFC 7636), refresh with
rotation (§6), client credentials (§4.4), device authorization (RFC 8628), OpenID discovery,
introspection (RFC 7662) for Dovecot's oauth2 passdb. Authlib does every protocol check;
this file only stores state and wires Authlib to http.server.

Listens on 127.0.0.1: an HTTPS port (test CA certificate) for smtpauth and the tests, and a
plain HTTP port that serves only /introspect, for Dovecot.

Test control (HTTPS, JSON): POST /control merges settings (see BEHAVIOUR below), POST
/control/reset restores them, POST /control/revoke revokes every token, GET /control/stats
returns request counts and device poll times, POST /control/device {"user_code","action"}
approves or denies a device sign-in.

Run: oauth_server.py --cert C --key K --port-file F   (F gets {"https": p, "http": q})
"""

import argparse
import base64
import http.server
import json
import os
import signal
import socket
import ssl
import sys
import threading
import time
import urllib.parse

from authlib.common.security import generate_token
from authlib.oauth2.rfc6749 import AuthorizationServer, ClientMixin, TokenMixin, grants
from authlib.oauth2.rfc6749.wrappers import OAuth2Request
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oauth2.rfc7662 import IntrospectionEndpoint
from authlib.oauth2.rfc8628 import (DeviceAuthorizationEndpoint, DeviceCodeGrant,
                                    DeviceCredentialDict)

MAX_BODY = 65536
USER = "alice"
DOVECOT_CLIENT = ("dovecot", "introspection-secret")

DEFAULT_BEHAVIOUR = {
    "expires_in": 3600,        # lifetime of issued access tokens
    "rotate": True,            # refresh grant issues a new refresh token, old one dies
    "jwt_claims": None,        # dict: issue JWT access tokens with these claims
    "token_mode": None,        # None | "slow" | "close" | "huge" | "malformed" | "redirect"
                               # | "escape"
    "token_delay": 0.0,        # seconds before answering a token request
    "token_error": None,       # {"status": 400, "body": {...}}: answer every token request
    "device_interval": 1,
    "device_expires_in": 600,
    "device_script": [],       # per poll: "pending" | "slow_down" | "approve" | "deny" | "expire"
    "authorize_deny": False,   # authorize endpoint: the user declines
    "discovery_issuer": None,  # discovery answers this issuer instead of the real one
}

LOCK = threading.RLock()
STATE = {
    "behaviour": dict(DEFAULT_BEHAVIOUR),
    "stats": {"token": {}, "device_polls": [], "authorize": 0, "introspect": 0},
    "codes": {},
    "tokens": [],
    "devices": {},
    "grants": {},
    "base": "",
}


def behaviour(key):
    with LOCK:
        return STATE["behaviour"][key]


class Client(ClientMixin):
    def __init__(self, client_id, secret, grant_types, public=False):
        self.client_id = client_id
        self.secret = secret
        self.grant_types = grant_types
        self.public = public

    def get_client_id(self):
        return self.client_id

    def get_default_redirect_uri(self):
        return None

    def get_allowed_scope(self, scope):
        return scope or ""

    def check_redirect_uri(self, redirect_uri):
        # RFC 8252 §7.3: loopback IP literal, any port.
        parts = urllib.parse.urlsplit(redirect_uri)
        return parts.scheme == "http" and parts.hostname == "127.0.0.1"

    def check_client_secret(self, client_secret):
        return self.secret is not None and client_secret == self.secret

    def check_endpoint_auth_method(self, method, endpoint):
        if self.public:
            return method == "none"
        return method in ("client_secret_post", "client_secret_basic")

    def check_response_type(self, response_type):
        return response_type == "code"

    def check_grant_type(self, grant_type):
        return grant_type in self.grant_types


ALL_GRANTS = ["authorization_code", "refresh_token", "client_credentials",
              "urn:ietf:params:oauth:grant-type:device_code"]
CLIENTS = {
    # A public native app (no secret), like Thunderbird's or a Desktop-app registration.
    "mail-app": Client("mail-app", None, ALL_GRANTS[:2] + ALL_GRANTS[3:], public=True),
    # A confidential client (Google desktop apps have a "secret" too).
    "confidential-app": Client("confidential-app", "app-secret", ALL_GRANTS),
    # Only the client credentials grant (a service principal).
    "daemon": Client("daemon", "daemon-secret", ["client_credentials"]),
    DOVECOT_CLIENT[0]: Client(DOVECOT_CLIENT[0], DOVECOT_CLIENT[1], []),
}


class Token(TokenMixin):
    def __init__(self, data, client_id, user, scope):
        self.access_token = data["access_token"]
        self.refresh_token = data.get("refresh_token")
        self.client_id = client_id
        self.user = user
        self.scope = scope or ""
        self.issued_at = time.time()
        self.expires_in = int(data.get("expires_in", 0))
        self.revoked = False
        self.refresh_revoked = False

    def check_client(self, client):
        return client.get_client_id() == self.client_id

    def get_scope(self):
        return self.scope

    def get_expires_in(self):
        return self.expires_in

    def is_expired(self):
        return time.time() > self.issued_at + self.expires_in

    def is_revoked(self):
        return self.revoked


class AuthCode:
    def __init__(self, code, request):
        self.code = code
        self.client_id = request.client_id
        self.redirect_uri = request.redirect_uri
        self.scope = request.scope or ""
        self.user = request.user
        self.code_challenge = request.data.get("code_challenge")
        self.code_challenge_method = request.data.get("code_challenge_method")

    def get_redirect_uri(self):
        return self.redirect_uri

    def get_scope(self):
        return self.scope


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def generate_bearer(grant_type, client, user=None, scope=None, expires_in=None,
                    include_refresh_token=True):
    lifetime = int(behaviour("expires_in"))
    claims = behaviour("jwt_claims")
    if claims:
        body = dict(claims, exp=int(time.time()) + lifetime, jti=generate_token(12))
        access = ".".join([b64url(json.dumps({"alg": "none", "typ": "JWT"}).encode()),
                           b64url(json.dumps(body).encode()), b64url(b"unsigned")])
    else:
        access = "at-" + generate_token(40)
    token = {"token_type": "Bearer", "access_token": access, "expires_in": lifetime}
    if scope:
        token["scope"] = scope
    if include_refresh_token:
        token["refresh_token"] = "rt-" + generate_token(40)
    return token


class Server(AuthorizationServer):
    def query_client(self, client_id):
        return CLIENTS.get(client_id)

    def save_token(self, token, request):
        user = request.user
        client_id = request.client.get_client_id()
        with LOCK:
            STATE["tokens"].append(Token(token, client_id, user, token.get("scope")))

    def create_oauth2_request(self, request):
        if isinstance(request, OAuth2Request):
            return request
        method, uri, form, headers = request
        return OAuth2Request(method, uri, body=form, headers=headers)

    def create_json_request(self, request):
        raise NotImplementedError()

    def handle_response(self, status, body, headers):
        return status, body, headers

    def send_signal(self, name, *args, **kwargs):
        pass


class CodeGrant(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]

    def save_authorization_code(self, code, request):
        with LOCK:
            STATE["codes"][code] = AuthCode(code, request)

    def query_authorization_code(self, code, client):
        with LOCK:
            item = STATE["codes"].get(code)
        if item and item.client_id == client.get_client_id():
            return item
        return None

    def delete_authorization_code(self, authorization_code):
        with LOCK:
            STATE["codes"].pop(authorization_code.code, None)

    def authenticate_user(self, authorization_code):
        return authorization_code.user


class RefreshGrant(grants.RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]

    @property
    def INCLUDE_NEW_REFRESH_TOKEN(self):  # noqa: N802 (Authlib's name)
        return bool(behaviour("rotate"))

    def authenticate_refresh_token(self, refresh_token):
        with LOCK:
            for t in STATE["tokens"]:
                if t.refresh_token == refresh_token and not t.refresh_revoked and not t.revoked:
                    return t
        return None

    def authenticate_user(self, credential):
        return credential.user

    def revoke_old_credential(self, credential):
        if behaviour("rotate"):
            with LOCK:
                credential.refresh_revoked = True


class ClientCredentials(grants.ClientCredentialsGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]


class DeviceEndpoint(DeviceAuthorizationEndpoint):
    def get_verification_uri(self):
        return STATE["base"] + "/activate"

    def create_endpoint_response(self, request):
        self.EXPIRES_IN = int(behaviour("device_expires_in"))
        self.INTERVAL = int(behaviour("device_interval"))
        return super().create_endpoint_response(request)

    def save_device_credential(self, client_id, scope, data):
        with LOCK:
            STATE["devices"][data["device_code"]] = DeviceCredentialDict(
                client_id=client_id, scope=scope, expires_at=time.time() + data["expires_in"],
                polls=0, **data)


class DeviceGrant(DeviceCodeGrant):
    def query_device_credential(self, device_code):
        with LOCK:
            cred = STATE["devices"].get(device_code)
            if cred is None:
                return None
            STATE["stats"]["device_polls"].append(time.time())
            script = behaviour("device_script")
            step = script[cred["polls"]] if cred["polls"] < len(script) else None
            cred["polls"] += 1
            cred["step"] = step
            if step == "expire":
                cred["expires_at"] = time.time() - 1
            return cred

    def query_user_grant(self, user_code):
        with LOCK:
            for cred in STATE["devices"].values():
                if cred["user_code"] == user_code:
                    if cred.get("step") == "approve":
                        return USER, True
                    if cred.get("step") == "deny":
                        return USER, False
            return STATE["grants"].get(user_code)

    def should_slow_down(self, credential):
        return credential.get("step") == "slow_down"


class Introspection(IntrospectionEndpoint):
    CLIENT_AUTH_METHODS = ["client_secret_basic"]

    def query_token(self, token_string, token_type_hint):
        with LOCK:
            for t in STATE["tokens"]:
                if t.access_token == token_string:
                    return t
        return None

    def check_permission(self, token, client, request):
        return client.get_client_id() == DOVECOT_CLIENT[0]

    def introspect_token(self, token):
        return {"active": True, "client_id": token.client_id, "token_type": "Bearer",
                "username": token.user or token.client_id, "scope": token.scope,
                "exp": int(token.issued_at + token.expires_in), "iat": int(token.issued_at)}


SERVER = Server()
SERVER.register_token_generator("default", generate_bearer)
SERVER.register_grant(CodeGrant, [CodeChallenge(required=True)])
SERVER.register_grant(RefreshGrant)
SERVER.register_grant(ClientCredentials)
SERVER.register_grant(DeviceGrant)
SERVER.register_endpoint(DeviceEndpoint)
SERVER.register_endpoint(Introspection)


class Handler(http.server.BaseHTTPRequestHandler):
    server_version = "smtpauth-test-idp/1"
    protocol_version = "HTTP/1.1"
    introspection_only = False

    def log_message(self, fmt, *args):  # noqa: N802 (http.server API)
        # Method and path only: bodies and queries carry codes and tokens.
        print("idp: " + self.command + " " + self.path.split("?")[0], file=sys.stderr,
              flush=True)

    def _send(self, status, body, headers=()):
        data = body if isinstance(body, bytes) else json.dumps(body).encode("utf-8")
        self.send_response(status)
        sent = set()
        for name, value in headers:
            self.send_header(name, value)
            sent.add(name.lower())
        if "content-type" not in sent:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _form(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length < 0 or length > MAX_BODY:
            return None
        raw = self.rfile.read(length).decode("utf-8", "replace")
        return dict(urllib.parse.parse_qsl(raw, keep_blank_values=True))

    def _oauth_request(self, form):
        return ("POST" if form is not None else "GET", STATE["base"] + self.path,
                form or {}, self.headers)

    def do_GET(self):  # noqa: N802 (http.server API)
        path = self.path.split("?")[0]
        if self.introspection_only:
            return self._send(404, {"error": "not_found"})
        if path == "/.well-known/openid-configuration":
            base = STATE["base"]
            return self._send(200, {
                "issuer": behaviour("discovery_issuer") or base,
                "authorization_endpoint": base + "/authorize",
                "token_endpoint": base + "/token",
                "device_authorization_endpoint": base + "/device",
                "introspection_endpoint": base + "/introspect",
                "code_challenge_methods_supported": ["S256"],
                "grant_types_supported": ALL_GRANTS,
            })
        if path == "/authorize":
            with LOCK:
                STATE["stats"]["authorize"] += 1
            user = None if behaviour("authorize_deny") else USER
            status, body, headers = SERVER.create_authorization_response(
                ("GET", STATE["base"] + self.path, {}, self.headers), grant_user=user)
            return self._send(status, body if body else b"", headers)
        if path == "/control/stats":
            with LOCK:
                return self._send(200, STATE["stats"])
        return self._send(404, {"error": "not_found"})

    def do_POST(self):  # noqa: N802 (http.server API)
        path = self.path.split("?")[0]
        form_or_none = None
        if not path.startswith("/control"):
            form_or_none = self._form()
            if form_or_none is None:
                return self._send(413, {"error": "invalid_request"})
        if path == "/introspect":
            with LOCK:
                STATE["stats"]["introspect"] += 1
            status, body, headers = SERVER.create_endpoint_response(
                "introspection", self._oauth_request(form_or_none))
            return self._send(status, body, headers)
        if self.introspection_only:
            return self._send(404, {"error": "not_found"})
        if path == "/token":
            return self._token(form_or_none)
        if path == "/device":
            status, body, headers = SERVER.create_endpoint_response(
                "device_authorization", self._oauth_request(form_or_none))
            return self._send(status, body, headers)
        if path.startswith("/control"):
            return self._control(path)
        return self._send(404, {"error": "not_found"})

    def _token(self, form):
        grant = form.get("grant_type", "")
        with LOCK:
            counts = STATE["stats"]["token"]
            counts[grant] = counts.get(grant, 0) + 1
        delay = float(behaviour("token_delay"))
        if delay:
            time.sleep(delay)
        mode = behaviour("token_mode")
        if mode == "close":
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return None
        if mode == "slow":
            time.sleep(30)
        if mode == "huge":
            pad = "A" * (2 * 1024 * 1024)
            return self._send(200, b'{"access_token":"' + pad.encode() + b'"}')
        if mode == "malformed":
            return self._send(200, b'{"access_token": "at-x", "token_type": ')
        if mode == "escape":  # terminal escapes inside the token
            return self._send(200, {"access_token": "at-\x1b]0;pwned\x07\x1b[2J",
                                    "token_type": "Bearer", "expires_in": 60})
        if mode == "redirect":
            return self._send(302, b"", [("Location", "https://127.0.0.1:1/elsewhere")])
        error = behaviour("token_error")
        if error:
            return self._send(int(error.get("status", 400)), error["body"])
        status, body, headers = SERVER.create_token_response(self._oauth_request(form))
        return self._send(status, body, headers)

    def _control(self, path):
        length = int(self.headers.get("Content-Length") or 0)
        data = json.loads(self.rfile.read(length) or b"{}") if length else {}
        with LOCK:
            if path == "/control":
                for key, value in data.items():
                    if key not in DEFAULT_BEHAVIOUR:
                        return self._send(400, {"error": f"unknown setting {key}"})
                    STATE["behaviour"][key] = value
            elif path == "/control/reset":
                STATE["behaviour"] = dict(DEFAULT_BEHAVIOUR)
                STATE["stats"] = {"token": {}, "device_polls": [], "authorize": 0,
                                  "introspect": 0}
            elif path == "/control/revoke":
                for t in STATE["tokens"]:
                    t.revoked = True
            elif path == "/control/device":
                STATE["grants"][data["user_code"]] = (USER, data["action"] == "approve")
            else:
                return self._send(404, {"error": "not_found"})
        return self._send(200, {"ok": True})


class IntrospectionHandler(Handler):
    introspection_only = True


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cert", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--port-file", required=True)
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))

    https = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    https.daemon_threads = True
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(args.cert, args.key)
    https.socket = context.wrap_socket(https.socket, server_side=True,
                                         do_handshake_on_connect=False)
    plain = http.server.ThreadingHTTPServer(("127.0.0.1", 0), IntrospectionHandler)
    plain.daemon_threads = True
    STATE["base"] = f"https://127.0.0.1:{https.server_address[1]}"
    threading.Thread(target=plain.serve_forever, daemon=True).start()

    tmp = args.port_file + ".tmp"
    with open(tmp, "w", encoding="ascii") as f:
        json.dump({"https": https.server_address[1], "http": plain.server_address[1]}, f)
    os.replace(tmp, args.port_file)
    https.serve_forever()


if __name__ == "__main__":
    main()
