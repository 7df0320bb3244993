#!/usr/bin/env python3
"""Writes the seed corpora of the libFuzzer targets (tests/fuzz/corpus/<target>/): RFC test
vectors (RFC 4616, 2195, 4954, 5802, 7677, 7628) and the hostile bytes of SPEC-NOTES
"Hostile server cases". Run it again after editing; the files are committed."""

import base64
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

SCRAM1 = [
    b"n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL",
    b"r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096",
    b"c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=",
    b"v=rmF9pqV8S7suAoZWja4dJRkFsKQ=",
]
SCRAM256 = [
    b"n,,n=user,r=rOprNGfwEbeRWgbNEkqO",
    b"r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
    b"c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
    b"p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
    b"v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=",
]
SCRAM_HOSTILE = [
    b"r=abc,s=QSXCR+Q6sek8bf92,i=4096",  # nonce does not extend ours
    b"r=fyko+d2lbbFgONRv9qkxdawLX,s=QSXCR+Q6sek8bf92,i=1",
    b"r=fyko+d2lbbFgONRv9qkxdawLX,s=QSXCR+Q6sek8bf92,i=4294967295",
    b"r=fyko+d2lbbFgONRv9qkxdawLX,s=QSXCR+Q6sek8bf92,i=4294967296",
    b"r=fyko+d2lbbFgONRv9qkxdawLX,s=QSXCR+Q6sek8bf92,i=0",
    b"r=fyko+d2lbbFgONRv9qkxdawLX,s=QSXCR+Q6sek8bf92,i=-1",
    b"m=ext,r=fyko+d2lbbFgONRv9qkxdawLX,s=QSXCR+Q6sek8bf92,i=4096",
    b"r=fyko+d2lbbFgONRv9qkxdawLX,s=not*base64,i=4096",
    b"e=invalid-proof",
    b"e=other-error,x=y",
    b"v=AAAA",
    b"v=",
    b"n,a=ad=2Cmin=3D,n=us=2Cer,r=abc",
    b"p=tls-exporter,,n=user,r=abc",
    b"y,,n=user,r=abc,x=ext",
    b"n,,n=bad=escape,r=abc",
    b"c=eSws,r=abc,x=1,p=AAAA",
]
PLAIN_VECTORS = [
    b"\0tim\0tanstaaftanstaaf",
    b"test\0test\x001234",
    b"test\0test\0test",
]
CRAM_CHALLENGE = b"<1896.697170952@postoffice.reston.mci.net>"
CRAM_RESPONSE = b"tim b913a602c7eda7a495b4e6e7334d3890"
OAUTHBEARER_IR = (b"n,a=user@example.com,\x01host=server.example.com\x01port=143\x01"
                  b"auth=Bearer vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==\x01\x01")
XOAUTH2_IR = (b"user=someuser@example.com\x01auth=Bearer "
              b"ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg\x01\x01")
GOOGLE_ERROR = b'{"status":"401","schemes":"bearer mac","scope":"https://mail.google.com/"}\n'
OAUTHBEARER_ERROR = (b'{"status":"invalid_token","scope":"example_scope",'
                     b'"openid-configuration":"https://example.com/.well-known/openid-configuration"}')
HOSTILE = [
    b"\x1b]0;pwned-title\x07\x1b[2J\x1b[H\x1b[32mAuthentication succeeded\x1b[0m",
    b"hostile\0.test ESMTP \0\0 nul",
    b"=?not*base64!!==",
    b"\xff\xfe\xfd",
    b"{" * 200,
    b"[" * 200,
    b'{"status":',
]


def b64(data):
    return base64.b64encode(data)


