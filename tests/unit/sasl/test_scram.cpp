// SCRAM-SHA-1 (RFC 5802 §5) and SCRAM-SHA-256 (RFC 7677 §3) end to end through the
// stateless form `gen` uses, plus one scenario per failure mode a hostile server can cause.
#include <doctest/doctest.h>

#include <functional>
#include <string>
#include <string_view>

#include "mechanism_helpers.hpp"
#include "smtpauth/error.hpp"
#include "smtpauth/sasl/scram.hpp"

using namespace std::string_view_literals;
using sasl_test::b64;
using sasl_test::make;
using sasl_test::unb64;
using smtpauth::Error;
using smtpauth::ErrorKind;
using smtpauth::sasl::MechanismOptions;

namespace {

struct Exchange {
    std::string_view mech, nonce, client_first, server_first, client_final, server_final;
};

const Exchange kRfc5802{
    "SCRAM-SHA-1",
    "fyko+d2lbbFgONRv9qkxdawL",
    "n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL",
    "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096",
    "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=",
    "v=rmF9pqV8S7suAoZWja4dJRkFsKQ=",
};

const Exchange kRfc7677{
    "SCRAM-SHA-256",
    "rOprNGfwEbeRWgbNEkqO",
    "n,,n=user,r=rOprNGfwEbeRWgbNEkqO",
    "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
    "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgs"
    "qmmiz7AndVQ=",
    "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=",
};

MechanismOptions with_nonce(std::string_view nonce) {
    MechanismOptions o;
    o.client_nonce = std::string(nonce);
    return o;
}

// Runs client-first and answers `server_first`; returns the mechanism ready for the final.
std::unique_ptr<smtpauth::sasl::Mechanism> after_server_first(const Exchange& x,
                                                              std::string_view server_first,
                                                              sasl_test::Creds creds = {
                                                                  "user", "pencil", ""}) {
    auto m = make(x.mech, creds, with_nonce(x.nonce));
    m->initial_response();
    m->step(server_first);
    return m;
}

void check_protocol_error(const std::function<void()>& f, std::string_view expected_part) {
    try {
        f();
        FAIL("no exception");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::protocol);
        CAPTURE(e.what());
        CHECK(std::string(e.what()).find(expected_part) != std::string::npos);
    }
}

}  // namespace

