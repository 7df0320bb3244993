#!/usr/bin/env python3
"""The scripted mail server of the tests (SMTP, IMAP or POP3 - it only knows bytes), for what
real servers never do: hostile replies, STARTTLS injection, odd multi-line replies, stalls.

It listens on 127.0.0.1 (or ::1) on a free port and records every byte each connection sent,
marked as cleartext (before TLS: what a network attacker sees) or TLS. A connection is driven
either by a list of steps (`script`/`scripts`) or by a function (`scenario`) that gets the
connection's Session; the protocol building blocks below (SmtpScript, ImapScript, Pop3Script)
are such functions, with one hook per step for a scenario to replace.

Steps, in-process (unittest):

    cert, key = make_self_signed_cert(tmpdir)
    srv = ScriptedServer([
        ("send", b"220 test ESMTP\\r\\n"),
        ("expect", r"EHLO .*"),
        ("send", b"250-test\\r\\n250 STARTTLS\\r\\n"),
        ("expect", "STARTTLS"),
        ("send", b"220 go ahead\\r\\n"),
        ("starttls",),
        ...
    ], certfile=cert, keyfile=key)
    port = srv.start()
    ... run the client against 127.0.0.1:port (trust `cert` with --cafile) ...
    srv.wait()
    srv.received_cleartext / srv.received_tls / srv.lines / srv.errors

A scenario (one per connection, as many connections as come until stop()):

    srv = ScriptedServer(scenario=SmtpScript(server_context(cert, key), auth=my_auth_hook))
    srv.start(); ...; srv.stop()    # or `with ScriptedServer(...) as srv:`
    srv.sessions[0].commands("AUTH") / srv.all_cleartext()

The harness of the probe tests is here too: ProbeCase (a unittest.TestCase) has serve(),
probe() (runs `smtpauth probe` with the test CA, a user and a password from the environment)
and the assertions every case makes (exact exit status, stage, kind and message; no
credential on the wire before TLS; no raw control character in the output); pki() is the
certs.make_pki() set, made once per process.

or as a program (others' tests may prefer a process):

    scripted_server.py --script steps.json [--tls implicit] --cert C --key K \\
        [--port-file F] [--record out.json] [--connections N]

It prints the port on stdout (and writes it to --port-file) once it listens; with --record it
writes {"connections": [{"lines": [[tls, "text"], ...], "cleartext": "...", "tls": "...",
"errors": [...]}]} (bytes as latin-1 strings) when done. In JSON scripts a step is a list
["send", "text"] with bytes as latin-1 characters ("\\u0000" for NUL).

Steps (tuples):
  ("send", bytes)            one write of exactly these bytes
  ("drip", bytes, seconds)   one byte at a time with a pause (slow server)
  ("expect", regex)          read one CRLF line; it must match (re.fullmatch) or the script stops
  ("line",)                  read one line, whatever it is
  ("starttls",)              TLS handshake as the server (after a STARTTLS go-ahead)
  ("read_bytes", n)          read n raw bytes (e.g. part of a ClientHello) without TLS
  ("sleep", seconds)         pause
  ("close",)                 close the connection now
After the last step the server keeps reading (and recording) until the client closes or
`drain_seconds` pass, so anything a client sends after an error is still caught.
Every wait is bounded by `timeout` seconds; stop() closes every socket and joins every thread.
"""

import argparse
import base64
import json
import os
import re
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import unittest

from certs import make_pki, make_self_signed_cert  # noqa: F401  (part of this module's API)

MAX_LINE = 1 << 20


class Closed(Exception):
    """The client closed the connection (or a read timed out)."""