def write(target, name, data):
    folder = os.path.join(HERE, "corpus", target)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def main():
    # base64: RFC 4648 §10 vectors, SASL tokens, and malformed text
    for i, raw in enumerate([b"", b"f", b"fo", b"foo", b"foob", b"fooba", b"foobar"]):
        write("base64", f"rfc4648-{i}", b64(raw))
    for i, raw in enumerate(PLAIN_VECTORS):
        write("base64", f"plain-{i}", b64(raw))
    for i, bad in enumerate([b"Zm9=v", b"Zg=", b"Zh==", b"Zm9v\r\n", b"=?not*base64!!==", b"===="]):
        write("base64", f"bad-{i}", bad)

    # scram: the four message kinds from RFC 5802 §5 and RFC 7677 §3, and abuse cases
    for i, m in enumerate(SCRAM1):
        write("scram", f"rfc5802-{i}", m)
    for i, m in enumerate(SCRAM256):
        write("scram", f"rfc7677-{i}", m)
    for i, m in enumerate(SCRAM_HOSTILE):
        write("scram", f"hostile-{i}", m)

    # mechanisms: byte 0 = index in the registry table (see fuzz_mechanisms.cpp), then
    # '\n'-separated challenges ("+..." = success data for finish())
    table = ["SCRAM-SHA-256-PLUS", "SCRAM-SHA-256", "SCRAM-SHA-1-PLUS", "SCRAM-SHA-1",
             "CRAM-SHA256", "CRAM-SHA1", "CRAM-MD5", "NTLM", "PLAIN", "LOGIN", "OAUTHBEARER",
             "XOAUTH2", "EXTERNAL", "ANONYMOUS"]
    scripts = {
        "SCRAM-SHA-1": [SCRAM1[1], SCRAM1[3]],
        "SCRAM-SHA-256": [SCRAM256[1], b"+" + SCRAM256[3]],
        "CRAM-MD5": [CRAM_CHALLENGE],
        "LOGIN": [b"Username:", b"Password:"],
        "XOAUTH2": [GOOGLE_ERROR],
        "OAUTHBEARER": [OAUTHBEARER_ERROR],
        "PLAIN": [b""],
    }
    for name, script in scripts.items():
        write("mechanisms", f"{name.lower()}-ok", bytes([table.index(name)]) + b"\n".join(script))
    for i, m in enumerate(SCRAM_HOSTILE):
        write("mechanisms", f"scram-hostile-{i}", bytes([table.index("SCRAM-SHA-1")]) + m)
    for i, h in enumerate(HOSTILE):
        write("mechanisms", f"hostile-{i}", bytes([i % len(table)]) + h)

    # token: byte 0 odd = transcript (lines), even = one payload (selector >> 1 picks the hint)
    transcripts = {
        "smtp-plain": b"C: AUTH PLAIN " + b64(PLAIN_VECTORS[0]) + b"\r\nS: 235 2.7.0 ok\r\n",
        "imap-cram": b"C: A1 AUTHENTICATE CRAM-MD5\nS: + " + b64(CRAM_CHALLENGE) + b"\nC: " +
                     b64(CRAM_RESPONSE) + b"\nS: A1 OK done\n",
        "smtp-login": b"C: AUTH LOGIN\nS: 334 VXNlcm5hbWU6\nC: dGlt\nS: 334 UGFzc3dvcmQ6\n"
                      b"C: dGFuc3RhYWY=\nS: 235 ok\n",
        "scram-256": b"C: AUTH SCRAM-SHA-256 " + b64(SCRAM256[0]) + b"\nS: 334 " +
                     b64(SCRAM256[1]) + b"\nC: " + b64(SCRAM256[2]) + b"\nS: 334 " +
                     b64(SCRAM256[3]) + b"\nC: \nS: 235 ok\n",
        "pop3-xoauth2-error": b"C: AUTH XOAUTH2 " + b64(XOAUTH2_IR) + b"\nS: + " +
                              b64(GOOGLE_ERROR) + b"\nC: \nS: -ERR denied\n",
        "bare-tokens": b64(PLAIN_VECTORS[1]) + b"\n" + b64(OAUTHBEARER_IR) + b"\n",
        "hostile": b"S: 334 =?not*base64!!==\nS: 220 " + HOSTILE[0] + b"\nC: *\n",
        "jwt": b"C: AUTH XOAUTH2 " + b64(b"user=u@example.com\x01auth=Bearer eyJhbGciOiJub25lIn0."
                                        b"eyJleHAiOjE3NjcyMjU2MDAsInN1YiI6InUifQ.\x01\x01") + b"\n",
    }
    for name, text in transcripts.items():
        write("token", name, b"\x01" + text)
    payloads = [PLAIN_VECTORS[0], CRAM_RESPONSE, SCRAM1[0], SCRAM256[1], OAUTHBEARER_IR,
                XOAUTH2_IR, GOOGLE_ERROR] + HOSTILE
    for i, p in enumerate(payloads):
        write("token", f"payload-{i}", bytes([(i * 2) & 0xFE]) + p)
    # transcript: byte 0 = 0 (detect the format), then a decode fixture as captured
    fixtures = os.path.join(HERE, "..", "fixtures", "transcripts")
    for f in sorted(os.listdir(fixtures)):
        path = os.path.join(fixtures, f)
        if f.endswith(".txt") and os.path.getsize(path) < 60000:
            with open(path, "rb") as fh:
                write("transcript", f[:-4], b"\x00" + fh.read())

    # endpoint: net::parse_endpoint inputs (hosts, ports, IPv6 literals, junk)
    for i, e in enumerate([b"mail.example.com", b"mail.example.com:587", b"[::1]:465", b"::1",
                           b"127.0.0.1:25", b"[fe80::1%eth0]:993", b"host:0", b"host:65536",
                           b"[::1]x", b"h\x00st:25", b":25", b"[]:1", b"a..b:2"]):
        write("endpoint", f"seed-{i}", e)
    # mail_replies: byte 0 % 3 = 0 SMTP, 1 IMAP, 2 POP3; then CRLF lines
    smtp = {
        "ehlo": b"250-mail.example.com Hello\r\n250-PIPELINING\r\n250-STARTTLS\r\n"
                b"250-AUTH PLAIN LOGIN CRAM-MD5\r\n250-AUTH=PLAIN LOGIN\r\n250 ENHANCEDSTATUSCODES\r\n",
        "gmail-535": b"535-5.7.8 Username and Password not accepted. For more information, go to\r\n"
                     b"535 5.7.8  https://support.google.com/mail/?p=BadCredentials x\r\n",
        "long-line": b"250-X-PAD-" + b"B" * 590 + b"\r\n250 OK\r\n",
        "invalid-codes": b"abc-hostile.test\r\n999 AUTH PLAIN LOGIN STARTTLS\r\n",
        "mismatched": b"250-hostile\r\n251-AUTH PLAIN\r\n550 STARTTLS\r\n",
        "nul": b"220 hostile\0.test ESMTP \0\0 nul\r\n",
        "escapes": b"220 hostile.test \x1b]0;pwned-title\x07\x1b[2J\x1b[H\x1b[32mok\x1b[0m\r\n",
        "filler": b"".join(b"250-X-FILLER-%08d\r\n" % i for i in range(20)),
        "starttls-injection": b"220 2.0.0 Ready to start TLS\r\n250-mitm.invalid\r\n250-AUTH PLAIN\r\n250 PIPELINING\r\n",
    }
    imap = {
        "greeting": b"* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE "
                    b"STARTTLS AUTH=PLAIN AUTH=SCRAM-SHA-256 LOGINDISABLED] Dovecot ready.\r\n",
        "capability": b"* CAPABILITY IMAP4rev1 AUTH=PLAIN auth=login AUTH=bad!name\r\nA1 OK done\r\n",
        "preauth": b"* PREAUTH [CAPABILITY IMAP4rev1] IMAP server ready.\r\n",
        "continuation": b"+ PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+\r\n+\r\n",
        "alert": b"* OK [ALERT] Attacker-controlled text\r\nA2 OK Begin TLS\r\n",
        "referral": b"A3 NO [REFERRAL IMAP://;AUTH=*@attacker.example.org:243/] go\r\n",
        "injection": b"A2 OK Begin TLS\r\n* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\nA3 OK CAPABILITY completed\r\n",
        "bye": b"* BYE shutting down\r\n",
    }
    pop3 = {
        "capa": b"+OK Capability list follows\r\nUSER\r\nSASL PLAIN LOGIN SCRAM-SHA-1\r\nSTLS\r\n..dot\r\n.\r\n",
        "err": b"-ERR [AUTH] Authentication failed\r\n",
        "cont": b"+ \r\n",
        "stuffed-dot": b"+OK\r\n..\r\n.x\r\n.\r\n",  # body lines "." and "x"
        "injection": b"+OK Begin TLS\r\n+OK\r\nSASL PLAIN\r\n.\r\n",
        "endless": b"+OK\r\n" + b"".join(b"X-FILLER-%08d\r\n" % i for i in range(20)),
    }
    for selector, group in ((0, smtp), (1, imap), (2, pop3)):
        for name, text in group.items():
            write("mail_replies", f"{['smtp', 'imap', 'pop3'][selector]}-{name}",
                  bytes([selector]) + text)

    # exchange: byte 0 = registry index, byte 1 = IR budget (bit 0 set: budget; bit 1: tiny),
    # then records "<kind><payload>" per line, kind % 4: '0' challenge (base64 payload),
    # '1' success, '2' failure, '3' mechanism refused
    def rec(kind, payload=b""):
        return kind + payload
    exchanges = {
        "plain-ir-ok": ("PLAIN", 1, [rec(b"1", b"235 ok")]),
        "plain-no-ir": ("PLAIN", 0, [rec(b"0"), rec(b"1")]),
        "plain-bad-challenge": ("PLAIN", 0, [rec(b"0", b"=?not*base64!!=="), rec(b"2")]),
        "login": ("LOGIN", 1, [rec(b"0", b64(b"Username:")), rec(b"0", b64(b"Password:")),
                               rec(b"1")]),
        "cram": ("CRAM-MD5", 1, [rec(b"0", b64(CRAM_CHALLENGE)), rec(b"2", b"535 no")]),
        "cram-huge": ("CRAM-MD5", 1, [rec(b"0", b64(b"x" * 20000)), rec(b"2")]),
        "scram1-ok": ("SCRAM-SHA-1", 1, [rec(b"0", b64(SCRAM1[1])), rec(b"0", b64(SCRAM1[3])),
                                         rec(b"1")]),
        "scram256-no-ir": ("SCRAM-SHA-256", 0, [rec(b"0"), rec(b"0", b64(SCRAM256[1])),
                                                rec(b"0", b64(SCRAM256[3])), rec(b"1")]),
        "scram-no-v": ("SCRAM-SHA-1", 1, [rec(b"0", b64(SCRAM1[1])), rec(b"1")]),
        "scram-e": ("SCRAM-SHA-1", 1, [rec(b"0", b64(SCRAM1[1])),
                                       rec(b"0", b64(b"e=invalid-proof")), rec(b"2")]),
        "xoauth2-error": ("XOAUTH2", 1, [rec(b"0", b64(GOOGLE_ERROR)), rec(b"2", b"535 5.7.8")]),
        "oauthbearer-error": ("OAUTHBEARER", 3, [rec(b"0", b64(OAUTHBEARER_ERROR)), rec(b"2")]),
        "refused": ("CRAM-MD5", 1, [rec(b"3", b"504 5.5.4 Unrecognized")]),
        "endless": ("LOGIN", 1, [rec(b"0", b64(b"Username:"))] * 20),
    }
    for name, (mech, budget, records) in exchanges.items():
        write("exchange", name, bytes([table.index(mech), budget]) + b"\n".join(records))

    # target: byte 0 bits 0-1 = --protocol (none/smtp/imap/pop3), bits 2-3 = --tls
    for i, t in enumerate([b"mail.example.com", b"mail.example.com:465", b"smtp://h:25",
                           b"smtps://h/", b"imap://[::1]:143", b"imaps://h", b"pop3://h:110",
                           b"pop3s://127.0.0.1", b"[::1]:993", b"::1", b"ftp://h", b"smtp://",
                           b"smtp://h:99999", b"smtps://user@h", b"h:995"]):
        write("target", f"seed-{i}", bytes([(i * 5) & 0x0F]) + t)
    write_ntlm(fixtures)
    return 0


