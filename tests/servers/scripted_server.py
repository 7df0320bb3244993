#!/usr/bin/env python3
"""A small scripted mail server for tests (SMTP, IMAP or POP3 - it only knows bytes).

It listens on 127.0.0.1 (or ::1) on a free port, plays a script of steps for each accepted
connection, and records every byte it received, marked as cleartext or TLS. It is meant for
what real servers never do: hostile replies, STARTTLS injection, odd multi-line replies.

Use it in-process (unittest):

    cert, key = make_self_signed_cert(tmpdir)
    srv = ScriptedServer([
        ("send", b"220 test ESMTP\r\n"),
        ("expect", r"EHLO .*"),
        ("send", b"250-test\r\n250 STARTTLS\r\n"),
        ("expect", "STARTTLS"),
        ("send", b"220 go ahead\r\n"),
        ("starttls",),
        ...
    ], certfile=cert, keyfile=key)
    port = srv.start()
    ... run the client against 127.0.0.1:port (trust `cert` with --cafile) ...
    srv.wait()
    srv.received_cleartext / srv.received_tls / srv.lines / srv.errors

or as a program (others' tests may prefer a process):

    scripted_server.py --script steps.json [--tls implicit] --cert C --key K \
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
Every wait is bounded by `timeout` seconds.
"""

import argparse
import json
import os
import re
import socket
import ssl
import subprocess
import sys
import threading
import time


def make_self_signed_cert(directory, names=("localhost",), ips=("127.0.0.1", "::1"),
                          days=30, basename="server"):
    """Creates a self-signed EC certificate with the openssl CLI; returns (certfile, keyfile).

    The certificate is its own trust anchor: pass it to the client with --cafile."""
    cert = os.path.join(directory, basename + ".crt")
    key = os.path.join(directory, basename + ".key")
    san = ",".join(["DNS:" + n for n in names] + ["IP:" + i for i in ips])
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
         "-nodes", "-keyout", key, "-out", cert, "-days", str(days),
         "-subj", "/CN=" + (names[0] if names else "test"), "-addext", "subjectAltName=" + san],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
    return cert, key


class _Connection:
    """The record of one connection."""

    def __init__(self):
        self.cleartext = bytearray()
        self.tls = bytearray()
        self.lines = []  # (is_tls, bytes without CRLF)
        self.errors = []
        self.closed_by_client = False


