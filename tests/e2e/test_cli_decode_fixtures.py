"""smtpauth decode on the transcripts people paste: one fixture per tool and credential form
(tests/fixtures/transcripts/, captured from the real tools against the test Dovecot, or
written from documented formats where the tool is not a Debian package: see each NAME.cmd).
For every fixture: the format is detected, the user is found, no secret is shown without
--show-secrets (the password, its base64 and hex forms and every digest/proof derived from
it are searched in the whole output), --check-password right and wrong give 0 and 1, and the
body of a DATA section (or literal) is never shown."""

import base64
import binascii
import json
import os
import re
import subprocess
import tempfile
import unittest
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.environ.get("SMTPAUTH_SOURCE_DIR") or os.path.dirname(os.path.dirname(HERE))
BINARY = os.environ.get("SMTPAUTH_BINARY") or os.path.join(SOURCE_DIR, "build", "smtpauth")
FIXTURES = os.path.join(SOURCE_DIR, "tests", "fixtures", "transcripts")

PASSWORD = "S3cret-Pass.42"
USER = "carol"
BODY_MARK = "BODY-LINE-NEVER-SHOWN"
BEARER = "ya29.S3cret-Bearer-Token-0123456789"

# fixture -> (format shown as "transcript format: X (detected)", None for generic;
#             whether --check-password has something to check; whether the user is shown)
EXPECTED = {
    "curl-http-basic": ("curl", True, True),
    "curl-http-bearer": ("curl", True, True),
    "curl-imap-cram": ("curl", True, True),
    "curl-pop3-login": ("curl", True, True),
    "curl-smtp-plain": ("curl", True, True),
    "dovecot-log": ("dovecot", True, True),
    "generic-auth-lowercase": (None, True, True),
    "generic-imap-append": (None, True, True),
    "generic-pop3-apop": (None, True, True),
    "gsasl-imap-plain": ("gsasl", True, True),
    "gsasl-imap-scram-sha-256": ("gsasl", True, True),
    "gsasl-smtp-cram-md5": ("gsasl", True, True),
    "javamail-login": ("javamail", True, True),
    "mailkit-cram-bdat": ("mailkit", True, True),
    "mpop-cram-md5": ("msmtp", True, True),
    "mpop-plain": ("msmtp", True, True),
    "mpop-user": ("msmtp", True, True),
    "msmtp-cram-md5": ("msmtp", True, True),
    "msmtp-login": ("msmtp", True, True),
    "msmtp-passwordeval": ("msmtp", True, True),
    "msmtp-plain": ("msmtp", True, True),
    "msmtp-scram-sha-256": ("msmtp", True, True),
    "nodemailer-plain": ("nodemailer", True, True),
    "openssl-imap-login": ("openssl", True, True),
    "openssl-imap-login-atom": ("openssl", True, True),
    "openssl-imap-login-literal": ("openssl", True, True),
    "openssl-pop3-quiet": ("openssl", True, True),
    "openssl-smtp-plain": ("openssl", True, True),
    "phpmailer-login": ("phpmailer", True, True),
    "postfix-log": ("postfix", True, True),
    # imaplib logs only the size of its AUTHENTICATE response: nothing to check.
    "python-imaplib-cram": ("python", False, False),
    "python-imaplib-login": ("python", True, True),
    "python-poplib-user": ("python", True, True),
    "python-smtplib-1": ("python", True, True),
    "python-smtplib-2": ("python", True, True),
    "smtpauth-imap-login": ("smtpauth", True, True),
    "smtpauth-pop3-cram-md5": ("smtpauth", True, True),
    "smtpauth-smtp-scram-sha-256": ("smtpauth", True, True),
    "smtpauth-send-smtp-plain": ("smtpauth", True, True),
    "smtpauth-session-imap-plain": ("smtpauth", True, True),
    "smtpauth-session-pop3-scram-sha-1": ("smtpauth", True, True),
    "smtpauth-session-smtp-login": ("smtpauth", True, True),
    "swaks-cram-md5": ("swaks", True, True),
    "swaks-login": ("swaks", True, True),
    "swaks-plain": ("swaks", True, True),
    "thunderbird-imap-suppressed": ("thunderbird", False, False),
    "thunderbird-smtp-plain": ("thunderbird", True, True),
}


