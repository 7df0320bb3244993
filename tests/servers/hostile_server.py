"""A scripted hostile mail server for the hardening tests (SMTP RFC 5321/3207/4954, IMAP
RFC 3501/2595/4959, POP3 RFC 1939/2449/2595/5034): one thread per connection runs a
scenario function against a Session, which records every byte the client sent — before
TLS (cleartext, what a network attacker sees) and after — so tests can assert that no
credential crossed the wire in the clear.

Every wait is bounded; stop() closes every socket and joins every thread it started.
"""

import base64
import socket
import ssl
import threading
import time

IO_TIMEOUT = 20.0


class Closed(Exception):
    """The client closed the connection (or a read timed out)."""


class Session:
    def __init__(self, sock, server):
        self.sock = sock
        self.server = server
        self.raw = sock
        self.tls = False
        self.buffer = b""
        self.cleartext = bytearray()  # every byte received before TLS
        self.encrypted = bytearray()  # every byte received inside TLS
        self.lines = []               # (tls?, line) for each line read
        self.sent = bytearray()
        self.tls_error = None
        self.pending_at_tls = b""     # bytes the client sent between go-ahead and handshake
        self.closed_by_client = False

    # -- I/O ------------------------------------------------------------------------------
    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        self.sent += data
        self.sock.sendall(data)

    def _recv(self, timeout):
        self.sock.settimeout(timeout)
        try:
            chunk = self.sock.recv(65536)
        except (socket.timeout, ssl.SSLError, OSError):
            chunk = b""
        if not chunk:
            self.closed_by_client = True
            raise Closed()
        (self.encrypted if self.tls else self.cleartext).extend(chunk)
        return chunk

    def readline(self, timeout=IO_TIMEOUT):
        """One line without CRLF; raises Closed on EOF or timeout."""
        end = time.monotonic() + timeout
        while b"\n" not in self.buffer:
            left = end - time.monotonic()
            if left <= 0:
                raise Closed()
            self.buffer += self._recv(left)
        line, _, self.buffer = self.buffer.partition(b"\n")
        line = line.rstrip(b"\r")
        self.lines.append((self.tls, line))
        return line

    def wait_close(self, timeout=IO_TIMEOUT):
        """Reads until the client closes (or timeout); returns everything read."""
        got = bytearray(self.buffer)
        self.buffer = b""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                got += self._recv(max(0.05, end - time.monotonic()))
            except Closed:
                break
        return bytes(got)

    def start_tls(self, context, timeout=IO_TIMEOUT):
        """Server side of the handshake; returns True when it completed."""
        self.pending_at_tls = self.buffer
        self.buffer = b""
        self.sock.settimeout(timeout)
        try:
            self.sock = context.wrap_socket(self.raw, server_side=True)
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


class HostileServer:
    """Listens on 127.0.0.1 (free port); runs scenario(session) for each connection.
    With `implicit_tls` the handshake happens first (a failed handshake ends the session)."""

    def __init__(self, scenario, implicit_tls=None, host="127.0.0.1"):
        self.scenario = scenario
        self.implicit_tls = implicit_tls
        self.listener = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind((host, 0))
        self.listener.listen(8)
        self.listener.settimeout(0.2)
        self.host = host
        self.port = self.listener.getsockname()[1]
        self.sessions = []
        self.errors = []
        self._stop = threading.Event()
        self._threads = []
        self._accept = threading.Thread(target=self._accept_loop, daemon=True)
        self._accept.start()

    def _accept_loop(self):
        while not self._stop.is_set():
            try:
                sock, _ = self.listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            session = Session(sock, self)
            self.sessions.append(session)
            t = threading.Thread(target=self._run, args=(session,), daemon=True)
            self._threads.append(t)
            t.start()

    def _run(self, session):
        try:
            if self.implicit_tls is not None and not session.start_tls(self.implicit_tls):
                return
            self.scenario(session)
        except Closed:
            pass
        except (OSError, ssl.SSLError) as e:
            self.errors.append(repr(e))
        except Exception as e:  # a bug in a scenario must fail the test, not vanish
            self.errors.append(repr(e))
        finally:
            session.close()

    @property
    def session(self):
        return self.sessions[0] if self.sessions else None

    def all_cleartext(self):
        return b"".join(bytes(s.cleartext) for s in self.sessions)

    def all_received(self):
        return b"".join(bytes(s.cleartext) + bytes(s.encrypted) for s in self.sessions)

    def stop(self, timeout=5.0):
        self._stop.set()
        try:
            self.listener.close()
        except OSError:
            pass
        for s in list(self.sessions):
            s.close()
        self._accept.join(timeout)
        for t in self._threads:
            t.join(timeout)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


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
