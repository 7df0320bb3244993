"""Test certificates made with the openssl CLI (RFC 5280 certificates, RFC 6125 names), the
one builder for every test server: a CA, a server certificate valid for every loopback name
the tests use, and variants that must fail verification (wrong name, expired, not yet valid,
self-signed, signed by an unknown CA, an RSA-1024 key); and make_self_signed_cert for a
server that is its own trust anchor.

Only the openssl command line is used, so the PKI is built the same way on any machine
with Debian's openssl package and nothing else.
"""

import os
import subprocess
import textwrap

OPENSSL_TIMEOUT = 60

# Every name a client may legitimately use for the test server. 127.0.0.1 is listed even
# though the server does not listen there, so the certificate stays valid if a test binds
# it; 127.0.0.3 is deliberately absent (the wrong-name listener lives there).
SERVER_SANS = "DNS:localhost,IP:127.0.0.2,IP:127.0.0.1,IP:::1"
WRONG_NAME_SANS = "DNS:mail.example.invalid"
# The expired and unknown-CA certificates also name the address that serves them, so the
# only verification error a client sees is the intended one (OpenSSL reports a name
# mismatch before an expiry).
EXPIRED_SANS = SERVER_SANS + ",IP:127.0.0.4"
UNKNOWN_CA_SANS = SERVER_SANS + ",IP:127.0.0.5"


def _openssl(*args, cwd):
    proc = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=OPENSSL_TIMEOUT, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"openssl {' '.join(args)} failed: {proc.stderr.strip()}")
    return proc.stdout


def _write(path, text, mode=0o644):
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    os.chmod(path, mode)


def _make_ca(d, name, cn):
    key = os.path.join(d, f"{name}.key")
    cert = os.path.join(d, f"{name}.pem")
    _openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
             "-out", key, cwd=d)
    _openssl("req", "-x509", "-new", "-key", key, "-sha256", "-days", "30", "-subj",
             f"/O=smtpauth tests/CN={cn}", "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign",
             "-addext", "subjectKeyIdentifier=hash", "-out", cert, cwd=d)
    os.chmod(key, 0o600)
    return cert, key


def _server_ext(d, name, sans):
    path = os.path.join(d, f"{name}.ext")
    _write(path, textwrap.dedent(f"""\
        [ server ]
        basicConstraints = critical,CA:FALSE
        keyUsage = critical,digitalSignature,keyEncipherment
        extendedKeyUsage = serverAuth
        subjectKeyIdentifier = hash
        authorityKeyIdentifier = keyid
        subjectAltName = {sans}
        """))
    return path


def _make_csr(d, name, cn, key_spec):
    key = os.path.join(d, f"{name}.key")
    csr = os.path.join(d, f"{name}.csr")
    _openssl("genpkey", *key_spec, "-out", key, cwd=d)
    os.chmod(key, 0o600)
    _openssl("req", "-new", "-key", key, "-subj", f"/O=smtpauth tests/CN={cn}", "-out", csr,
             cwd=d)
    return key, csr


def _make_server(d, name, cn, sans, ca, key_spec):
    key, csr = _make_csr(d, name, cn, key_spec)
    cert = os.path.join(d, f"{name}.pem")
    _openssl("x509", "-req", "-in", csr, "-CA", ca[0], "-CAkey", ca[1], "-CAcreateserial",
             "-sha256", "-days", "30", "-extfile", _server_ext(d, name, sans),
             "-extensions", "server", "-out", cert, cwd=d)
    return cert, key


def make_self_signed_cert(directory, names=("localhost",), ips=("127.0.0.1", "::1"),
                          days=30, basename="server"):
    """Creates a self-signed EC certificate; returns (certfile, keyfile).

    The certificate is its own trust anchor: pass it to the client with --cafile."""
    directory = os.path.abspath(directory)
    cert = os.path.join(directory, basename + ".crt")
    key = os.path.join(directory, basename + ".key")
    san = ",".join(["DNS:" + n for n in names] + ["IP:" + i for i in ips])
    _openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
             "-keyout", key, "-out", cert, "-days", str(days),
             "-subj", "/CN=" + (names[0] if names else "test"), "-addext",
             "subjectAltName=" + san, cwd=directory)
    return cert, key


def _make_dated(d, name, cn, sans, ca, start="20200101000000Z", end="20200201000000Z"):
    """`openssl x509 -req` cannot choose the dates; `openssl ca` takes explicit ones."""
    key, csr = _make_csr(d, name, cn, ["-algorithm", "EC", "-pkeyopt",
                                      "ec_paramgen_curve:P-256"])
    cadir = os.path.join(d, f"{name}-ca")
    os.makedirs(os.path.join(cadir, "new"), exist_ok=True)
    _write(os.path.join(cadir, "index.txt"), "")
    _write(os.path.join(cadir, "serial"), "1000\n")
    cnf = os.path.join(cadir, "ca.cnf")
    _write(cnf, textwrap.dedent(f"""\
        [ ca ]
        default_ca = testca
        [ testca ]
        database = {cadir}/index.txt
        new_certs_dir = {cadir}/new
        serial = {cadir}/serial
        default_md = sha256
        policy = anything
        unique_subject = no
        [ anything ]
        organizationName = optional
        commonName = supplied
        """))
    cert = os.path.join(d, f"{name}.pem")
    _openssl("ca", "-batch", "-notext", "-config", cnf, "-cert", ca[0], "-keyfile", ca[1],
             "-in", csr, "-out", cert, "-startdate", start,
             "-enddate", end, "-extfile", _server_ext(d, name, sans),
             "-extensions", "server", cwd=d)
    return cert, key


def make_pki(d):
    """Creates every certificate in directory d; returns a dict of file paths."""
    os.makedirs(d, exist_ok=True)
    rsa = ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"]
    ec = ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]
    ca = _make_ca(d, "ca", "smtpauth test CA")
    other_ca = _make_ca(d, "other-ca", "smtpauth unknown CA")
    server = _make_server(d, "server", "localhost", SERVER_SANS, ca, rsa)
    wrong_name = _make_server(d, "wrong-name", "mail.example.invalid", WRONG_NAME_SANS, ca, ec)
    unknown_ca = _make_server(d, "unknown-ca", "localhost", UNKNOWN_CA_SANS, other_ca, ec)
    expired = _make_dated(d, "expired", "localhost", EXPIRED_SANS, ca)
    not_yet_valid = _make_dated(d, "not-yet-valid", "localhost", SERVER_SANS, ca,
                                "20400101000000Z", "20400201000000Z")
    rsa1024 = _make_server(d, "rsa1024", "localhost", SERVER_SANS, ca,
                           ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024"])
    self_signed = make_self_signed_cert(d, basename="self-signed")
    return {
        "ca": ca[0],
        "other_ca": other_ca[0],
        "server_cert": server[0], "server_key": server[1],
        "wrong_name_cert": wrong_name[0], "wrong_name_key": wrong_name[1],
        "unknown_ca_cert": unknown_ca[0], "unknown_ca_key": unknown_ca[1],
        "expired_cert": expired[0], "expired_key": expired[1],
        "not_yet_valid_cert": not_yet_valid[0], "not_yet_valid_key": not_yet_valid[1],
        "rsa1024_cert": rsa1024[0], "rsa1024_key": rsa1024[1],
        "self_signed_cert": self_signed[0], "self_signed_key": self_signed[1],
    }