def run(args, stdin=None, env=None):
    return subprocess.run([BINARY, "decode", *args], input=stdin, capture_output=True,
                          timeout=60, env=dict(os.environ, **(env or {})))


def fixture_path(name):
    return os.path.join(FIXTURES, name + ".txt")


def read_fixture(name):
    with open(fixture_path(name), encoding="utf-8", errors="replace") as f:
        return f.read()


def b64decode_or_none(word):
    if len(word) < 8 or not re.fullmatch(r"[A-Za-z0-9+/]+={0,2}", word) or len(word) % 4:
        return None
    try:
        return base64.b64decode(word, validate=True)
    except (binascii.Error, ValueError):
        return None


def forbidden_strings(text):
    """The password in every form the output must not show, and every secret derived from
    it that the fixture holds: base64 words carrying it, CRAM digests, SCRAM proofs, the APOP
    digest, the bearer token."""
    pw = PASSWORD.encode()
    out = {PASSWORD, base64.b64encode(pw).decode(), pw.hex(), pw.hex().upper(),
           urllib.parse.quote(PASSWORD, safe=""), base64.b64encode(b"\0carol\0" + pw).decode(),
           BEARER}
    for word in re.findall(r"[A-Za-z0-9+/=]{8,}", text):
        raw = b64decode_or_none(word)
        if raw is None:
            continue
        if pw in raw:
            out.add(word)
        m = re.fullmatch(rb"\S+ ([0-9a-fA-F]{32,64})", raw)
        if m:  # CRAM response: user SP hex digest
            out.update({word, m.group(1).decode()})
        m = re.search(rb",p=([A-Za-z0-9+/=]+)$", raw)
        if m:  # SCRAM client-final: the proof
            out.update({word, m.group(1).decode()})
    for m in re.finditer(r"APOP \S+ ([0-9a-f]{32})", text):
        out.add(m.group(1))
    for m in re.finditer(r",p=([A-Za-z0-9+/=]{20,})", text):
        out.add(m.group(1))
    return out


