"""`smtpauth gen` as a user runs it: every mechanism, every secret source, protocol lines,
JSON, exit statuses, and the stdout/stderr split (the password never reaches stderr).

Expected values are the RFCs' own vectors (see shared SPEC-NOTES) or computed here with
Python's hashlib/hmac, independently of the C++ code. The SCRAM pipe test plays the server
side of RFC 5802 in Python and checks the client's proof.
"""

import base64
import hashlib
import hmac
import json
import os
import select
import subprocess
import tempfile
import time
import unittest

import clitest

USAGE, BAD_INPUT, NO_INPUT, PROTOCOL = 64, 65, 66, 76

RFC2195_CHALLENGE_B64 = "PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+"
RFC2195_CHALLENGE = "<1896.697170952@postoffice.reston.mci.net>"

# RFC 5802 §5 and RFC 7677 §3 (user "user", password "pencil").
SCRAM_VECTORS = {
    "SCRAM-SHA-1": dict(
        nonce="fyko+d2lbbFgONRv9qkxdawL",
        client_first="n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL",
        server_first="r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096",
        client_final="c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,"
                     "p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=",
        server_final="v=rmF9pqV8S7suAoZWja4dJRkFsKQ=",
        wire_first="biwsbj11c2VyLHI9ZnlrbytkMmxiYkZnT05Sdjlxa3hkYXdM"),
    "SCRAM-SHA-256": dict(
        nonce="rOprNGfwEbeRWgbNEkqO",
        client_first="n,,n=user,r=rOprNGfwEbeRWgbNEkqO",
        server_first="r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
                     "s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
        client_final="c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
                     "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
        server_final="v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=",
        wire_first="biwsbj11c2VyLHI9ck9wck5HZndFYmVSV2diTkVrcU8="),
}


def b64(data):
    if isinstance(data, str):
        data = data.encode()
    return base64.b64encode(data).decode()


ARGV_WARNING = "smtpauth: warning: a password given on the command line is visible"


def gen(*args, **kw):
    return clitest.run(["gen"] + list(args), **kw)


class GenTestCase(unittest.TestCase):
    def assert_ok(self, result, stdout):
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout, stdout.encode() if isinstance(stdout, str) else stdout)

    def assert_fails(self, result, status, *fragments):
        self.assertEqual(result.returncode, status,
                         "stdout %r stderr %r" % (result.stdout, result.stderr))
        self.assertEqual(result.stdout, b"", "nothing on stdout when it fails")
        # A SECRET on the command line draws its documented warning first; the error is the
        # one other line.
        lines = [line for line in result.stderr.decode(errors="replace").splitlines()
                 if not line.startswith(ARGV_WARNING)]
        self.assertEqual(len(lines), 1, "one-line error: %r" % result.stderr)
        self.assertTrue(lines[0].startswith("smtpauth: "), lines[0])
        for fragment in fragments:
            self.assertIn(fragment, lines[0])
        return lines[0]


