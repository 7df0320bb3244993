"""Command-line usability: "did you mean" for subcommands, options and mechanisms, usage errors
that point to the command's own help, the --timeout range message, the one failure line on
stderr, -u/-q/--cacert, and the three examples at the end of every command's --help.
"""

import os
import re
import socket
import subprocess
import sys
import tempfile
import unittest

from clitest import run

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "servers"))
from scripted_server import ScriptedServer, make_self_signed_cert  # noqa: E402

USAGE = 64
COMMANDS = ("gen", "decode", "probe", "token")


def err(proc):
    return proc.stderr.decode("utf-8", "replace")


class DidYouMean(unittest.TestCase):
    def test_mistyped_subcommand(self):
        proc = run(["genn", "PLAIN"])
        self.assertEqual(proc.returncode, USAGE)
        self.assertEqual(proc.stdout, b"")
        self.assertEqual(err(proc),
                         "smtpauth: unknown command 'genn'; did you mean 'gen'? "
                         "Commands: gen, decode, probe, token, send, session "
                         "(see 'smtpauth --help')\n")
        self.assertIn("did you mean 'probe'", err(run(["prbe", "x"])))
        self.assertIn("did you mean 'decode'", err(run(["decod"])))

    def test_unrelated_word_lists_the_commands_without_a_guess(self):
        proc = run(["frobnicate"])
        self.assertEqual(proc.returncode, USAGE)
        self.assertNotIn("did you mean", err(proc))
        self.assertIn("commands: gen, decode, probe, token", err(proc))

    def test_no_command_and_top_level_unknown_option(self):
        proc = run([])
        self.assertEqual(proc.returncode, USAGE)
        self.assertEqual(err(proc), "smtpauth: a command is required: gen, decode, probe, token, send, "
                                    "session (see 'smtpauth --help')\n")
        proc = run(["-x"])
        self.assertEqual(proc.returncode, USAGE)
        self.assertIn("unknown option -x", err(proc))

    def test_mistyped_option_names_the_option_and_the_command_help(self):
        proc = run(["probe", "--usr", "x", "mail.example.invalid"])
        self.assertEqual(proc.returncode, USAGE)
        self.assertEqual(err(proc), "smtpauth: unknown option --usr; did you mean --user? "
                                    "(see 'smtpauth probe --help')\n")
        proc = run(["gen", "PLAIN", "u", "--pasword-env", "X"])
        self.assertEqual(proc.returncode, USAGE)
        self.assertIn("unknown option --pasword-env; did you mean --password-env?", err(proc))
        self.assertIn("(see 'smtpauth gen --help')", err(proc))
        proc = run(["decode", "--jsn", "AA=="])
        self.assertIn("did you mean --json?", err(proc))
        self.assertIn("(see 'smtpauth decode --help')", err(proc))

    def test_option_with_equals_sign(self):
        proc = run(["probe", "--timout=5", "h"])
        self.assertEqual(proc.returncode, USAGE)
        self.assertIn("unknown option --timout; did you mean --timeout?", err(proc))

    def test_other_parse_errors_point_to_the_command_help(self):
        proc = run(["probe"])
        self.assertEqual(proc.returncode, USAGE)
        self.assertIn("(see 'smtpauth probe --help')", err(proc))
        self.assertIn("target", err(proc).lower())

    def test_unknown_mechanism_lists_the_known_ones_and_the_closest(self):
        proc = run(["probe", "mail.example.invalid", "--mech", "PLAN"])
        self.assertEqual(proc.returncode, USAGE)
        self.assertIn("unknown mechanism 'PLAN'; did you mean PLAIN?", err(proc))
        self.assertIn("SCRAM-SHA-256", err(proc))
        self.assertIn("(see 'smtpauth probe --help')", err(proc))
        proc = run(["gen", "FOO", "u"])
        self.assertEqual(proc.returncode, USAGE)
        self.assertRegex(err(proc), r"unknown mechanism 'FOO'; known mechanisms: .*PLAIN")
        self.assertNotIn("did you mean", err(proc))
        proc = run(["gen", "scram-sha-265", "u"])
        self.assertIn("did you mean SCRAM-SHA-256?", err(proc))

    def test_usage_error_after_parsing_points_to_the_command_help(self):
        proc = run(["gen", "PLAIN", "u", "--password-env", "A", "--password-file", "B"])
        self.assertEqual(proc.returncode, USAGE)
        self.assertIn("in one way only", err(proc))
        self.assertIn("(see 'smtpauth gen --help')", err(proc))


class TimeoutRange(unittest.TestCase):
    def test_zero_and_too_large_are_refused_with_the_real_range(self):
        for option in ("--timeout", "--connect-timeout", "--deadline"):
            for value in ("0", "-1", "86401"):
                with self.subTest(option=option, value=value):
                    proc = run(["probe", "127.0.0.1:9", option, value])
                    self.assertEqual(proc.returncode, USAGE)
                    self.assertIn("%s must be greater than 0 and at most 86400 seconds" % option,
                                  err(proc))