class Fixtures(unittest.TestCase):
    maxDiff = None

    def test_every_fixture_is_listed_and_has_its_command(self):
        names = sorted(f[:-4] for f in os.listdir(FIXTURES) if f.endswith(".txt"))
        self.assertEqual(names, sorted(EXPECTED))
        for name in names:
            with open(os.path.join(FIXTURES, name + ".cmd"), encoding="utf-8") as f:
                self.assertTrue(f.read().strip(), name)

    def test_each_fixture_decodes_finds_the_user_and_hides_secrets(self):
        for name, (fmt, _checkable, user_shown) in EXPECTED.items():
            with self.subTest(fixture=name):
                forbidden = forbidden_strings(read_fixture(name))
                proc = run([fixture_path(name)])
                self.assertEqual(proc.returncode, 0, proc.stderr)
                out = proc.stdout.decode("utf-8", "replace")
                if fmt:
                    self.assertTrue(out.startswith(f"transcript format: {fmt} (detected)\n"), out[:200])
                else:
                    self.assertNotIn("transcript format:", out)
                if user_shown:
                    self.assertRegex(out, r"user: +carol\b")
                both = out + proc.stderr.decode("utf-8", "replace")
                for secret in forbidden:
                    self.assertNotIn(secret, both, f"{name} shows a secret")
                self.assertNotIn(BODY_MARK, both)
                doc = json.loads(run(["--json", fixture_path(name)]).stdout)
                dumped = json.dumps(doc, ensure_ascii=False)
                for secret in forbidden:
                    self.assertNotIn(secret, dumped, f"{name} --json shows a secret")
                self.assertNotIn(BODY_MARK, dumped)
                self.assertEqual(doc.get("format"), fmt)
                if fmt:
                    self.assertIs(doc["format_detected"], True)

    def test_each_fixture_checks_the_password(self):
        for name, (_fmt, checkable, _user) in EXPECTED.items():
            with self.subTest(fixture=name):
                right = run(["--check-password-env", "PW", fixture_path(name)],
                            env={"PW": PASSWORD})
                wrong = run(["--check-password-env", "PW", fixture_path(name)],
                            env={"PW": "S3cret-Pass.43"})
                if not checkable:
                    self.assertEqual(right.returncode, 65)
                    self.assertIn(b"nothing to check", right.stderr)
                    self.assertEqual(wrong.returncode, 65)
                    continue
                self.assertEqual(right.returncode, 0, right.stderr)
                self.assertEqual(wrong.returncode, 1, wrong.stderr)
                out = right.stdout.decode()
                self.assertRegex(out, r"password matches \([A-Za-z0-9 /-]+, line \d+")
                self.assertNotIn("does NOT match", out)
                self.assertIn("password does NOT match", wrong.stdout.decode())
                for secret in forbidden_strings(read_fixture(name)):
                    self.assertNotIn(secret, out + wrong.stdout.decode())

    def test_body_never_shown_even_with_show_secrets(self):
        for name in EXPECTED:
            with self.subTest(fixture=name):
                proc = run(["--show-secrets", fixture_path(name)])
                self.assertNotIn(BODY_MARK.encode(), proc.stdout)

    def test_data_section_is_a_note(self):
        out = run([fixture_path("swaks-plain")]).stdout.decode()
        self.assertRegex(out, r"line \d+, client: message body, 6 lines, not shown")
        out = run([fixture_path("mailkit-cram-bdat")]).stdout.decode()
        self.assertRegex(out, r"client: BDAT chunk \(message data\), 5 lines, not shown")
        out = run([fixture_path("generic-imap-append")]).stdout.decode()
        self.assertIn("line 6, client: literal (message data), 5 lines, not shown", out)
        out = run([fixture_path("generic-pop3-apop")]).stdout.decode()
        self.assertIn("message body, 5 lines, not shown", out)

    def test_capabilities_are_shown_as_capabilities(self):
        out = run([fixture_path("python-poplib-user")]).stdout.decode()
        self.assertIn("capabilities (POP3 CAPA reply)", out)
        self.assertIn("RESP-CODES", out)
        self.assertNotIn("invalid base64", out)
        out = run([fixture_path("swaks-cram-md5")]).stdout.decode()
        self.assertIn("capabilities (EHLO reply)", out)
        self.assertIn("AUTH PLAIN LOGIN CRAM-MD5", out)

    def test_every_exchange_is_checked(self):
        proc = run(["--check-password-env", "PW", fixture_path("dovecot-log")],
                   env={"PW": PASSWORD})
        self.assertEqual(proc.returncode, 0, proc.stderr)
        rows = re.findall(r"password matches \(([A-Z0-9-]+), line (\d+), user carol\)",
                          proc.stdout.decode())
        self.assertGreaterEqual(len(rows), 10)
        self.assertEqual({"PLAIN", "LOGIN", "CRAM-MD5", "SCRAM-SHA-256"} - {r[0] for r in rows},
                         set())
        doc = json.loads(run(["--json", "--check-password-env", "PW",
                              fixture_path("dovecot-log")], env={"PW": PASSWORD}).stdout)
        self.assertEqual(len(doc["password_checks"]), len(rows))
        self.assertTrue(all(c["matches"] and c["user"] == USER for c in doc["password_checks"]))

    def test_one_mismatch_among_matches_is_exit_1(self):
        text = read_fixture("generic-auth-lowercase")
        other = base64.b64encode(b"\0carol\0another").decode()
        text += f"C: auth plain {other}\nS: 535 5.7.8 no\n"
        proc = run(["--check-password-env", "PW"], stdin=text.encode(), env={"PW": PASSWORD})
        self.assertEqual(proc.returncode, 1, proc.stderr)
        out = proc.stdout.decode()
        self.assertIn("password matches (PLAIN, line 7, user carol)", out)
        self.assertIn("password does NOT match (PLAIN, line 11, user carol)", out)

    def test_show_secrets_reveals_clear_text_credentials(self):
        for name in ["python-poplib-user", "openssl-imap-login-literal", "curl-http-basic",
                     "msmtp-passwordeval"]:
            with self.subTest(fixture=name):
                proc = run(["--show-secrets", fixture_path(name)])
                self.assertIn(PASSWORD.encode(), proc.stdout)
                self.assertIn(b"<hidden", run([fixture_path(name)]).stdout)