class MechanismTest(GenTestCase):
    def test_plain_prints_exactly_the_token(self):
        r = gen("PLAIN", "user", "pass")
        self.assert_ok(r, "AHVzZXIAcGFzcw==\n")
        self.assertTrue(r.stderr.decode().startswith(ARGV_WARNING), r.stderr)
        self.assertEqual(len(r.stderr.splitlines()), 1)
        r = gen("PLAIN", "user", "--password-env", "P", extra_env={"P": "pass"})
        self.assert_ok(r, "AHVzZXIAcGFzcw==\n")
        self.assertEqual(r.stderr, b"")

    def test_mechanism_names_are_case_insensitive(self):
        for name in ["plain", "Plain", "pLaIn"]:
            self.assert_ok(gen(name, "user", "pass"), "AHVzZXIAcGFzcw==\n")

    def test_plain_rfc4616_vectors(self):
        self.assert_ok(gen("PLAIN", "tim", "tanstaaftanstaaf"), "AHRpbQB0YW5zdGFhZnRhbnN0YWFm\n")
        self.assert_ok(gen("PLAIN", "Kurt", "xipj3plmq", "--authzid", "Ursel"),
                       "VXJzZWwAS3VydAB4aXBqM3BsbXE=\n")
        self.assert_ok(gen("PLAIN", "--authzid", "test", "test", "1234"),
                       "dGVzdAB0ZXN0ADEyMzQ=\n")

    def test_plain_non_ascii(self):
        user, password = "j\u00f6rg", "p\u00e4ss\u20ac"
        self.assert_ok(gen("PLAIN", user, password),
                       b64(b"\0" + user.encode() + b"\0" + password.encode()) + "\n")

    def test_login_prints_two_lines(self):
        self.assert_ok(gen("LOGIN", "tim", "tanstaaftanstaaf"),
                       "dGlt\ndGFuc3RhYWZ0YW5zdGFhZg==\n")

    def test_cram_md5_rfc2195(self):
        expected = "dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw\n"
        self.assert_ok(gen("CRAM-MD5", "tim", "tanstaaftanstaaf", "--challenge",
                           RFC2195_CHALLENGE_B64), expected)
        self.assert_ok(gen("cram-md5", "tim", "tanstaaftanstaaf", "--challenge",
                           RFC2195_CHALLENGE), expected)
        # The whole server line may be pasted.
        self.assert_ok(gen("CRAM-MD5", "tim", "tanstaaftanstaaf", "--challenge",
                           "334 " + RFC2195_CHALLENGE_B64), expected)

    def test_cram_sha_variants(self):
        for mech, digest in [("CRAM-SHA1", hashlib.sha1), ("CRAM-SHA256", hashlib.sha256)]:
            mac = hmac.new(b"tanstaaftanstaaf", RFC2195_CHALLENGE.encode(), digest).hexdigest()
            self.assert_ok(gen(mech, "tim", "tanstaaftanstaaf", "--challenge",
                               RFC2195_CHALLENGE_B64), b64("tim " + mac) + "\n")

    def test_cram_challenge_from_stdin(self):
        # Password as argument, so the only line on stdin is the challenge.
        self.assert_ok(gen("CRAM-MD5", "tim", "tanstaaftanstaaf",
                           input=RFC2195_CHALLENGE_B64 + "\n"),
                       "dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw\n")
        # Both from stdin: password first, then the challenge.
        self.assert_ok(gen("CRAM-MD5", "tim",
                           input="tanstaaftanstaaf\n" + RFC2195_CHALLENGE + "\n"),
                       "dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw\n")

    def test_cram_bad_and_missing_challenge(self):
        line = self.assert_fails(gen("CRAM-MD5", "tim", "pw", "--challenge", "PDE4*"),
                                 BAD_INPUT, "--challenge")
        self.assertIn("offset 4", line)
        self.assert_fails(gen("CRAM-MD5", "tim", "pw"), USAGE, "challenge")
        self.assert_fails(gen("CRAM-MD5", "tim", "pw", "--challenge", ""), BAD_INPUT, "empty")

    def test_xoauth2_google_example(self):
        self.assert_ok(
            gen("XOAUTH2", "someuser@example.com", "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg"),
            "dXNlcj1zb21ldXNlckBleGFtcGxlLmNvbQFhdXRoPUJlYXJlciB5YTI5LnZGOWRmdDRxbVRjMk52YjNSbGNr"
            "QmhkSFJoZG1semRHRXVZMjl0Q2cBAQ==\n")

    def test_oauthbearer_rfc7628_example(self):
        token = "vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg=="
        self.assert_ok(
            gen("OAUTHBEARER", "--authzid", "user@example.com", "--host", "server.example.com",
                "--port", "143", "--token-env", "TOKEN", extra_env={"TOKEN": token}),
            "bixhPXVzZXJAZXhhbXBsZS5jb20sAWhvc3Q9c2VydmVyLmV4YW1wbGUuY29tAXBvcnQ9MTQzAWF1dGg9"
            "QmVhcmVyIHZGOWRmdDRxbVRjMk52YjNSbGNrQmhiSFJoZG1semRHRXVZMjl0Q2c9PQEB\n")

    def test_external_and_anonymous(self):
        self.assert_ok(gen("EXTERNAL"), "\n")
        self.assert_ok(gen("EXTERNAL", "--authzid", "admin"), b64("admin") + "\n")
        self.assert_ok(gen("EXTERNAL", "admin"), b64("admin") + "\n")
        self.assert_ok(gen("ANONYMOUS", "--trace", "sirhc"), b64("sirhc") + "\n")
        self.assert_ok(gen("ANONYMOUS"), "\n")
        self.assert_fails(gen("EXTERNAL", "admin", "pw"), USAGE, "EXTERNAL")

    def test_unknown_mechanism_lists_known_ones(self):
        line = self.assert_fails(gen("FOO", "u", "p"), USAGE, "FOO")
        for name in ["PLAIN", "LOGIN", "CRAM-MD5", "SCRAM-SHA-256", "XOAUTH2", "OAUTHBEARER"]:
            self.assertIn(name, line)
        # Whatever was typed comes back escaped, never as a raw terminal escape.
        r = gen("FOO\x1b[31m", "u", "p")
        self.assertEqual(r.returncode, USAGE)
        self.assertNotIn(b"\x1b", r.stderr)
        self.assertIn(b"FOO\\x1b[31m", r.stderr)

    def test_options_that_do_not_apply_are_refused(self):
        self.assert_fails(gen("LOGIN", "u", "p", "--authzid", "x"), USAGE, "--authzid")
        self.assert_fails(gen("PLAIN", "u", "p", "--challenge", "PDw+"), USAGE, "--challenge")
        self.assert_fails(gen("PLAIN", "u", "p", "--host", "h"), USAGE, "--host")
        self.assert_fails(gen("PLAIN", "u", "p", "--client-nonce", "abc"), USAGE,
                          "--client-nonce")
        self.assert_fails(gen("PLAIN", "u", "p", "--line", "http"), USAGE, "--line")
        self.assert_fails(gen("PLAIN", "u", "p", "--line", ""), USAGE, "--line")
        self.assert_fails(gen("XOAUTH2", "u", "--password-env", "HOME"), USAGE, "token")
        self.assert_fails(gen("PLAIN", "u", "--token-env", "HOME"), USAGE, "password")
        self.assert_fails(gen("SCRAM-SHA-256-PLUS", "u", "p"), USAGE, "channel")

    def test_missing_user_and_bad_port(self):
        self.assert_fails(gen("PLAIN"), USAGE, "user")
        self.assert_fails(gen("OAUTHBEARER", "u", "t", "--port", "70000"), USAGE)

    def test_invalid_utf8_password_error_hides_it(self):
        with tempfile.NamedTemporaryFile() as f:
            f.write(b"Sekr1t\xff\xfe\n")
            f.flush()
            r = gen("SCRAM-SHA-256", "user", "--client-nonce", "abc", "--password-file", f.name)
        self.assertNotEqual(r.returncode, 0)
        self.assertNotIn(b"Sekr1t", r.stderr)