class Session:
    """One connection: I/O for scenarios, and the record of every byte the client sent."""

    def __init__(self, sock, timeout):
        self.sock = sock
        self.raw = sock
        self.timeout = timeout
        self.tls = False              # is TLS active now
        self.buffer = b""
        self.cleartext = bytearray()  # every byte received before TLS
        self.encrypted = bytearray()  # every byte received inside TLS
        self.lines = []               # (tls?, line without CRLF) for each line read
        self.sent = bytearray()
        self.errors = []              # what went wrong on the server's side (a test asserts [])
        self.tls_error = None
        self.pending_at_tls = b""     # bytes the client sent between go-ahead and handshake
        self.closed_by_client = False

    # -- I/O ------------------------------------------------------------------------------
    def send(self, data):
        if isinstance(data, str):
            data = data.encode("latin-1")
        self.sent += data
        self.sock.sendall(data)

    def _recv(self, timeout, size=65536):
        self.sock.settimeout(max(0.01, timeout))
        try:
            chunk = self.sock.recv(size)
        except (socket.timeout, ssl.SSLError, OSError):
            chunk = b""
        if not chunk:
            self.closed_by_client = True
            raise Closed()
        (self.encrypted if self.tls else self.cleartext).extend(chunk)
        return chunk

    def readline(self, timeout=None):
        """One line without its CRLF (a bare LF ends a line too); raises Closed on EOF or
        timeout."""
        end = time.monotonic() + (self.timeout if timeout is None else timeout)
        while b"\n" not in self.buffer:
            left = end - time.monotonic()
            if left <= 0 or len(self.buffer) > MAX_LINE:
                raise Closed()
            self.buffer += self._recv(left)
        line, _, self.buffer = self.buffer.partition(b"\n")
        line = line[:-1] if line.endswith(b"\r") else line
        self.lines.append((self.tls, line))
        return line

    def read_bytes(self, n, timeout=None):
        """Exactly n raw bytes (fewer if the client closes first)."""
        end = time.monotonic() + (self.timeout if timeout is None else timeout)
        while len(self.buffer) < n and time.monotonic() < end:
            try:
                self.buffer += self._recv(end - time.monotonic(), n - len(self.buffer))
            except Closed:
                break
        got, self.buffer = self.buffer[:n], self.buffer[n:]
        return got

    def wait_close(self, timeout=None):
        """Reads until the client closes (or timeout); returns everything read."""
        got = bytearray(self.buffer)
        self.buffer = b""
        end = time.monotonic() + (self.timeout if timeout is None else timeout)
        while time.monotonic() < end:
            try:
                got += self._recv(end - time.monotonic())
            except Closed:
                break
        return bytes(got)

    def start_tls(self, context, timeout=None):
        """Server side of the handshake; returns True when it completed."""
        self.pending_at_tls = self.buffer
        self.buffer = b""
        self.sock.settimeout(self.timeout if timeout is None else timeout)
        try:
            self.sock = context.wrap_socket(self.raw, server_side=True)
            self.sock.settimeout(self.timeout if timeout is None else timeout)
            self.tls = True
            return True
        except (ssl.SSLError, OSError) as e:
            self.tls_error = e
            return False

    def close(self):
        for s in (self.sock, self.raw):
            try:
                s.close()
            except OSError:
                pass

    # -- what the client sent -------------------------------------------------------------
    def client_lines(self, tls=None):
        return [l for t, l in self.lines if tls is None or t == tls]

    def commands(self, verb, tls=None):
        """Lines whose first word (IMAP: second word) is `verb`, case-insensitive."""
        verb = verb.upper().encode()
        out = []
        for line in self.client_lines(tls):
            words = line.split()
            if words and (words[0].upper() == verb or (len(words) > 1 and words[1].upper() == verb)):
                out.append(line)
        return out