class InputAndFormats(unittest.TestCase):
    def test_format_override_and_unknown_name(self):
        proc = run(["--format", "swaks", fixture_path("swaks-login")])
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertTrue(proc.stdout.startswith(b"transcript format: swaks\n"))
        proc = run(["--format", "swak", fixture_path("swaks-login")])
        self.assertEqual(proc.returncode, 64)
        err = proc.stderr.decode()
        self.assertIn("unknown format 'swak' (did you mean 'swaks'?)", err)
        for name in ["curl", "msmtp", "python", "openssl", "gsasl", "phpmailer", "nodemailer",
                     "mailkit", "javamail", "thunderbird", "dovecot", "postfix", "smtpauth"]:
            self.assertIn(name, err)

    def test_file_forms(self):
        path = fixture_path("swaks-plain")
        positional = run([path])
        self.assertEqual(positional.returncode, 0)
        forced = run(["--file", path])
        self.assertEqual(forced.stdout, positional.stdout)
        with open(path, "rb") as f:
            stdin = run(["-"], stdin=f.read())
        self.assertEqual(stdin.stdout, positional.stdout)
        missing = run(["--file", os.path.join(FIXTURES, "no-such-file.txt")])
        self.assertEqual(missing.returncode, 66)
        self.assertIn(b"cannot read", missing.stderr)
        with tempfile.TemporaryDirectory() as d:
            unreadable = os.path.join(d, "dir")
            os.mkdir(unreadable)
            self.assertEqual(run(["--file", unreadable]).returncode, 66)

    def test_never_abort_on_one_line(self):
        text = ("C: EHLO x\nS: 250 ok\n\x01\x02 garbage here\nC: AUTH PLAIN AHRp*bQB\n"
                "C: AUTH LOGIN\nS: 334 VXNlcm5hbWU6\nC: Y2Fyb2w=\nS: 334 UGFzc3dvcmQ6\n"
                f"C: {base64.b64encode(PASSWORD.encode()).decode()}\nS: 235 ok\n")
        proc = run(["--check-password-env", "PW"], stdin=text.encode(), env={"PW": PASSWORD})
        self.assertEqual(proc.returncode, 0, proc.stderr)
        out = proc.stdout.decode()
        self.assertIn("line 4, unknown: invalid base64 at offset 4", out)
        self.assertIn("password matches (LOGIN, line 9, user carol)", out)

    def test_long_line_is_a_note_naming_it(self):
        text = "C: AUTH PLAIN\n" + "A" * (64 * 1024 + 8) + "\nS: 535 no\n"
        proc = run([], stdin=text.encode())
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertIn(b"line 2 is longer than the line cap of 64 KiB", proc.stdout)

    def test_nothing_explained_is_65(self):
        proc = run([], stdin=b"hello\nworld, nothing here\n")
        self.assertEqual(proc.returncode, 65)
        self.assertIn(b"nothing in the input could be explained", proc.stderr)

    def test_unknown_lines_are_short_excerpts(self):
        blob = base64.b64encode(os.urandom(90)).decode()
        # No C:/S: markers: every line is read (with markers, unmarked lines are skipped).
        text = f"AUTH LOGIN\nsome tool says {blob} and more\ndebug: password = {PASSWORD}\n"
        out = run([], stdin=text.encode()).stdout.decode()
        self.assertNotIn(blob, out)
        self.assertRegex(out, r"\.\.\.\[120 chars\]")
        self.assertNotIn(PASSWORD, out)
        self.assertIn("password = <hidden; --show-secrets to show>", out)

    def test_known_password_masked_everywhere(self):
        # A library printing the decoded password in free text, and its URL-encoded form.
        text = (f"C: AUTH LOGIN\nS: 334 VXNlcm5hbWU6\nC: Y2Fyb2w=\nS: 334 UGFzc3dvcmQ6\n"
                f"C: {base64.b64encode(PASSWORD.encode()).decode()}\nS: 235 ok\n"
                f"C: NOOP {PASSWORD}\nC: XTRACE url=smtp://carol:{urllib.parse.quote('S3cret Pass')}@h\n")
        proc = run(["--check-password-env", "PW"], stdin=text.encode(), env={"PW": PASSWORD})
        out = proc.stdout.decode()
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertNotIn(PASSWORD, out)
        self.assertIn("<hidden: the password", out)
        proc = run(["--check-password-env", "PW"], stdin=text.encode(), env={"PW": "S3cret Pass"})
        self.assertNotIn("S3cret%20Pass", proc.stdout.decode())


if __name__ == "__main__":
    unittest.main()
