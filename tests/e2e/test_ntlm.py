"""End-to-end: NTLM (MS-NLMP). `decode` of NEGOTIATE/CHALLENGE/AUTHENTICATE captured from real
clients (curl: NTLMv2, gsasl/libntlm: NTLMv1), `decode --check-password` on NTLMv2, hostile
CHALLENGE messages, a live exchange between curl and the test Dovecot, whose NTLM is Samba's
ntlm_auth (tests/servers/dovecot_server.py, ntlm=True): the server that accepts the password is
not our code, and our check must agree with it; `probe --mech NTLM` (Cyrus's NTLM plugin)
against that Dovecot over SMTP submission, IMAP and POP3, and against scripted servers that
send malformed CHALLENGEs.
"""

import base64
import json
import os
import re
import subprocess
import sys
import unittest

import clitest

SOURCE_DIR = clitest.source_dir()
FIXTURES = os.path.join(SOURCE_DIR, "tests", "fixtures", "transcripts")
sys.path.insert(0, os.path.join(SOURCE_DIR, "tests", "servers"))
import dovecot_server  # noqa: E402  (path set above)
from scripted_server import ImapScript, ProbeCase, SmtpScript, good_context  # noqa: E402

FIXTURE_PASSWORD = "S3cret-Pass.42"
PW_ENV = "SMTPAUTH_TEST_CHECK_PASSWORD"


def fixture(name):
    return os.path.join(FIXTURES, name + ".txt")


def decode(args, input=None, password=None, extra_env=None):
    env = dict(extra_env or {})
    if password is not None:
        env[PW_ENV] = password
        args = ["--check-password-env", PW_ENV] + list(args)
    return clitest.run(["decode"] + list(args), input=input, extra_env=env)


def ntlm_messages(text):
    return [base64.b64decode(m) for m in re.findall(r"TlRMTVNTUA[A-Za-z0-9+/=]+", text)]


def challenge(target_info, ti_len=None, ti_off=48):
    """A CHALLENGE (flags UNICODE|NTLM|TARGET_INFO, challenge 0123456789abcdef) whose target
    info Fields say `ti_len` bytes at `ti_off` (default: the real ones)."""
    head = b"NTLMSSP\0" + (2).to_bytes(4, "little") + b"\0" * 8
    head += (0x00800201).to_bytes(4, "little") + bytes.fromhex("0123456789abcdef") + b"\0" * 8
    n = len(target_info) if ti_len is None else ti_len
    head += n.to_bytes(2, "little") * 2 + ti_off.to_bytes(4, "little")
    return head + target_info


DOMAIN = "Domain".encode("utf-16le")