class ScramTest(GenTestCase):
    def test_rfc_vectors_stateless(self):
        for mech, v in SCRAM_VECTORS.items():
            with self.subTest(mech=mech):
                first = gen(mech, "user", "pencil", "--client-nonce", v["nonce"])
                self.assert_ok(first, v["wire_first"] + "\n")
                self.assertEqual(base64.b64decode(first.stdout), v["client_first"].encode())
                final = gen(mech, "user", "pencil", "--client-nonce", v["nonce"],
                            "--server-first", b64(v["server_first"]))
                self.assert_ok(final, b64(v["client_final"]) + "\n")
                verified = gen(mech, "user", "pencil", "--client-nonce", v["nonce"],
                               "--server-first", b64(v["server_first"]),
                               "--server-final", b64(v["server_final"]))
                self.assert_ok(verified, "")
                self.assertIn(b"server verified", verified.stderr)

    def test_wrong_server_signature_fails(self):
        v = SCRAM_VECTORS["SCRAM-SHA-1"]
        r = gen("SCRAM-SHA-1", "user", "pencil", "--client-nonce", v["nonce"],
                "--server-first", b64(v["server_first"]),
                "--server-final", b64("v=" + b64(b"x" * 20)))
        line = self.assert_fails(r, PROTOCOL, "server-final")
        self.assertNotIn("pencil", line)
        r = gen("SCRAM-SHA-1", "user", "pencil", "--client-nonce", v["nonce"],
                "--server-first", b64(v["server_first"]),
                "--server-final", b64("e=invalid-proof"))
        self.assertNotEqual(r.returncode, 0)
        self.assertIn(b"invalid-proof", r.stderr)

    def test_stateless_steps_need_earlier_ones(self):
        v = SCRAM_VECTORS["SCRAM-SHA-1"]
        self.assert_fails(gen("SCRAM-SHA-1", "user", "pencil", "--server-first",
                              b64(v["server_first"])), USAGE, "--client-nonce")
        self.assert_fails(gen("SCRAM-SHA-1", "user", "pencil", "--client-nonce", v["nonce"],
                              "--server-final", b64(v["server_final"])), USAGE, "--server-first")
        self.assert_fails(gen("SCRAM-SHA-1", "user", "pencil", "--client-nonce", "abc",
                              "--server-first", "not base64!"), BAD_INPUT, "--server-first")
        # A server nonce that does not extend the client's.
        self.assert_fails(gen("SCRAM-SHA-1", "user", "pencil", "--client-nonce", "abc",
                              "--server-first", b64(v["server_first"])), BAD_INPUT, "nonce")

    def test_interactive_over_a_pipe_against_a_python_server(self):
        # The test is the server: it reads client-first, answers, checks the proof with its
        # own RFC 5802 code, and sends the server signature.
        for mech, digest in [("SCRAM-SHA-1", "sha1"), ("SCRAM-SHA-256", "sha256")]:
            with self.subTest(mech=mech):
                self._scram_server_dialogue(mech, digest, good_signature=True)
        self._scram_server_dialogue("SCRAM-SHA-256", "sha256", good_signature=False)

    def _scram_server_dialogue(self, mech, digest, good_signature):
        password, salt, iterations = b"pencil", b"salt-for-test", 4096
        proc = subprocess.Popen([clitest.binary(), "gen", mech, "user", "--password-env", "PW"],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, env=dict(os.environ, PW="pencil"))
        try:
            def read_line():
                deadline = time.monotonic() + 20
                data = b""
                while not data.endswith(b"\n"):
                    ready, _, _ = select.select([proc.stdout], [], [],
                                                max(0, deadline - time.monotonic()))
                    self.assertTrue(ready, "client did not answer in time")
                    chunk = os.read(proc.stdout.fileno(), 1)
                    self.assertTrue(chunk, "client closed stdout early")
                    data += chunk
                return base64.b64decode(data.strip()).decode()

            client_first = read_line()
            self.assertTrue(client_first.startswith("n,,n=user,r="))
            bare = client_first[3:]
            nonce = bare.split("r=", 1)[1] + "ServerPart"
            server_first = "r=%s,s=%s,i=%d" % (nonce, b64(salt), iterations)
            proc.stdin.write((b64(server_first) + "\n").encode())
            proc.stdin.flush()

            client_final = read_line()
            without_proof, proof = client_final.rsplit(",p=", 1)
            self.assertEqual(without_proof, "c=biws,r=" + nonce)
            salted = hashlib.pbkdf2_hmac(digest, password, salt, iterations)
            client_key = hmac.new(salted, b"Client Key", digest).digest()
            stored_key = hashlib.new(digest, client_key).digest()
            auth_message = ",".join([bare, server_first, without_proof]).encode()
            signature = hmac.new(stored_key, auth_message, digest).digest()
            expected_proof = bytes(a ^ b for a, b in zip(client_key, signature))
            self.assertEqual(base64.b64decode(proof), expected_proof, "client proof")
            server_key = hmac.new(salted, b"Server Key", digest).digest()
            server_sig = hmac.new(server_key, auth_message, digest).digest()
            if not good_signature:
                server_sig = bytes(b ^ 1 for b in server_sig)
            # Pasted with the SMTP prefix, as a user would copy it.
            proc.stdin.write(("334 " + b64("v=" + b64(server_sig)) + "\n").encode())
            proc.stdin.close()
            status = proc.wait(timeout=20)
            stderr = proc.stderr.read()
            if good_signature:
                self.assertEqual(status, 0, stderr)
                self.assertIn(b"server verified", stderr)
            else:
                self.assertEqual(status, PROTOCOL, stderr)
                self.assertIn(b"server-final", stderr)
            self.assertNotIn(b"pencil", stderr)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=5)
            proc.stdout.close()
            proc.stderr.close()
            if not proc.stdin.closed:
                proc.stdin.close()

    def test_interactive_at_a_terminal(self):
        # Prompts on the terminal, the messages on stdout (the same terminal here).
        salt, iterations = b"terminal-salt", 4096

        def messages_starting(output, prefix):
            found = []
            for line in output.replace(b"\r", b"").split(b"\n"):
                try:
                    text = base64.b64decode(line.strip(), validate=True).decode()
                except (ValueError, UnicodeDecodeError):
                    continue
                if text.startswith(prefix):
                    found.append(text)
            return found

        with clitest.PtySession(["gen", "SCRAM-SHA-256", "user"]) as s:
            s.expect("assword")
            self.assertTrue(s.wait_for_echo(False))
            s.send("pencil\n")
            s.expect("server-first")
            (client_first,) = messages_starting(s.output, "n,,n=user,r=")
            bare = client_first[3:]
            nonce = bare.split("r=", 1)[1] + "TTY"
            server_first = "r=%s,s=%s,i=%d" % (nonce, b64(salt), iterations)
            s.send("+ " + b64(server_first) + "\n")
            s.expect("server-final")
            (client_final,) = messages_starting(s.output, "c=biws,")
            without_proof = client_final.rsplit(",p=", 1)[0]
            salted = hashlib.pbkdf2_hmac("sha256", b"pencil", salt, iterations)
            server_key = hmac.new(salted, b"Server Key", "sha256").digest()
            auth_message = ",".join([bare, server_first, without_proof]).encode()
            signature = hmac.new(server_key, auth_message, "sha256").digest()
            s.send(b64("v=" + b64(signature)) + "\n")
            self.assertEqual(s.wait(), 0, s.output)
            self.assertIn(b"server verified", s.output)
            self.assertNotIn(b"pencil", s.output)

    def test_interactive_pipe_that_ends_early(self):
        r = gen("SCRAM-SHA-1", "user", "pencil")
        self.assertEqual(r.returncode, USAGE)
        self.assertEqual(len(r.stdout.splitlines()), 1)  # the client-first message
        self.assertIn(b"server-first", r.stderr)


