"""smtpauth decode TEXT: when a positional is a file name that does not exist (exit 66,
"no such file" with advice) and when it is a token, even one with '/' in it (exit 0)."""

import os
import tempfile
import unittest

from clitest import run

PLAIN_TIM = "AHRpbQB0YW5zdGFhZnRhbnN0YWFm"  # \0tim\0tanstaaftanstaaf
# PLAIN "\0u\0?>?>?>?>?>?>": its base64 holds '/' in several places.
PLAIN_WITH_SLASHES = "AHUAPz4/Pj8+Pz4/Pj8+Pz4/Pj8+"


class MissingFiles(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)

    def assert_no_such_file(self, arg):
        proc = run(["decode", arg])
        err = proc.stderr.decode()
        self.assertEqual(proc.returncode, 66, err)
        shown = arg.replace("\\", "\\\\")  # the message escapes backslashes
        self.assertIn("no such file: '%s'" % shown, err)
        self.assertIn("--file", err)
        self.assertIn("pass the token itself", err)
        self.assertNotIn("base64 at offset", err)
        self.assertEqual(proc.stdout, b"")

    def test_file_names_with_an_extension(self):
        for name in ("some-missing-file.txt", "session.log", "capture.EML", "trace_2.out"):
            with self.subTest(name=name):
                self.assert_no_such_file(name)

    def test_paths_that_are_not_base64(self):
        missing = os.path.join(self.tmp.name, "nothing-here")
        for name in (missing, "./session", "logs/today", "~/mail.trace", "logs\\smtp"):
            with self.subTest(name=name):
                self.assert_no_such_file(name)

    def test_a_directory_is_not_a_file(self):
        proc = run(["decode", self.tmp.name + "/"])
        self.assertEqual(proc.returncode, 66)
        self.assertIn("not a regular file", proc.stderr.decode())

    def test_an_existing_file_is_read(self):
        path = os.path.join(self.tmp.name, "session.txt")
        with open(path, "w") as f:
            f.write("C: AUTH PLAIN %s\nS: 235 2.7.0 ok\n" % PLAIN_TIM)
        proc = run(["decode", path])
        self.assertEqual(proc.returncode, 0, proc.stderr.decode())
        self.assertIn("tim", proc.stdout.decode())

    def test_file_forces_file_mode_and_reports_the_missing_file(self):
        proc = run(["decode", "--file", "dXNlcg=="])
        self.assertEqual(proc.returncode, 66)
        self.assertIn("cannot read 'dXNlcg=='", proc.stderr.decode())


class TokensStayTokens(unittest.TestCase):
    def test_base64_tokens_are_never_taken_for_files(self):
        for token in (PLAIN_TIM, PLAIN_WITH_SLASHES, "dXNlcg=="):
            with self.subTest(token=token):
                proc = run(["decode", token])
                self.assertEqual(proc.returncode, 0, proc.stderr.decode())
                self.assertNotIn("no such file", proc.stderr.decode())

    def test_token_with_slashes_is_decoded(self):
        proc = run(["decode", PLAIN_WITH_SLASHES])
        self.assertEqual(proc.returncode, 0, proc.stderr.decode())
        self.assertRegex(proc.stdout.decode(), r"user: +u\n")

    def test_raw_sasl_text_is_not_a_path(self):
        # A raw CRAM challenge has dots and '@'; a raw SCRAM message has ',' and '='
        # and its base64 proof may hold '/'.
        proc = run(["decode", "<1896.697170952@postoffice.example.net>"])
        self.assertEqual(proc.returncode, 0, proc.stderr.decode())
        self.assertIn("cram", proc.stdout.decode().lower())
        proc = run(["decode", "c=biws,r=abc/def,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="])
        self.assertNotIn("no such file", proc.stderr.decode())

    def test_invalid_token_without_path_signs_is_still_invalid_base64(self):
        proc = run(["decode", "AHRp*bQB"])
        self.assertEqual(proc.returncode, 65)
        self.assertIn("invalid base64 at offset", proc.stderr.decode())


if __name__ == "__main__":
    unittest.main()
