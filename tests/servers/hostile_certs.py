"""Certificates for the hostile-server TLS tests, made with the openssl CLI at test time
(RFC 5280): a CA, a good leaf for 127.0.0.1/localhost, and leaves that must fail — wrong
host name, self-signed, signed by an unknown CA, expired, not yet valid, RSA-1024 key."""

import os
import subprocess
import textwrap

OPENSSL_TIMEOUT = 60
GOOD_SANS = "DNS:localhost,IP:127.0.0.1,IP:::1"
EC = ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]


def _openssl(args, cwd):
    proc = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=OPENSSL_TIMEOUT, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"openssl {' '.join(args)} failed: {proc.stderr.strip()}")


def _write(path, text):
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def _ext(d, name, sans):
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


def _ca(d, name, cn):
    key, cert = os.path.join(d, f"{name}.key"), os.path.join(d, f"{name}.pem")
    _openssl(["genpkey", *EC, "-out", key], d)
    _openssl(["req", "-x509", "-new", "-key", key, "-sha256", "-days", "30", "-subj",
              f"/CN={cn}", "-addext", "basicConstraints=critical,CA:TRUE",
              "-addext", "keyUsage=critical,keyCertSign,cRLSign", "-out", cert], d)
    return cert, key


def _csr(d, name, cn, key_spec):
    key, csr = os.path.join(d, f"{name}.key"), os.path.join(d, f"{name}.csr")
    _openssl(["genpkey", *key_spec, "-out", key], d)
    _openssl(["req", "-new", "-key", key, "-subj", f"/CN={cn}", "-out", csr], d)
    return key, csr


def _leaf(d, name, ca, sans, key_spec=EC, cn="localhost"):
    key, csr = _csr(d, name, cn, key_spec)
    cert = os.path.join(d, f"{name}.pem")
    _openssl(["x509", "-req", "-in", csr, "-CA", ca[0], "-CAkey", ca[1], "-CAcreateserial",
              "-sha256", "-days", "30", "-extfile", _ext(d, name, sans), "-extensions",
              "server", "-out", cert], d)
    return cert, key


def _dated_leaf(d, name, ca, start, end):
    """`openssl x509 -req` cannot choose the start date; `openssl ca` can."""
    key, csr = _csr(d, name, "localhost", EC)
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
        commonName = supplied
        """))
    cert = os.path.join(d, f"{name}.pem")
    _openssl(["ca", "-batch", "-notext", "-config", cnf, "-cert", ca[0], "-keyfile", ca[1],
              "-in", csr, "-out", cert, "-startdate", start, "-enddate", end, "-extfile",
              _ext(d, name, GOOD_SANS), "-extensions", "server"], d)
    return cert, key


def make_hostile_pki(d):
    """Creates everything in directory d; returns {name: (cert, key)} plus "ca"."""
    os.makedirs(d, exist_ok=True)
    ca = _ca(d, "ca", "smtpauth hostile test CA")
    other = _ca(d, "other-ca", "smtpauth unknown CA")
    self_key = os.path.join(d, "self-signed.key")
    self_cert = os.path.join(d, "self-signed.pem")
    _openssl(["genpkey", *EC, "-out", self_key], d)
    _openssl(["req", "-x509", "-new", "-key", self_key, "-sha256", "-days", "30", "-subj",
              "/CN=localhost", "-addext", f"subjectAltName={GOOD_SANS}", "-out", self_cert], d)
    return {
        "ca": ca[0],
        "good": _leaf(d, "good", ca, GOOD_SANS),
        "wrong-host": _leaf(d, "wrong-host", ca, "DNS:mail.example.invalid",
                            cn="mail.example.invalid"),
        "self-signed": (self_cert, self_key),
        "unknown-ca": _leaf(d, "unknown-ca", other, GOOD_SANS),
        "expired": _dated_leaf(d, "expired", ca, "20200101000000Z", "20200201000000Z"),
        "not-yet-valid": _dated_leaf(d, "not-yet-valid", ca, "20400101000000Z",
                                     "20400201000000Z"),
        "rsa1024": _leaf(d, "rsa1024", ca, GOOD_SANS,
                         ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024"]),
    }