class ScriptedServer:
    def __init__(self, script=None, scripts=None, tls=None, certfile=None, keyfile=None,
                 host="127.0.0.1", timeout=10.0, drain_seconds=3.0):
        if scripts is None:
            scripts = [script or []]
        self.scripts = scripts
        self.implicit_tls = tls == "implicit"
        self.certfile, self.keyfile = certfile, keyfile
        self.host = host
        self.timeout = timeout
        self.drain_seconds = drain_seconds
        self.connections = []
        self._thread = None
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._listener = socket.socket(family, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind((host, 0))
        self.port = self._listener.getsockname()[1]

    # Convenience views of the first connection.
    @property
    def conn(self):
        return self.connections[0] if self.connections else _Connection()

    @property
    def received_cleartext(self):
        return bytes(self.conn.cleartext)

    @property
    def received_tls(self):
        return bytes(self.conn.tls)

    @property
    def received(self):
        return b"".join(bytes(c.cleartext) + bytes(c.tls) for c in self.connections)

    @property
    def lines(self):
        return self.conn.lines

    @property
    def errors(self):
        return [e for c in self.connections for e in c.errors]

    def start(self):
        self._listener.listen(len(self.scripts))
        self._listener.settimeout(self.timeout)
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()
        return self.port

    def wait(self, timeout=None):
        self._thread.join(timeout if timeout is not None else self.timeout * 3)
        return not self._thread.is_alive()

    def close(self):
        try:
            self._listener.close()
        except OSError:
            pass

    def _context(self):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(self.certfile, self.keyfile)
        return ctx

    def _serve(self):
        try:
            for script in self.scripts:
                try:
                    sock, _ = self._listener.accept()
                except (socket.timeout, OSError):
                    return
                # Replies go out at once (no Nagle delay behind TLS session tickets).
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                rec = _Connection()
                self.connections.append(rec)
                try:
                    self._play(sock, script, rec)
                except Exception as e:  # a test server must report, never hang
                    rec.errors.append("server exception: %r" % (e,))
                finally:
                    try:
                        sock.close()
                    except OSError:
                        pass
        finally:
            self.close()

    def _play(self, sock, script, rec):
        sock.settimeout(self.timeout)
        state = {"sock": sock, "tls": False}
        try:
            self._steps(state, script, rec)
        finally:
            if state["sock"] is not sock:
                try:
                    state["sock"].close()
                except OSError:
                    pass

    def _steps(self, state, script, rec):

        def record(data):
            (rec.tls if state["tls"] else rec.cleartext).extend(data)

        def recv_exact_line():
            buf = bytearray()
            while True:
                b = state["sock"].recv(1)
                if not b:
                    rec.closed_by_client = True
                    raise EOFError("client closed the connection")
                record(b)
                buf += b
                if buf.endswith(b"\r\n"):
                    line = bytes(buf[:-2])
                    rec.lines.append((state["tls"], line))
                    return line
                if len(buf) > 1 << 20:
                    raise ValueError("line too long")

        def start_tls():
            s = self._context().wrap_socket(state["sock"], server_side=True,
                                            do_handshake_on_connect=False)
            s.settimeout(self.timeout)
            s.do_handshake()
            state["sock"], state["tls"] = s, True

        if self.implicit_tls:
            start_tls()
        for step in script:
            op = step[0]
            try:
                if op == "send":
                    data = step[1].encode("latin-1") if isinstance(step[1], str) else step[1]
                    state["sock"].sendall(data)
                elif op == "drip":
                    data = step[1].encode("latin-1") if isinstance(step[1], str) else step[1]
                    for i in range(len(data)):
                        state["sock"].sendall(data[i:i + 1])
                        time.sleep(step[2])
                elif op == "expect":
                    line = recv_exact_line()
                    text = line.decode("latin-1")
                    if not re.fullmatch(step[1], text, re.S):
                        rec.errors.append("expected %r, got %r" % (step[1], text))
                        break
                elif op == "line":
                    recv_exact_line()
                elif op == "starttls":
                    start_tls()
                elif op == "read_bytes":
                    got = b""
                    while len(got) < step[1]:
                        chunk = state["sock"].recv(step[1] - len(got))
                        if not chunk:
                            break
                        got += chunk
                    record(got)
                elif op == "sleep":
                    time.sleep(step[1])
                elif op == "close":
                    return
                else:
                    rec.errors.append("unknown step %r" % (op,))
                    return
            except (EOFError, ConnectionError, socket.timeout, ssl.SSLError, OSError) as e:
                rec.errors.append("step %r: %s" % (step[:2] if op != "send" else op, e))
                return
        # Drain: record whatever else the client sends, until it closes.
        deadline = time.monotonic() + self.drain_seconds
        try:
            while time.monotonic() < deadline:
                state["sock"].settimeout(max(0.05, deadline - time.monotonic()))
                try:
                    data = state["sock"].recv(4096)
                except socket.timeout:
                    break
                if not data:
                    rec.closed_by_client = True
                    break
                record(data)
                for part in data.split(b"\r\n")[:-1]:
                    rec.lines.append((state["tls"], part))
        except (ssl.SSLError, OSError):
            pass


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
            "tls": bytes(c.tls).decode("latin-1"),
            "errors": c.errors,
        } for c in srv.connections]}
        with open(args.record, "w") as f:
            json.dump(out, f, indent=1)
    return 1 if srv.errors else 0


if __name__ == "__main__":
    sys.exit(_main())
