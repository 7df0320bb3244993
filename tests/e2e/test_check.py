"""End-to-end: `smtpauth probe --check`, the monitoring-plugin mode (Nagios plugin guidelines,
as Icinga, Naemon and Sensu read them): the status line "SMTPAUTH STATE - text | perfdata",
exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN, and each threshold: --warn-days/--crit-days
(a certificate minted to expire in 5 days), --warn-ms/--crit-ms, --require-mech,
--forbid-cleartext-auth, --min-tls; probe failures mapped to states; many targets.

The perfdata is parsed by the guidelines' grammar: 'label'=value[UOM];[warn];[crit];[min];[max]
with labels quoted when they hold spaces ('' for a quote) and ranges [@][start:][end].
"""

import os
import re
import socket
import ssl
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.environ.get("SMTPAUTH_SOURCE_DIR") or os.path.dirname(os.path.dirname(HERE))
BINARY = os.environ.get("SMTPAUTH_BINARY") or os.path.join(SOURCE_DIR, "build", "smtpauth")
sys.path.insert(0, os.path.join(SOURCE_DIR, "tests", "servers"))
from dovecot_server import DovecotServer  # noqa: E402  (path set above)
from scripted_server import ScriptedServer, SmtpScript, server_context  # noqa: E402
from certs import make_self_signed_cert  # noqa: E402

RUN_TIMEOUT = 60
SECRET_ENV = "SMTPAUTH_TEST_SECRET"
OK, WARNING, CRITICAL, UNKNOWN = 0, 1, 2, 3

SERVER = None
INFO = None
SHORT = None  # scripted SMTP server with a certificate that expires in 5 days
TLS12 = None  # scripted SMTP server that speaks TLS 1.2 at most
SHORT_CERT = None
PKI_DIR = None

# --- The plugin guidelines' perfdata grammar -----------------------------------------------
NUMBER = r"-?(?:\d+(?:\.\d*)?|\.\d+)"
RANGE = rf"@?(?:(?:{NUMBER}|~):)?(?:{NUMBER})?"
UOM = r"(?:s|ms|us|%|B|KB|MB|TB|c)?"
LABEL = r"(?:'(?:[^']|'')+'|[^'= ]+)"
DATUM = re.compile(rf"({LABEL})=({NUMBER})({UOM});({RANGE})?;({RANGE})?;({NUMBER})?;({NUMBER})?")


def parse_perfdata(text):
    """{label: (value, uom, warn, crit, min, max)}; fails on anything that is not perfdata."""
    out = {}
    pos = 0
    text = text.strip()
    while pos < len(text):
        m = DATUM.match(text, pos)
        if not m:
            raise ValueError(f"not perfdata at {text[pos:]!r}")
        label = m.group(1)
        if label.startswith("'"):
            label = label[1:-1].replace("''", "'")
        out[label] = (float(m.group(2)), m.group(3), m.group(4) or "", m.group(5) or "",
                      m.group(6), m.group(7))
        pos = m.end()
        while pos < len(text) and text[pos] in " \n":
            pos += 1
    return out


def parse_plugin_output(out):
    """(status line text, long text lines, perfdata dict) by the multi-line rules: the first
    line may hold "| perf"; a later line's "|" starts perfdata that runs to the end."""
    lines = out.rstrip("\n").split("\n")
    first, _, perf = lines[0].partition("|")
    long_text = []
    rest = lines[1:]
    for i, line in enumerate(rest):
        if "|" in line:
            text, _, more = line.partition("|")
            if text:
                long_text.append(text)
            perf += " " + more + " " + " ".join(rest[i + 1:])
            break
        long_text.append(line)
    return first.strip(), long_text, parse_perfdata(perf)


def setUpModule():
    global SERVER, INFO, SHORT, TLS12, SHORT_CERT, PKI_DIR
    SERVER = DovecotServer()
    INFO = SERVER.start()
    PKI_DIR = tempfile.mkdtemp(prefix="smtpauth-check-pki-")
    SHORT_CERT, key = make_self_signed_cert(PKI_DIR, days=5, basename="five-days")
    SHORT = ScriptedServer(scenario=SmtpScript(server_context(SHORT_CERT, key)), timeout=20)
    SHORT.start()
    TLS12 = ScriptedServer(scenario=SmtpScript(server_context(
        SHORT_CERT, key, max_version=ssl.TLSVersion.TLSv1_2)), timeout=20)
    TLS12.start()


def tearDownModule():
    for s in (SHORT, TLS12):
        if s is not None:
            s.stop()
    if SERVER is not None:
        SERVER.cleanup()


def submission():
    return f"smtp://{INFO['host']}:{INFO['ports']['submission']}"