TEST_SUITE("smtpauth::sasl") {
    TEST_CASE("SCRAM RFC 5802 and RFC 7677 exchanges reproduce exactly") {
        for (const auto& x : {kRfc5802, kRfc7677}) {
            CAPTURE(x.mech);
            auto m = make(x.mech, {"user", "pencil", ""}, with_nonce(x.nonce));
            CHECK(m->name() == x.mech);
            auto first = m->initial_response();
            REQUIRE(first.has_value());
            CHECK(first->data == x.client_first);
            CHECK_FALSE(first->secret);
            auto final_msg = m->step(x.server_first);
            CHECK(final_msg.data == x.client_final);
            CHECK(final_msg.secret);  // the proof allows offline guessing
            CHECK_FALSE(m->done());
            CHECK_FALSE(m->server_verified());
            auto ack = m->step(x.server_final);
            CHECK(ack.data.empty());
            CHECK_FALSE(ack.secret);
            CHECK(m->server_verified());
            CHECK(m->done());
            CHECK_FALSE(m->server_error().has_value());
            CHECK_THROWS_AS(m->step(x.server_final), Error);
        }
        CHECK(b64(kRfc5802.client_first) == "biwsbj11c2VyLHI9ZnlrbytkMmxiYkZnT05Sdjlxa3hkYXdM");
        CHECK(b64(kRfc7677.client_first) == "biwsbj11c2VyLHI9ck9wck5HZndFYmVSV2diTkVrcU8=");
    }

    TEST_CASE("SCRAM server-final as success data (finish)") {
        for (const auto& x : {kRfc5802, kRfc7677}) {
            auto m = after_server_first(x, x.server_first);
            m->finish(x.server_final);
            CHECK(m->server_verified());
        }
    }

    TEST_CASE("SCRAM success without server-final leaves the server unverified") {
        auto m = after_server_first(kRfc7677, kRfc7677.server_first);
        m->finish("");
        CHECK_FALSE(m->server_verified());
    }

    TEST_CASE("SCRAM wrong server signature") {
        for (const auto& x : {kRfc5802, kRfc7677}) {
            CAPTURE(x.mech);
            // Same length, one bit different: only a full comparison notices.
            std::string bad(x.server_final);
            bad[2] = bad[2] == 'A' ? 'B' : 'A';
            auto m = after_server_first(x, x.server_first);
            check_protocol_error([&] { m->step(bad); }, "server signature (v=) is wrong");
            CHECK_FALSE(m->server_verified());
            CHECK(m->done());
            // Right length check too: a truncated signature.
            auto m2 = after_server_first(x, x.server_first);
            check_protocol_error([&] { m2->finish("v=AAAA"); }, "server signature");
            CHECK_FALSE(m2->server_verified());
        }
    }

    TEST_CASE("SCRAM with a wrong password produces a different proof and rejects v=") {
        auto m = after_server_first(kRfc7677, kRfc7677.server_first, {"user", "pencil2", ""});
        check_protocol_error([&] { m->step(kRfc7677.server_final); }, "server signature");
    }

    TEST_CASE("SCRAM server nonce must extend the client nonce") {
        const std::string_view bad_first[] = {
            "r=XXXX+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096",  // other
                                                                                       // prefix
            "r=fyko+d2lbbFgONRv9qkxdawL,s=QSXCR+Q6sek8bf92,i=4096",  // no server part
            "r=fyko+d2lbbFg,s=QSXCR+Q6sek8bf92,i=4096",              // shorter
        };
        for (auto sf : bad_first) {
            CAPTURE(sf);
            auto m = make("SCRAM-SHA-1", {"user", "pencil", ""}, with_nonce(kRfc5802.nonce));
            m->initial_response();
            check_protocol_error([&] { m->step(sf); }, "nonce does not extend");
            CHECK(m->done());
        }
    }

    TEST_CASE("SCRAM iteration count bounds") {
        struct Case {
            std::string_view i;
            std::string_view error;
        };
        const Case cases[] = {
            {"1", "iteration count 1 is below the minimum 4096"},
            {"4095", "below the minimum"},
            {"4294967295", "iteration count 4294967295 is above the maximum 1000000"},
            {"4294967296", "does not fit in 32 bits"},
            {"0", "not a positive decimal number"},
            {"0100", "not a positive decimal number"},
            {"-1", "not a positive decimal number"},
            {"4096x", "not a positive decimal number"},
        };
        for (const auto& c : cases) {
            CAPTURE(c.i);
            std::string sf =
                "r=fyko+d2lbbFgONRv9qkxdawL3rfc,s=QSXCR+Q6sek8bf92,i=" + std::string(c.i);
            auto m = make("SCRAM-SHA-1", {"user", "pencil", ""}, with_nonce(kRfc5802.nonce));
            m->initial_response();
            check_protocol_error([&] { m->step(sf); }, c.error);
        }
        // The bounds come from the options.
        MechanismOptions relaxed = with_nonce(kRfc5802.nonce);
        relaxed.scram_min_iterations = 1;
        auto m = make("SCRAM-SHA-1", {"user", "pencil", ""}, relaxed);
        m->initial_response();
        CHECK_NOTHROW(m->step("r=fyko+d2lbbFgONRv9qkxdawL3rfc,s=QSXCR+Q6sek8bf92,i=1"));
    }

    TEST_CASE("SCRAM e= from the server is reported with its value") {
        auto m = after_server_first(kRfc7677, kRfc7677.server_first);
        check_protocol_error([&] { m->step("e=invalid-proof"); }, "e=invalid-proof");
        REQUIRE(m->server_error().has_value());
        CHECK(m->server_error()->summary == "e=invalid-proof");
        CHECK_FALSE(m->server_verified());

        // Some servers answer the client-first with an error instead of a server-first.
        auto early = make("SCRAM-SHA-256", {"user", "pencil", ""}, with_nonce("abc"));
        early->initial_response();
        check_protocol_error([&] { early->step("e=unknown-user"); }, "e=unknown-user");
        REQUIRE(early->server_error().has_value());
        CHECK(early->server_error()->summary == "e=unknown-user");
        CHECK(early->done());
        CHECK_THROWS_AS(early->step(kRfc7677.server_first), Error);

        // Server text is escaped in the message.
        auto hostile = after_server_first(kRfc7677, kRfc7677.server_first);
        check_protocol_error([&] { hostile->step("e=\x1b[2Jx"); }, "e=\\x1b[2Jx");
    }

    TEST_CASE("SCRAM mandatory extension m= is refused") {
        auto m = make("SCRAM-SHA-1", {"user", "pencil", ""}, with_nonce(kRfc5802.nonce));
        m->initial_response();
        check_protocol_error(
            [&] { m->step("m=ext,r=fyko+d2lbbFgONRv9qkxdawL3rfc,s=QSXCR+Q6sek8bf92,i=4096"); },
            "mandatory extension");
        // Unknown optional extensions after i= are ignored.
        auto ok = make("SCRAM-SHA-1", {"user", "pencil", ""}, with_nonce(kRfc5802.nonce));
        ok->initial_response();
        CHECK_NOTHROW(ok->step("r=fyko+d2lbbFgONRv9qkxdawL3rfc,s=QSXCR+Q6sek8bf92,i=4096,x=y"));
    }

    TEST_CASE("SCRAM malformed server-first messages") {
        const std::string_view bad[] = {
            "",
            "r=fyko+d2lbbFgONRv9qkxdawL3rfc",
            "r=fyko+d2lbbFgONRv9qkxdawL3rfc,s=QSXCR+Q6sek8bf92",
            "s=QSXCR+Q6sek8bf92,r=fyko+d2lbbFgONRv9qkxdawL3rfc,i=4096",
            "r=fyko+d2lbbFgONRv9qkxdawL3rfc,s=QSXCR+Q6sek8bf9,i=4096",   // bad base64 length
            "r=fyko+d2lbbFgONRv9qkxdawL3rfc,s=QSXCR*Q6sek8bf92,i=4096",  // not base64
            "r=fyko+d2lbbFgONRv9qkxdawL3rfc,s=,i=4096",                  // empty salt
            "r=fyko+d2lbbFgONRv9qkxdawL3r c,s=QSXCR+Q6sek8bf92,i=4096",  // space in nonce
            "r=fyko+d2lbbFgONRv9qkxdawL3rfc,,s=QSXCR+Q6sek8bf92,i=4096",
            "r=fyko+d2lbbFgONRv9qkxdawL3rfc,s=QSXCR+Q6sek8bf92,i=4096,",
            "r=fyko+d2lbbFgONRv9qkxdawL3r\xff,s=QSXCR+Q6sek8bf92,i=4096",
            "garbage",
        };
        for (auto sf : bad) {
            CAPTURE(b64(sf));
            auto m = make("SCRAM-SHA-1", {"user", "pencil", ""}, with_nonce(kRfc5802.nonce));
            m->initial_response();
            CHECK_THROWS_AS(m->step(sf), Error);
            CHECK_FALSE(m->server_verified());
        }
        // NUL inside a message.
        auto m = make("SCRAM-SHA-1", {"user", "pencil", ""}, with_nonce(kRfc5802.nonce));
        m->initial_response();
        CHECK_THROWS_AS(m->step("r=fyko+d2lbbFgONRv9qkxdawL3rfc\0,s=QSXCR+Q6sek8bf92,i=4096"sv),
                        Error);
    }

    TEST_CASE("SCRAM saslname escaping and authzid in the GS2 header") {
        auto m = make("SCRAM-SHA-256", {"a,b=c", "pencil", "ad,m=in"}, with_nonce("abc"));
        CHECK(m->initial_response()->data == "n,a=ad=2Cm=3Din,n=a=2Cb=3Dc,r=abc");
    }

    TEST_CASE("SCRAM SASLprep: RFC 4013 mappings reproduce the RFC 5802 vector") {
        // U+00AD (soft hyphen) maps to nothing: "pen\u00adcil" is "pencil" after SASLprep,
        // so the exchange must match RFC 5802 byte for byte.
        auto m = make("SCRAM-SHA-1",
                      {"us\xc2\xad"
                       "er",
                       "pen\xc2\xad"
                       "cil",
                       ""},
                      with_nonce(kRfc5802.nonce));
        CHECK(m->initial_response()->data == kRfc5802.client_first);
        CHECK(m->step(kRfc5802.server_first).data == kRfc5802.client_final);
        m->step(kRfc5802.server_final);
        CHECK(m->server_verified());
        // U+00A0 (no-break space) maps to U+0020.
        auto nbsp = make("SCRAM-SHA-256", {"a\xc2\xa0z", "p", ""}, with_nonce("abc"));
        CHECK(nbsp->initial_response()->data == "n,,n=a z,r=abc");
        // Non-ASCII survives (NFKC of an already composed character is itself).
        auto umlaut = make("SCRAM-SHA-256", {"j\xc3\xbcrgen", "p\xc3\xa4ss", ""}, with_nonce("n"));
        CHECK(umlaut->initial_response()->data == "n,,n=j\xc3\xbcrgen,r=n");
    }

    TEST_CASE("SCRAM SASLprep refuses control characters and empty results") {
        const sasl_test::Creds bad[] = {
            {"us\x07"
             "er",
             "pencil", ""},
            {"user",
             "pen\x07"
             "cil",
             ""},
            {"user", "pen\x7f", ""},
            {"\xc2\xad", "pencil", ""},    // prepares to the empty string
            {"user", "\xed\xa0\x80", ""},  // not UTF-8 (surrogate)
        };
        for (const auto& c : bad) {
            CAPTURE(b64(c.user + "|" + c.secret));
            try {
                make("SCRAM-SHA-256", c, with_nonce("abc"));
                FAIL("accepted");
            } catch (const Error& e) {
                CHECK(e.kind() == ErrorKind::bad_input);
                CHECK(std::string(e.what()).find("SASLprep") != std::string::npos);
            }
        }
    }

    TEST_CASE("SCRAM channel-binding flags") {
        MechanismOptions cb = with_nonce("abc");
        cb.channel_binding = {"tls-exporter", std::string(32, '\x42')};
        // -PLUS: p=<type>, and c= carries header + binding data.
        auto plus = make("SCRAM-SHA-256-PLUS", {"user", "pencil", ""}, cb);
        CHECK(plus->initial_response()->data == "p=tls-exporter,,n=user,r=abc");
        auto final_msg = plus->step("r=abcdef,s=QSXCR+Q6sek8bf92,i=4096").data;
        CHECK(final_msg.rfind(
                  "c=" + b64("p=tls-exporter,," + std::string(32, '\x42')) + ",r=abcdef,p=", 0) ==
              0);
        // Non-PLUS with binding data and no -PLUS offered: "y".
        auto y = make("SCRAM-SHA-256", {"user", "pencil", ""}, cb);
        CHECK(y->initial_response()->data == "y,,n=user,r=abc");
        CHECK(y->step("r=abcdef,s=QSXCR+Q6sek8bf92,i=4096").data.rfind("c=eSws,", 0) == 0);
        // -PLUS was offered but we chose the plain variant: never "y".
        cb.server_supports_plus = true;
        CHECK(make("SCRAM-SHA-256", {"user", "pencil", ""}, cb)->initial_response()->data ==
              "n,,n=user,r=abc");
        // -PLUS without binding data cannot work.
        CHECK_THROWS_AS(make("SCRAM-SHA-1-PLUS", {"user", "pencil", ""}, with_nonce("abc")), Error);
    }

    TEST_CASE("SCRAM nonce: fixed nonce validated, default nonce random") {
        CHECK_THROWS_AS(make("SCRAM-SHA-1", {"user", "pencil", ""}, with_nonce("a,b")), Error);
        CHECK_THROWS_AS(make("SCRAM-SHA-1", {"user", "pencil", ""}, with_nonce("a b")), Error);
        CHECK_THROWS_AS(make("SCRAM-SHA-1", {"user", "pencil", ""}, with_nonce("")), Error);
        auto a = make("SCRAM-SHA-1", {"user", "pencil", ""})->initial_response()->data;
        auto b = make("SCRAM-SHA-1", {"user", "pencil", ""})->initial_response()->data;
        CHECK(a != b);
        auto first = smtpauth::sasl::scram::parse_client_first(a);
        CHECK(first.nonce.size() == 32);  // 24 random bytes in base64
    }
}
