#!/usr/bin/env python3
"""Starts a private, real Dovecot 2.3 (IMAP RFC 9051/3501, POP3 RFC 1939/2595, submission
RFC 6409/3207/8314, SASL RFC 4422) on loopback high ports for the end-to-end tests and the
demo, with its own config dir, a test PKI, a passwd-file with plaintext passwords (so
CRAM-MD5 and SCRAM work) and OAuth tokens checked by Dovecot's oauth2 passdb against a
loopback introspection endpoint (RFC 7662).

Why 127.0.0.2: Dovecot 2.3 treats a client whose address equals the server's address as
secure and then allows plaintext AUTH without TLS. Linux picks 127.0.0.1 as the source
address for a connection to 127.0.0.2 (route `local 127.0.0.0/8 ... src 127.0.0.1`), so
client and server addresses differ and disable_plaintext_auth is really enforced.
(IPv6 has a single loopback address, so on ::1 the client counts as secure: use ::1 only
for TLS tests, never for "no password before TLS".)

Extra listener addresses serve certificates that must fail verification (Dovecot `local`
blocks choose the certificate by the local address):
  127.0.0.3  certificate for mail.example.invalid only (wrong host name)
  127.0.0.4  expired certificate (valid name, trusted CA)
  127.0.0.5  certificate from a CA the client does not know

CLI:  dovecot_server.py start DIR   (prints the info JSON, also written to DIR/server.json)
      dovecot_server.py stop DIR    (stops everything recorded in DIR/server.json, by pid)
Python: `with DovecotServer(dir) as server: server.info[...]`
"""

import json
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import certs  # noqa: E402  (sibling module, path set above)

HOST = "127.0.0.2"
HOST6 = "::1"
WRONG_NAME_HOST = "127.0.0.3"
EXPIRED_HOST = "127.0.0.4"
UNKNOWN_CA_HOST = "127.0.0.5"
LISTENER_NAMES = ("imap", "imaps", "pop3", "pop3s", "submission", "submissions")

# Test accounts. The second one has a non-ASCII name and password (UTF-8) to exercise
# SASLprep-relevant paths; neither contains ':' (the passwd-file separator).
USERS = {"alice": "correct horse battery staple", "jörg": "pässwörd €uro"}
TOKENS = {"alice": "ya29.smtpauth-test-token-alice"}
BAD_TOKEN = "ya29.smtpauth-test-token-revoked"

# NTLM (optional, DovecotServer(ntlm=True)): Debian's Dovecot has no NTLM of its own, so its
# winbind mode runs Samba's ntlm_auth (package winbind). With --password, ntlm_auth checks the
# NTLM response locally against that one password (no Samba domain, no winbindd): any user
# name with NTLM_PASSWORD is accepted.
NTLM_HELPER = "/usr/bin/ntlm_auth"
NTLM_PASSWORD = USERS["alice"]

START_TIMEOUT = 20.0
STOP_TIMEOUT = 10.0
PORT_ATTEMPTS = 5


class StartError(RuntimeError):
    pass


def _ipv6_loopback_available():
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.bind((HOST6, 0))
        return True
    except OSError:
        return False


def _bindable(addr, port):
    family = socket.AF_INET6 if ":" in addr else socket.AF_INET
    try:
        with socket.socket(family, socket.SOCK_STREAM) as s:
            s.bind((addr, port))
        return True
    except OSError:
        return False


def pick_ports(addresses, count):
    """Ports free on every address: bind port 0 on the first, check the rest. Sockets stay
    open until all are chosen so the same port is never handed out twice. A port can still
    be taken before Dovecot binds it; start() retries on that."""
    held, ports = [], []
    try:
        for _ in range(count * 50):
            if len(ports) == count:
                break
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind((addresses[0], 0))
            held.append(s)
            port = s.getsockname()[1]
            if port < 10000:
                continue
            if all(_bindable(a, port) for a in addresses[1:]):
                ports.append(port)
        if len(ports) != count:
            raise StartError("could not find free ports")
        return ports
    finally:
        for s in held:
            s.close()


