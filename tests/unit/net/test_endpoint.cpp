// parse_endpoint: the accepted forms (RFC 3986 §3.2.2 brackets, RFC 1123 names) and the
// rejected ones, each with the reason given.
#include <doctest/doctest.h>

#include "net_test_util.hpp"
#include "smtpauth/net/tcp.hpp"

using smtpauth::ErrorKind;
using smtpauth::net::parse_endpoint;
using smtpauth::test::catch_error;

TEST_SUITE("smtpauth::net") {
    TEST_CASE("parse_endpoint accepts host, host:port and IP literals") {
        struct Row {
            const char* text;
            const char* host;
            std::uint16_t port;
            bool ip;
        };
        const Row rows[] = {
            {"mail.example.com", "mail.example.com", 0, false},
            {"mail.example.com:587", "mail.example.com", 587, false},
            {"localhost:1", "localhost", 1, false},
            {"localhost:65535", "localhost", 65535, false},
            {"MX-1.Example.ORG.", "MX-1.Example.ORG.", 0, false},
            {"_submission.example", "_submission.example", 0, false},
            {"xn--bcher-kva.example:465", "xn--bcher-kva.example", 465, false},
            {"127.0.0.1", "127.0.0.1", 0, true},
            {"192.0.2.7:25", "192.0.2.7", 25, true},
            {"[::1]:993", "::1", 993, true},
            {"[2001:db8::25]", "2001:db8::25", 0, true},
            {"::1", "::1", 0, true},
            {"2001:db8::1", "2001:db8::1", 0, true},
            {"[::ffff:127.0.0.1]:110", "::ffff:127.0.0.1", 110, true},
        };
        for (const auto& r : rows) {
            CAPTURE(r.text);
            auto ep = parse_endpoint(r.text);
            CHECK(ep.host == r.host);
            CHECK(ep.port == r.port);
            CHECK(ep.is_ip_literal == r.ip);
        }
    }

    TEST_CASE("parse_endpoint rejects malformed endpoints with a reason") {
        struct Row {
            const char* text;
            const char* reason;
        };
        const Row rows[] = {
            {"", "empty host"},
            {":25", "empty host"},
            {"host:", "empty port"},
            {"host:0", "out of range"},
            {"host:65536", "out of range"},
            {"host:123456", "out of range"},
            {"host:-1", "not a number"},
            {"host:25x", "not a number"},
            {"host:+25", "not a number"},
            {"[::1", "missing ']'"},
            {"[]:25", "empty host"},
            {"[::1]x", "after ']'"},
            {"[::1]:", "empty port"},
            {"[example.com]:25", "not an IPv6 address"},
            {"[127.0.0.1]:25", "not an IPv6 address"},
            {"::1:25:", "not an IPv6 address"},
            {"fe80::1%eth0", "not an IPv6 address"},
            {"1:2:3", "not an IPv6 address"},
            {"exa mple.com", "not allowed"},
            {"example.com/path", "not allowed"},
            {"user@example.com", "not allowed"},
            {"a..b", "empty label"},
            {".example", "empty label"},
            {"-bad.example", "starts or ends with '-'"},
            {"bad-.example", "starts or ends with '-'"},
            {"b\xc3\xbc"
             "cher.example",
             "non-ASCII"},
            {"1.2.3", "not a valid IPv4"},
            {"999.1.1.1", "not a valid IPv4"},
            {"127.0.0.1.", "not a valid IPv4"},
        };
        for (const auto& r : rows) {
            CAPTURE(r.text);
            auto e = catch_error([&] { parse_endpoint(r.text); });
            REQUIRE(e.has_value());
            CHECK(e->kind == ErrorKind::usage);
            CHECK(e->message.find(r.reason) != std::string::npos);
        }
    }

    TEST_CASE("parse_endpoint enforces label and name lengths") {
        std::string label63(63, 'a'), label64(64, 'a');
        CHECK(parse_endpoint(label63 + ".example").host == label63 + ".example");
        auto e = catch_error([&] { parse_endpoint(label64 + ".example"); });
        REQUIRE(e);
        CHECK(e->message.find("longer than 63") != std::string::npos);
        std::string long_name;
        while (long_name.size() < 260) long_name += "abcdefghi.";
        long_name += "x";
        auto e2 = catch_error([&] { parse_endpoint(long_name); });
        REQUIRE(e2);
        CHECK(e2->message.find("1-253") != std::string::npos);
    }
}
