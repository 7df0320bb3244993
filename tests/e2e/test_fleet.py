"""End-to-end: `smtpauth probe` with many targets (arguments, --targets-file, --parallel,
--json-lines, the summary table, -q, the worst exit status) against the real Dovecot of
tests/servers/dovecot_server.py, plus targets that misbehave: a refused port, a black-holed
port (a listening socket that never accepts nor answers) and a scripted server that stalls in
the middle of its EHLO reply.

One Dovecot and one set of misbehaving servers serve the module; the password travels only
in the environment (one secret source for every target, users per line).
"""

import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.environ.get("SMTPAUTH_SOURCE_DIR") or os.path.dirname(os.path.dirname(HERE))
BINARY = os.environ.get("SMTPAUTH_BINARY") or os.path.join(SOURCE_DIR, "build", "smtpauth")
sys.path.insert(0, os.path.join(SOURCE_DIR, "tests", "servers"))
from dovecot_server import DovecotServer  # noqa: E402  (path set above)
from scripted_server import ScriptedServer  # noqa: E402

RUN_TIMEOUT = 60
SECRET_ENV = "SMTPAUTH_TEST_SECRET"
STEP_TIMEOUT = 4  # --timeout: the stalled and black-holed targets end after this
SCHEMES = {"imap": "imap", "imaps": "imaps", "pop3": "pop3", "pop3s": "pop3s",
           "submission": "smtp", "submissions": "smtps"}

SERVER = None
INFO = None
STALL = None
BLACK_HOLE = None
REFUSED_PORT = None


def stall_mid_reply(session):
    """Greets, then sends the first line of a multi-line EHLO reply and never the rest."""
    session.send(b"220 stall.test ESMTP\r\n")
    session.readline()
    session.send(b"250-stall.test\r\n")
    session.wait_close(30)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def setUpModule():
    global SERVER, INFO, STALL, BLACK_HOLE, REFUSED_PORT
    SERVER = DovecotServer()
    INFO = SERVER.start()
    STALL = ScriptedServer(scenario=stall_mid_reply, timeout=30)
    STALL.start()
    # The kernel completes the TCP handshake into the backlog; nobody ever accepts or answers.
    BLACK_HOLE = socket.socket()
    BLACK_HOLE.bind(("127.0.0.1", 0))
    BLACK_HOLE.listen(64)
    REFUSED_PORT = free_port()


def tearDownModule():
    if STALL is not None:
        STALL.stop()
    if BLACK_HOLE is not None:
        BLACK_HOLE.close()
    if SERVER is not None:
        SERVER.cleanup()


def url(listener, host=None):
    return f"{SCHEMES[listener]}://{host or INFO['host']}:{INFO['ports'][listener]}"


def run(args, stdin_text=None, timeout=RUN_TIMEOUT):
    env = dict(os.environ)
    env[SECRET_ENV] = INFO["users"]["alice"]
    start = time.monotonic()
    proc = subprocess.run([BINARY, "probe", *args], env=env, capture_output=True,
                          input=stdin_text.encode() if stdin_text is not None else None,
                          stdin=None if stdin_text is not None else subprocess.DEVNULL,
                          timeout=timeout, check=False)
    proc.elapsed = time.monotonic() - start
    return proc


def common(extra=()):
    return ["--cafile", INFO["ca"], "--password-env", SECRET_ENV, "--timeout", str(STEP_TIMEOUT),
            "--connect-timeout", "2", *extra]


def write_targets(test, lines):
    f = tempfile.NamedTemporaryFile("w", suffix=".targets", delete=False, encoding="utf-8")
    f.write("\n".join(lines) + "\n")
    f.close()
    test.addCleanup(os.unlink, f.name)
    return f.name


