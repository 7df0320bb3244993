"""One family of secret options for every command and every secret: --X, --X-file, --X-env,
--X-stdin, --X-cmd (sh -c, first line), --X-prompt, the positional SECRET (warned), and the
.netrc file (-n/--netrc, --netrc-file; curl's rules) judged by a real Dovecot.

`gen PLAIN` is the witness for the sources: its output is base64("\\0user\\0password"), so the
secret that was read is visible in the token. netrc and `--mech all` with a password and a
token run against Dovecot, which checks the credentials itself.
"""

import base64
import json
import os
import stat
import sys
import tempfile
import unittest

import clitest
from clitest import run

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "servers"))
from dovecot_server import DovecotServer  # noqa: E402

USAGE, BAD_INPUT, NO_INPUT, MISMATCH = 64, 65, 66, 1
PASSWORD = "pw-from-somewhere"


def plain(user, password):
    return base64.b64encode(b"\0" + user.encode() + b"\0" + password.encode()).decode()


class GenSecretSources(unittest.TestCase):
    """Every source reads the same secret; exactly one source at a time."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)

    def gen(self, *args, **kw):
        return run(["gen", "PLAIN", "alice", *args], **kw)

    def assert_token(self, proc, password=PASSWORD):
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(proc.stdout.decode().strip(), plain("alice", password))

    def test_every_source_gives_the_same_token(self):
        path = os.path.join(self.tmp.name, "pw")
        with open(path, "w") as f:
            f.write(PASSWORD + "\nsecond line\n")
        cases = {
            "--password-file": (["--password-file", path], None, None),
            "--password-env": (["--password-env", "MY_PW"], None, {"MY_PW": PASSWORD}),
            "--password-stdin": (["--password-stdin"], PASSWORD + "\n", None),
            "--password-cmd": (["--password-cmd", "printf '%s\\nignored\\n' " + PASSWORD],
                               None, None),
        }
        for name, (args, stdin, env) in cases.items():
            with self.subTest(source=name):
                proc = self.gen(*args, input=stdin, extra_env=env)
                self.assert_token(proc)
                self.assertEqual(proc.stderr, b"")  # no argv warning for these

    def test_argv_forms_work_and_warn(self):
        for args in (["--password", PASSWORD], ["--password=" + PASSWORD], [PASSWORD]):
            with self.subTest(args=args):
                proc = self.gen(*args)
                self.assert_token(proc)
                err = proc.stderr.decode()
                self.assertIn("warning: a password given on the command line is visible", err)
                self.assertIn("--password-cmd", err)
                self.assertNotIn(PASSWORD, err)

    def test_two_sources_are_refused(self):
        proc = self.gen(PASSWORD, "--password-env", "X", extra_env={"X": "y"})
        self.assertEqual(proc.returncode, USAGE)
        self.assertIn("in one way only", proc.stderr.decode())
        proc = self.gen("--password-cmd", "echo a", "--password-stdin")
        self.assertEqual(proc.returncode, USAGE)
        self.assertIn("--password-stdin and --password-cmd", proc.stderr.decode())

    def test_token_family_for_xoauth2(self):
        proc = run(["gen", "XOAUTH2", "alice", "--token-cmd", "echo ya29.tok"])
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(base64.b64decode(proc.stdout.strip()),
                         b"user=alice\x01auth=Bearer ya29.tok\x01\x01")

    def test_cmd_failure_is_a_clear_error_and_stderr_passes_through(self):
        proc = self.gen("--password-cmd", "echo from-the-command >&2; exit 3")
        self.assertEqual(proc.returncode, NO_INPUT)
        self.assertEqual(proc.stdout, b"")
        err = proc.stderr.decode()
        self.assertIn("from-the-command", err)
        self.assertIn("--password-cmd: the command failed with exit status 3", err)

    def test_cmd_empty_output_and_missing_command(self):
        proc = self.gen("--password-cmd", "true")
        self.assertEqual(proc.returncode, NO_INPUT)
        self.assertIn("printed nothing", proc.stderr.decode())
        proc = self.gen("--password-cmd", "/nonexistent/secret-helper")
        self.assertEqual(proc.returncode, NO_INPUT)
        self.assertIn("status 127", proc.stderr.decode())

    def test_cmd_output_is_never_echoed_in_errors(self):
        proc = self.gen("--password-cmd", "echo leaked-secret; exit 1")
        self.assertEqual(proc.returncode, NO_INPUT)
        self.assertNotIn(b"leaked-secret", proc.stdout + proc.stderr)

    def test_prompt_forces_the_terminal(self):
        with clitest.PtySession(["gen", "PLAIN", "alice", "--password-prompt"]) as s:
            s.expect("assword")
            self.assertTrue(s.wait_for_echo(False))
            s.send(PASSWORD + "\n")
            self.assertEqual(s.wait(), 0)
            self.assertIn(plain("alice", PASSWORD).encode(), s.output)
            self.assertNotIn(PASSWORD.encode(), s.output)

    def test_help_lists_the_family(self):
        out = run(["gen", "--help"]).stdout.decode()
        for opt in ("--password ", "--password-file", "--password-env", "--password-stdin",
                    "--password-cmd", "--password-prompt", "--token-cmd", "--token-prompt"):
            self.assertIn(opt, out)


class DecodeCheckPasswordSources(unittest.TestCase):
    TOKEN = plain("alice", PASSWORD)

    def test_check_password_cmd_and_env(self):
        proc = run(["decode", self.TOKEN, "--check-password-cmd", "echo " + PASSWORD])
        self.assertEqual(proc.returncode, 0, proc.stderr)
        proc = run(["decode", self.TOKEN, "--check-password-env", "P"], extra_env={"P": "nope"})
        self.assertEqual(proc.returncode, MISMATCH, proc.stderr)

    def test_check_password_argv_warns(self):
        proc = run(["decode", self.TOKEN, "--check-password", PASSWORD])
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertIn("check-password given on the command line", proc.stderr.decode())

    def test_check_password_prompt_and_another_source(self):
        proc = run(["decode", self.TOKEN, "--check-password-prompt", "--check-password-env", "P"])
        self.assertEqual(proc.returncode, USAGE)
        self.assertIn("in one way only", proc.stderr.decode())


SERVER = None
INFO = None


def setUpModule():
    global SERVER, INFO
    SERVER = DovecotServer()
    INFO = SERVER.start()


def tearDownModule():
    if SERVER is not None:
        SERVER.cleanup()


def submission():
    return "smtp://%s:%d" % (INFO["host"], INFO["ports"]["submission"])


class NetrcAgainstDovecot(unittest.TestCase):
    """curl's netrc rules, with Dovecot judging the credentials that were read."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)

    def netrc(self, text, mode=0o600):
        path = os.path.join(self.tmp.name, "netrc")
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, mode)
        return path

    def probe(self, *args, env=None):
        return run(["probe", submission(), "--cacert", INFO["ca"], "--json", *args],
                   extra_env=env, timeout=60)

    def report(self, proc, status):
        self.assertEqual(proc.returncode, status, proc.stderr)
        return json.loads(proc.stdout)

    def test_machine_entry_supplies_user_and_password(self):
        path = self.netrc("machine other login x password y\n"
                          "machine %s\n  login alice\n  password \"%s\"\n"
                          % (INFO["host"], INFO["users"]["alice"]))
        r = self.report(self.probe("--netrc-file", path), 0)
        # Accepted: Dovecot saw alice and her password, both read from the file.
        self.assertEqual(r["auth"]["result"], "accepted")

    def test_NETRC_variable_and_default_entry(self):
        path = self.netrc("machine elsewhere login x password y\n"
                          "default login alice password \"%s\"\n" % INFO["users"]["alice"])
        r = self.report(self.probe("-n", env={"NETRC": path}), 0)
        self.assertEqual(r["auth"]["result"], "accepted")

    def test_given_user_selects_the_login_and_a_wrong_password_is_77(self):
        path = self.netrc("machine %s login bob password nope\n"
                          "machine %s login alice password wrong\n" % (INFO["host"], INFO["host"]))
        r = self.report(self.probe("--netrc-file", path, "-u", "alice"), 77)
        self.assertEqual(r["auth"]["result"], "rejected")

    def test_explicit_password_source_wins_over_netrc(self):
        path = self.netrc("machine %s login alice password wrong\n" % INFO["host"])
        r = self.report(self.probe("--netrc-file", path, "--password-env", "PW",
                                   env={"PW": INFO["users"]["alice"]}), 0)
        self.assertEqual(r["auth"]["result"], "accepted")

    def test_group_readable_file_is_refused(self):
        path = self.netrc("machine %s login alice password x\n" % INFO["host"], mode=0o640)
        proc = self.probe("--netrc-file", path)
        self.assertEqual(proc.returncode, BAD_INPUT)
        self.assertIn("readable by group or others", proc.stderr.decode())
        self.assertIn("chmod 600", proc.stderr.decode())
        self.assertEqual(proc.stdout, b"")

    def test_no_entry_and_missing_file(self):
        path = self.netrc("machine elsewhere login x password y\n")
        proc = self.probe("--netrc-file", path)
        self.assertEqual(proc.returncode, USAGE)
        self.assertIn("no entry for '%s'" % INFO["host"], proc.stderr.decode())
        proc = self.probe("--netrc-file", os.path.join(self.tmp.name, "absent"))
        self.assertEqual(proc.returncode, NO_INPUT)
        self.assertIn("cannot read netrc file", proc.stderr.decode())

    def test_entry_without_login_needs_user(self):
        path = self.netrc("default password \"%s\"\n" % INFO["users"]["alice"])
        proc = self.probe("--netrc-file", path)
        self.assertEqual(proc.returncode, USAGE)
        self.assertIn("has no login: give --user", proc.stderr.decode())
        r = self.report(self.probe("--netrc-file", path, "-u", "alice"), 0)
        self.assertEqual(r["auth"]["result"], "accepted")

    def test_malformed_file_never_quotes_the_secret(self):
        path = self.netrc("machine %s login alice hunter2\n" % INFO["host"])
        proc = self.probe("--netrc-file", path)
        self.assertEqual(proc.returncode, BAD_INPUT)
        self.assertNotIn(b"hunter2", proc.stdout + proc.stderr)


