// Token decoder: input line forms (SMTP, IMAP, POP3, C:/S: transcripts), skipped lines,
// hostile bytes, caps and error positions.
#include <doctest/doctest.h>

#include "smtpauth/error.hpp"
#include "token_support.hpp"

using namespace smtpauth;
using namespace smtpauth::sasl;
using token_test::decode;
using token_test::field;

TEST_SUITE("smtpauth::sasl::token") {
    TEST_CASE("each input form of the same PLAIN token") {
        const char* forms[] = {
            "AHRpbQB0YW5zdGFhZnRhbnN0YWFm",
            "AUTH PLAIN AHRpbQB0YW5zdGFhZnRhbnN0YWFm",
            "auth plain AHRpbQB0YW5zdGFhZnRhbnN0YWFm",
            "a001 AUTHENTICATE PLAIN AHRpbQB0YW5zdGFhZnRhbnN0YWFm",
            "C: AUTH PLAIN AHRpbQB0YW5zdGFhZnRhbnN0YWFm",
            "[  12 ms] C: AUTH PLAIN AHRpbQB0YW5zdGFhZnRhbnN0YWFm",
            "12:00:01.123 C: AHRpbQB0YW5zdGFhZnRhbnN0YWFm",
            "  -> AUTH PLAIN AHRpbQB0YW5zdGFhZnRhbnN0YWFm\r",
        };
        for (const char* f : forms) {
            CAPTURE(f);
            auto res = decode({f});
            REQUIRE(res.messages.size() == 1);
            CHECK(res.messages[0].mechanism == "PLAIN");
            CHECK(res.messages[0].direction == TokenDirection::client);
            CHECK(field(res.messages[0], "user") == "tim");
        }
    }

    TEST_CASE("two-step forms: AUTH without IR, empty 334 / +, then the response") {
        for (const char* cont : {"334 ", "334", "+", "+ "}) {
            CAPTURE(cont);
            auto res = decode({"AUTH PLAIN", cont, "AHRpbQB0YW5zdGFhZnRhbnN0YWFm", "+OK done"});
            REQUIRE(res.messages.size() == 4);
            CHECK(res.messages[0].kind == smtpauth::sasl::MessageKind::auth_command);
            CHECK(res.messages[1].kind == smtpauth::sasl::MessageKind::challenge);
            CHECK(res.messages[1].direction == TokenDirection::server);
            CHECK(field(res.messages[2], "user") == "tim");
            CHECK(res.messages[3].kind == smtpauth::sasl::MessageKind::success);
        }
    }

    TEST_CASE("non-AUTH lines are noted and skipped, cancel ends the exchange") {
        auto res = decode({"S: 220 mail.example ESMTP", "C: EHLO me", "S: 250-mail.example",
                           "S: 250 AUTH PLAIN LOGIN", "C: AUTH LOGIN", "S: 334 VXNlcm5hbWU6",
                           "C: *", "S: 501 5.7.0 cancelled", "C: QUIT"});
        REQUIRE(res.messages.size() == 9);
        CHECK(res.messages[0].kind == smtpauth::sasl::MessageKind::reply);
        CHECK(res.messages[1].kind == smtpauth::sasl::MessageKind::skipped);
        CHECK(res.messages[6].kind == smtpauth::sasl::MessageKind::cancel);
        CHECK(res.messages[7].kind ==
              smtpauth::sasl::MessageKind::reply);  // after the cancel, no exchange is active
        CHECK(res.messages[8].kind == smtpauth::sasl::MessageKind::skipped);
    }

    TEST_CASE("a transcript inside a report: unmarked lines are surrounding text") {
        auto res = decode({"Capabilities after TLS:", "  AUTH LOGIN", "  PIPELINING",
                           "  C: AUTH PLAIN AHUAcA==", "  S: 235 ok",
                           "AUTH LOGIN: ACCEPTED (1 round trip)"});
        REQUIRE(res.messages.size() == 4);
        CHECK(res.messages[0].kind == smtpauth::sasl::MessageKind::skipped);
        CHECK(res.messages[0].line == 1);
        CHECK(res.messages[0].summary.starts_with("lines 1-3 are outside the transcript"));
        CHECK(field(res.messages[1], "user") == "u");
        CHECK(res.messages[2].kind == smtpauth::sasl::MessageKind::success);
        CHECK(res.messages[3].kind == smtpauth::sasl::MessageKind::skipped);
        CHECK(res.messages[3].line == 6);
    }

    TEST_CASE("curl -v markers") {
        auto res = decode({"> AUTH PLAIN AHUAcA==", "< 235 2.7.0 ok", "<1.2@host>"});
        CHECK(res.messages[0].direction == TokenDirection::client);
        CHECK(res.messages[1].kind == smtpauth::sasl::MessageKind::success);
        CHECK(res.messages[2].kind ==
              smtpauth::sasl::MessageKind::skipped);             // unmarked, in a transcript
        auto cram = decode({"PDEuMkBob3N0Pg==", "<1.2@host>"});  // both raw CRAM challenges
        CHECK(cram.messages[1].kind == smtpauth::sasl::MessageKind::cram_challenge);
    }

    TEST_CASE("POP3 PASS and IMAP LOGIN passwords are secret fields") {
        auto res = decode({"PASS hunter2", "a1 LOGIN bob hunter3"});
        CHECK(token_test::field_secret(res.messages[0], "password"));
        CHECK(field(res.messages[1], "user") == "bob");
        CHECK(token_test::field_secret(res.messages[1], "password"));
    }

    TEST_CASE("redacted lines of a transcript are not decoded") {
        auto res = decode({"C: AUTH PLAIN <redacted 24 bytes of base64>"});
        CHECK(res.messages[0].kind == smtpauth::sasl::MessageKind::redacted);
    }

    TEST_CASE("smtpauth probe -v transcript: stamps, S~, local events, redacted lines") {
        auto res = decode(
            {"       0 ms * connected to 127.0.0.1:587", "       1 ms S~ 220 mx.example ESMTP",
             "       9 ms C: AUTH LOGIN", "      10 ms S: 334 VXNlcm5hbWU6", "      10 ms C: dGlt",
             "      11 ms S: 334 UGFzc3dvcmQ6", "      11 ms C: <redacted: 24 bytes base64>",
             "      12 ms S: 235 2.7.0 Authentication successful"});
        REQUIRE(res.messages.size() == 8);
        CHECK(res.messages[0].kind == smtpauth::sasl::MessageKind::skipped);
        CHECK(field(res.messages[0], "text") == "connected to 127.0.0.1:587");
        CHECK(res.messages[1].direction == TokenDirection::server);
        CHECK(res.messages[1].kind == smtpauth::sasl::MessageKind::reply);
        CHECK(res.messages[4].kind == smtpauth::sasl::MessageKind::username);
        CHECK(field(res.messages[4], "user") == "tim");
        CHECK(res.messages[6].kind == smtpauth::sasl::MessageKind::redacted);
        CHECK(res.messages[6].direction == TokenDirection::client);
        CHECK(res.messages[7].kind == smtpauth::sasl::MessageKind::success);
        CHECK(res.checkable.empty());
    }

    TEST_CASE("invalid base64: an error for one line, a note in place for several") {
        try {
            decode({"AHRp*bQB"});
            FAIL("no error");
        } catch (const Error& e) {
            CHECK(e.kind() == ErrorKind::bad_input);
            CHECK(std::string(e.what()).starts_with("invalid base64 at offset"));
        }
        auto res = decode({"EHLO x", "AUTH PLAIN", "334 ", "AHRp*bQB", "235 ok"});
        REQUIRE(res.messages.size() == 5);
        CHECK(res.messages[3].line == 4);
        CHECK(res.messages[3].kind == smtpauth::sasl::MessageKind::unreadable);
        CHECK(res.messages[3].summary.starts_with("invalid base64 at offset 4"));
        CHECK(res.messages[3].fields.at(0).raw());
        CHECK(res.messages[4].kind == smtpauth::sasl::MessageKind::success);  // decoding went on
    }

    TEST_CASE("invalid mechanism names are refused") {
        CHECK_THROWS_AS(decode({"AUTH PL\x1b[2JAIN x"}), Error);
    }

    TEST_CASE("caps: a line over 64 KiB and an input over 1 MiB") {
        std::string longline(kDecodeMaxLineBytes + 4, 'A');
        CHECK_THROWS_WITH_AS(decode({longline}), doctest::Contains("64 KiB"), Error);
        std::vector<std::string> many(20, std::string(60000, 'A'));
        CHECK_THROWS_WITH_AS(decode_lines(many), doctest::Contains("1 MiB"), Error);
    }

    TEST_CASE("hostile bytes stay raw in the model (the renderer escapes them)") {
        // "\0\x1b]0;t\x07\0p\r\n" as PLAIN: user holds ESC and BEL
        auto res = decode({"ABtdMDt0BwBwDQo="});
        REQUIRE(res.messages.size() == 1);
        CHECK(field(res.messages[0], "user") == "\x1b]0;t\x07");
    }

    TEST_CASE("blank lines outside an exchange are layout") {
        auto res = decode({"", "AHUAcA==", ""});
        CHECK(res.messages.size() == 1);
        CHECK(res.messages[0].line == 2);
    }
}