def _wait_port_file(path, proc, what, deadline):
    while time.monotonic() < deadline:
        if os.path.exists(path):
            with open(path, encoding="ascii") as f:
                return int(f.read().strip())
        if proc.poll() is not None:
            raise StartError(f"{what} exited with status {proc.returncode}")
        time.sleep(0.02)
    raise StartError(f"{what} did not report its port in time")


def _can_connect(addr, port):
    family = socket.AF_INET6 if ":" in addr else socket.AF_INET
    try:
        with socket.socket(family, socket.SOCK_STREAM) as s:
            s.settimeout(1.0)
            s.connect((addr, port))
        return True
    except OSError:
        return False


def _cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode("utf-8", "replace")
    except OSError:
        return None


def _alive(pid):
    """True while pid exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
        return state not in ("Z", "X")
    except (OSError, IndexError):
        return False


def stop_pid(pid, marker, timeout=STOP_TIMEOUT, proc=None):
    """SIGTERM, bounded wait, then SIGKILL. The pid is only signalled while its command line
    still contains marker (our directory), so a recycled pid is never hit."""
    if pid is None:
        return
    cmd = _cmdline(pid)
    if cmd is None or marker not in cmd:
        return
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None:
            if proc.poll() is not None:
                return
        elif not _alive(pid):
            return
        time.sleep(0.05)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        return
    if proc is not None:
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pass


class DovecotServer:
    """One private Dovecot plus its SMTP relay sink and OAuth introspection endpoint."""

    def __init__(self, directory=None, with_ipv6=None, introspection_url=None, ntlm=False,
                 digest_md5=False, gssapi=None):
        # introspection_url: an external RFC 7662 endpoint (e.g. oauth_server.py) instead of
        # the built-in oauth_introspect.py helper. ntlm: also offer NTLM (see NTLM_HELPER).
        self.introspection_url = introspection_url
        self.ntlm = ntlm
        # digest_md5: also offer DIGEST-MD5 (RFC 2831) against the passwd-file.
        self.digest_md5 = digest_md5
        # gssapi: a running tests/servers/kdc.py Kdc; adds the GSSAPI mechanism with its keytab.
        self.gssapi = gssapi
        self.owns_dir = directory is None
        self.dir = os.path.abspath(directory or tempfile.mkdtemp(prefix="smtpauth-dovecot-"))
        self.with_ipv6 = _ipv6_loopback_available() if with_ipv6 is None else with_ipv6
        self.procs = {}
        self.info = None

    # -- paths -------------------------------------------------------------------------
    def path(self, *parts):
        return os.path.join(self.dir, *parts)

    @property
    def log_path(self):
        return self.path("dovecot.log")

    def log_text(self):
        text = ""
        for name in ("dovecot.stderr", "dovecot.log"):
            try:
                with open(self.path(name), encoding="utf-8", errors="replace") as f:
                    text += f"--- {name} ---\n{f.read()}"
            except OSError:
                pass
        return text

    # -- helpers processes ---------------------------------------------------------------
    def _spawn_helper(self, name, argv, deadline):
        port_file = self.path(f"{name}.port")
        if os.path.exists(port_file):
            os.unlink(port_file)
        log = open(self.path(f"{name}.log"), "ab")
        proc = subprocess.Popen([sys.executable, *argv, "--port-file", port_file],
                                stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                start_new_session=True)
        log.close()
        self.procs[name] = proc
        return _wait_port_file(port_file, proc, name, deadline)

    # -- configuration -----------------------------------------------------------------------
    def _write_config(self, pki, ports, sink_port, introspect_url):
        listen = [HOST, WRONG_NAME_HOST, EXPIRED_HOST, UNKNOWN_CA_HOST]
        if self.with_ipv6:
            listen.append(HOST6)
        p = dict(zip(LISTENER_NAMES, ports))
        d = self.dir
        with open(self.path("users"), "w", encoding="utf-8") as f:
            for user, password in USERS.items():
                f.write(f"{user}:{{PLAIN}}{password}::::::\n")
        with open(self.path("oauth2.conf.ext"), "w", encoding="utf-8") as f:
            f.write(textwrap.dedent(f"""\
                introspection_mode = post
                introspection_url = {introspect_url}
                force_introspection = yes
                username_attribute = username
                active_attribute = active
                active_value = true
                timeout_msecs = 5000
                """))
        digest = " digest-md5" if self.digest_md5 else ""
        conf = textwrap.dedent(f"""\
            # Private Dovecot for smtpauth tests; generated by tests/servers/dovecot_server.py
            instance_name = smtpauth-test-{os.path.basename(d)}
            base_dir = {d}/run
            state_dir = {d}/state
            log_path = {d}/dovecot.log
            info_log_path = {d}/dovecot.log
            debug_log_path = {d}/dovecot.log
            protocols = imap pop3 submission
            listen = {", ".join(listen)}
            hostname = localhost
            login_greeting = smtpauth test Dovecot ready.

            ssl = yes
            ssl_cert = <{pki["server_cert"]}
            ssl_key = <{pki["server_key"]}
            ssl_dh = </usr/share/dovecot/dh.pem

            # No password before TLS: the client (127.0.0.1) is not "secured" (server 127.0.0.2).
            disable_plaintext_auth = yes
            auth_mechanisms = plain login cram-md5 scram-sha-1 scram-sha-256 xoauth2 oauthbearer{digest}
            auth_failure_delay = 0
            auth_username_chars =
            auth_cache_size = 0
            auth_verbose = yes
            # Dovecot also delays every auth from an IP after failures from it (anvil's
            # auth penalty, up to 15 s, shared by all connections): a listener with mode 0
            # switches it off, otherwise the wrong-password tests slow each other down.
            service anvil {{
              unix_listener anvil-auth-penalty {{
                mode = 0
              }}
            }}

            # The password mechanisms see only the passwd-file, the bearer-token ones only
            # the introspection endpoint: a token never works as a password or vice versa.
            passdb {{
              driver = passwd-file
              args = scheme=PLAIN username_format=%u {d}/users
              mechanisms = plain login cram-md5 scram-sha-1 scram-sha-256{digest}
            }}
            passdb {{
              driver = oauth2
              args = {d}/oauth2.conf.ext
              mechanisms = xoauth2 oauthbearer
            }}
            userdb {{
              driver = static
              args = uid=nobody gid=nogroup home={d}/home/%u
            }}
            mail_location = maildir:{d}/mail/%u

            submission_relay_host = 127.0.0.1
            submission_relay_port = {sink_port}
            submission_relay_trusted = yes

            service imap-login {{
              inet_listener imap {{
                port = {p["imap"]}
              }}
              inet_listener imaps {{
                port = {p["imaps"]}
                ssl = yes
              }}
            }}
            service pop3-login {{
              inet_listener pop3 {{
                port = {p["pop3"]}
              }}
              inet_listener pop3s {{
                port = {p["pop3s"]}
                ssl = yes
              }}
            }}
            service submission-login {{
              inet_listener submission {{
                port = {p["submission"]}
              }}
              inet_listener submissions {{
                port = {p["submissions"]}
                ssl = yes
              }}
            }}

            local {WRONG_NAME_HOST} {{
              ssl_cert = <{pki["wrong_name_cert"]}
              ssl_key = <{pki["wrong_name_key"]}
            }}
            local {EXPIRED_HOST} {{
              ssl_cert = <{pki["expired_cert"]}
              ssl_key = <{pki["expired_key"]}
            }}
            local {UNKNOWN_CA_HOST} {{
              ssl_cert = <{pki["unknown_ca_cert"]}
              ssl_key = <{pki["unknown_ca_key"]}
            }}
            """)
        if self.ntlm:
            conf = conf.replace("auth_mechanisms = plain", "auth_mechanisms = ntlm plain", 1)
            conf += self._ntlm_config()
        if self.gssapi is not None:
            conf += self._gssapi_config()
        with open(self.path("dovecot.conf"), "w", encoding="utf-8") as f:
            f.write(conf)
        return p

    def _ntlm_config(self):
        # Dovecot runs the helper with one argument (--helper-protocol=squid-2.5-ntlmssp);
        # the wrapper adds the local password check.
        helper = self.path("ntlm_auth_local")
        with open(helper, "w", encoding="utf-8") as f:
            f.write(f'#!/bin/sh\nexec {NTLM_HELPER} "$@" --password={shlex.quote(NTLM_PASSWORD)}\n')
        os.chmod(helper, 0o755)
        return textwrap.dedent(f"""\
            # NTLM through Samba's ntlm_auth (winbind mode), checked locally.
            auth_use_winbind = yes
            auth_winbind_helper_path = {helper}
            """)

    def _gssapi_config(self):
        # GSSAPI (RFC 4752) with the test realm's keytab. The auth process reads the realm's
        # krb5.conf through KRB5_CONFIG (import_environment); the user is the principal's
        # name without the realm (%Ln), found in the passwd-file, whose k5principals field
        # says which principal may log in as it (instead of krb5_kuserok and ~/.k5login).
        # The service principal is built from the host name `localhost`, which resolves to
        # 127.0.0.1 only: Dovecot listens there too (client and server addresses are then
        # equal, which matters only for plaintext mechanisms). Dovecot names the acceptor after
        # its service ("submission", not RFC 4954's "smtp"): "$ALL" accepts every principal of
        # the keytab instead.
        kdc = self.gssapi
        with open(self.path("gssapi-users"), "w", encoding="utf-8") as f:
            f.write(f"alice:::::::nopassword k5principals={kdc.user_principal}\n")
        return textwrap.dedent(f"""\
            # GSSAPI with the private test realm {kdc.realm} (tests/servers/kdc.py)
            listen = $listen 127.0.0.1
            auth_mechanisms = $auth_mechanisms gssapi
            auth_krb5_keytab = {kdc.keytab}
            auth_gssapi_hostname = "$ALL"
            auth_realms = {kdc.realm}
            auth_default_realm = {kdc.realm}
            import_environment = $import_environment KRB5_CONFIG={kdc.krb5_conf} KRB5RCACHETYPE=none
            passdb {{
              driver = passwd-file
              args = username_format=%Ln {self.dir}/gssapi-users
              mechanisms = gssapi
            }}
            """)

    def _prepare_dirs(self):
        # Dovecot's auth process (user "dovecot") reads the passwd-file and the mail
        # processes run as nobody: the tree must be traversable, mail dirs nobody's.
        os.chmod(self.dir, 0o755)
        for sub in ("run", "state", "pki"):
            os.makedirs(self.path(sub), exist_ok=True)
        for sub in ("mail", "home"):
            os.makedirs(self.path(sub), exist_ok=True)
            shutil.chown(self.path(sub), "nobody", "nogroup")

    # -- lifecycle -------------------------------------------------------------------------
    def start(self):
        deadline = time.monotonic() + START_TIMEOUT
        try:
            self._prepare_dirs()
            pki = certs.make_pki(self.path("pki"))
            with open(self.path("tokens.json"), "w", encoding="utf-8") as f:
                json.dump({tok: user for user, tok in TOKENS.items()}, f)
            sink_port = self._spawn_helper("smtp-sink", [os.path.join(HERE, "smtp_receiver.py"),
                                                         "--spool", self.path("spool")],
                                           deadline)
            introspect_port = None
            introspect_url = self.introspection_url
            if introspect_url is None:
                introspect_port = self._spawn_helper(
                    "introspect", [os.path.join(HERE, "oauth_introspect.py"),
                                   "--tokens", self.path("tokens.json")], deadline)
                introspect_url = f"http://127.0.0.1:{introspect_port}/introspect"
            ports = self._start_dovecot(pki, sink_port, introspect_url, deadline)
        except BaseException:
            log = self.log_text()
            self.stop()
            if log:
                print(log, file=sys.stderr)
            raise
        self.info = {
            "dir": self.dir,
            "host": HOST,
            "host6": HOST6 if self.with_ipv6 else None,
            "wrong_name_host": WRONG_NAME_HOST,
            "expired_host": EXPIRED_HOST,
            "unknown_ca_host": UNKNOWN_CA_HOST,
            "ports": ports,
            "ca": pki["ca"],
            "other_ca": pki["other_ca"],
            "server_cert": pki["server_cert"],
            "users": USERS,
            "ntlm_password": NTLM_PASSWORD if self.ntlm else None,
            "tokens": TOKENS,
            "bad_token": BAD_TOKEN,
            "smtp_sink_port": sink_port,
            "smtp_spool": self.path("spool"),
            "introspect_port": introspect_port,
            "log": self.log_path,
            "pids": {name: proc.pid for name, proc in self.procs.items()},
        }
        tmp = self.path("server.json.tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(self.info, f, indent=2, ensure_ascii=False)
        os.replace(tmp, self.path("server.json"))
        return self.info

    def _start_dovecot(self, pki, sink_port, introspect_url, deadline):
        addresses = [HOST, WRONG_NAME_HOST, EXPIRED_HOST, UNKNOWN_CA_HOST]
        if self.with_ipv6:
            addresses.append(HOST6)
        for _ in range(PORT_ATTEMPTS):
            ports = self._write_config(pki, pick_ports(addresses, len(LISTENER_NAMES)),
                                       sink_port, introspect_url)
            for name in ("dovecot.log", "dovecot.stderr"):
                if os.path.exists(self.path(name)):
                    os.unlink(self.path(name))
            err = open(self.path("dovecot.stderr"), "ab")
            proc = subprocess.Popen(["dovecot", "-F", "-c", self.path("dovecot.conf")],
                                    stdin=subprocess.DEVNULL, stdout=err, stderr=err,
                                    start_new_session=True)
            err.close()
            self.procs["dovecot"] = proc
            if self._wait_listening(proc, addresses, ports.values(), deadline):
                return ports
            if "Address already in use" not in self.log_text():
                raise StartError(f"dovecot did not start (status {proc.poll()})")
            stop_pid(proc.pid, self.dir, proc=proc)
            del self.procs["dovecot"]
        raise StartError("dovecot: no free ports after several attempts")

    @staticmethod
    def _wait_listening(proc, addresses, ports, deadline):
        pending = [(a, p) for a in addresses for p in ports]
        while pending:
            if proc.poll() is not None:
                return False
            if time.monotonic() > deadline:
                raise StartError("dovecot did not open all its ports in time")
            pending = [(a, p) for a, p in pending if not _can_connect(a, p)]
            if pending:
                time.sleep(0.05)
        return True

    def stop(self):
        # Dovecot first (it stops its own children), then its helpers.
        for name in ("dovecot", "introspect", "smtp-sink"):
            proc = self.procs.pop(name, None)
            if proc is not None:
                stop_pid(proc.pid, self.dir, proc=proc)

    def cleanup(self):
        self.stop()
        if self.owns_dir:
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.cleanup()
        return False


def stop_directory(directory):
    """Stops the processes a `start DIR` recorded, by pid (for the CLI and scripts)."""
    directory = os.path.abspath(directory)
    try:
        with open(os.path.join(directory, "server.json"), encoding="utf-8") as f:
            pids = json.load(f)["pids"]
    except (OSError, ValueError, KeyError):
        pids = {}
    for name in ("dovecot", "introspect", "smtp-sink"):
        stop_pid(pids.get(name), directory)


def main(argv):
    if len(argv) != 3 or argv[1] not in ("start", "stop"):
        print(f"usage: {argv[0]} start|stop DIR", file=sys.stderr)
        return 64
    directory = os.path.abspath(argv[2])
    if argv[1] == "stop":
        stop_directory(directory)
        return 0
    os.makedirs(directory, exist_ok=True)
    server = DovecotServer(directory)
    try:
        info = server.start()
    except (StartError, OSError, RuntimeError) as e:
        print(f"dovecot_server: {e}", file=sys.stderr)
        return 1
    print(json.dumps(info, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