class MechAllWithPasswordAndToken(unittest.TestCase):
    def test_every_offered_mechanism_gets_the_right_secret(self):
        proc = run(["probe", submission(), "--cafile", INFO["ca"], "-u", "alice", "--json",
                    "--mech", "all", "--password-env", "PW", "--token-env", "TOK"],
                   extra_env={"PW": INFO["users"]["alice"], "TOK": INFO["tokens"]["alice"]},
                   timeout=120)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        r = json.loads(proc.stdout)
        results = {a["mechanism"]: a["result"] for a in r["attempts"]}
        for mech in ("PLAIN", "LOGIN", "CRAM-MD5", "SCRAM-SHA-1", "SCRAM-SHA-256", "XOAUTH2",
                     "OAUTHBEARER"):
            self.assertEqual(results.get(mech), "accepted", results)

    def test_wrong_token_with_right_password(self):
        proc = run(["probe", submission(), "--cafile", INFO["ca"], "-u", "alice", "--json",
                    "--mech", "all", "--password-env", "PW", "--token-env", "TOK"],
                   extra_env={"PW": INFO["users"]["alice"], "TOK": INFO["bad_token"]},
                   timeout=120)
        self.assertEqual(proc.returncode, 0, proc.stderr)  # some mechanism accepted
        results = {a["mechanism"]: a["result"] for a in json.loads(proc.stdout)["attempts"]}
        self.assertEqual(results["PLAIN"], "accepted")
        self.assertEqual(results["XOAUTH2"], "rejected")
        self.assertEqual(results["OAUTHBEARER"], "rejected")


if __name__ == "__main__":
    unittest.main()
