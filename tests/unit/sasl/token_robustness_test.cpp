// Token decoder robustness: random and hostile inputs end in a result or Error{bad_input},
// never another exception, a crash or unbounded work (RFC 4648 input, RFC 8259 JSON).
#include <doctest/doctest.h>

#include <random>
#include <string>
#include <vector>

#include "smtpauth/codec.hpp"
#include "smtpauth/error.hpp"
#include "token_support.hpp"

using namespace smtpauth;
using namespace smtpauth::sasl;

TEST_SUITE("smtpauth::sasl::token") {
    TEST_CASE("random payloads behind every line form never escape as a non-Error") {
        std::mt19937 rng(20261127);
        const std::vector<std::string> prefixes{
            "",    "AUTH PLAIN ", "AUTH SCRAM-SHA-256 ",    "334 ",          "+ ",
            "C: ", "S: ",         "a1 AUTHENTICATE LOGIN ", "AUTH XOAUTH2 ", "AUTH CRAM-MD5 "};
        const std::vector<std::string> seeds{"n,,n=",        "r=",    "c=biws,r=", "v=",
                                             "e=",           "user=", "n,a=",      "<",
                                             "{\"status\":", "\x01",  "NTLMSSP"};
        int errors = 0;
        for (int i = 0; i < 3000; ++i) {
            std::string raw = seeds[rng() % seeds.size()];
            std::size_t n = rng() % 64;
            for (std::size_t k = 0; k < n; ++k) {
                // Mostly the characters the grammars care about, sometimes any byte.
                static constexpr char kChars[] = ",=\x01\0 <>@{}\":rsicpvna0123456789";
                static const std::string interesting(kChars, sizeof kChars - 1);
                raw += (rng() % 4 == 0) ? static_cast<char>(rng() % 256)
                                        : interesting[rng() % interesting.size()];
            }
            std::vector<std::string> lines{prefixes[rng() % prefixes.size()] +
                                           codec::base64_encode(raw)};
            if (rng() % 3 == 0) lines.push_back("S: 334 " + codec::base64_encode(raw));
            try {
                auto res = decode_lines(lines);
                (void)check_password(res, Secret("pw"));
            } catch (const Error& e) {
                CHECK(e.kind() == ErrorKind::bad_input);
                ++errors;
            }
        }
        // Both outcomes occur: the generator reaches the grammar checks and the happy paths.
        CHECK(errors > 0);
        CHECK(errors < 3000);
    }

    TEST_CASE("deeply nested JSON is not parsed as a server error") {
        std::string deep;
        for (int i = 0; i < 200; ++i) deep += "{\"a\":";
        deep += "1";
        for (int i = 0; i < 200; ++i) deep += "}";
        auto m = explain_payload(deep, "", TokenDirection::server);
        CHECK(m.kind != smtpauth::sasl::MessageKind::error_json);
        CHECK(token_test::field(m, "text").has_value());
    }

    TEST_CASE("NTLM message types are recognised") {
        std::string negotiate("NTLMSSP\0\x01\0\0\0", 12);
        auto m = explain_payload(negotiate);
        CHECK(m.mechanism == "NTLM");
        CHECK(token_test::field(m, "message-type") == "1");
    }
}
