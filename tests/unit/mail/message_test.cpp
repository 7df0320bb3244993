// Message building (RFC 5322, RFC 2045 quoted-printable, RFC 2047 encoded words, RFC 5321
// dot-stuffing), SMTP extensions and queue ids: pure functions, table-driven where possible.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "smtpauth/error.hpp"
#include "smtpauth/mail/message.hpp"
#include "smtpauth/mail/smtp_transaction.hpp"

using namespace smtpauth;
using namespace smtpauth::mail;

namespace {
MessageSpec spec() {
    MessageSpec m;
    m.from = "Alice <alice@example.com>";
    m.to = {"bob@example.org"};
    m.subject = "hello";
    m.body = "line one\nline two\n";
    m.date = 1796000000;  // Mon, 30 Nov 2026 00:53:20 UTC
    m.message_id = "<id@example.com>";
    return m;
}

std::string header_block(const std::string& text) {
    return text.substr(0, text.find("\r\n\r\n") + 2);
}
}  // namespace

TEST_CASE("mail.message: headers, CRLF and 7bit for plain ASCII") {
    BuiltMessage m = build_message(spec());
    CHECK(m.encoding == TransferEncoding::seven_bit);
    CHECK(m.text ==
          "Date: Mon, 30 Nov 2026 00:53:20 +0000\r\n"
          "Message-ID: <id@example.com>\r\n"
          "From: Alice <alice@example.com>\r\n"
          "To: bob@example.org\r\n"
          "Subject: hello\r\n"
          "MIME-Version: 1.0\r\n"
          "Content-Type: text/plain; charset=utf-8\r\n"
          "Content-Transfer-Encoding: 7bit\r\n"
          "\r\n"
          "line one\r\nline two\r\n");
}

TEST_CASE("mail.message: 8bit only with 8BITMIME, else quoted-printable") {
    MessageSpec s = spec();
    s.body = "Grüße\n";
    s.eight_bit_ok = true;
    BuiltMessage m = build_message(s);
    CHECK(m.encoding == TransferEncoding::eight_bit);
    CHECK(m.text.find("\r\n\r\nGrüße\r\n") != std::string::npos);
    s.eight_bit_ok = false;
    m = build_message(s);
    CHECK(m.encoding == TransferEncoding::quoted_printable);
    CHECK(m.text.find("\r\n\r\nGr=C3=BC=C3=9Fe\r\n") != std::string::npos);
}

TEST_CASE("mail.message: a line over 998 octets is quoted-printable, lines <= 76") {
    MessageSpec s = spec();
    s.body = std::string(998, 'x') + "\n";
    s.eight_bit_ok = true;
    CHECK(build_message(s).encoding == TransferEncoding::seven_bit);
    s.body = std::string(999, 'x') + "\n";
    BuiltMessage m = build_message(s);
    CHECK(m.encoding == TransferEncoding::quoted_printable);
    CHECK(longest_line(m.text).length <= 76);
}

TEST_CASE("mail.message: RFC 2047 subject and display names, no Bcc header") {
    MessageSpec s = spec();
    s.subject = "Prüfung";
    s.cc = {"Jörg <jorg@example.org>"};
    BuiltMessage m = build_message(s);
    std::string h = header_block(m.text);
    CHECK(h.find("Subject: =?UTF-8?B?UHLDvGZ1bmc=?=\r\n") != std::string::npos);
    CHECK(h.find("Cc: =?UTF-8?B?SsO2cmc=?= <jorg@example.org>\r\n") != std::string::npos);
    CHECK(h.find("Bcc") == std::string::npos);
}

