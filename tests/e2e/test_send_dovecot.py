"""End-to-end: `smtpauth send` through a real Dovecot 2.3 submission service (RFC 6409,
STARTTLS RFC 3207 and implicit TLS RFC 8314, AUTH RFC 4954) relaying to a receiving SMTP
server (aiosmtpd, tests/servers/smtp_receiver.py) that writes every message it accepts to
a spool. The tests assert what arrived there: the envelope, the headers and the body bytes.
"""

import base64
import email
import email.policy
import email.utils
import glob
import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.environ.get("SMTPAUTH_SOURCE_DIR") or os.path.dirname(os.path.dirname(HERE))
BINARY = os.environ.get("SMTPAUTH_BINARY") or os.path.join(SOURCE_DIR, "build", "smtpauth")
sys.path.insert(0, os.path.join(SOURCE_DIR, "tests", "servers"))
from dovecot_server import DovecotServer  # noqa: E402  (path set above)

TIMEOUT = 60
SECRET_ENV = "SMTPAUTH_TEST_SECRET"
SERVER = None
INFO = None

LONG_LINE = "x" * 998  # RFC 5322 §2.1.1: the longest line allowed (CRLF excluded)
UTF8_LINE = "Grüße aus Köln – 8-bit UTF-8 text ✓"
BODY = f"First line.\n.a line that begins with a dot\n..two dots\n{UTF8_LINE}\n{LONG_LINE}\nLast line.\n"


def setUpModule():
    global SERVER, INFO
    SERVER = DovecotServer()
    INFO = SERVER.start()


def tearDownModule():
    if SERVER is not None:
        SERVER.cleanup()


def url(listener, host=None):
    scheme = {"submission": "smtp", "submissions": "smtps"}[listener]
    host = host or INFO["host"]
    if ":" in host:
        host = f"[{host}]"
    return f"{scheme}://{host}:{INFO['ports'][listener]}"


def run_send(args, stdin_bytes=None, secret=True):
    env = dict(os.environ)
    env[SECRET_ENV] = INFO["users"]["alice"]
    auth = ["--user", "alice", "--password-env", SECRET_ENV] if secret else []
    return subprocess.run([BINARY, "send", "--cafile", INFO["ca"], *auth, *args], env=env,
                          capture_output=True, input=stdin_bytes,
                          stdin=None if stdin_bytes is not None else subprocess.DEVNULL,
                          timeout=TIMEOUT, check=False)


def spooled():
    return sorted(glob.glob(os.path.join(INFO["smtp_spool"], "*.json")))


def load(path):
    with open(path, encoding="utf-8") as f:
        rec = json.load(f)
    rec["data"] = base64.b64decode(rec["data_b64"])
    return rec


class SendCase(unittest.TestCase):
    def send_json(self, args, expect=0, **kw):
        proc = run_send(["--json", *args], **kw)
        out = proc.stdout.decode("utf-8", "replace")
        self.assertEqual(proc.returncode, expect,
                         f"args={args}\nstdout={out}\nstderr={proc.stderr.decode(errors='replace')}")
        report = json.loads(out)
        self.assertEqual(report["schema_version"], 2)
        return report

    def one_new_message(self, before):
        after = spooled()
        new = [p for p in after if p not in before]
        self.assertEqual(len(new), 1, f"expected one new message, spool: {after}")
        return load(new[0])


