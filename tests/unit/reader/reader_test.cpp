// Transcript reader: format detection, per-tool line forms, the session filter (DATA, BDAT,
// literals, POP3 multi-line, capabilities, IMAP LOGIN literals) and never-abort notes.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "reader/reader_internal.hpp"
#include "smtpauth/error.hpp"
#include "smtpauth/reader.hpp"
#include "smtpauth/render_decode.hpp"

using namespace smtpauth;

namespace {

reader::ReadResult read(std::vector<std::string> lines, std::string format = {}) {
    reader::ReadOptions o;
    o.format = std::move(format);
    return reader::read_transcript(lines, o);
}

const sasl::DecodedMessage* find_kind(const reader::ReadResult& r, std::string_view kind) {
    for (const auto& m : r.decoded.messages)
        if (smtpauth::render::message_kind_name(m.kind) == kind) return &m;
    return nullptr;
}

}  // namespace

TEST_SUITE("smtpauth::reader") {
    TEST_CASE("detection picks the tool from its characteristic lines") {
        CHECK(
            read({"=== Trying 127.0.0.1:25...", "<-  220 hi", " -> EHLO x", "<-  250 ok"}).format ==
            "swaks");
        CHECK(read({"* Connected to h (1.2.3.4) port 25 (#0)", "< 220 hi", "> EHLO x"}).format ==
              "curl");
        CHECK(read({"send: 'ehlo x\\r\\n'", "reply: b'250 ok\\r\\n'"}).format == "python");
        CHECK(read({"--> EHLO x", "<-- 250 ok", "--> AUTH PLAIN AHUAcA=="}).format == "msmtp");
        CHECK(read({"C: AUTH PLAIN AHUAcA==", "S: 235 ok"}).format == "generic");
        auto r = read({"C: AUTH PLAIN AHUAcA==", "S: 235 ok"});
        CHECK(r.detected);
        CHECK(r.explained == 2);
    }

    TEST_CASE("--format: a wrong name lists the valid ones and suggests the nearest") {
        CHECK(read({"--> EHLO x"}, "MSMTP").format == "msmtp");
        CHECK(read({"--> EHLO x"}, "mpop").format == "msmtp");
        CHECK_THROWS_WITH_AS(read({"x"}, "phpmaler"),
                             doctest::Contains("did you mean 'phpmailer'?"), Error);
        try {
            read({"x"}, "nope");
        } catch (const Error& e) {
            CHECK(e.kind() == ErrorKind::usage);
            CHECK(std::string(e.what()).find("valid formats: auto, generic") != std::string::npos);
        }
    }

    TEST_CASE("python byte literals and CRLF splitting") {
        std::string out;
        CHECK(reader::detail::python_literal("b'AUTH PLAIN x\\r\\n'", out));
        CHECK(out == "AUTH PLAIN x\r\n");
        CHECK(reader::detail::python_literal("'it\\'s \\x41'", out));
        CHECK(out == "it's A");
        CHECK_FALSE(reader::detail::python_literal("retcode (250)", out));
        auto parts = reader::detail::split_crlf("a\r\nb\r\n.\r\n");
        REQUIRE(parts.size() == 3);
        CHECK(parts[2] == ".");
        CHECK(reader::detail::clean_line("\x1b[31m<~  334 x\x1b[0m\r") == "<~  334 x");
    }

    TEST_CASE("DATA section skipped, including when MAIL/RCPT/DATA were pipelined") {
        auto r = read({"C: MAIL FROM:<a@b>", "C: RCPT TO:<c@d>", "C: DATA", "S: 250 ok",
                       "S: 250 ok", "S: 354 go", "C: Subject: x", "C: secret body", "C: .",
                       "S: 250 queued", "C: AUTH PLAIN AHUAcA==", "S: 235 ok"});
        auto* body = find_kind(r, "body");
        REQUIRE(body);
        CHECK(body->line == 7);
        CHECK(body->summary == "message body, 2 lines, not shown");
        for (const auto& m : r.decoded.messages)
            for (const auto& f : m.fields)
                CHECK(f.value().find("secret body") == std::string_view::npos);
    }

    TEST_CASE("BDAT chunks and IMAP literals are skipped by size") {
        auto r = read({"C: BDAT 12 LAST", "C: 1234567890", "C: AUTH PLAIN AHUAcA=="});
        REQUIRE(find_kind(r, "body"));
        CHECK(find_kind(r, "body")->summary == "BDAT chunk (message data), 1 line, not shown");
        CHECK(find_kind(r, "client-response"));
        r = read({"S: * 1 FETCH (BODY[] {7}", "S: hello", "S: )", "S: a OK done"});
        REQUIRE(find_kind(r, "body"));
        CHECK(find_kind(r, "body")->line == 2);
    }

    TEST_CASE("IMAP LOGIN with literals is one credential, the go-ahead no challenge") {
        auto r = read({"a LOGIN {5}", "+ OK", "carol {4}", "+ OK", "p\"w\\", "a OK"});
        auto* cred = find_kind(r, "credential");
        REQUIRE(cred);
        CHECK(cred->line == 5);
        REQUIRE(cred->fields.size() == 2);
        CHECK(cred->fields[0].value() == "carol");
        CHECK(cred->fields[1].secret());
        CHECK(cred->fields[1].value() == "p\"w\\");
        REQUIRE(r.decoded.checkable.size() == 1);
        CHECK(r.decoded.checkable[0].user == "carol");
    }

    TEST_CASE("capability replies become one capabilities message") {
        auto r = read({"C: EHLO x", "S: 250-mail.example", "S: 250-AUTH PLAIN", "S: 250 SIZE 10"});
        auto* caps = find_kind(r, "capabilities");
        REQUIRE(caps);
        CHECK(caps->fields[0].value() == "AUTH PLAIN, SIZE 10");
        r = read({"C: CAPA", "S: +OK", "S: USER", "S: SASL PLAIN", "S: .", "C: USER carol"});
        REQUIRE(find_kind(r, "capabilities"));
        CHECK(find_kind(r, "capabilities")->fields[0].value() == "USER, SASL PLAIN");
        CHECK(find_kind(r, "credential"));
        CHECK(find_kind(r, "unreadable") == nullptr);
    }

    TEST_CASE("an unreadable line is a note and decoding goes on") {
        auto r = read({"C: AUTH PLAIN AHR*bQB", "C: AUTH PLAIN AHUAcA==", "S: 235 ok"});
        auto* bad = find_kind(r, "unreadable");
        REQUIRE(bad);
        CHECK(bad->line == 1);
        CHECK(bad->summary.find("invalid base64") != std::string::npos);
        REQUIRE(bad->fields.size() == 1);
        CHECK(bad->fields[0].raw());
        CHECK(r.explained >= 2);
    }

    TEST_CASE("credentials outside SASL are secret fields") {
        auto r =
            read({"> Authorization: Basic Y2Fyb2w6cHc=", "* Connected to h (1.2.3.4) port 80 (#0)",
                  "{ [5 bytes data]"});
        auto* cred = find_kind(r, "credential");
        REQUIRE(cred);
        CHECK(cred->mechanism == "HTTP Basic");
        CHECK(cred->fields[1].secret());
        r = read({"loaded user configuration file /x", "passwordeval = echo pw", "password = *",
                  "--> EHLO x"});
        auto* eval = find_kind(r, "credential");
        REQUIRE(eval);
        CHECK(eval->fields[0].secret());
        CHECK(find_kind(r, "config"));  // "password = *": msmtp hid it itself
    }
}