class SecretSourceTest(GenTestCase):
    EXPECTED = "AHVzZXIAUzNjcjN0IHcwcmQ=\n"  # \0user\0S3cr3t w0rd
    PASSWORD = "S3cr3t w0rd"

    def test_argument(self):
        self.assert_ok(gen("PLAIN", "user", self.PASSWORD), self.EXPECTED)

    def test_file_first_line_crlf_stripped(self):
        with tempfile.NamedTemporaryFile() as f:
            f.write((self.PASSWORD + "\r\nsecond line\n").encode())
            f.flush()
            self.assert_ok(gen("PLAIN", "user", "--password-file", f.name), self.EXPECTED)

    def test_file_dash_is_stdin(self):
        self.assert_ok(gen("PLAIN", "user", "--password-file", "-",
                           input=self.PASSWORD + "\n"), self.EXPECTED)

    def test_env(self):
        self.assert_ok(gen("PLAIN", "user", "--password-env", "MY_PW",
                           extra_env={"MY_PW": self.PASSWORD}), self.EXPECTED)

    def test_stdin_option(self):
        self.assert_ok(gen("PLAIN", "user", "--password-stdin", input=self.PASSWORD),
                       self.EXPECTED)

    def test_stdin_fallback_reads_one_line(self):
        self.assert_ok(gen("PLAIN", "user", input=self.PASSWORD + "\nignored\n"), self.EXPECTED)

    def test_token_sources(self):
        expected = b64("user=u@example.com\x01auth=Bearer tok-123\x01\x01") + "\n"
        with tempfile.NamedTemporaryFile() as f:
            f.write(b"tok-123\n")
            f.flush()
            self.assert_ok(gen("XOAUTH2", "u@example.com", "--token-file", f.name), expected)
        self.assert_ok(gen("XOAUTH2", "u@example.com", "--token-env", "TK",
                           extra_env={"TK": "tok-123"}), expected)
        self.assert_ok(gen("XOAUTH2", "u@example.com", "--token-stdin", input="tok-123\n"),
                       expected)
        self.assert_ok(gen("XOAUTH2", "u@example.com", "tok-123"), expected)

    def test_two_sources_is_a_usage_error(self):
        line = self.assert_fails(gen("PLAIN", "user", "pw", "--password-env", "HOME"), USAGE,
                                 "one way")
        self.assertNotIn("pw", line.replace("password", ""))
        self.assert_fails(gen("PLAIN", "user", "--password-stdin", "--password-file", "/dev/null"),
                          USAGE, "--password-file", "--password-stdin")

    def test_source_errors(self):
        self.assert_fails(gen("PLAIN", "user", "--password-file", "/nonexistent/pw"), NO_INPUT,
                          "/nonexistent/pw")
        self.assert_fails(gen("PLAIN", "user", "--password-file", "/"), NO_INPUT)
        self.assert_fails(gen("PLAIN", "user", "--password-env", "SMTPAUTH_UNSET_VARIABLE"),
                          BAD_INPUT, "SMTPAUTH_UNSET_VARIABLE")
        self.assert_fails(gen("PLAIN", "user", "--password-stdin"), USAGE)
        with tempfile.NamedTemporaryFile() as f:
            self.assert_fails(gen("PLAIN", "user", "--password-file", f.name), USAGE, "empty")

    def test_no_terminal_and_no_stdin_never_hangs(self):
        r = gen("PLAIN", "user", timeout=10)
        self.assert_fails(r, USAGE, "no password given")

    def test_prompt_on_a_terminal_without_echo(self):
        with clitest.PtySession(["gen", "PLAIN", "user"]) as s:
            s.expect("assword")
            self.assertTrue(s.wait_for_echo(False), "echo must be off while typing")
            s.send(self.PASSWORD + "\n")
            self.assertEqual(s.wait(), 0)
            self.assertNotIn(self.PASSWORD.encode(), s.output)
            self.assertIn(self.EXPECTED.strip().encode(), s.output)

    def test_prompt_eof_is_a_usage_error(self):
        with clitest.PtySession(["gen", "PLAIN", "user"]) as s:
            s.expect("assword")
            self.assertTrue(s.wait_for_echo(False))
            s.send("\x04")  # Ctrl-D
            self.assertEqual(s.wait(), USAGE)
            self.assertIn(b"no password given", s.output)

    def test_ctrl_c_at_the_prompt_gives_the_echo_back(self):
        with clitest.PtySession(["gen", "PLAIN", "user"]) as s:
            s.expect("assword")
            self.assertTrue(s.wait_for_echo(False))
            s.send("\x03")  # Ctrl-C: SIGINT from the terminal
            self.assertEqual(s.wait(), -2)
            self.assertTrue(s.echo_enabled(), "the terminal was left without echo")

    def test_terminal_challenge_prompt(self):
        with clitest.PtySession(["gen", "CRAM-MD5", "tim", "--password-env", "PW"],
                                env=dict(os.environ, PW="tanstaaftanstaaf")) as s:
            s.expect("challenge")
            s.send(RFC2195_CHALLENGE_B64 + "\n")
            self.assertEqual(s.wait(), 0)
            self.assertIn(b"dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw", s.output)

    def test_argument_is_hidden_from_ps(self):
        # While gen waits for the CRAM challenge, its command line must not show the password.
        proc = subprocess.Popen([clitest.binary(), "gen", "CRAM-MD5", "tim", "Sekr1t-arg"],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        try:
            deadline = time.monotonic() + 10
            cmdline = b""
            while time.monotonic() < deadline:
                with open("/proc/%d/cmdline" % proc.pid, "rb") as f:
                    cmdline = f.read()
                if b"CRAM-MD5" in cmdline and b"Sekr1t-arg" not in cmdline:
                    break
                time.sleep(0.02)
            self.assertIn(b"CRAM-MD5", cmdline)
            self.assertNotIn(b"Sekr1t-arg", cmdline)
            out, err = proc.communicate((RFC2195_CHALLENGE + "\n").encode(), timeout=10)
            mac = hmac.new(b"Sekr1t-arg", RFC2195_CHALLENGE.encode(), hashlib.md5).hexdigest()
            self.assertEqual(out, (b64("tim " + mac) + "\n").encode())
            self.assertEqual(proc.returncode, 0, err)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=5)

    def test_password_never_on_stderr(self):
        pw = "Sekr1t-never-shown"
        cases = [
            ["PLAIN", "user", pw],
            ["PLAIN", "user", pw, "--password-env", "HOME"],
            ["CRAM-MD5", "user", pw, "--challenge", "***"],
            ["SCRAM-SHA-1", "user", pw, "--client-nonce", "abc", "--server-first", b64("x")],
            ["LOGIN", "user", pw, "--line", "bogus"],
            ["PLAIN", "user", pw, "--no-such-option"],
        ]
        for args in cases:
            with self.subTest(args=args):
                r = gen(*args)
                self.assertNotIn(pw.encode(), r.stderr)