TEST_CASE("mail.message: long encoded subjects are folded into words of <= 75 characters") {
    std::string subject;
    for (int i = 0; i < 40; ++i) subject += "é";
    std::string enc = encode_header_text(subject, 9);
    CHECK(enc.find("\r\n ") != std::string::npos);
    std::size_t pos = 0;
    while (pos < enc.size()) {
        auto end = enc.find("\r\n ", pos);
        std::string word = enc.substr(pos, end == std::string::npos ? end : end - pos);
        CHECK(word.size() <= 75);
        CHECK(word.rfind("=?UTF-8?B?", 0) == 0);
        if (end == std::string::npos) break;
        pos = end + 3;
    }
}

TEST_CASE("mail.message: quoted-printable rules") {
    CHECK(quoted_printable("a=b") == "a=3Db");
    CHECK(quoted_printable("trailing \r\nx") == "trailing=20\r\nx");
    CHECK(quoted_printable("\xff") == "=FF");
}

TEST_CASE("mail.message: dot-stuffing and the final dot") {
    CHECK(dot_stuff(".a\r\nb\r\n..c\r\n") == "..a\r\nb\r\n...c\r\n.\r\n");
    CHECK(dot_stuff("no end") == "no end\r\n.\r\n");
    CHECK(normalize_crlf("a\nb\rc\r\nd") == "a\r\nb\r\nc\r\nd\r\n");
}

TEST_CASE("mail.message: addresses") {
    CHECK(envelope_address(" Alice <alice@example.com> ") == "alice@example.com");
    CHECK(envelope_address("bob@example.org") == "bob@example.org");
    CHECK_THROWS_AS(envelope_address("nodomain"), Error);
    CHECK_THROWS_AS(envelope_address("a b@example.org"), Error);
    CHECK(split_address_list("a@x, \"Last, First\" <b@y>,c@z") ==
          std::vector<std::string>{"a@x", "\"Last, First\" <b@y>", "c@z"});
    CHECK(needs_smtputf8("jörg@example.org"));
    CHECK_FALSE(needs_smtputf8("jorg@example.org"));
    CHECK_THROWS_AS(check_header("X-Bad\r\nInjected: yes"), Error);
    CHECK_THROWS_AS(check_header("No colon"), Error);
    CHECK_NOTHROW(check_header("X-Ok: fine"));
}

TEST_CASE("mail.smtp_transaction: extensions from EHLO keywords") {
    SmtpExtensions x = parse_extensions({"PIPELINING", "SIZE 35882577", "8BITMIME", "SMTPUTF8"});
    CHECK(x.pipelining);
    CHECK(x.eight_bit_mime);
    CHECK(x.smtputf8);
    CHECK(x.size_offered);
    CHECK(x.size_limit == 35882577);
    SmtpExtensions none = parse_extensions({"SIZE"});
    CHECK(none.size_offered);
    CHECK(none.size_limit == 0);
    CHECK_FALSE(none.pipelining);
}

TEST_CASE("mail.smtp_transaction: queue ids of well-known servers") {
    struct Row {
        std::vector<std::string> lines;
        std::string id;
    };
    const Row rows[] = {
        {{"250 2.0.0 Ok: queued as 4Fg7Xy1234"}, "4Fg7Xy1234"},
        {{"250 2.0.0 OK  1700000000 a1b2c3d4e5f-6.99 - gsmtp"}, "a1b2c3d4e5f-6.99"},
        {{"250 2.6.0 <AM0PR01MB1234.eurprd01.prod.exchangelabs.com@example.com> "
          "[InternalId=1234, Hostname=AM0PR01MB1234] Queued mail for delivery"},
         "<AM0PR01MB1234.eurprd01.prod.exchangelabs.com@example.com>"},
        {{"250 OK id=1abcDE-000123-Xy"}, "1abcDE-000123-Xy"},
        {{"250 2.0.0 xA1BcD2e003456 Message accepted for delivery"}, "xA1BcD2e003456"},
        {{"250 2.0.0 Message accepted"}, ""},
    };
    for (const auto& r : rows) {
        SmtpReply reply = parse_smtp_reply(r.lines, "final reply");
        CHECK(queue_id(reply) == r.id);
    }
}