class TestDelivery(SendCase):
    def check_full_message(self, listener, host=None):
        before = spooled()
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", suffix=".txt",
                                         delete=False) as f:
            f.write(BODY)
        self.addCleanup(os.unlink, f.name)
        report = self.send_json([
            url(listener, host), "--from", "Alice Example <alice@example.com>",
            "--to", "bob@example.org", "--to", "carol@example.org, Dave <dave@example.org>",
            "--cc", "Erika Müller <erika@example.org>", "--bcc", "hidden@example.net",
            "--subject", "Prüfung – test", "--header", "X-Test-Run: 42",
            "--body-file", f.name])
        s = report["send"]
        self.assertTrue(s["delivered"])
        self.assertIsNone(report["error"])
        self.assertEqual(report["auth"]["result"], "accepted")
        self.assertEqual(s["mail"]["code"], 250)
        self.assertEqual([r["address"] for r in s["recipients"]],
                         ["bob@example.org", "carol@example.org", "dave@example.org",
                          "erika@example.org", "hidden@example.net"])
        self.assertEqual([r["kind"] for r in s["recipients"]], ["to", "to", "to", "cc", "bcc"])
        self.assertTrue(all(r["accepted"] and r["reply"]["code"] == 250
                            for r in s["recipients"]))
        self.assertEqual(s["final_reply"]["code"], 250)
        self.assertEqual(s["encoding"], "8bit")

        rec = self.one_new_message(before)
        self.assertEqual(rec["mail_from"], "alice@example.com")
        self.assertEqual(rec["rcpt_tos"], ["bob@example.org", "carol@example.org",
                                           "dave@example.org", "erika@example.org",
                                           "hidden@example.net"])
        data = rec["data"]
        head, _, body = data.partition(b"\r\n\r\n")
        self.assertNotIn(b"hidden@example.net", head)
        self.assertNotIn(b"\nbcc:", head.lower())
        msg = email.message_from_bytes(data, policy=email.policy.default)
        self.assertEqual(msg["Message-ID"], s["message_id"])
        self.assertIsNotNone(email.utils.parsedate_to_datetime(msg["Date"]))
        self.assertEqual(str(msg["Subject"]), "Prüfung – test")
        self.assertIn("bob@example.org", msg["To"])
        self.assertIn("dave@example.org", msg["To"])
        self.assertIn("Erika Müller", str(msg["Cc"]))
        self.assertEqual(msg["X-Test-Run"], "42")
        self.assertEqual(msg["Content-Transfer-Encoding"], "8bit")
        self.assertEqual(msg.get_content_type(), "text/plain")
        self.assertEqual(msg.get_content_charset(), "utf-8")
        # The body bytes as written, CRLF, dot-stuffing undone by the server.
        self.assertEqual(body, BODY.replace("\n", "\r\n").encode("utf-8"))
        self.assertIn(b"\r\n.a line that begins with a dot\r\n", body)
        self.assertIn(b"\r\n" + LONG_LINE.encode() + b"\r\n", body)
        self.assertIn(s["queue_id"] or "", data.decode("utf-8", "replace") + (s["queue_id"] or ""))
        return report, rec

    def test_starttls_delivers_envelope_headers_and_body(self):
        report, _ = self.check_full_message("submission")
        self.assertEqual(report["target"]["tls_mode"], "starttls")
        self.assertIsNotNone(report["tls"])

    def test_implicit_tls_delivers(self):
        report, _ = self.check_full_message("submissions")
        self.assertEqual(report["target"]["tls_mode"], "implicit")

    def test_ipv6_delivers(self):
        if not INFO["host6"]:
            self.skipTest("no IPv6 loopback on this machine")
        report, _ = self.check_full_message("submission", host=INFO["host6"])
        self.assertEqual(report["address"], "::1")

    def test_default_subject_and_body_name_smtpauth_and_the_target(self):
        before = spooled()
        report = self.send_json([url("submissions"), "--from", "alice@example.com",
                                 "--to", "bob@example.org"])
        rec = self.one_new_message(before)
        msg = email.message_from_bytes(rec["data"], policy=email.policy.default)
        self.assertIn("smtpauth", str(msg["Subject"]))
        self.assertIn(INFO["host"], str(msg["Subject"]))
        text = msg.get_content()
        self.assertIn("smtpauth", text)
        self.assertIn(str(INFO["ports"]["submissions"]), text)
        self.assertEqual(report["send"]["encoding"], "7bit")

    def test_message_file_is_sent_as_it_is(self):
        before = spooled()
        raw = (b"From: alice@example.com\r\nTo: someone@example.org\r\nSubject: as is\r\n"
               b"Message-ID: <fixed-id@example.com>\r\n\r\n.dot line\r\nbody\r\n")
        report = self.send_json([url("submission"), "--from", "alice@example.com",
                                 "--to", "other@example.org", "--message-file", "-"],
                                stdin_bytes=raw)
        self.assertEqual(report["send"]["encoding"], "as-is")
        rec = self.one_new_message(before)
        self.assertEqual(rec["rcpt_tos"], ["other@example.org"])
        # Dovecot puts its Received: trace header on top (RFC 5321 §4.4); the rest is ours.
        self.assertTrue(rec["data"].endswith(raw), rec["data"])
        self.assertTrue(rec["data"] == raw or rec["data"].startswith(b"Received: "))

    def test_text_report_names_each_reply_and_the_queue_id(self):
        proc = run_send([url("submission"), "--from", "alice@example.com", "--to",
                         "bob@example.org", "--cc", "carol@example.org"])
        out = proc.stdout.decode("utf-8", "replace")
        self.assertEqual(proc.returncode, 0, out + proc.stderr.decode(errors="replace"))
        self.assertIn("MAIL FROM:<alice@example.com>", out)
        self.assertIn("RCPT TO:<bob@example.org> (TO): accepted", out)
        self.assertIn("RCPT TO:<carol@example.org> (CC): accepted", out)
        self.assertIn("Accepted:     250", out)

    def test_pipelining_counts_round_trips(self):
        report = self.send_json([url("submission"), "--from", "alice@example.com",
                                 "--to", "bob@example.org", "-v"])
        s = report["send"]
        client = [e["text"] for e in report["transcript"] if e["dir"] == "C"]
        self.assertIn("PIPELINING", report["capabilities"]["after_tls"])
        self.assertTrue(s["pipelining"])
        # MAIL + RCPT + DATA in one write, then the message: two round trips.
        self.assertEqual(s["round_trips"], 2)
        i = client.index(next(c for c in client if c.startswith("MAIL FROM:")))
        self.assertEqual(client[i + 1], "RCPT TO:<bob@example.org>")
        self.assertEqual(client[i + 2], "DATA")


