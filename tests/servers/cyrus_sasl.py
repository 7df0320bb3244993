#!/usr/bin/env python3
"""Cyrus libsasl2 as a SASL *server* inside a scripted mail server (ctypes over
libsasl2.so.2, RFC 4422): the independent check of mechanisms no real server in the tests
offers (GS2-KRB5, RFC 5801: Dovecot 2.3 has GSSAPI but no GS2). The Kerberos acceptor reads
the keytab named by KRB5_KTNAME and the realm of KRB5_CONFIG in this process's environment.

    auth = CyrusSmtpAuth("smtp", "localhost")
    SmtpScript(caps_clear=[b"test", b"AUTH GSSAPI GS2-KRB5"], auth=auth)
    ... auth.results -> [{"mechanism": ..., "result": ..., "user": ..., "detail": ...}]
"""

import base64
import ctypes
import threading

SASL_OK = 0
SASL_CONTINUE = 1
SASL_USERNAME = 0

_lib = None
_lock = threading.Lock()


def _library():
    global _lib
    with _lock:
        if _lib is None:
            lib = ctypes.CDLL("libsasl2.so.2")
            lib.sasl_errdetail.restype = ctypes.c_char_p
            lib.sasl_server_new.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p,
                                            ctypes.c_char_p, ctypes.c_char_p, ctypes.c_void_p,
                                            ctypes.c_uint, ctypes.POINTER(ctypes.c_void_p)]
            lib.sasl_server_start.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p,
                                              ctypes.c_uint, ctypes.POINTER(ctypes.c_void_p),
                                              ctypes.POINTER(ctypes.c_uint)]
            lib.sasl_server_step.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_uint,
                                             ctypes.POINTER(ctypes.c_void_p),
                                             ctypes.POINTER(ctypes.c_uint)]
            lib.sasl_getprop.argtypes = [ctypes.c_void_p, ctypes.c_int,
                                         ctypes.POINTER(ctypes.c_char_p)]
            lib.sasl_dispose.argtypes = [ctypes.POINTER(ctypes.c_void_p)]
            rc = lib.sasl_server_init(None, b"smtpauth-test")
            if rc != SASL_OK:
                raise RuntimeError(f"sasl_server_init failed: {rc}")
            _lib = lib
        return _lib


class CyrusServerExchange:
    """One server-side authentication (sasl_server_new/start/step)."""

    def __init__(self, service, host):
        self.lib = _library()
        self.conn = ctypes.c_void_p()
        rc = self.lib.sasl_server_new(service.encode(), host.encode(), None, None, None, None,
                                      0, ctypes.byref(self.conn))
        if rc != SASL_OK:
            raise RuntimeError(f"sasl_server_new failed: {rc}")

    def _call(self, fn, *args):
        out = ctypes.c_void_p()
        out_len = ctypes.c_uint()
        rc = fn(self.conn, *args, ctypes.byref(out), ctypes.byref(out_len))
        data = ctypes.string_at(out, out_len.value) if out.value and out_len.value else b""
        return rc, data

    def start(self, mechanism, client_first):
        data = client_first if client_first is not None else None
        return self._call(self.lib.sasl_server_start, mechanism.encode(), data,
                          len(client_first or b""))

    def step(self, response):
        return self._call(self.lib.sasl_server_step, response, len(response))

    def user(self):
        value = ctypes.c_char_p()
        if self.lib.sasl_getprop(self.conn, SASL_USERNAME, ctypes.byref(value)) != SASL_OK:
            return None
        return value.value.decode() if value.value else None

    def detail(self):
        d = self.lib.sasl_errdetail(self.conn)
        return d.decode(errors="replace") if d else ""

    def close(self):
        if self.conn.value:
            self.lib.sasl_dispose(ctypes.byref(self.conn))


class CyrusSmtpAuth:
    """The AUTH hook of scripted_server.SmtpScript (RFC 4954), answered by Cyrus."""

    def __init__(self, service="smtp", host="localhost", max_rounds=10):
        self.service, self.host, self.max_rounds = service, host, max_rounds
        self.results = []

    def __call__(self, s, line):
        parts = line.decode("ascii", "replace").split()
        mechanism = parts[1].upper() if len(parts) > 1 else ""
        initial = None
        if len(parts) > 2:
            initial = b"" if parts[2] == "=" else base64.b64decode(parts[2])
        ex = CyrusServerExchange(self.service, self.host)
        try:
            rc, out = ex.start(mechanism, initial)
            for _ in range(self.max_rounds):
                if rc != SASL_CONTINUE:
                    break
                s.send(b"334 " + base64.b64encode(out) + b"\r\n")
                answer = s.readline().strip()
                if answer == b"*":
                    s.send(b"501 5.7.0 Authentication cancelled\r\n")
                    self.results.append({"mechanism": mechanism, "result": "cancelled"})
                    return True
                rc, out = ex.step(base64.b64decode(answer))
            if rc == SASL_OK and out:
                # Success with additional data: sent as a challenge, answered with nothing.
                s.send(b"334 " + base64.b64encode(out) + b"\r\n")
                s.readline()
            if rc == SASL_OK:
                self.results.append({"mechanism": mechanism, "result": "ok", "user": ex.user()})
                s.send(b"235 2.7.0 Authentication successful\r\n")
            else:
                self.results.append({"mechanism": mechanism, "result": rc,
                                     "detail": ex.detail()})
                s.send(b"535 5.7.8 Authentication credentials invalid\r\n")
        finally:
            ex.close()
        return True
