"""`smtpauth send` and probe's mailbox check against scripted servers: what real servers
rarely do on cue (no PIPELINING, refusals at each step, SIZE too small, 421 mid-way, a
connection closed after DATA, pipelined replies out of order or missing), asserting the
exact exit status, the report and the bytes the client sent (RFC 5321, RFC 2920).
"""

import base64
import json
import os
import subprocess
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "servers"))
from scripted_server import ScriptedServer  # noqa: E402

BINARY = os.environ.get("SMTPAUTH_BINARY", os.path.join(HERE, "..", "..", "build", "smtpauth"))

GREETING = ("send", b"220 scripted.test ESMTP ready\r\n")
EHLO = ("expect", r"EHLO \S+")
EHLO_PIPELINING = ("send", b"250-scripted.test\r\n250-PIPELINING\r\n250-SIZE 1000000\r\n"
                           b"250 8BITMIME\r\n")
EHLO_PLAIN = ("send", b"250-scripted.test\r\n250 8BITMIME\r\n")
QUIT = [("expect", "QUIT"), ("send", b"221 2.0.0 bye\r\n")]
MESSAGE = b"Subject: scripted\r\n\r\n.dot\r\nhello\r\n"
MESSAGE_LINES = [("expect", "Subject: scripted"), ("expect", ""), ("expect", r"\.\.dot"),
                 ("expect", "hello"), ("expect", r"\.")]
USER, PASSWORD = "alice", "s3cret-Pa55"
PLAIN_IR = base64.b64encode(b"\0" + USER.encode() + b"\0" + PASSWORD.encode()).decode()


class Scripted(unittest.TestCase):
    def server(self, script, drain=1.0):
        srv = ScriptedServer(script=script, timeout=10, drain_seconds=drain)
        srv.start()
        self.addCleanup(srv.close)
        return srv

    def send(self, srv, *args, recipients=("a@example.org",), timeout="5"):
        cmd = [BINARY, "send", "smtp://127.0.0.1:%d" % srv.port, "--tls", "none", "--json",
               "--ehlo", "client.test", "--timeout", timeout, "--deadline", "20",
               "--from", "me@example.com", "--message-file", "-"]
        for r in recipients:
            cmd += ["--to", r]
        cmd += list(args)
        p = subprocess.run(cmd, input=MESSAGE, capture_output=True, timeout=60)
        srv.wait(30)
        try:
            doc = json.loads(p.stdout)
        except ValueError:
            self.fail("stdout is not JSON: %r (stderr %r)" % (p.stdout, p.stderr))
        return p, doc

    def lines(self, srv):
        return [l.decode("latin-1") for _, l in srv.lines]