def run(args, user="alice", timeout=RUN_TIMEOUT):
    env = dict(os.environ)
    env[SECRET_ENV] = INFO["users"]["alice"]
    cred = ["-u", user, "--password-env", SECRET_ENV] if user else []
    return subprocess.run([BINARY, "probe", "--check", *cred, *args], env=env,
                          capture_output=True, stdin=subprocess.DEVNULL, timeout=timeout,
                          check=False)


class CheckCase(unittest.TestCase):

    def check(self, args, status, state, user="alice"):
        proc = run(args, user=user)
        out = proc.stdout.decode()
        self.assertEqual(proc.returncode, status, out + proc.stderr.decode())
        self.assertEqual(proc.stderr.decode(), "")
        first, long_text, perf = parse_plugin_output(out)
        self.assertTrue(first.startswith(f"SMTPAUTH {state} - "), first)
        return first, long_text, perf

    def dovecot(self, extra, status, state):
        return self.check([submission(), "--cafile", INFO["ca"], *extra], status, state)

    def short_cert(self, extra, status, state, server=None):
        server = server or SHORT
        return self.check([f"127.0.0.1:{server.port}", "--cafile", SHORT_CERT, *extra],
                          status, state)


class CheckThresholds(CheckCase):

    def test_ok_line_and_perfdata(self):
        first, long_text, perf = self.dovecot([], OK, "OK")
        self.assertEqual(long_text, [])
        self.assertRegex(first, r"^SMTPAUTH OK - smtp://127\.0\.0\.2:\d+: AUTH \S+ accepted, "
                                r"TLSv1\.3, certificate \d+ days left, [\d.]+ ms$")
        self.assertEqual(set(perf), {"time", "cert_days"})
        value, uom, warn, crit, minimum, _ = perf["time"]
        self.assertEqual((uom, warn, crit, minimum), ("ms", "", "", "0"))
        self.assertGreater(value, 0)

    def test_cert_days(self):
        # The certificate expires in 5 days (4 whole days and some hours are left).
        first, _, perf = self.short_cert(["--warn-days", "10", "--crit-days", "3"], WARNING,
                                         "WARNING")
        self.assertIn("certificate expires in 4 days", first)
        self.assertIn("fewer than --warn-days 10", first)
        self.assertEqual(perf["cert_days"][:4], (4.0, "", "10:", "3:"))
        first, _, _ = self.short_cert(["--warn-days", "10", "--crit-days", "7"], CRITICAL,
                                      "CRITICAL")
        self.assertIn("fewer than --crit-days 7", first)
        self.short_cert(["--warn-days", "4", "--crit-days", "2"], OK, "OK")

    def test_time(self):
        first, _, perf = self.dovecot(["--warn-ms", "0.001"], WARNING, "WARNING")
        self.assertIn("more than --warn-ms 0.001", first)
        self.assertEqual(perf["time"][2], "0.001")
        first, _, perf = self.dovecot(["--warn-ms", "0.001", "--crit-ms", "0.002"], CRITICAL,
                                      "CRITICAL")
        self.assertIn("more than --crit-ms 0.002", first)
        self.assertEqual(perf["time"][2:4], ("0.001", "0.002"))
        self.dovecot(["--warn-ms", "50000", "--crit-ms", "59000"], OK, "OK")

    def test_require_mech(self):
        self.dovecot(["--require-mech", "SCRAM-SHA-256", "--require-mech", "cram-md5"], OK, "OK")
        first, _, _ = self.dovecot(["--require-mech", "ANONYMOUS"], CRITICAL, "CRITICAL")
        self.assertIn("mechanism ANONYMOUS not offered (offered: ", first)

    def test_forbid_cleartext_auth(self):
        # The scripted server offers AUTH PLAIN LOGIN before STARTTLS; Dovecot hides them.
        first, _, _ = self.short_cert(["--forbid-cleartext-auth"], CRITICAL, "CRITICAL")
        self.assertIn("AUTH PLAIN LOGIN offered before TLS (--forbid-cleartext-auth)", first)
        self.dovecot(["--forbid-cleartext-auth"], OK, "OK")

    def test_min_tls(self):
        self.dovecot(["--min-tls", "1.3"], OK, "OK")
        first, _, _ = self.short_cert(["--min-tls", "1.3"], CRITICAL, "CRITICAL", server=TLS12)
        self.assertIn("TLSv1.2 is older than --min-tls 1.3", first)
        self.short_cert(["--min-tls", "1.2"], OK, "OK", server=TLS12)