def server_context(cert, key, max_version=None, weak=False):
    """An ssl server context for cert/key; `weak` lowers OpenSSL's security level so that
    the server can use what the client must refuse (RSA-1024, TLS 1.0/1.1)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    if weak:
        ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
        ctx.minimum_version = ssl.TLSVersion.MINIMUM_SUPPORTED
    if max_version is not None:
        ctx.maximum_version = max_version
    ctx.load_cert_chain(cert, key)
    return ctx


def play_steps(session, steps, tls_context, drain_seconds):
    """Runs a list of steps (see the module's documentation) on one connection."""
    for step in steps:
        op = step[0]
        try:
            if op == "send":
                session.send(step[1])
            elif op == "drip":
                data = step[1].encode("latin-1") if isinstance(step[1], str) else step[1]
                for i in range(len(data)):
                    session.send(data[i:i + 1])
                    time.sleep(step[2])
            elif op == "expect":
                text = session.readline().decode("latin-1")
                if not re.fullmatch(step[1], text, re.S):
                    session.errors.append("expected %r, got %r" % (step[1], text))
                    break
            elif op == "line":
                session.readline()
            elif op == "starttls":
                if not session.start_tls(tls_context):
                    raise ssl.SSLError("handshake failed: %s" % (session.tls_error,))
            elif op == "read_bytes":
                session.read_bytes(step[1])
            elif op == "sleep":
                time.sleep(step[1])
            elif op == "close":
                return
            else:
                session.errors.append("unknown step %r" % (op,))
                return
        except (Closed, ConnectionError, socket.timeout, ssl.SSLError, OSError) as e:
            session.errors.append("step %r: %s" % (step[:2] if op != "send" else op,
                                                  e or "client closed the connection"))
            return
    # Drain: record whatever else the client sends, until it closes.
    end = time.monotonic() + drain_seconds
    while time.monotonic() < end:
        try:
            session.readline(end - time.monotonic())
        except Closed:
            break


class ScriptedServer:
    """Listens on host (free port). With `script`/`scripts`, connection i plays scripts[i]
    and the server stops accepting after the last; with `scenario`, every connection runs
    scenario(session) until stop(). `tls="implicit"` (with certfile/keyfile) or
    `tls_context` makes the handshake happen first (a failed handshake ends the session)."""

    def __init__(self, script=None, scripts=None, tls=None, certfile=None, keyfile=None,
                 host="127.0.0.1", timeout=10.0, drain_seconds=3.0, scenario=None,
                 tls_context=None):
        self.scenario = scenario
        if scenario is None and scripts is None:
            scripts = [script or []]
        self.scripts = scripts
        self.certfile, self.keyfile = certfile, keyfile
        self._context = tls_context
        self.implicit_tls = tls == "implicit" or tls_context is not None
        self.host = host
        self.timeout = timeout
        self.drain_seconds = drain_seconds
        self.connections = []
        self.server_errors = []
        self._stop = threading.Event()
        self._threads = []
        self._accept = None
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._listener = socket.socket(family, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind((host, 0))
        self.port = self._listener.getsockname()[1]

    def tls_context(self):
        if self._context is None and self.certfile:
            self._context = server_context(self.certfile, self.keyfile)
        return self._context

    # -- views of what was received -------------------------------------------------------
    @property
    def sessions(self):
        return self.connections

    @property
    def session(self):
        return self.connections[0] if self.connections else None

    @property
    def conn(self):
        return self.connections[0] if self.connections else Session(None, self.timeout)

    @property
    def received_cleartext(self):
        return bytes(self.conn.cleartext)

    @property
    def received_tls(self):
        return bytes(self.conn.encrypted)

    @property
    def received(self):
        return self.all_received()

    def all_cleartext(self):
        return b"".join(bytes(c.cleartext) for c in self.connections)

    def all_received(self):
        return b"".join(bytes(c.cleartext) + bytes(c.encrypted) for c in self.connections)

    @property
    def lines(self):
        return self.conn.lines

    @property
    def errors(self):
        return self.server_errors + [e for c in self.connections for e in c.errors]

    # -- life cycle -------------------------------------------------------------------------
    def start(self):
        self._listener.listen(8 if self.scripts is None else max(1, len(self.scripts)))
        self._listener.settimeout(0.2)
        self._accept = threading.Thread(target=self._accept_loop, daemon=True)
        self._accept.start()
        return self.port

    def _accept_loop(self):
        # Step scripts wait `timeout` for each connection; scenarios accept until stop().
        end = time.monotonic() + self.timeout
        while not self._stop.is_set():
            if self.scripts is not None and len(self.connections) >= len(self.scripts):
                break
            if self.scripts is not None and time.monotonic() > end:
                break
            try:
                sock, _ = self._listener.accept()
            except socket.timeout:
                continue
            except OSError:
                break
            # Replies go out at once (no Nagle delay behind TLS session tickets).
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            session = Session(sock, self.timeout)
            index = len(self.connections)
            self.connections.append(session)
            t = threading.Thread(target=self._run, args=(session, index), daemon=True)
            self._threads.append(t)
            t.start()
            end = time.monotonic() + self.timeout
        if self.scripts is not None:
            self.close()

    def _run(self, session, index):
        try:
            if self.implicit_tls and not session.start_tls(self.tls_context()):
                session.errors.append("implicit TLS handshake failed: %s" % (session.tls_error,))
                return
            if self.scenario is not None:
                self.scenario(session)
            else:
                play_steps(session, self.scripts[index], self.tls_context(), self.drain_seconds)
        except Closed:
            pass
        except Exception as e:  # a bug in a scenario must fail the test, not vanish
            session.errors.append("server exception: %r" % (e,))
        finally:
            session.close()

    def wait(self, timeout=None):
        """Waits for every scripted connection to end; True when they all did."""
        end = time.monotonic() + (timeout if timeout is not None else self.timeout * 3)
        if self._accept is not None:
            self._accept.join(max(0.0, end - time.monotonic()))
        for t in list(self._threads):
            t.join(max(0.0, end - time.monotonic()))
        return not any(t.is_alive() for t in [self._accept] + self._threads if t is not None)

    def close(self):
        try:
            self._listener.close()
        except OSError:
            pass

    def stop(self, timeout=5.0):
        self._stop.set()
        self.close()
        for s in list(self.connections):
            s.close()
        if self._accept is not None:
            self._accept.join(timeout)
        for t in self._threads:
            t.join(timeout)

    def __enter__(self):
        if self._accept is None:
            self.start()
        return self

    def __exit__(self, *exc):
        self.stop()


def b64(data):
    if isinstance(data, str):
        data = data.encode()
    return base64.b64encode(data).decode()


# -- honest dialogue building blocks (scenarios override one step each) --------------------

SMTP_CAPS_CLEAR = [b"hostile.test", b"PIPELINING", b"STARTTLS", b"AUTH PLAIN LOGIN"]
SMTP_CAPS_TLS = [b"hostile.test", b"PIPELINING", b"AUTH PLAIN LOGIN"]
def smtp_reply(code, lines):
    out = b""
    for i, text in enumerate(lines):
        sep = b" " if i == len(lines) - 1 else b"-"
        out += str(code).encode() + sep + text + b"\r\n"
    return out


class SmtpScript:
    """A configurable SMTP server: greeting, EHLO before/after TLS, STARTTLS, AUTH.
    Each hook may be replaced by a scenario. `auth(session, line)` handles one AUTH."""

    def __init__(self, tls_context=None, greeting=b"220 hostile.test ESMTP\r\n",
                 caps_clear=None, caps_tls=None, starttls=None, auth=None, after_auth=None):
        self.tls_context = tls_context
        self.greeting = greeting
        self.caps_clear = caps_clear if caps_clear is not None else SMTP_CAPS_CLEAR
        self.caps_tls = caps_tls if caps_tls is not None else SMTP_CAPS_TLS
        self.starttls = starttls
        self.auth = auth
        self.max_commands = 50

    def __call__(self, s):
        if self.greeting is not None:
            s.send(self.greeting)
        for _ in range(self.max_commands):
            line = s.readline()
            verb = line.split(b" ")[0].upper()
            if verb in (b"EHLO", b"HELO"):
                s.send(smtp_reply(250, self.caps_tls if s.tls else self.caps_clear))
            elif verb == b"STARTTLS":
                if self.starttls is not None:
                    if self.starttls(s) is False:
                        return
                else:
                    s.send(b"220 2.0.0 Ready to start TLS\r\n")
                    if not s.start_tls(self.tls_context):
                        return
            elif verb == b"AUTH":
                if self.auth is None:
                    s.send(b"235 2.7.0 Authentication successful\r\n")
                elif self.auth(s, line) is False:
                    return
            elif verb == b"QUIT":
                s.send(b"221 2.0.0 Bye\r\n")
                return
            else:
                s.send(b"502 5.5.2 Error: command not recognized\r\n")


IMAP_CAPS_CLEAR = b"IMAP4rev1 SASL-IR STARTTLS LOGINDISABLED AUTH=PLAIN AUTH=LOGIN"
IMAP_CAPS_TLS = b"IMAP4rev1 SASL-IR AUTH=PLAIN AUTH=LOGIN"


class ImapScript:
    def __init__(self, tls_context=None, greeting=b"* OK hostile.test IMAP ready\r\n",
                 caps_clear=IMAP_CAPS_CLEAR, caps_tls=IMAP_CAPS_TLS, starttls=None, auth=None):
        self.tls_context = tls_context
        self.greeting = greeting
        self.caps_clear = caps_clear
        self.caps_tls = caps_tls
        self.starttls = starttls
        self.auth = auth

    def __call__(self, s):
        if self.greeting is not None:
            s.send(self.greeting)
        for _ in range(50):
            line = s.readline()
            words = line.split(b" ")
            tag, verb = words[0], (words[1].upper() if len(words) > 1 else b"")
            if verb == b"CAPABILITY":
                caps = self.caps_tls if s.tls else self.caps_clear
                s.send(b"* CAPABILITY " + caps + b"\r\n" + tag + b" OK done\r\n")
            elif verb == b"STARTTLS":
                if self.starttls is not None:
                    if self.starttls(s, tag) is False:
                        return
                else:
                    s.send(tag + b" OK Begin TLS negotiation now\r\n")
                    if not s.start_tls(self.tls_context):
                        return
            elif verb == b"AUTHENTICATE":
                if self.auth is None:
                    s.send(tag + b" OK Logged in\r\n")
                elif self.auth(s, line, tag) is False:
                    return
            elif verb == b"LOGOUT":
                s.send(b"* BYE bye\r\n" + tag + b" OK done\r\n")
                return
            else:
                s.send(tag + b" BAD unknown\r\n")


POP3_CAPA_CLEAR = [b"USER", b"SASL PLAIN LOGIN", b"STLS"]
POP3_CAPA_TLS = [b"USER", b"SASL PLAIN LOGIN"]


def pop3_capa(lines):
    return b"+OK Capability list follows\r\n" + b"".join(l + b"\r\n" for l in lines) + b".\r\n"


class Pop3Script:
    def __init__(self, tls_context=None, greeting=b"+OK hostile.test POP3 ready\r\n",
                 capa_clear=None, capa_tls=None, stls=None, auth=None):
        self.tls_context = tls_context
        self.greeting = greeting
        self.capa_clear = capa_clear if capa_clear is not None else POP3_CAPA_CLEAR
        self.capa_tls = capa_tls if capa_tls is not None else POP3_CAPA_TLS
        self.stls = stls
        self.auth = auth

    def __call__(self, s):
        if self.greeting is not None:
            s.send(self.greeting)
        for _ in range(50):
            line = s.readline()
            verb = line.split(b" ")[0].upper()
            if verb == b"CAPA":
                s.send(pop3_capa(self.capa_tls if s.tls else self.capa_clear))
            elif verb == b"STLS":
                if self.stls is not None:
                    if self.stls(s) is False:
                        return
                else:
                    s.send(b"+OK Begin TLS negotiation\r\n")
                    if not s.start_tls(self.tls_context):
                        return
            elif verb == b"AUTH":
                if self.auth is None:
                    s.send(b"+OK Logged in\r\n")
                elif self.auth(s, line) is False:
                    return
            elif verb == b"QUIT":
                s.send(b"+OK bye\r\n")
                return
            else:
                s.send(b"-ERR unknown command\r\n")



# -- the harness of the probe tests: run `smtpauth probe`, assert what every case asserts ----
# (exit status, message, no credential on the wire in the clear, no raw control characters)

SECRET_ENV = "SMTPAUTH_HOSTILE_SECRET"
USER = "victim@hostile.test"
PASSWORD = "Hostile-Pass-7f3a9"  # unique: searched for in every byte the server received
PROBE_TIMEOUT = 60.0
SCENARIO_TIMEOUT = 20.0  # every read of a scenario is bounded by this

_PKI = {}


def binary():
    path = os.environ.get("SMTPAUTH_BINARY")
    if not path:
        raise unittest.SkipTest("SMTPAUTH_BINARY is not set (run through ctest)")
    return os.path.abspath(path)


def pki():
    """The test PKI (certs.make_pki), made once per process in a temporary directory:
    "ca", and (cert, key) pairs by name: "good", "wrong-host", "self-signed", "unknown-ca",
    "expired", "not-yet-valid", "rsa1024"."""
    if not _PKI:
        d = tempfile.mkdtemp(prefix="smtpauth-test-pki-")
        made = make_pki(d)
        _PKI["dir"] = d
        _PKI["ca"] = made["ca"]
        for name, key in (("good", "server"), ("wrong-host", "wrong_name"),
                          ("self-signed", "self_signed"), ("unknown-ca", "unknown_ca"),
                          ("expired", "expired"), ("not-yet-valid", "not_yet_valid"),
                          ("rsa1024", "rsa1024")):
            _PKI[name] = (made[key + "_cert"], made[key + "_key"])
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


class ProbeCase(unittest.TestCase):
    """Base class of the probe tests against scenarios: self.serve(scenario) starts a server
    stopped at the end of the test; self.probe(server) runs `smtpauth probe` against it."""

    def serve(self, scenario, implicit_tls=None, host="127.0.0.1"):
        server = ScriptedServer(scenario=scenario, tls_context=implicit_tls, host=host,
                                timeout=SCENARIO_TIMEOUT)
        server.start()
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

def _main():
    ap = argparse.ArgumentParser(description="scripted mail server for tests")
    ap.add_argument("--script", required=True, help="JSON list of steps (or list of lists)")
    ap.add_argument("--tls", choices=["implicit"], default=None)
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port-file")
    ap.add_argument("--record")
    ap.add_argument("--connections", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=10.0)
    args = ap.parse_args()
    with open(args.script) as f:
        steps = json.load(f)
    if steps and isinstance(steps[0], list) and steps[0] and isinstance(steps[0][0], list):
        scripts = steps
    else:
        scripts = [steps] * args.connections
    srv = ScriptedServer(scripts=scripts, tls=args.tls, certfile=args.cert, keyfile=args.key,
                         host=args.host, timeout=args.timeout)
    port = srv.start()
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % port)
        os.replace(tmp, args.port_file)
    print(port, flush=True)
    srv.wait()
    if args.record:
        out = {"connections": [{
            "lines": [[t, l.decode("latin-1")] for t, l in c.lines],
            "cleartext": bytes(c.cleartext).decode("latin-1"),
            "tls": bytes(c.encrypted).decode("latin-1"),
            "errors": c.errors,
        } for c in srv.connections]}
        with open(args.record, "w") as f:
            json.dump(out, f, indent=1)
    return 1 if srv.errors else 0


if __name__ == "__main__":
    sys.exit(_main())