class ProbeOutputShape(unittest.TestCase):
    """One failure line, on stderr; -q; -u; --cacert; against a scripted SMTP server."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.cert, cls.key = make_self_signed_cert(cls.tmp.name)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def server(self, after_auth):
        script = [
            ("send", b"220 scripted.test ESMTP\r\n"),
            ("expect", r"EHLO \S+"),
            ("send", b"250-scripted.test\r\n250 STARTTLS\r\n"),
            ("expect", "STARTTLS"),
            ("send", b"220 go ahead\r\n"),
            ("starttls",),
            ("expect", r"EHLO \S+"),
            ("send", b"250-scripted.test\r\n250 AUTH PLAIN\r\n"),
            ("expect", r"AUTH PLAIN AGFsaWNlAHMzY3JldA=="),
        ] + after_auth
        srv = ScriptedServer(script=script, tls=None, certfile=self.cert, keyfile=self.key,
                             timeout=10, drain_seconds=1.0)
        srv.start()
        self.addCleanup(srv.close)
        return srv

    def probe(self, srv, *args):
        proc = run(["probe", "127.0.0.1:%d" % srv.port, "--cacert", self.cert, "--ehlo", "c.test",
                    "-u", "alice", "--password-env", "PW", "--timeout", "5", *args],
                   extra_env={"PW": "s3cret"}, timeout=60)
        srv.wait(30)
        return proc

    QUIT = [("expect", "QUIT"), ("send", b"221 bye\r\n")]

    def test_failure_line_once_on_stderr(self):
        srv = self.server([("send", b"535 5.7.8 bad credentials\r\n")] + self.QUIT)
        proc = self.probe(srv)
        self.assertEqual(proc.returncode, 77, err(proc))
        out, e = proc.stdout.decode(), err(proc)
        self.assertIn("AUTH PLAIN: REJECTED", out)
        self.assertNotIn("FAILED", out)
        self.assertEqual(e.count("FAILED"), 1, e)
        self.assertEqual(e, "smtpauth: FAILED at auth: server rejected the credentials (PLAIN): "
                            "535 5.7.8 bad credentials\n")

    def test_quiet_prints_only_the_verdict(self):
        srv = self.server([("send", b"235 2.7.0 ok\r\n")] + self.QUIT)
        proc = self.probe(srv, "-q")
        self.assertEqual(proc.returncode, 0, err(proc))
        self.assertEqual(proc.stdout.decode(),
                         "OK: 127.0.0.1:%d: AUTH PLAIN accepted\n" % srv.port)
        self.assertEqual(proc.stderr, b"")

    def test_quiet_failure_prints_only_the_stderr_line(self):
        srv = self.server([("send", b"535 5.7.8 no\r\n")] + self.QUIT)
        proc = self.probe(srv, "--quiet")
        self.assertEqual(proc.returncode, 77)
        self.assertEqual(proc.stdout, b"")
        self.assertEqual(len(err(proc).splitlines()), 1)

    def test_quiet_excludes_verbose(self):
        proc = run(["probe", "127.0.0.1:9", "-q", "-v"])
        self.assertEqual(proc.returncode, USAGE)
        self.assertIn("-q/--quiet excludes -v/--verbose", err(proc))


class HelpExamples(unittest.TestCase):
    def test_every_command_help_ends_with_three_examples(self):
        for command in COMMANDS:
            with self.subTest(command=command):
                out = run([command, "--help"]).stdout.decode()
                tail = out[out.rindex("Examples:"):].strip().splitlines()
                self.assertEqual(tail[0], "Examples:")
                examples = [line.strip() for line in tail[1:]]
                self.assertEqual(len(examples), 3, examples)
                for example in examples:
                    self.assertTrue(example.startswith("smtpauth " + command + " ") or
                                    "| smtpauth " in example, example)

    def test_examples_parse(self):
        # The examples are real command lines: their options exist (--help appended stops
        # before any work is done).
        import shlex
        for command in COMMANDS:
            out = run([command, "--help"]).stdout.decode()
            for line in out[out.rindex("Examples:"):].splitlines()[1:]:
                first = line.strip().split(" | ")[0]
                argv = shlex.split(first)[1:]
                with self.subTest(example=first):
                    proc = run(argv + ["--help"])
                    self.assertEqual(proc.returncode, 0, err(proc))

    def test_short_options_are_listed(self):
        out = run(["probe", "--help"]).stdout.decode()
        for opt in ("-u,--user", "-q,--quiet", "-v,--verbose", "-n,--netrc", "--cafile,--cacert"):
            self.assertIn(opt, out)


if __name__ == "__main__":
    unittest.main()