class CheckFailures(CheckCase):

    def test_auth_rejected_is_critical(self):
        first, _, perf = self.check([submission(), "--cafile", INFO["ca"]], CRITICAL,
                                    "CRITICAL", user="mallory")
        self.assertIn("FAILED at auth (auth-rejected): server rejected the credentials", first)
        self.assertIn("time", perf)

    def test_refused_port_is_critical(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        first, _, _ = self.check([f"127.0.0.1:{port}"], CRITICAL, "CRITICAL")
        self.assertIn("FAILED at connect (connect): ", first)

    def test_untrusted_certificate_is_critical(self):
        first, _, _ = self.check([submission()], CRITICAL, "CRITICAL")  # no --cafile
        self.assertIn("(certificate): certificate verify failed", first)

    def test_usage_errors_are_unknown(self):
        for args, message in [
            ([submission(), "--warn-days", "3", "--crit-days", "9"],
             "--warn-days must be at least --crit-days"),
            ([submission(), "--warn-days", "soon"], "--warn-days"),
            ([submission(), "--require-mech", "NOPE"], "NOPE"),
            ([submission(), "--min-tls", "2.0"], "--min-tls"),
            ([submission(), "-q"], "--check prints the plugin's lines only"),
            ([submission(), "--warn-ms", "0"], "--warn-ms and --crit-ms must be greater than 0"),
            ([submission(), "--warn-ms", "9", "--crit-ms", "5"],
             "--warn-ms must not be greater than --crit-ms"),
            ([submission(), "--warn-days", "-1"], "must not be negative"),
        ]:
            with self.subTest(args=args):
                proc = run(args)
                out = proc.stdout.decode()
                self.assertEqual(proc.returncode, UNKNOWN, out + proc.stderr.decode())
                self.assertTrue(out.startswith("SMTPAUTH UNKNOWN - "), out)
                self.assertIn(message, out)
                self.assertEqual(out.count("\n"), 1)


class CheckManyTargets(CheckCase):

    def test_one_line_per_target_and_the_worst_state(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            refused = f"127.0.0.1:{s.getsockname()[1]}"
        imaps = f"imaps://{INFO['host']}:{INFO['ports']['imaps']}"
        proc = run([submission(), refused, imaps, "--cafile", INFO["ca"], "--warn-days", "100",
                    "--crit-days", "1"])
        out = proc.stdout.decode()
        self.assertEqual(proc.returncode, CRITICAL, out)
        first, long_text, perf = parse_plugin_output(out)
        self.assertEqual(first, "SMTPAUTH CRITICAL - 3 targets: 1 CRITICAL, 2 WARNING, "
                                "0 UNKNOWN, 0 OK")
        self.assertEqual(len(long_text), 3)
        self.assertTrue(long_text[0].startswith(f"WARNING - {submission()}: certificate expires"))
        self.assertTrue(long_text[1].startswith(f"CRITICAL - {refused}: FAILED at connect"))
        self.assertTrue(long_text[2].startswith(f"WARNING - {imaps}: "))
        self.assertEqual(perf["targets"][0], 3)
        self.assertEqual(perf["critical"][0], 1)
        self.assertEqual(perf[f"{submission()} cert_days"][2:4], ("100:", "1:"))
        self.assertIn(f"{imaps} time", perf)
        self.assertIn(f"{refused} time", perf)

    def test_warning_beats_unknown_and_ok(self):
        path = os.path.join(PKI_DIR, "targets")
        with open(path, "w", encoding="utf-8") as f:
            f.write(f"{submission()}\n{submission()} bad=key\n")
        proc = run(["--targets-file", path, "--cafile", INFO["ca"], "--warn-ms", "0.001"])
        out = proc.stdout.decode()
        self.assertEqual(proc.returncode, WARNING, out)
        first, long_text, _ = parse_plugin_output(out)
        self.assertEqual(first, "SMTPAUTH WARNING - 2 targets: 0 CRITICAL, 1 WARNING, "
                                "1 UNKNOWN, 0 OK")
        self.assertIn("UNKNOWN - ", long_text[1])
        self.assertIn("unknown key 'bad'", long_text[1])


class PerfdataParser(unittest.TestCase):
    """The parser itself must reject what the guidelines do not allow."""

    def test_grammar(self):
        self.assertEqual(parse_perfdata("'a b'=1ms;2;3;0; c=4;5:;;;"),
                         {"a b": (1.0, "ms", "2", "3", "0", None),
                          "c": (4.0, "", "5:", "", None, None)})
        self.assertEqual(parse_perfdata("'it''s'=1;;;;"), {"it's": (1.0, "", "", "", None, None)})
        for bad in ("a b=1;;;;", "a=1days;;;;", "a=;;;;", "a=1;x;;;"):
            with self.subTest(bad=bad), self.assertRaises(ValueError):
                parse_perfdata(bad)


if __name__ == "__main__":
    unittest.main()