def write_ntlm(fixtures):
    """ntlm: byte 0 even = one message; odd = u16le length of a CHALLENGE, the CHALLENGE,
    then an AUTHENTICATE (fuzz_ntlm.cpp). Seeds: the messages of the captured NTLM fixtures
    and hostile CHALLENGEs (overrunning target info, huge lengths, no MsvAvEOL)."""
    import re
    for name in ("curl-imap-ntlm", "gsasl-smtp-ntlm"):
        with open(os.path.join(fixtures, name + ".txt"), encoding="utf-8") as f:
            msgs = [base64.b64decode(m) for m in re.findall(r"TlRMTVNTUA[A-Za-z0-9+/=]+", f.read())]
        for i, m in enumerate(msgs):
            write("ntlm", f"{name}-{i}", b"\x00" + m)
        challenge, authenticate = msgs[-2], msgs[-1]
        write("ntlm", f"{name}-exchange",
              b"\x01" + len(challenge).to_bytes(2, "little") + challenge + authenticate)

    def challenge(target_info, ti_len=None, ti_off=48):
        head = b"NTLMSSP\0" + (2).to_bytes(4, "little") + b"\0" * 8
        head += (0x00800201).to_bytes(4, "little") + bytes.fromhex("0123456789abcdef") + b"\0" * 8
        n = len(target_info) if ti_len is None else ti_len
        head += n.to_bytes(2, "little") * 2 + ti_off.to_bytes(4, "little")
        return head + target_info
    domain = "Domain".encode("utf-16le")
    good = b"\x02\x00\x0c\x00" + domain + b"\0\0\0\0"
    hostile = {
        "overrun-field": challenge(good, ti_len=0xFFFF),
        "offset-outside": challenge(good, ti_off=0xFFFFFFF0),
        "pair-overruns": challenge(b"\x02\x00\xff\x00" + domain),
        "no-eol": challenge(b"\x02\x00\x0c\x00" + domain),
        "many-pairs": challenge(b"\x08\x00\x00\x00" * 300 + b"\0\0\0\0"),
        "short": b"NTLMSSP\0\x02\0\0\0\0\0",
    }
    for name, msg in hostile.items():
        write("ntlm", f"hostile-{name}", b"\x00" + msg)


if __name__ == "__main__":
    sys.exit(main())
