"""smtpauth decode on Kerberos exchanges (RFC 4752 GSSAPI, RFC 5801 GS2-KRB5): the messages are
labelled by their framing and the security-layer negotiation is read; the encrypted Kerberos
contents are not claimed. Inputs captured from Cyrus's clients and Dovecot against the test
realm of tests/servers/kdc.py (tests/fixtures/kerberos/)."""

import base64
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import clitest  # noqa: E402

FIXTURES = os.path.join(clitest.source_dir(), "tests", "fixtures", "kerberos")


def fixture(name):
    return os.path.join(FIXTURES, name)


class TestGssapiDecode(unittest.TestCase):
    def decode_json(self, *args):
        r = clitest.run(["decode", "--json", *args])
        self.assertEqual(r.returncode, 0, r.stderr)
        return json.loads(r.stdout)["messages"]

    def test_gssapi_exchange_labelled_step_by_step(self):
        msgs = self.decode_json(fixture("imap-gssapi.txt"))
        self.assertEqual([m["direction"] for m in msgs],
                         ["client", "server", "client", "server", "client", "server"])
        self.assertTrue(all(m["mechanism"] == "GSSAPI" for m in msgs))
        self.assertEqual([m["kind"] for m in msgs[:5]], ["kerberos"] * 5)
        self.assertIn("Kerberos AP-REQ", msgs[0]["summary"])
        self.assertIn("Kerberos AP-REP", msgs[1]["summary"])
        self.assertIn("empty response", msgs[2]["summary"])
        fields = {m["line"]: {f["name"]: f["value"] for f in m["fields"]} for m in msgs}
        self.assertEqual(fields[4]["security-layers"], "none")
        self.assertEqual(fields[4]["max-buffer"], "16777215")
        self.assertEqual(fields[5]["security-layer"], "none")
        self.assertEqual(fields[5]["max-buffer"], "0")
        self.assertEqual(fields[5]["authzid"], "")
        # Nothing more is claimed of the encrypted tokens than what they are.
        self.assertIn("does not decrypt", " ".join(msgs[0]["notes"]))
        self.assertEqual(set(fields[1]), {"token", "length"})

    def test_gssapi_text_output(self):
        r = clitest.run(["decode", fixture("imap-gssapi.txt")])
        self.assertEqual(r.returncode, 0, r.stderr)
        out = r.stdout.decode()
        self.assertIn("line 4, server, GSSAPI: GSSAPI security layers offered by the server", out)
        self.assertIn("security-layer: none", out)

    def test_gs2_krb5_first_message_by_name_and_by_content(self):
        msgs = self.decode_json(fixture("smtp-gs2-krb5.txt"))
        self.assertEqual(len(msgs), 1)
        m = msgs[0]
        self.assertEqual(m["mechanism"], "GS2-KRB5")
        self.assertEqual(m["kind"], "kerberos")
        self.assertIn("AP-REQ without the GSS-API header", m["summary"])
        f = {x["name"]: x["value"] for x in m["fields"]}
        self.assertEqual(f["gs2-cbind-flag"], "n")
        self.assertEqual(f["authzid"], "")
        # The bare base64 message alone: recognised by content (not as OAUTHBEARER, whose
        # messages also start with a GS2 header and 0x01).
        with open(fixture("smtp-gs2-krb5.txt"), encoding="ascii") as fh:
            token = fh.read().split()[-1]
        alone = self.decode_json(token)
        self.assertEqual(alone[0]["mechanism"], "GS2-KRB5")

    def test_not_a_kerberos_token_in_a_gssapi_exchange(self):
        junk = base64.b64encode(b"hello").decode()
        r = clitest.run(["decode", "--json", "-"],
                        input=f"C: AUTH GSSAPI {junk}\nS: 535 no\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        m = json.loads(r.stdout)["messages"][0]
        self.assertEqual(m["mechanism"], "GSSAPI")
        self.assertIn("not a Kerberos V5 GSS-API token", m["notes"])


if __name__ == "__main__":
    unittest.main()