class TestDryRunAndRefusals(SendCase):
    def test_dry_run_delivers_nothing(self):
        before = spooled()
        report = self.send_json([url("submission"), "--from", "alice@example.com",
                                 "--to", "bob@example.org", "--bcc", "x@example.net",
                                 "--dry-run", "-v"])
        s = report["send"]
        self.assertTrue(s["dry_run"])
        self.assertFalse(s["delivered"])
        self.assertTrue(all(r["accepted"] for r in s["recipients"]))
        client = [e["text"] for e in report["transcript"] if e["dir"] == "C"]
        self.assertIn("RSET", client)
        self.assertNotIn("DATA", client)
        self.assertEqual(client[-1], "QUIT")
        self.assertEqual(spooled(), before)

    def test_without_auth_the_sender_is_refused(self):
        before = spooled()
        report = self.send_json([url("submission"), "--from", "alice@example.com",
                                 "--to", "bob@example.org"], expect=83, secret=False)
        self.assertEqual(report["error"]["kind"], "sender-refused")
        self.assertEqual(report["auth"]["result"], "not-attempted")
        self.assertGreaterEqual(report["send"]["mail"]["code"], 500)
        self.assertEqual(spooled(), before)

    def test_wrong_password_stops_before_the_envelope(self):
        env = dict(os.environ)
        env[SECRET_ENV] = "wrong"
        proc = subprocess.run([BINARY, "send", "--cafile", INFO["ca"], url("submission"),
                               "--user", "alice", "--password-env", SECRET_ENV,
                               "--from", "alice@example.com", "--to", "bob@example.org"],
                              env=env, capture_output=True, stdin=subprocess.DEVNULL,
                              timeout=TIMEOUT, check=False)
        self.assertEqual(proc.returncode, 77)
        self.assertNotIn(b"MAIL FROM", proc.stdout)


