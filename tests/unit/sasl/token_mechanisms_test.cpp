// Token decoder: recognition and fields of PLAIN (RFC 4616), LOGIN (draft), CRAM (RFC 2195),
// XOAUTH2 (Google), OAUTHBEARER (RFC 7628) with the vectors of SPEC-NOTES.md.
#include <doctest/doctest.h>

#include "smtpauth/error.hpp"
#include "token_support.hpp"

using namespace smtpauth;
using namespace smtpauth::sasl;
using token_test::decode;
using token_test::field;
using token_test::field_secret;
using token_test::has_note;

TEST_SUITE("smtpauth::sasl::token") {
    TEST_CASE("PLAIN vectors of RFC 4616 and RFC 4954") {
        struct Row {
            const char* b64;
            const char* authzid;
            const char* user;
            const char* password;
        };
        const Row rows[] = {
            {"AHRpbQB0YW5zdGFhZnRhbnN0YWFm", "", "tim", "tanstaaftanstaaf"},
            {"VXJzZWwAS3VydAB4aXBqM3BsbXE=", "Ursel", "Kurt", "xipj3plmq"},
            {"dGVzdAB0ZXN0ADEyMzQ=", "test", "test", "1234"},
            {"AHUAcA==", "", "u", "p"},
        };
        for (const auto& r : rows) {
            CAPTURE(r.b64);
            auto res = decode({r.b64});
            REQUIRE(res.messages.size() == 1);
            const auto& m = res.messages[0];
            CHECK(m.mechanism == "PLAIN");
            CHECK(m.direction == TokenDirection::client);
            CHECK(field(m, "authzid") == std::string(r.authzid));
            CHECK(field(m, "user") == std::string(r.user));
            CHECK(field(m, "password") == std::string(r.password));
            CHECK(field_secret(m, "password"));
            CHECK_FALSE(field_secret(m, "user"));
        }
    }

    TEST_CASE("PLAIN named by AUTH with a wrong number of NULs is an error") {
        // "tim\0pass" has one NUL
        CHECK_THROWS_WITH_AS(decode({"AUTH PLAIN dGltAHBhc3M="}),
                             doctest::Contains("exactly two NUL"), Error);
    }

    TEST_CASE("PLAIN with invalid UTF-8 in the user is refused with its offset") {
        // "\0ab\xff\0p"
        try {
            decode({"AUTH PLAIN AGFi/wBw"});
            FAIL("no error");
        } catch (const Error& e) {
            CHECK(e.kind() == ErrorKind::bad_input);
            CHECK(std::string(e.what()).find("user is not valid UTF-8 at offset 2") !=
                  std::string::npos);
        }
    }

    TEST_CASE("LOGIN draft example: prompts decide user and password") {
        auto res = decode({"C: AUTH LOGIN", "S: 334 VXNlciBOYW1lAA==", "C: dGlt",
                           "S: 334 UGFzc3dvcmQA", "C: dGFuc3RhYWZ0YW5zdGFhZg==", "S: 235 ok"});
        REQUIRE(res.messages.size() == 6);
        CHECK(res.messages[1].kind == smtpauth::sasl::MessageKind::prompt);
        CHECK(res.messages[2].kind == smtpauth::sasl::MessageKind::username);
        CHECK(field(res.messages[2], "user") == "tim");
        CHECK(res.messages[4].kind == smtpauth::sasl::MessageKind::password);
        CHECK(field(res.messages[4], "password") == "tanstaaftanstaaf");
        CHECK(field_secret(res.messages[4], "password"));
        CHECK(res.messages[5].kind == smtpauth::sasl::MessageKind::success);
        REQUIRE(res.checkable.size() == 1);
        CHECK(check_password(res, Secret("tanstaaftanstaaf"))->matches);
        CHECK_FALSE(check_password(res, Secret("tanstaaf"))->matches);
    }

    TEST_CASE("LOGIN without an AUTH line: the Username: prompt gives the context") {
        auto res = decode({"VXNlcm5hbWU6", "dGlt", "UGFzc3dvcmQ6", "dGFuc3RhYWZ0YW5zdGFhZg=="});
        REQUIRE(res.messages.size() == 4);
        CHECK(res.messages[0].mechanism == "LOGIN");
        CHECK(res.messages[0].direction == TokenDirection::server);
        CHECK(res.messages[1].kind == smtpauth::sasl::MessageKind::username);
        CHECK(res.messages[3].kind == smtpauth::sasl::MessageKind::password);
        CHECK(res.messages[3].direction == TokenDirection::client);
    }

    TEST_CASE("LOGIN user name as initial response") {
        auto res = decode({"AUTH LOGIN dGlt", "334 UGFzc3dvcmQ6", "dGFuc3RhYWZ0YW5zdGFhZg=="});
        CHECK(field(res.messages[0], "user") == "tim");
        CHECK(res.messages[2].kind == smtpauth::sasl::MessageKind::password);
    }

    TEST_CASE("CRAM-MD5 RFC 2195 example, and the derived SHA1/SHA256 responses") {
        const char* challenge = "+ PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+";
        struct Row {
            const char* response;
            const char* mech;
        };
        const Row rows[] = {
            {"dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw", "CRAM-MD5"},
            {"dGltIDhjYjEwZWQwYThiNzY0YWIwZTA1MTI1ZGQ2ZWFhMjk1ZjE5YjU5NDM=", "CRAM-SHA1"},
            {"dGltIGYwMDExYmJmN2MxNjE4ZWY5MGUzZjE4MTQ4ZTVlZGE0ZTE1NjMxYzljMzhlYmVmMDYyYmY3MTQzZmY3"
             "MmU5NDQ=",
             "CRAM-SHA256"},
        };
        for (const auto& r : rows) {
            CAPTURE(r.mech);
            auto res = decode({challenge, r.response});
            REQUIRE(res.messages.size() == 2);
            CHECK(res.messages[0].kind == smtpauth::sasl::MessageKind::cram_challenge);
            CHECK(field(res.messages[0], "challenge") ==
                  "<1896.697170952@postoffice.reston.mci.net>");
            CHECK(res.messages[1].mechanism == r.mech);
            CHECK(field(res.messages[1], "user") == "tim");
            CHECK(field_secret(res.messages[1], "digest"));
            auto check = check_password(res, Secret("tanstaaftanstaaf"));
            REQUIRE(check);
            CHECK(check->mechanism == r.mech);
            CHECK(check->matches);
            CHECK_FALSE(check_password(res, Secret("tanstaaftanstaaF"))->matches);
        }
    }

    TEST_CASE("CRAM response without its challenge cannot be checked") {
        auto res = decode({"dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw"});
        CHECK(res.messages[0].mechanism == "CRAM-MD5");
        CHECK(has_note(res.messages[0], "cannot be checked"));
        CHECK_FALSE(check_password(res, Secret("tanstaaftanstaaf")));
    }

    TEST_CASE("CRAM response named by AUTH with a bad digest length is an unreadable line") {
        auto res = decode({"AUTH CRAM-MD5", "334 PGFAYj4=", "dGltIGFiYw=="});
        REQUIRE(res.messages.size() == 3);
        CHECK(res.messages[2].kind == smtpauth::sasl::MessageKind::unreadable);
        CHECK(res.messages[2].summary.find("CRAM response digest") != std::string::npos);
    }

    TEST_CASE("XOAUTH2 Google and Microsoft examples") {
        auto res =
            decode({"dXNlcj1zb21ldXNlckBleGFtcGxlLmNvbQFhdXRoPUJlYXJlciB5YTI5LnZGOWRmdDRxbVRj"
                    "Mk52YjNSbGNrQmhkSFJoZG1semRHRXVZMjl0Q2cBAQ=="});
        const auto& m = res.messages[0];
        CHECK(m.mechanism == "XOAUTH2");
        CHECK(field(m, "user") == "someuser@example.com");
        CHECK(field(m, "token") == "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg");
        CHECK(field_secret(m, "token"));
        CHECK(has_note(m, "opaque token"));
        auto ms =
            decode({"dXNlcj10ZXN0QGNvbnRvc28ub25taWNyb3NvZnQuY29tAWF1dGg9QmVhcmVyIEV3QkFBbDNC"
                    "QUFVRkZwVUFvN0ozVmUwYmpMQldaV0NjbFJDM0VvQUEBAQ=="});
        CHECK(field(ms.messages[0], "user") == "test@contoso.onmicrosoft.com");
        CHECK(field(ms.messages[0], "token") == "EwBAAl3BAAUFFpUAo7J3Ve0bjLBWZWCclRC3EoAA");
    }

    TEST_CASE("XOAUTH2 Google error flow: JSON challenge, empty ack, 535") {
        auto res = decode({"C: AUTH XOAUTH2 dXNlcj1hQGIuYwFhdXRoPUJlYXJlciB4AQE=",
                           "S: 334 eyJzdGF0dXMiOiI0MDEiLCJzY2hlbWVzIjoiYmVhcmVyIG1hYyIsInNjb3BlIjoi"
                           "aHR0cHM6Ly9tYWlsLmdvb2dsZS5jb20vIn0K",
                           "C: ", "S: 535-5.7.1 Username and Password not accepted. Learn more at",
                           "S: 535 5.7.1 https://support.google.com/mail/?p=BadCredentials"});
        REQUIRE(res.messages.size() == 5);
        const auto& err = res.messages[1];
        CHECK(err.kind == smtpauth::sasl::MessageKind::error_json);
        CHECK(err.mechanism == "XOAUTH2");
        CHECK(field(err, "status") == "401");
        CHECK(field(err, "schemes") == "bearer mac");
        CHECK(field(err, "scope") == "https://mail.google.com/");
        CHECK(res.messages[2].kind == smtpauth::sasl::MessageKind::error_ack);
        CHECK(res.messages[3].kind == smtpauth::sasl::MessageKind::failure);
        CHECK(res.messages[4].kind == smtpauth::sasl::MessageKind::failure);
    }

    TEST_CASE("OAUTHBEARER RFC 7628 example and its error JSON") {
        auto res = decode(
            {"a1 AUTHENTICATE OAUTHBEARER bixhPXVzZXJAZXhhbXBsZS5jb20sAWhvc3Q9c2VydmVyLmV4YW1wbGUu"
             "Y29tAXBvcnQ9MTQzAWF1dGg9QmVhcmVyIHZGOWRmdDRxbVRjMk52YjNSbGNrQmhiSFJoZG1semRHRXVZMjl0"
             "Q2c9PQEB",
             "+ eyJzdGF0dXMiOiJpbnZhbGlkX3Rva2VuIiwic2NvcGUiOiJleGFtcGxlX3Njb3BlIiwib3BlbmlkLWNvbm"
             "ZpZ3VyYXRpb24iOiJodHRwczovL2V4YW1wbGUuY29tLy53ZWxsLWtub3duL29wZW5pZC1jb25maWd1cmF0aW"
             "9uIn0=",
             "AQ==", "a1 NO SASL authentication failed"});
        REQUIRE(res.messages.size() == 4);
        const auto& m = res.messages[0];
        CHECK(m.mechanism == "OAUTHBEARER");
        CHECK(field(m, "authzid") == "user@example.com");
        CHECK(field(m, "host") == "server.example.com");
        CHECK(field(m, "port") == "143");
        CHECK(field(m, "token") == "vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==");
        CHECK(field_secret(m, "token"));
        CHECK(field(res.messages[1], "status") == "invalid_token");
        CHECK(field(res.messages[1], "openid-configuration") ==
              "https://example.com/.well-known/openid-configuration");
        CHECK(res.messages[2].kind == smtpauth::sasl::MessageKind::error_ack);
        CHECK(res.messages[3].kind == smtpauth::sasl::MessageKind::failure);
    }

    TEST_CASE("XOAUTH2 format under the OAUTHBEARER name is explained and flagged") {
        auto res = decode({"AUTH OAUTHBEARER dXNlcj1hQGIuYwFhdXRoPUJlYXJlciB4AQE="});
        CHECK(res.messages[0].mechanism == "XOAUTH2");
        CHECK(has_note(res.messages[0], "old curl"));
    }

    TEST_CASE("EXTERNAL with '=' (empty initial response) and ANONYMOUS trace") {
        auto res = decode({"AUTH EXTERNAL =", "235 ok"});
        CHECK(res.messages[0].mechanism == "EXTERNAL");
        CHECK(field(res.messages[0], "authzid") == "");
        auto an = decode({"AUTH ANONYMOUS c2lyaHBAZXhhbXBsZS5jb20="});
        CHECK(field(an.messages[0], "trace") == "sirhp@example.com");
    }

    TEST_CASE("unknown content: text is shown, binary also as hex") {
        auto text = decode({"aGVsbG8gd29ybGQ="});
        CHECK(text.messages[0].kind == smtpauth::sasl::MessageKind::unknown);
        CHECK(text.messages[0].direction == TokenDirection::unknown);
        CHECK(field(text.messages[0], "text") == "hello world");
        auto bin = decode({"G1sySgDA/w=="});  // ESC [ 2 J NUL C0 FF
        CHECK(field(bin.messages[0], "hex") == "1b5b324a00c0ff");
    }

    TEST_CASE("explain_payload recognises raw bytes without context") {
        CHECK(explain_payload(std::string("\0u\0p", 4)).mechanism == "PLAIN");
        CHECK(explain_payload("r=abc,s=QSXCR+Q6sek8bf92,i=4096").kind ==
              smtpauth::sasl::MessageKind::server_first);
        CHECK(explain_payload("<1.2@host>").kind == smtpauth::sasl::MessageKind::cram_challenge);
        CHECK(explain_payload("Password:").kind == smtpauth::sasl::MessageKind::prompt);
        auto login = explain_payload("tim", "LOGIN", TokenDirection::client);
        CHECK(login.kind == smtpauth::sasl::MessageKind::username);
    }
}
