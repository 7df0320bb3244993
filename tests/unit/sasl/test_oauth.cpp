// XOAUTH2 (Google and Microsoft documented examples, Google error flow) and OAUTHBEARER
// (RFC 7628 §4.1 IMAP example, the SMTP variant, the error flows).
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
    TEST_CASE("XOAUTH2 Google and Microsoft examples") {
        struct Vector {
            const char* source;
            sasl_test::Creds creds;
            std::string_view base64;
        };
        const Vector vectors[] = {
            {"Google",
             {"someuser@example.com", "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg", ""},
             "dXNlcj1zb21ldXNlckBleGFtcGxlLmNvbQFhdXRoPUJlYXJlciB5YTI5LnZGOWRmdDRxbVRjMk52YjNSbGNr"
             "QmhkSFJoZG1semRHRXVZMjl0Q2cBAQ=="},
            {"Microsoft",
             {"test@contoso.onmicrosoft.com", "EwBAAl3BAAUFFpUAo7J3Ve0bjLBWZWCclRC3EoAA", ""},
             "dXNlcj10ZXN0QGNvbnRvc28ub25taWNyb3NvZnQuY29tAWF1dGg9QmVhcmVyIEV3QkFBbDNCQUFVRkZwVUFv"
             "N0ozVmUwYmpMQldaV0NjbFJDM0VvQUEBAQ=="},
        };
        for (const auto& v : vectors) {
            CAPTURE(v.source);
            auto m = make("XOAUTH2", v.creds);
            auto ir = m->initial_response();
            REQUIRE(ir.has_value());
            CHECK(b64(ir->data) == v.base64);
            CHECK(ir->secret);
            CHECK(m->done());
            CHECK_FALSE(m->server_error().has_value());
        }
    }

    TEST_CASE("XOAUTH2 Google error flow: empty answer, parsed status/schemes/scope") {
        auto m = make("XOAUTH2", {"someuser@example.com", "token", ""});
        m->initial_response();
        auto ack = m->step(unb64(
            "eyJzdGF0dXMiOiI0MDEiLCJzY2hlbWVzIjoiYmVhcmVyIG1hYyIsInNjb3BlIjoiaHR0cHM6Ly9tYWlsLmdvb2"
            "dsZS5jb20vIn0K"));
        CHECK(ack.data.empty());
        CHECK_FALSE(ack.secret);
        auto error = m->server_error();
        REQUIRE(error.has_value());
        CHECK(error->summary == "401");
        using Field = std::pair<std::string, std::string>;
        CHECK(error->fields == std::vector<Field>{{"status", "401"},
                                                  {"schemes", "bearer mac"},
                                                  {"scope", "https://mail.google.com/"}});
        CHECK(error->detail ==
              "{\"status\":\"401\",\"schemes\":\"bearer mac\",\"scope\":"
              "\"https://mail.google.com/\"}\n");
        // A second challenge is a protocol error.
        CHECK_THROWS_AS(m->step("{}"), Error);
    }

    TEST_CASE("OAUTHBEARER RFC 7628 IMAP and SMTP examples") {
        struct Vector {
            std::uint16_t port;
            std::string_view base64;
        };
        const Vector vectors[] = {
            {143,
             "bixhPXVzZXJAZXhhbXBsZS5jb20sAWhvc3Q9c2VydmVyLmV4YW1wbGUuY29tAXBvcnQ9MTQzAWF1dGg9QmVh"
             "cmVyIHZGOWRmdDRxbVRjMk52YjNSbGNrQmhiSFJoZG1semRHRXVZMjl0Q2c9PQEB"},
            {587,
             "bixhPXVzZXJAZXhhbXBsZS5jb20sAWhvc3Q9c2VydmVyLmV4YW1wbGUuY29tAXBvcnQ9NTg3AWF1dGg9QmVh"
             "cmVyIHZGOWRmdDRxbVRjMk52YjNSbGNrQmhiSFJoZG1semRHRXVZMjl0Q2c9PQEB"},
        };
        for (const auto& v : vectors) {
            CAPTURE(v.port);
            auto m = make("OAUTHBEARER",
                          {"user@example.com", "vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==", "",
                           "server.example.com", v.port});
            auto ir = m->initial_response();
            REQUIRE(ir.has_value());
            CHECK(b64(ir->data) == v.base64);
            CHECK(ir->secret);
        }
        CHECK(unb64(vectors[0].base64) ==
              "n,a=user@example.com,\x01host=server.example.com\x01port=143\x01"
              "auth=Bearer vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==\x01\x01");
    }

    TEST_CASE("OAUTHBEARER header variants") {
        // No user, no host/port: "n,," and only auth=.
        auto bare = make("OAUTHBEARER", {"", "tok", ""});
        CHECK(bare->initial_response()->data ==
              "n,,\x01"
              "auth=Bearer tok\x01\x01");
        // An explicit authzid wins and is saslname-escaped.
        auto authz = make("OAUTHBEARER", {"user", "tok", "a,b=c"});
        CHECK(authz->initial_response()->data ==
              "n,a=a=2Cb=3Dc,\x01"
              "auth=Bearer tok\x01\x01");
        CHECK_THROWS_AS(make("OAUTHBEARER", {"user", "to\x01k", ""}), Error);
        CHECK_THROWS_AS(make("OAUTHBEARER", {"user", "", ""}), Error);
    }

    TEST_CASE("OAUTHBEARER error flows answer 0x01") {
        struct Case {
            std::string_view challenge_base64, status;
            std::size_t field_count;
        };
        const Case cases[] = {
            {"eyJzdGF0dXMiOiJpbnZhbGlkX3Rva2VuIiwic2NoZW1lcyI6ImJlYXJlciBtYWMiLCJzY29wZSI6Imh0dHBzO"
             "i8v"
             "bWFpbC5leGFtcGxlLmNvbS8ifQ==",
             "invalid_token", 3},
            {"eyJzdGF0dXMiOiJpbnZhbGlkX3Rva2VuIiwic2NvcGUiOiJleGFtcGxlX3Njb3BlIiwib3BlbmlkLWNvbmZpZ"
             "3Vy"
             "YXRpb24iOiJodHRwczovL2V4YW1wbGUuY29tLy53ZWxsLWtub3duL29wZW5pZC1jb25maWd1cmF0aW9uIn0=",
             "invalid_token", 3},
        };
        for (const auto& c : cases) {
            auto m = make("OAUTHBEARER", {"user@example.com", "tok", ""});
            m->initial_response();
            auto ack = m->step(unb64(c.challenge_base64));
            CHECK(b64(ack.data) == "AQ==");
            CHECK_FALSE(ack.secret);
            REQUIRE(m->server_error().has_value());
            CHECK(m->server_error()->summary == c.status);
            CHECK(m->server_error()->fields.size() == c.field_count);
        }
        auto m = make("OAUTHBEARER", {"user@example.com", "tok", ""});
        m->initial_response();
        m->step(unb64(cases[1].challenge_base64));
        CHECK(m->server_error()->fields[2].first == "openid-configuration");
        CHECK(m->server_error()->fields[2].second ==
              "https://example.com/.well-known/openid-configuration");
    }

    TEST_CASE("OAuth mechanisms refuse a challenge that is not a JSON object") {
        for (auto mech : {"XOAUTH2", "OAUTHBEARER"}) {
            for (auto challenge : {"not json"sv, "[1,2]"sv, "\"str\""sv, "{"sv, "\xff"sv}) {
                CAPTURE(mech);
                CAPTURE(challenge);
                auto m = make(mech, {"u@example.com", "tok", ""});
                m->initial_response();
                try {
                    m->step(challenge);
                    FAIL("accepted");
                } catch (const Error& e) {
                    CHECK(e.kind() == ErrorKind::protocol);
                }
            }
        }
    }

    TEST_CASE("XOAUTH2 refuses ^A and controls in the fields") {
        CHECK_THROWS_AS(make("XOAUTH2", {"u\x01", "tok", ""}), Error);
        CHECK_THROWS_AS(make("XOAUTH2", {"u", "to\x01k", ""}), Error);
        CHECK_THROWS_AS(make("XOAUTH2", {"", "tok", ""}), Error);
        CHECK_THROWS_AS(make("XOAUTH2", {"u", "", ""}), Error);
    }
}