def mixed_targets(count):
    """`count` target lines with what each must give: (line, expected) where expected is
    ("accepted"|"rejected"|kind, stage or None). Good and bad users cycle over the six
    Dovecot listeners; every 25th line is a refused port; two special targets (the stalled
    server and the black hole) come first so that they hold workers from the start."""
    lines = [("# fleet test: one target per line", None), ("", None),
             (f"127.0.0.1:{STALL.port} user=alice", ("timeout", "capabilities")),
             (f"127.0.0.1:{BLACK_HOLE.getsockname()[1]}   # black hole",
              ("timeout", "greeting"))]
    listeners = list(SCHEMES)
    i = 0
    while sum(1 for _, e in lines if e) < count:
        if i % 25 == 7:
            lines.append((f"smtp://127.0.0.1:{REFUSED_PORT} user=alice", ("connect", "connect")))
        elif i % 2 == 0:
            lines.append((f"{url(listeners[i % 6])} user=alice", ("accepted", None)))
        else:
            lines.append((f"{url(listeners[i % 6])} user=mallory mech=PLAIN",
                          ("rejected", "auth")))
        i += 1
    return lines


class FleetDovecot(unittest.TestCase):

    def test_200_targets_json_lines_in_order_with_own_deadlines(self):
        lines = mixed_targets(200)
        path = write_targets(self, [text for text, _ in lines])
        proc = run(["--targets-file", path, "--json-lines", "--parallel", "16", *common()])
        err = proc.stderr.decode(errors="replace")
        out = proc.stdout.decode()
        reports = [json.loads(line) for line in out.splitlines()]
        expected = [(n, text, e) for n, (text, e) in enumerate(lines, 1) if e]
        self.assertEqual(len(reports), 200, err)
        # Input order, with the input line and its number.
        self.assertEqual([r["input"]["line_number"] for r in reports], [n for n, _, _ in expected])
        for r, (n, text, (outcome, stage)) in zip(reports, expected):
            with self.subTest(line=n, text=text):
                self.assertEqual(r["schema_version"], 2)
                self.assertEqual(r["input"]["line"], text)
                self.assertEqual(r["target"]["input"], text.split()[0])
                if outcome == "accepted":
                    self.assertIsNone(r["error"])
                    self.assertEqual(r["auth"]["result"], "accepted")
                    self.assertTrue(r["tls"]["verified"])
                elif outcome == "rejected":
                    self.assertEqual(r["auth"]["result"], "rejected")
                    self.assertEqual(r["auth"]["mechanism"], "PLAIN")
                    self.assertEqual(r["error"]["kind"], "auth-rejected")
                else:
                    self.assertEqual(r["error"]["kind"], outcome)
                    self.assertEqual(r["error"]["stage"], stage)
        # The stalled and the black-holed target ended at their own step timeout...
        for r in reports[:2]:
            self.assertGreaterEqual(r["timings_ms"]["total"], STEP_TIMEOUT * 1000 - 50)
            self.assertLess(r["timings_ms"]["total"], STEP_TIMEOUT * 1000 + 4000)
        # ...while the other targets ran beside them, each on its own clock: none waited
        # for a stalled one (it would show the stall's seconds; and every outcome above is
        # right, so no step of theirs timed out).
        others = sorted(r["timings_ms"]["total"] for r in reports[2:])
        self.assertLess(others[len(others) // 2], STEP_TIMEOUT * 1000 / 2)
        # Worst exit status by the documented order: connect (69) above timeout (75) and
        # auth-rejected (77), although 77 is the larger number.
        self.assertEqual(proc.returncode, 69, err)
        self.assertNotIn(INFO["users"]["alice"], out + err)

    def test_text_reports_in_input_order_and_summary_table(self):
        targets = [url("submission"), f"smtp://127.0.0.1:{REFUSED_PORT}", url("imaps"),
                   url("pop3")]
        proc = run([*targets, "-u", "alice", *common()])
        out = proc.stdout.decode()
        headers = [line for line in out.splitlines() if line.startswith("== ")]
        self.assertEqual(headers, [f"== {t} (line {n}) ==" for n, t in enumerate(targets, 1)])
        self.assertIn("FAILED at connect: ", out)
        table = out[out.index("\nTARGET"):].strip().splitlines()
        self.assertEqual(table[0].split(), ["TARGET", "TLS", "CERT", "DAYS", "MECHANISMS", "AUTH",
                                            "MS"])
        rows = table[1:5]
        self.assertEqual([r.split()[0] for r in rows], targets)
        self.assertRegex(rows[0], r" SCRAM-SHA-256 accepted +\d+$")
        self.assertIn("TLSv1.3", rows[0])
        self.assertIn("connect at connect", rows[1])
        self.assertTrue(rows[2].split()[2].isdigit(), rows[2])  # certificate days left
        self.assertEqual(table[5], "4 targets: 3 succeeded, 1 failed; exit status 69")
        self.assertEqual(proc.returncode, 69)

    def test_quiet_prints_only_the_table(self):
        targets = [url("imap"), url("submissions")]
        proc = run([*targets, "-u", "alice", "-q", *common()])
        lines = proc.stdout.decode().splitlines()
        self.assertEqual(lines[0].split()[0], "TARGET")
        self.assertEqual([line.split()[0] for line in lines[1:3]], targets)
        self.assertEqual(lines[3], "2 targets: 2 succeeded, 0 failed; exit status 0")
        self.assertEqual(len(lines), 4)
        self.assertEqual(proc.returncode, 0)

    def test_targets_from_stdin_with_per_line_protocol(self):
        port = INFO["ports"]["imap"]
        text = f"# from stdin\n127.0.0.2:{port} protocol=imap user=alice\n"
        proc = run(["--targets-file", "-", "--json-lines", *common()], stdin_text=text)
        reports = [json.loads(line) for line in proc.stdout.decode().splitlines()]
        self.assertEqual(len(reports), 1)
        self.assertEqual(reports[0]["target"]["protocol"], "imap")
        self.assertEqual(reports[0]["auth"]["result"], "accepted")
        self.assertEqual(reports[0]["input"]["line_number"], 2)
        self.assertEqual(proc.returncode, 0)

    def test_bad_line_is_a_per_target_usage_error_and_ranks_worst(self):
        path = write_targets(self, [f"{url('submission')} user=alice",
                                    f"{url('imaps')} colour=blue",
                                    f"https://127.0.0.2/ user=alice",
                                    f"{url('imaps', '127.0.0.4')} user=alice"])
        proc = run(["--targets-file", path, "--json-lines", *common()])
        reports = [json.loads(line) for line in proc.stdout.decode().splitlines()]
        self.assertEqual([r["input"]["line_number"] for r in reports], [1, 2, 3, 4])
        self.assertIsNone(reports[0]["error"])
        self.assertEqual(reports[1]["error"], {
            "kind": "usage", "stage": "input",
            "message": "line 2: unknown key 'colour' (user=, mech= and protocol= are known)"})
        self.assertEqual(reports[2]["error"]["kind"], "usage")
        self.assertIn("unknown scheme 'https'", reports[2]["error"]["message"])
        self.assertEqual(reports[3]["error"]["kind"], "certificate")  # expired certificate
        self.assertEqual(proc.returncode, 64)

    def test_certificate_ranks_above_connect(self):
        proc = run([f"smtp://127.0.0.1:{REFUSED_PORT}", url("imaps", "127.0.0.4"), "-q",
                    *common()])
        self.assertEqual(proc.returncode, 81, proc.stdout.decode())

    def test_user_without_secret_source_is_refused_per_target(self):
        env_free = [a for a in common() if a not in ("--password-env", SECRET_ENV)]
        path = write_targets(self, [f"{url('submission')} user=alice", url("imap")])
        proc = run(["--targets-file", path, "--json-lines", *env_free])
        reports = [json.loads(line) for line in proc.stdout.decode().splitlines()]
        self.assertIn("user=alice needs a secret", reports[0]["error"]["message"])
        self.assertEqual(reports[1]["auth"]["result"], "not-attempted")
        self.assertIsNone(reports[1]["error"])
        self.assertEqual(proc.returncode, 64)

    def test_ca_file_is_read_once_for_all_targets(self):
        # The CA file is a named pipe fed once: a second open() would wait for a writer that
        # never comes, and the run would hit the subprocess timeout.
        d = tempfile.mkdtemp(prefix="smtpauth-ca-fifo-")
        fifo = os.path.join(d, "ca.pem")
        os.mkfifo(fifo)
        with open(INFO["ca"], "rb") as f:
            ca = f.read()

        def feed():
            with open(fifo, "wb") as w:  # waits for the reader
                w.write(ca)

        feeder = threading.Thread(target=feed, daemon=True)
        feeder.start()

        def release():
            if feeder.is_alive():  # never opened: unblock the feeder
                fd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
                os.close(fd)
            feeder.join(5)
            os.unlink(fifo)
            os.rmdir(d)
        self.addCleanup(release)
        targets = [url(name) for name in SCHEMES]
        proc = run([*targets, "-u", "alice", "--password-env", SECRET_ENV, "--cafile", fifo,
                    "--json-lines"], timeout=30)
        reports = [json.loads(line) for line in proc.stdout.decode().splitlines()]
        self.assertEqual([r["auth"]["result"] for r in reports], ["accepted"] * 6)
        self.assertTrue(all(r["tls"]["verified"] for r in reports))
        self.assertEqual(proc.returncode, 0)

    def test_netrc_per_host(self):
        d = tempfile.mkdtemp(prefix="smtpauth-netrc-")
        netrc = os.path.join(d, "netrc")
        with open(netrc, "w", encoding="utf-8") as f:
            f.write(f"machine 127.0.0.2 login alice password \"{INFO['users']['alice']}\"\n")
        os.chmod(netrc, 0o600)
        self.addCleanup(lambda: (os.unlink(netrc), os.rmdir(d)))
        args = ["--cafile", INFO["ca"], "--netrc-file", netrc, "--json-lines"]
        proc = run([url("submission"), url("pop3s"), *args])
        reports = [json.loads(line) for line in proc.stdout.decode().splitlines()]
        self.assertEqual([r["auth"]["result"] for r in reports], ["accepted", "accepted"])
        self.assertEqual(proc.returncode, 0)


class FleetOptions(unittest.TestCase):

    def test_usage_errors(self):
        cases = [
            (["a.invalid", "b.invalid", "--json"], "with several targets use --json-lines"),
            (["a.invalid", "--parallel", "0"], "--parallel must be between 1 and 1024"),
            (["a.invalid", "--warn-days", "3"], "are thresholds of --check"),
            (["--json-lines"], "no target: give one or more targets, or --targets-file FILE"),
            (["a.invalid", "b.invalid", "-q", "-v"], "-q/--quiet excludes -v/--verbose"),
            (["a.invalid", "--json-lines", "-q"], "-q/--quiet excludes -v/--verbose and "
                                                  "--json-lines"),
            (["--targets-file", "-", "-u", "a", "--password-stdin"],
             "--targets-file - and --password-stdin both want standard input"),
            (["--targets-file", "-", "-u", "a", "--token-stdin"],
             "--targets-file - and --token-stdin both want standard input"),
            (["--targets-file", "/nonexistent/targets"], "cannot read targets file"),
        ]
        for args, message in cases:
            with self.subTest(args=args):
                proc = run(args)
                self.assertEqual(proc.returncode, 66 if "/nonexistent" in args[-1] else 64)
                self.assertIn(message, proc.stderr.decode())

    def test_empty_targets_file(self):
        path = write_targets(self, ["# nothing here", ""])
        proc = run(["--targets-file", path])
        self.assertEqual(proc.returncode, 64)
        self.assertIn("has no target lines", proc.stderr.decode())


if __name__ == "__main__":
    unittest.main()