class TestEnvelope(Scripted):
    def test_without_pipelining_one_command_at_a_time(self):
        srv = self.server([GREETING, EHLO, EHLO_PLAIN,
                           ("expect", "MAIL FROM:<me@example.com>"), ("send", b"250 ok\r\n"),
                           ("expect", "RCPT TO:<a@example.org>"), ("send", b"250 ok\r\n"),
                           ("expect", "RCPT TO:<b@example.org>"), ("send", b"250 ok\r\n"),
                           ("expect", "DATA"), ("send", b"354 go\r\n")] + MESSAGE_LINES +
                          [("send", b"250 2.0.0 Ok: queued as 4Fg7Xy1234\r\n")] + QUIT)
        p, doc = self.send(srv, recipients=("a@example.org", "b@example.org"))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(srv.errors, [])
        s = doc["send"]
        self.assertFalse(s["pipelining"])
        self.assertEqual(s["round_trips"], 5)  # MAIL, RCPT, RCPT, DATA, the message
        self.assertEqual(s["queue_id"], "4Fg7Xy1234")
        self.assertTrue(s["delivered"])

    def test_pipelined_group_is_one_round_trip(self):
        srv = self.server([GREETING, EHLO, EHLO_PIPELINING,
                           ("expect", r"MAIL FROM:<me@example.com> SIZE=\d+"),
                           ("expect", "RCPT TO:<a@example.org>"), ("expect", "DATA"),
                           ("send", b"250 ok\r\n250 ok\r\n354 go\r\n")] + MESSAGE_LINES +
                          [("send", b"250 2.0.0 OK  1700000000 a1b2c3d4e5-f6.99 - gsmtp\r\n")]
                          + QUIT)
        p, doc = self.send(srv)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(srv.errors, [])
        self.assertEqual(doc["send"]["round_trips"], 2)
        self.assertEqual(doc["send"]["queue_id"], "a1b2c3d4e5-f6.99")

    def test_refused_sender_exits_83_with_hint(self):
        srv = self.server([GREETING, EHLO, EHLO_PLAIN, ("expect", "MAIL FROM:.*"),
                           ("send", b"553 5.7.1 <me@example.com>: Sender address rejected: "
                                    b"not owned by user alice\r\n")] + QUIT)
        p, doc = self.send(srv)
        self.assertEqual(p.returncode, 83, p.stderr)
        self.assertEqual(doc["error"]["kind"], "sender-refused")
        self.assertIn("not owned by the authenticated user", doc["send"]["mail"]["hint"])
        self.assertNotIn("RCPT TO:<a@example.org>", self.lines(srv))

    def test_refused_recipient_stops_before_data_with_rset(self):
        srv = self.server([GREETING, EHLO, EHLO_PIPELINING, ("expect", "MAIL FROM:.*"),
                           ("expect", "RCPT TO:<a@example.org>"),
                           ("expect", "RCPT TO:<b@example.org>"),
                           ("send", b"250 ok\r\n250 ok\r\n550 5.1.1 <b@example.org>: no such "
                                    b"user\r\n"),
                           ("expect", "RSET"), ("send", b"250 ok\r\n")] + QUIT)
        p, doc = self.send(srv, recipients=("a@example.org", "b@example.org"))
        self.assertEqual(p.returncode, 84, p.stderr)
        self.assertEqual(srv.errors, [])
        self.assertNotIn("DATA", self.lines(srv))
        r = doc["send"]["recipients"]
        self.assertEqual([x["accepted"] for x in r], [True, False])
        self.assertEqual(r[1]["reply"]["code"], 550)
        self.assertEqual(r[1]["reply"]["enhanced_status"], "5.1.1")
        self.assertEqual(doc["error"]["kind"], "recipients-refused")

    def test_allow_partial_sends_to_the_others(self):
        srv = self.server([GREETING, EHLO, EHLO_PIPELINING, ("expect", "MAIL FROM:.*"),
                           ("expect", "RCPT TO:<a@example.org>"),
                           ("expect", "RCPT TO:<b@example.org>"), ("expect", "DATA"),
                           ("send", b"250 ok\r\n550 5.1.1 no such user\r\n250 ok\r\n354 go\r\n")]
                          + MESSAGE_LINES + [("send", b"250 2.0.0 Ok: queued as ABC123\r\n")]
                          + QUIT)
        p, doc = self.send(srv, "--allow-partial", recipients=("a@example.org", "b@example.org"))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(doc["send"]["round_trips"], 2)
        self.assertEqual([x["accepted"] for x in doc["send"]["recipients"]], [False, True])
        self.assertTrue(doc["send"]["delivered"])

    def test_refused_data_exits_85(self):
        srv = self.server([GREETING, EHLO, EHLO_PIPELINING, ("expect", "MAIL FROM:.*"),
                           ("expect", "RCPT TO:.*"), ("expect", "DATA"),
                           ("send", b"250 ok\r\n250 ok\r\n554 5.7.1 Relay access denied\r\n"),
                           ("expect", "RSET"), ("send", b"250 ok\r\n")] + QUIT)
        p, doc = self.send(srv)
        self.assertEqual(p.returncode, 85, p.stderr)
        self.assertEqual(doc["error"]["kind"], "message-refused")
        self.assertIn("relay denied", doc["send"]["data"]["hint"])

    def test_refused_message_after_data_exits_85(self):
        srv = self.server([GREETING, EHLO, EHLO_PLAIN, ("expect", "MAIL FROM:.*"),
                           ("send", b"250 ok\r\n"), ("expect", "RCPT TO:.*"),
                           ("send", b"250 ok\r\n"), ("expect", "DATA"), ("send", b"354 go\r\n")]
                          + MESSAGE_LINES + [("send", b"552 5.3.4 Message too big\r\n")] + QUIT)
        p, doc = self.send(srv)
        self.assertEqual(p.returncode, 85, p.stderr)
        self.assertEqual(doc["error"]["stage"], "message")
        self.assertIn("larger than the server accepts", doc["send"]["final_reply"]["hint"])

    def test_size_too_small_refused_before_mail(self):
        srv = self.server([GREETING, EHLO, ("send", b"250-scripted.test\r\n250 SIZE 10\r\n")]
                          + QUIT)
        p, doc = self.send(srv)
        self.assertEqual(p.returncode, 85, p.stderr)
        self.assertIn("accepts at most 10", doc["error"]["message"])
        self.assertFalse(any(l.startswith("MAIL") for l in self.lines(srv)))

    def test_421_midway_ends_without_quit(self):
        srv = self.server([GREETING, EHLO, EHLO_PIPELINING, ("expect", "MAIL FROM:.*"),
                           ("expect", "RCPT TO:.*"), ("expect", "DATA"),
                           ("send", b"250 ok\r\n421 4.7.0 Too many connections, try later\r\n"),
                           ("close",)])
        p, doc = self.send(srv)
        self.assertEqual(p.returncode, 84, p.stderr)
        self.assertIn("too many connections", doc["send"]["recipients"][0]["reply"]["hint"])
        self.assertNotIn("QUIT", self.lines(srv))

    def test_connection_closed_after_data(self):
        srv = self.server([GREETING, EHLO, EHLO_PIPELINING, ("expect", "MAIL FROM:.*"),
                           ("expect", "RCPT TO:.*"), ("expect", "DATA"),
                           ("send", b"250 ok\r\n250 ok\r\n354 go\r\n")] + MESSAGE_LINES +
                          [("close",)])
        p, doc = self.send(srv)
        self.assertEqual(p.returncode, 76, p.stderr)
        self.assertEqual(doc["error"]["stage"], "message")
        self.assertIn("may or may not have been delivered", doc["error"]["message"])

    def test_pipelined_replies_out_of_order(self):
        srv = self.server([GREETING, EHLO, EHLO_PIPELINING, ("expect", "MAIL FROM:.*"),
                           ("expect", "RCPT TO:.*"), ("expect", "DATA"),
                           ("send", b"250 ok\r\n354 go ahead\r\n250 ok\r\n")])
        p, doc = self.send(srv)
        self.assertEqual(p.returncode, 76, p.stderr)
        self.assertIn("out of order", doc["error"]["message"])
        self.assertNotIn("hello", self.lines(srv))  # the message was never sent

    def test_pipelined_reply_missing(self):
        srv = self.server([GREETING, EHLO, EHLO_PIPELINING, ("expect", "MAIL FROM:.*"),
                           ("expect", "RCPT TO:.*"), ("expect", "DATA"),
                           ("send", b"250 ok\r\n250 ok\r\n"), ("sleep", 3)], drain=0.5)
        p, doc = self.send(srv, timeout="1")
        self.assertEqual(p.returncode, 75, p.stderr)
        self.assertIn("no reply to DATA", doc["error"]["message"])
        self.assertNotIn("hello", self.lines(srv))

    def test_dry_run_pipelined_with_rset(self):
        srv = self.server([GREETING, EHLO, EHLO_PIPELINING, ("expect", "MAIL FROM:.*"),
                           ("expect", "RCPT TO:.*"), ("expect", "RSET"),
                           ("send", b"250 ok\r\n250 ok\r\n250 flushed\r\n")] + QUIT)
        p, doc = self.send(srv, "--dry-run")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(doc["send"]["round_trips"], 1)
        self.assertNotIn("DATA", self.lines(srv))

    def test_smtputf8_address_without_smtputf8_is_refused(self):
        srv = self.server([GREETING, EHLO, EHLO_PIPELINING] + QUIT)
        p, doc = self.send(srv, recipients=("jörg@example.org",))
        self.assertEqual(p.returncode, 84, p.stderr)
        self.assertIn("SMTPUTF8", doc["error"]["message"])


