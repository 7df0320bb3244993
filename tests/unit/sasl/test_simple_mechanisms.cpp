// PLAIN (RFC 4616/4954/4959 vectors), LOGIN (draft example), CRAM-MD5 (RFC 2195) and the
// derived CRAM-SHA1/CRAM-SHA256 values, EXTERNAL and ANONYMOUS.
#include <doctest/doctest.h>

#include <string>
#include <string_view>

#include "mechanism_helpers.hpp"
#include "smtpauth/error.hpp"

using namespace std::string_view_literals;
using sasl_test::b64;
using sasl_test::make;
using sasl_test::unb64;
using smtpauth::Error;
using smtpauth::ErrorKind;

TEST_SUITE("smtpauth::sasl") {
    TEST_CASE("PLAIN RFC vectors") {
        struct Vector {
            const char* source;
            sasl_test::Creds creds;
            std::string_view raw, base64;
        };
        const Vector vectors[] = {
            {"RFC 4616 example 1",
             {"tim", "tanstaaftanstaaf", ""},
             "\0tim\0tanstaaftanstaaf"sv,
             "AHRpbQB0YW5zdGFhZnRhbnN0YWFm"},
            {"RFC 4616 example 2",
             {"Kurt", "xipj3plmq", "Ursel"},
             "Ursel\0Kurt\0xipj3plmq"sv,
             "VXJzZWwAS3VydAB4aXBqM3BsbXE="},
            {"RFC 4954 4.1",
             {"test", "1234", "test"},
             "test\0test\0"
             "1234"sv,
             "dGVzdAB0ZXN0ADEyMzQ="},
            {"RFC 4959 4", {"test", "test", "test"}, "test\0test\0test"sv, "dGVzdAB0ZXN0AHRlc3Q="},
            {"short", {"u", "p", ""}, "\0u\0p"sv, "AHUAcA=="},
        };
        for (const auto& v : vectors) {
            CAPTURE(v.source);
            auto m = make("PLAIN", v.creds);
            CHECK(m->name() == "PLAIN");
            CHECK_FALSE(m->done());
            auto ir = m->initial_response();
            REQUIRE(ir.has_value());
            CHECK(ir->data == v.raw);
            CHECK(b64(ir->data) == v.base64);
            CHECK(ir->secret);
            CHECK(m->done());
            CHECK_FALSE(m->server_verified());
        }
    }

    TEST_CASE("PLAIN without initial response answers the empty challenge") {
        auto m = make("plain", {"u", "p", ""});
        auto r = m->step("");
        CHECK(r.data == "\0u\0p"sv);
        CHECK(r.secret);
        CHECK_THROWS_AS(m->step(""), Error);
    }

    TEST_CASE("PLAIN refuses unusable credentials") {
        const sasl_test::Creds bad[] = {
            {"", "p", ""},                       // empty authcid
            {"u", "", ""},                       // empty password
            {std::string("u\0v", 3), "p", ""},   // NUL in authcid
            {"u", std::string("p\0q", 3), ""},   // NUL in password
            {"u", "p", std::string("a\0b", 3)},  // NUL in authzid
            {"u\xff", "p", ""},                  // not UTF-8
        };
        for (const auto& c : bad) {
            CAPTURE(sasl_test::b64(c.user + "|" + c.secret + "|" + c.authzid));
            try {
                make("PLAIN", c);
                FAIL("accepted");
            } catch (const Error& e) {
                CHECK(e.kind() == ErrorKind::bad_input);
                // The message names the field but never echoes the password.
                CHECK(std::string(e.what()).find("PLAIN: the ") == 0);
            }
        }
    }

    TEST_CASE("PLAIN non-ASCII user and password pass through as UTF-8") {
        auto m = make("PLAIN", {"j\xc3\xbcrgen", "p\xc3\xa4ss\xe2\x82\xac", ""});
        CHECK(m->initial_response()->data == "\0j\xc3\xbcrgen\0p\xc3\xa4ss\xe2\x82\xac"sv);
    }

    TEST_CASE("LOGIN draft example ignores the prompt text") {
        // S: VXNlciBOYW1lAA== (User Name\0) / C: dGlt / S: UGFzc3dvcmQA / C:
        // dGFuc3RhYWZ0YW5zdGFhZg==
        for (auto prompts : {std::pair{"VXNlciBOYW1lAA=="sv, "UGFzc3dvcmQA"sv},
                             std::pair{"VXNlcm5hbWU6"sv, "UGFzc3dvcmQ6"sv},
                             std::pair{"UGFzc3dvcmQ6"sv, "VXNlcm5hbWU6"sv}}) {
            auto m = make("LOGIN", {"tim", "tanstaaftanstaaf", ""});
            CHECK_FALSE(m->initial_response().has_value());
            auto first = m->step(unb64(prompts.first));
            CHECK(b64(first.data) == "dGlt");
            CHECK_FALSE(first.secret);
            CHECK_FALSE(m->done());
            auto second = m->step(unb64(prompts.second));
            CHECK(b64(second.data) == "dGFuc3RhYWZ0YW5zdGFhZg==");
            CHECK(second.secret);
            CHECK(m->done());
            CHECK_THROWS_AS(m->step("Password:"), Error);
        }
    }

    TEST_CASE("LOGIN refuses CR/LF/NUL in the credentials") {
        CHECK_THROWS_AS(make("LOGIN", {"a\r\nb", "p", ""}), Error);
        CHECK_THROWS_AS(make("LOGIN", {"u", "p\n", ""}), Error);
        CHECK_THROWS_AS(make("LOGIN", {"u", std::string("p\0", 2), ""}), Error);
        CHECK_THROWS_AS(make("LOGIN", {"", "p", ""}), Error);
    }

    TEST_CASE("CRAM RFC 2195 vector and the derived SHA variants") {
        struct Vector {
            std::string_view mech, response_base64;
        };
        const Vector vectors[] = {
            {"CRAM-MD5", "dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw"},
            {"CRAM-SHA1", "dGltIDhjYjEwZWQwYThiNzY0YWIwZTA1MTI1ZGQ2ZWFhMjk1ZjE5YjU5NDM="},
            {"CRAM-SHA256",
             "dGltIGYwMDExYmJmN2MxNjE4ZWY5MGUzZjE4MTQ4ZTVlZGE0ZTE1NjMxYzljMzhlYmVmMDYyYmY3MTQzZmY3"
             "MmU5NDQ="},
        };
        const auto challenge = unb64("PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+");
        CHECK(challenge == "<1896.697170952@postoffice.reston.mci.net>");
        for (const auto& v : vectors) {
            CAPTURE(v.mech);
            auto m = make(v.mech, {"tim", "tanstaaftanstaaf", ""});
            CHECK(m->name() == v.mech);
            CHECK_FALSE(m->initial_response().has_value());
            auto r = m->step(challenge);
            CHECK(b64(r.data) == v.response_base64);
            CHECK(r.secret);
            CHECK(m->done());
            CHECK_THROWS_AS(m->step(challenge), Error);
        }
    }

    TEST_CASE("CRAM-MD5 with a key longer than the HMAC block") {
        // HMAC reduces keys over 64 bytes with MD5 first (RFC 2104); RFC 2202 test 6 shape.
        auto m = make("CRAM-MD5", {"u", std::string(80, '\xaa'), ""});
        auto r = m->step("Test Using Larger Than Block-Size Key - Hash Key First");
        CHECK(r.data == "u 6b1ab7fe4bd7bf8f0b62e6ce61b9d0cd");
    }

    TEST_CASE("CRAM refuses an empty challenge") {
        auto m = make("CRAM-MD5", {"tim", "pw", ""});
        try {
            m->step("");
            FAIL("accepted");
        } catch (const Error& e) {
            CHECK(e.kind() == ErrorKind::protocol);
        }
    }

    TEST_CASE("EXTERNAL sends the authzid or an empty response") {
        auto empty = make("EXTERNAL", {});
        auto ir = empty->initial_response();
        REQUIRE(ir.has_value());
        CHECK(ir->data.empty());
        CHECK_FALSE(ir->secret);
        auto named = make("EXTERNAL", {"", "", "admin@example.com"});
        CHECK(named->initial_response()->data == "admin@example.com");
        CHECK_THROWS_AS(named->step("x"), Error);
        CHECK_THROWS_AS(make("EXTERNAL", {"", "", std::string("a\0b", 3)}), Error);
    }

    TEST_CASE("ANONYMOUS sends the trace string") {
        auto m = make("ANONYMOUS", {"sirhc@example.com", "", ""});
        CHECK(m->initial_response()->data == "sirhc@example.com");
        CHECK(make("ANONYMOUS", {})->initial_response()->data.empty());
        CHECK_NOTHROW(make("ANONYMOUS", {std::string(255, 'x'), "", ""}));
        CHECK_THROWS_AS(make("ANONYMOUS", {std::string(256, 'x'), "", ""}), Error);
        CHECK_THROWS_AS(make("ANONYMOUS", {"a\x1b[2J", "", ""}), Error);
    }
}