class NtlmDecode(unittest.TestCase):
    def test_ntlmv2_exchange_from_curl_explained_and_masked(self):
        proc = decode([fixture("curl-imap-ntlm")])
        self.assertEqual(proc.returncode, 0, proc.stderr)
        out = proc.stdout.decode()
        self.assertIn("NTLM NEGOTIATE (type 1)", out)
        self.assertIn("NTLM CHALLENGE (type 2)", out)
        self.assertIn("NTLM AUTHENTICATE (type 3)", out)
        self.assertRegex(out, r"flags: +0x[0-9a-f]{8} .*NEGOTIATE_NTLM .*NEGOTIATE_TARGET_INFO")
        self.assertRegex(out, r"target-info\.MsvAvNbComputerName: +\S+")
        self.assertRegex(out, r"target-info\.MsvAvTimestamp: +20\d\d-\d\d-\d\d \d\d:\d\d:\d\d UTC")
        self.assertRegex(out, r"user: +carol\n")
        self.assertRegex(out, r"workstation: +WORKSTATION\n")
        self.assertRegex(out, r"response: +NTLMv2\n")
        self.assertRegex(out, r"version: +\d+\.\d+ build \d+, NTLM revision 15")
        self.assertRegex(out, r"nt-proof-str: +<hidden, 32 bytes; --show-secrets to show>")
        self.assertRegex(out, r"lm-response: +<hidden, 48 bytes; --show-secrets to show>")
        # The proof is what the AUTHENTICATE carries; shown only on request.
        with open(fixture("curl-imap-ntlm"), encoding="utf-8") as f:
            authenticate = ntlm_messages(f.read())[-1]
        nt_len = int.from_bytes(authenticate[20:22], "little")
        nt_off = int.from_bytes(authenticate[24:28], "little")
        proof = authenticate[nt_off:nt_off + 16].hex()
        self.assertGreater(nt_len, 24)
        self.assertNotIn(proof, out)
        shown = decode(["--show-secrets", fixture("curl-imap-ntlm")])
        self.assertRegex(shown.stdout.decode(), r"nt-proof-str: +" + proof + "\n")

    def test_json_marks_the_responses_secret(self):
        proc = decode(["--json", fixture("curl-smtp-ntlm")])
        self.assertEqual(proc.returncode, 0, proc.stderr)
        doc = json.loads(proc.stdout)
        fields = {}
        for m in doc["messages"]:
            for f in m.get("fields", []):
                fields.setdefault(f["name"], f)
        for name in ("nt-proof-str", "lm-response"):
            self.assertIs(fields[name]["secret"], True)
            self.assertIs(fields[name]["hidden"], True)
            self.assertIsNone(fields[name]["value"])
        self.assertEqual(fields["user"]["value"], "carol")
        self.assertEqual(fields["response"]["value"], "NTLMv2")

    def test_ntlmv1_from_gsasl_is_named_and_not_checkable(self):
        proc = decode([fixture("gsasl-smtp-ntlm")])
        self.assertEqual(proc.returncode, 0, proc.stderr)
        out = proc.stdout.decode()
        self.assertRegex(out, r"response: +NTLMv1\n")
        self.assertRegex(out, r"nt-response: +<hidden, 48 bytes")
        self.assertRegex(out, r"domain: +carol\n")  # libntlm sends the user as the domain
        self.assertIn("--check-password checks NTLMv2 only", out)
        check = decode([fixture("gsasl-smtp-ntlm")], password=FIXTURE_PASSWORD)
        self.assertEqual(check.returncode, 65)
        self.assertIn(b"nothing to check", check.stderr)

    def test_check_password_ntlmv2_right_0_wrong_1(self):
        for name in ("curl-imap-ntlm", "curl-smtp-ntlm"):
            with self.subTest(fixture=name):
                right = decode([fixture(name)], password=FIXTURE_PASSWORD)
                self.assertEqual(right.returncode, 0, right.stderr)
                self.assertRegex(right.stdout.decode(),
                                 r"password matches \(NTLM, line \d+, user carol\)")
                wrong = decode([fixture(name)], password="S3cret-Pass.43")
                self.assertEqual(wrong.returncode, 1, wrong.stderr)
                self.assertIn("password does NOT match (NTLM", wrong.stdout.decode())

    def test_check_without_md4_says_why(self):
        # MD4 lives in OpenSSL 3's legacy provider; without it the check cannot be done.
        proc = decode([fixture("curl-imap-ntlm")], password=FIXTURE_PASSWORD,
                      extra_env={"OPENSSL_MODULES": "/nonexistent-ossl-modules"})
        self.assertEqual(proc.returncode, 82, proc.stderr)
        err = proc.stderr.decode()
        self.assertIn("legacy provider could not be loaded", err)
        self.assertIn("MD4", err)
        self.assertNotIn("password matches", proc.stdout.decode())
        # Decoding alone needs no MD4.
        plain = decode([fixture("curl-imap-ntlm")],
                       extra_env={"OPENSSL_MODULES": "/nonexistent-ossl-modules"})
        self.assertEqual(plain.returncode, 0, plain.stderr)

    def test_gen_points_to_probe(self):
        # The NTLM client is Cyrus's plugin answering a live server: gen has nothing to run.
        proc = clitest.run(["gen", "NTLM", "tim", "--password-env", PW_ENV],
                           extra_env={PW_ENV: "pw"})
        self.assertEqual(proc.returncode, 64, proc.stderr)
        self.assertIn(b"NTLM runs in a Cyrus SASL plugin against a live server; use 'smtpauth "
                      b"probe --mech NTLM'", proc.stderr)
        self.assertEqual(proc.stdout, b"")
        self.assertNotIn(b"NTLM", clitest.run(["gen", "--help"]).stdout.split(b"Mechanisms:")[1])

    def test_hostile_challenges_become_notes(self):
        good = b"\x02\x00\x0c\x00" + DOMAIN + b"\0\0\0\0"
        cases = {
            "length past the end": (challenge(good, ti_len=0xFFFF),
                                    "target info: offset 48 + length 65535 points past the end"),
            "offset past the end": (challenge(good, ti_off=0xFFFFFFF0),
                                    "offset 4294967280 + length 20 points past the end"),
            "pair overruns the list": (challenge(b"\x02\x00\xff\x00" + DOMAIN),
                                       "target info: MsvAvNbDomainName claims 255 bytes, but "
                                       "only 12 remain: the AV pair list overruns its field"),
            "no MsvAvEOL": (challenge(b"\x02\x00\x0c\x00" + DOMAIN),
                            "target info: the AV pair list ends without MsvAvEOL"),
            "truncated header": (b"NTLMSSP\0\x02\0\0\0" + b"\0" * 10,
                                 "shorter than its 32-byte minimum"),
        }
        for name, (msg, note) in cases.items():
            with self.subTest(case=name):
                line = "S: 334 " + base64.b64encode(msg).decode()
                proc = decode(["-"], input="C: AUTH NTLM\n" + line + "\n")
                self.assertEqual(proc.returncode, 0, proc.stderr)
                out = proc.stdout.decode()
                self.assertIn("NTLM CHALLENGE (type 2)", out)
                self.assertRegex(out, r"\n    note: .*" + re.escape(note))