class TestMailboxCheck(unittest.TestCase):
    """probe's after-AUTH stage on IMAP and POP3 against the same Dovecot."""

    def probe(self, target, *extra):
        env = dict(os.environ, **{SECRET_ENV: INFO["users"]["alice"]})
        proc = subprocess.run([BINARY, "probe", target, "--cafile", INFO["ca"], "--user", "alice",
                               "--password-env", SECRET_ENV, "--json", "-v", *extra], env=env,
                              capture_output=True, stdin=subprocess.DEVNULL, timeout=TIMEOUT,
                              check=False)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        return json.loads(proc.stdout)

    def client(self, report):
        return [e["text"] for e in report["transcript"] if e["dir"] == "C"]

    def test_imap_examine_inbox(self):
        for listener, scheme in (("imap", "imap"), ("imaps", "imaps")):
            r = self.probe(f"{scheme}://{INFO['host']}:{INFO['ports'][listener]}")
            m = r["mailbox"]
            self.assertEqual(m["command"], "EXAMINE INBOX")
            self.assertTrue(m["reachable"])
            self.assertIsInstance(m["messages"], int)
            self.assertTrue(any(c.endswith(" EXAMINE INBOX") for c in self.client(r)))

    def test_pop3_stat(self):
        for listener, scheme in (("pop3", "pop3"), ("pop3s", "pop3s")):
            r = self.probe(f"{scheme}://{INFO['host']}:{INFO['ports'][listener]}")
            m = r["mailbox"]
            self.assertEqual(m["command"], "STAT")
            self.assertTrue(m["reachable"])
            self.assertIsInstance(m["octets"], int)
            self.assertIn("STAT", self.client(r))

    def test_no_mailbox_check(self):
        r = self.probe(f"imap://{INFO['host']}:{INFO['ports']['imap']}", "--no-mailbox-check")
        self.assertNotIn("mailbox", r)
        self.assertFalse(any("EXAMINE" in c for c in self.client(r)))

    def test_smtp_has_no_mailbox_check(self):
        r = self.probe(url("submission"))
        self.assertNotIn("mailbox", r)


class TestUsage(unittest.TestCase):
    def run_usage(self, args):
        return subprocess.run([BINARY, "send", *args], capture_output=True,
                              stdin=subprocess.DEVNULL, timeout=TIMEOUT, check=False)

    def test_recipient_required(self):
        proc = self.run_usage(["127.0.0.1:1", "--from", "a@example.com"])
        self.assertEqual(proc.returncode, 64)
        self.assertIn(b"at least one recipient", proc.stderr)

    def test_from_required(self):
        proc = self.run_usage(["127.0.0.1:1", "--to", "a@example.com"])
        self.assertEqual(proc.returncode, 64)
        self.assertIn(b"--from", proc.stderr)

    def test_malformed_address(self):
        proc = self.run_usage(["127.0.0.1:1", "--from", "a@example.com", "--to", "no-domain"])
        self.assertEqual(proc.returncode, 64)
        self.assertIn(b"has no domain", proc.stderr)

    def test_bad_header(self):
        proc = self.run_usage(["127.0.0.1:1", "--from", "a@example.com", "--to", "b@example.com",
                               "--header", "No colon here"])
        self.assertEqual(proc.returncode, 64)
        self.assertIn(b"Name: value", proc.stderr)

    def test_message_file_excludes_body(self):
        proc = self.run_usage(["127.0.0.1:1", "--from", "a@example.com", "--to", "b@example.com",
                               "--message-file", "/dev/null", "--body", "x"])
        self.assertEqual(proc.returncode, 64)

    def test_imap_target_refused(self):
        proc = self.run_usage(["imap://127.0.0.1:1", "--from", "a@example.com",
                               "--to", "b@example.com"])
        self.assertEqual(proc.returncode, 64)
        self.assertIn(b"SMTP only", proc.stderr)


if __name__ == "__main__":
    unittest.main()