class TestQuiet(Scripted):
    """send -q: the verdict line only (as probe -q); failures: stdout empty, one line on
    stderr."""

    def quiet(self, srv, *args, recipients=("a@example.org",)):
        cmd = [BINARY, "send", "smtp://127.0.0.1:%d" % srv.port, "--tls", "none", "-q",
               "--ehlo", "client.test", "--timeout", "5", "--from", "me@example.com",
               "--message-file", "-", *args]
        for r in recipients:
            cmd += ["--to", r]
        p = subprocess.run(cmd, input=MESSAGE, capture_output=True, timeout=60)
        srv.wait(30)
        return p

    def test_delivered_is_one_line(self):
        srv = self.server([GREETING, EHLO, EHLO_PIPELINING, ("expect", "MAIL FROM:.*"),
                           ("expect", "RCPT TO:<a@example.org>"), ("expect", "DATA"),
                           ("send", b"250 ok\r\n250 ok\r\n354 go\r\n")] + MESSAGE_LINES
                          + [("send", b"250 2.0.0 Ok: queued as ABC123\r\n")] + QUIT)
        p = self.quiet(srv)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout.decode(), "OK: smtp://127.0.0.1:%d: delivered to 1 of 1 "
                         "recipient, queued as ABC123\n" % srv.port)
        self.assertEqual(p.stderr, b"")

    def test_dry_run_is_one_line(self):
        srv = self.server([GREETING, EHLO, EHLO_PIPELINING, ("expect", "MAIL FROM:.*"),
                           ("expect", "RCPT TO:<a@example.org>"),
                           ("expect", "RCPT TO:<b@example.org>"), ("expect", "RSET"),
                           ("send", b"250 ok\r\n250 ok\r\n250 ok\r\n250 ok\r\n")] + QUIT)
        p = self.quiet(srv, "--dry-run", recipients=("a@example.org", "b@example.org"))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout.decode(), "OK: smtp://127.0.0.1:%d: dry run, the server "
                         "would take the sender and 2 recipients\n" % srv.port)

    def test_refused_prints_nothing_on_stdout_and_one_line_on_stderr(self):
        srv = self.server([GREETING, EHLO, EHLO_PLAIN, ("expect", "MAIL FROM:.*"),
                           ("send", b"250 ok\r\n"), ("expect", "RCPT TO:<a@example.org>"),
                           ("send", b"550 5.1.1 no such user\r\n"), ("expect", "RSET"),
                           ("send", b"250 ok\r\n")] + QUIT)
        p = self.quiet(srv)
        self.assertEqual(p.returncode, 84, p.stderr)
        self.assertEqual(p.stdout, b"")
        self.assertEqual(len(p.stderr.decode().splitlines()), 1, p.stderr)
        self.assertIn("refused 1 of 1 recipients", p.stderr.decode())

    def test_quiet_excludes_verbose_and_json(self):
        for flag in ("-v", "--json"):
            p = subprocess.run([BINARY, "send", "smtp://127.0.0.1:1", "-q", flag, "--from",
                                "a@example.com", "--to", "b@example.org"],
                               capture_output=True, timeout=30, stdin=subprocess.DEVNULL)
            self.assertEqual(p.returncode, 64, p.stderr)
            self.assertIn(b"-q/--quiet excludes -v/--verbose and --json", p.stderr)