class NtlmDovecot(unittest.TestCase):
    """The test Dovecot with NTLM through Samba's ntlm_auth; curl is the client."""

    @classmethod
    def setUpClass(cls):
        cls.server = dovecot_server.DovecotServer(ntlm=True)
        cls.info = cls.server.start()

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def curl(self, url, password, *extra):
        return subprocess.run(["curl", "-sSv", "--max-time", "20", url, "-u", f"alice:{password}",
                               "--login-options", "AUTH=NTLM", *extra],
                              capture_output=True, timeout=30, check=False)

    def test_live_exchange_checked_like_the_server_does(self):
        host, ports = self.info["host"], self.info["ports"]
        targets = {
            "imap": (f"imap://{host}:{ports['imap']}/", []),
            "smtp": (f"smtp://{host}:{ports['submission']}", [
                "--mail-from", "alice@localhost", "--mail-rcpt", "alice@localhost",
                "-T", "/dev/null"]),
        }
        good = self.info["ntlm_password"]
        for proto, (url, extra) in targets.items():
            with self.subTest(protocol=proto):
                ok = self.curl(url, good, *extra)
                self.assertEqual(ok.returncode, 0, ok.stderr[-2000:])
                transcript = ok.stderr
                right = decode(["-"], input=transcript, password=good)
                self.assertEqual(right.returncode, 0, right.stderr)
                self.assertRegex(right.stdout.decode(), r"password matches \(NTLM, line \d+, "
                                                        r"user alice\)")
                wrong = decode(["-"], input=transcript, password=good + "x")
                self.assertEqual(wrong.returncode, 1, wrong.stderr)
                # And the server itself refuses a wrong password (curl: 67, login denied).
                bad = self.curl(url, good + "x", *extra)
                self.assertEqual(bad.returncode, 67, bad.stderr[-2000:])

    def probe(self, listener, scheme, password):
        url = f"{scheme}://{self.info['host']}:{self.info['ports'][listener]}"
        return clitest.run(["probe", "--json", url, "--cafile", self.info["ca"], "--user",
                            "alice", "--password-env", PW_ENV, "--mech", "NTLM"],
                           extra_env={PW_ENV: password}, timeout=60)

    def test_probe_good_0_bad_77(self):
        good = self.info["ntlm_password"]
        for listener, scheme in (("submission", "smtp"), ("imap", "imap"), ("pop3", "pop3")):
            with self.subTest(listener=listener):
                ok = self.probe(listener, scheme, good)
                self.assertEqual(ok.returncode, 0, ok.stderr)
                auth = json.loads(ok.stdout)["auth"]
                self.assertEqual(auth["mechanism"], "NTLM")
                self.assertEqual(auth["result"], "accepted")
                # AUTH with the NEGOTIATE as initial response, then the AUTHENTICATE.
                self.assertEqual(auth["round_trips"], 2)
                bad = self.probe(listener, scheme, good + "x")
                self.assertEqual(bad.returncode, 77, bad.stderr)
                self.assertEqual(json.loads(bad.stdout)["auth"]["result"], "rejected")
                for out in (ok.stdout + ok.stderr, bad.stdout + bad.stderr):
                    self.assertNotIn(good.encode(), out)


def type2_answer(challenge, failure):
    """An AUTH hook that answers the client's NEGOTIATE with `challenge` (base64 text as
    bytes), then with `failure`, and records the AUTH line and the client's answer."""
    seen = {}

    def smtp(s, line):
        seen["auth"] = line
        s.send(b"334 " + challenge + b"\r\n")
        seen["answer"] = s.readline()
        s.send(failure)
    return smtp, seen