class LineAndJsonTest(GenTestCase):
    def test_plain_lines(self):
        self.assert_ok(gen("PLAIN", "user", "pass", "--line", "smtp"),
                       "AUTH PLAIN AHVzZXIAcGFzcw==\n")
        self.assert_ok(gen("PLAIN", "user", "pass", "--line", "pop3"),
                       "AUTH PLAIN AHVzZXIAcGFzcw==\n")
        self.assert_ok(gen("PLAIN", "user", "pass", "--line", "IMAP"),
                       "a1 AUTHENTICATE PLAIN AHVzZXIAcGFzcw==\n")
        self.assert_ok(gen("PLAIN", "user", "pass", "--line", "smtp", "--no-initial-response"),
                       "AUTH PLAIN\nAHVzZXIAcGFzcw==\n")

    def test_server_first_mechanisms_use_two_steps(self):
        self.assert_ok(gen("CRAM-MD5", "tim", "tanstaaftanstaaf", "--challenge", RFC2195_CHALLENGE,
                           "--line", "smtp"),
                       "AUTH CRAM-MD5\ndGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw\n")
        self.assert_ok(gen("LOGIN", "tim", "tanstaaftanstaaf", "--line", "imap"),
                       "a1 AUTHENTICATE LOGIN\ndGlt\ndGFuc3RhYWZ0YW5zdGFhZg==\n")

    def test_empty_initial_response_is_equals_sign(self):
        self.assert_ok(gen("EXTERNAL", "--line", "smtp"), "AUTH EXTERNAL =\n")
        self.assert_ok(gen("EXTERNAL", "--line", "imap"), "a1 AUTHENTICATE EXTERNAL =\n")

    def _xoauth2_token_for(self, total_ir_chars):
        # user=u\x01auth=Bearer T\x01\x01 is 22 bytes + len(T); pick a length whose base64
        # (no padding) has exactly total_ir_chars characters.
        self.assertEqual(total_ir_chars % 4, 0)
        raw_len = total_ir_chars // 4 * 3
        return "t" * (raw_len - 22)

    def test_smtp_512_octet_limit(self):
        prefix = len("AUTH XOAUTH2 ")
        fits = self._xoauth2_token_for(512 - 2 - prefix - (512 - 2 - prefix) % 4)
        r = gen("XOAUTH2", "u", fits, "--line", "smtp")
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = r.stdout.decode().splitlines()
        self.assertEqual(len(lines), 1)
        self.assertLessEqual(len(lines[0]) + 2, 512)
        self.assertTrue(lines[0].startswith("AUTH XOAUTH2 "))
        too_long = fits + "ttt"  # 4 more base64 characters: over 512 octets with CRLF
        r = gen("XOAUTH2", "u", too_long, "--line", "smtp")
        lines = r.stdout.decode().splitlines()
        self.assertEqual(lines[0], "AUTH XOAUTH2")
        self.assertEqual(len(lines), 2)
        self.assertEqual(base64.b64decode(lines[1]),
                         ("user=u\x01auth=Bearer " + too_long + "\x01\x01").encode())
        self.assertGreater(len("AUTH XOAUTH2 " + lines[1]) + 2, 512)
        # The same token still fits IMAP's 8192 budget.
        r = gen("XOAUTH2", "u", too_long, "--line", "imap")
        self.assertEqual(len(r.stdout.splitlines()), 1)

    def test_pop3_255_octet_limit(self):
        prefix = len("AUTH XOAUTH2 ")
        fits = self._xoauth2_token_for(255 - 2 - prefix - (255 - 2 - prefix) % 4)
        self.assertEqual(len(gen("XOAUTH2", "u", fits, "--line", "pop3").stdout.splitlines()), 1)
        r = gen("XOAUTH2", "u", fits + "ttt", "--line", "pop3")
        self.assertEqual(r.stdout.decode().splitlines()[0], "AUTH XOAUTH2")
        self.assertEqual(len(r.stdout.splitlines()), 2)

    def test_json(self):
        r = gen("PLAIN", "user", "pass", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        doc = json.loads(r.stdout)
        self.assertEqual(doc["mechanism"], "PLAIN")
        self.assertEqual(doc["messages"], [{"role": "initial-response",
                                            "base64": "AHVzZXIAcGFzcw==", "secret": True}])
        self.assertNotIn("lines", doc)
        doc = json.loads(gen("login", "tim", "pw", "--json", "--line", "smtp").stdout)
        self.assertEqual(doc["mechanism"], "LOGIN")
        self.assertEqual([m["base64"] for m in doc["messages"]], [b64("tim"), b64("pw")])
        self.assertEqual([m["secret"] for m in doc["messages"]], [False, True])
        self.assertEqual(doc["protocol"], "smtp")
        self.assertEqual(doc["lines"], ["AUTH LOGIN", b64("tim"), b64("pw")])
        doc = json.loads(gen("XOAUTH2", "u", "t", "--json").stdout)
        self.assertFalse(doc["standard"])

    def test_json_scram_stateless(self):
        v = SCRAM_VECTORS["SCRAM-SHA-256"]
        r = gen("SCRAM-SHA-256", "user", "pencil", "--client-nonce", v["nonce"], "--server-first",
                b64(v["server_first"]), "--server-final", b64(v["server_final"]), "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        doc = json.loads(r.stdout)
        self.assertEqual([m["role"] for m in doc["messages"]], ["client-first", "client-final"])
        self.assertEqual(doc["messages"][0]["base64"], v["wire_first"])
        self.assertEqual(doc["messages"][1]["base64"], b64(v["client_final"]))
        self.assertTrue(doc["server_verified"])
        self.assert_fails(gen("SCRAM-SHA-256", "user", "pencil", "--json"), USAGE, "--json")


class HelpVersionTest(GenTestCase):
    def test_version(self):
        r = clitest.run(["--version"])
        self.assertEqual(r.returncode, 0)
        self.assertRegex(r.stdout.decode(), r"^smtpauth \d+\.\d+\.\d+\n$")

    def test_help(self):
        r = clitest.run(["--help"])
        self.assertEqual(r.returncode, 0)
        self.assertIn(b"gen", r.stdout)
        r = clitest.run(["gen", "--help"])
        self.assertEqual(r.returncode, 0)
        for option in [b"--authzid", b"--password-file", b"--password-env", b"--password-stdin",
                       b"--token-file", b"--challenge", b"--client-nonce", b"--server-first",
                       b"--server-final", b"--line", b"--json", b"SCRAM-SHA-256"]:
            self.assertIn(option, r.stdout)

    def test_usage_errors(self):
        self.assert_fails(clitest.run([]), USAGE)
        self.assert_fails(gen("PLAIN", "u", "p", "--no-such-option"), USAGE, "--no-such-option")
        self.assert_fails(gen(), USAGE)


if __name__ == "__main__":
    unittest.main()