class TestMailboxCheck(unittest.TestCase):
    def run_probe(self, srv, *args):
        p = subprocess.run([BINARY, "probe", "imap://127.0.0.1:%d" % srv.port, "--tls", "none",
                            "--allow-plaintext-auth", "--user", USER, "--password-env", "PW",
                            "--timeout", "5", *args],
                           env=dict(os.environ, PW=PASSWORD), capture_output=True, timeout=60)
        srv.wait(30)
        return p

    def script(self, examine):
        return [("send", b"* OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN] ready\r\n"),
                ("expect", "A1 AUTHENTICATE PLAIN " + PLAIN_IR),
                ("send", b"A1 OK authenticated\r\n")] + examine + [
                ("expect", r"A\d LOGOUT"), ("send", b"* BYE\r\nA3 OK bye\r\n")]

    def test_not_connected_mailbox_is_reported(self):
        srv = ScriptedServer(script=self.script([
            ("expect", "A2 EXAMINE INBOX"),
            ("send", b"A2 NO User is authenticated but not connected.\r\n")]),
            timeout=10, drain_seconds=1)
        srv.start()
        self.addCleanup(srv.close)
        p = self.run_probe(srv, "--json")
        self.assertEqual(p.returncode, 77, p.stderr)
        doc = json.loads(p.stdout)
        self.assertEqual(doc["auth"]["result"], "accepted")
        self.assertFalse(doc["mailbox"]["reachable"])
        self.assertEqual(doc["error"]["stage"], "mailbox")
        self.assertIn("authenticated but the mailbox is not reachable", doc["error"]["message"])
        self.assertIn("Microsoft 365", doc["mailbox"]["hint"])

    def test_no_mailbox_check_skips_examine(self):
        srv = ScriptedServer(script=self.script([]), timeout=10, drain_seconds=1)
        srv.start()
        self.addCleanup(srv.close)
        p = self.run_probe(srv, "--no-mailbox-check")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertFalse(any(b"EXAMINE" in l for _, l in srv.lines))
        self.assertNotIn(b"Mailbox:", p.stdout)


if __name__ == "__main__":
    unittest.main()