class NtlmProbeHostile(ProbeCase):
    """Servers that send malformed CHALLENGEs: the client cancels with "*" (RFC 4954 §4) and
    says what is wrong; nothing derived from the password is sent."""

    def smtp(self, challenge_b64):
        auth, seen = type2_answer(challenge_b64, b"501 5.7.0 Authentication cancelled\r\n")
        server = self.serve(SmtpScript(good_context(), caps_tls=[b"hostile.test", b"AUTH NTLM"],
                                       auth=auth))
        r = self.probe(server, f"smtp://127.0.0.1:{server.port}", extra=["--mech", "NTLM"])
        return server, r, seen

    def test_malformed_challenges_are_refused_with_the_reason(self):
        good = b"\x02\x00\x0c\x00" + DOMAIN + b"\0\0\0\0"
        cases = {
            "target info past the end": (
                challenge(good, ti_len=0xFFFF),
                r"NTLM: the server's CHALLENGE is malformed: target info: offset 48 \+ length "
                r"65535 points past the end of the 68-byte message"),
            "target info offset outside": (
                challenge(good, ti_off=0xFFFFFFF0),
                r"malformed: target info: offset 4294967280 \+ length 20 points past the end"),
            "AV pair overruns the list": (
                challenge(b"\x02\x00\xff\x00" + DOMAIN),
                r"malformed: target info: MsvAvNbDomainName claims 255 bytes, but only 12 "
                r"remain"),
            "truncated": (b"NTLMSSP\0\x02\0\0\0" + b"\0" * 10,
                          r"malformed: CHALLENGE is 22 bytes, shorter than its 32-byte minimum"),
            "a NEGOTIATE instead": (b"NTLMSSP\0\x01\0\0\0\x07\x02\0\0",
                                    r"CHALLENGE has message type 1 \(a CHALLENGE is 2\)"),
            "not NTLM": (b"hello, world",
                         r"CHALLENGE is not an NTLM message \(no NTLMSSP signature\)"),
        }
        for name, (msg, reason) in cases.items():
            with self.subTest(case=name):
                server, r, seen = self.smtp(base64.b64encode(msg))
                self.assertRegex(seen.get("auth", b"").decode(), r"^AUTH NTLM TlRMTVNTUAAB")
                self.assertEqual(seen.get("answer"), b"*", r.text())
                self.assert_failure(r, 76, stage="auth", message=reason)
                self.assert_no_secret_sent(server)

    def test_padding_only_or_bad_base64_is_cancelled(self):
        # CVE-2026-113868 (Thunderbird): an unchecked NTLM challenge; ours is decoded strictly.
        for payload in (b"====", b"TlRMTVNTUAAC*AAA"):
            with self.subTest(payload=payload):
                server, r, seen = self.smtp(payload)
                self.assertEqual(seen.get("answer"), b"*", r.text())
                self.assert_failure(r, 76, stage="auth", message=r"undecodable challenge")

    def test_sound_challenge_without_eol_is_answered(self):
        # Not every server ends its AV pair list (nor sends one: Cyrus's server does not):
        # a list that stays inside the message is answered with an AUTHENTICATE.
        server, r, seen = self.smtp(base64.b64encode(challenge(b"\x02\x00\x0c\x00" + DOMAIN)))
        self.assertRegex(seen.get("answer", b"").decode(), r"^TlRMTVNTUAAD")
        self.assert_failure(r, 77, stage="auth")

    def test_chosen_over_plain_and_login_without_mech(self):
        # Exchange's usual offer: NTLM sends no password over the wire, so it comes first.
        auth, seen = type2_answer(base64.b64encode(challenge(b"")),
                                  b"535 5.7.8 Authentication failed\r\n")
        server = self.serve(SmtpScript(good_context(),
                                       caps_tls=[b"hostile.test", b"AUTH LOGIN PLAIN NTLM"],
                                       auth=auth))
        r = self.probe(server, f"smtp://127.0.0.1:{server.port}")
        self.assertRegex(seen.get("auth", b"").decode(), r"^AUTH NTLM TlRMTVNTUAAB")
        self.assertRegex(seen.get("answer", b"").decode(), r"^TlRMTVNTUAAD")
        self.assert_failure(r, 77, stage="auth")
        self.assertEqual(r.json["auth"]["mechanism"], "NTLM")

    def test_imap_malformed_challenge(self):
        seen = {}

        def auth(s, line, tag):
            s.send(b"+ " + base64.b64encode(challenge(b"\x02\x00\xff\x00" + DOMAIN)) + b"\r\n")
            seen["answer"] = s.readline()
            s.send(tag + b" BAD Authentication cancelled\r\n")
        server = self.serve(ImapScript(good_context(),
                                       caps_tls=b"IMAP4rev1 SASL-IR AUTH=NTLM", auth=auth))
        r = self.probe(server, f"imap://127.0.0.1:{server.port}", extra=["--mech", "NTLM"])
        self.assertEqual(seen.get("answer"), b"*", r.text())
        self.assert_failure(r, 76, stage="auth", message=r"MsvAvNbDomainName claims 255 bytes")


if __name__ == "__main__":
    unittest.main()
