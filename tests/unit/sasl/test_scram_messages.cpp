// The public SCRAM message parsers (RFC 5802 §7) and saslname escaping.
#include <doctest/doctest.h>

#include <string>
#include <string_view>

#include "sasl/gs2.hpp"
#include "smtpauth/codec.hpp"
#include "smtpauth/error.hpp"
#include "smtpauth/sasl/scram.hpp"

using namespace std::string_view_literals;
namespace scram = smtpauth::sasl::scram;
using smtpauth::Error;
using smtpauth::ErrorKind;

TEST_SUITE("smtpauth::sasl::scram") {
    TEST_CASE("client-first with GS2 header variants") {
        auto m = scram::parse_client_first("n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL");
        CHECK(m.gs2.binding == scram::Gs2Header::Binding::none);
        CHECK(m.gs2.text == "n,,");
        CHECK(m.bare == "n=user,r=fyko+d2lbbFgONRv9qkxdawL");
        CHECK(m.user == "user");
        CHECK(m.nonce == "fyko+d2lbbFgONRv9qkxdawL");
        CHECK_FALSE(m.mext.has_value());

        auto p = scram::parse_client_first("p=tls-server-end-point,a=ad=2Cmin,n=u=3Dx,r=abc,z=ext");
        CHECK(p.gs2.binding == scram::Gs2Header::Binding::required);
        CHECK(p.gs2.cb_name == "tls-server-end-point");
        CHECK(p.gs2.authzid == "ad,min");
        CHECK(p.user == "u=x");
        REQUIRE(p.extensions.size() == 1);
        CHECK(p.extensions[0].name == 'z');
        CHECK(p.extensions[0].value == "ext");

        auto y = scram::parse_client_first("y,,m=x,n=u,r=abc");
        CHECK(y.gs2.binding == scram::Gs2Header::Binding::client_supports);
        CHECK(y.mext.value() == "x");
    }

    TEST_CASE("server-first, client-final, server-final fields") {
        auto sf = scram::parse_server_first(
            "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i="
            "4096");
        CHECK(sf.nonce == "rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0");
        CHECK(sf.salt_base64 == "W22ZaJ0SNY7soEsUEjb6gQ==");
        CHECK(sf.salt.size() == 16);
        CHECK(sf.iterations == 4096);

        auto cf = scram::parse_client_final(
            "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=");
        CHECK(cf.channel_binding == "n,,");
        CHECK(cf.nonce == "fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j");
        CHECK(cf.proof.size() == 20);
        CHECK(cf.without_proof == "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j");

        auto v = scram::parse_server_final("v=rmF9pqV8S7suAoZWja4dJRkFsKQ=");
        CHECK_FALSE(v.error.has_value());
        CHECK(v.verifier.size() == 20);
        auto e = scram::parse_server_final("e=channel-bindings-dont-match");
        CHECK(e.error.value() == "channel-bindings-dont-match");
    }

    TEST_CASE("grammar violations name the offset and use the caller's error kind") {
        struct Bad {
            int which;  // 0 client-first, 1 server-first, 2 client-final, 3 server-final
            std::string_view text, message;
        };
        const Bad bad[] = {
            {0, "x,,n=user,r=abc",
             "SCRAM client-first: GS2 channel-binding flag is not 'n', 'y' or 'p=' at offset 0"},
            {0, "n,b=x,n=user,r=abc",
             "SCRAM client-first: GS2 authzid must be 'a=' followed by a saslname at offset 2"},
            {0, "n,,n=us=2Xer,r=abc",
             "SCRAM client-first: '=' in a saslname not followed by 2C or 3D at offset 5"},
            {0, "n,,r=abc,n=user", "SCRAM client-first: expected 'n=' but found 'r=' at offset 3"},
            {0, "n,,n=user", "SCRAM client-first: missing attribute 'r=' at offset 9"},
            {1, "r=abc,s=QSXCR+Q6sek8bf92,i=4O96",
             "SCRAM server-first: iteration count is not a positive decimal number at offset 28"},
            {1, "r=abc,s=QSXCR+Q6sek8bf9=,i=4096",
             "SCRAM server-first: 's=' is not valid base64 (non-zero unused bits before the "
             "padding) at offset 22"},
            {1, "r=abc,1=x,i=4096",
             "SCRAM server-first: attribute name is not a letter at offset 6"},
            {2, "c=biws,r=abc",
             "SCRAM client-final: the last attribute must be the proof 'p=' at offset 12"},
            {3, "x=y", "SCRAM server-final: expected 'v=' or 'e=' at offset 0"},
            {3, "v=", "SCRAM server-final: empty value for 'v=' at offset 0"},
            {3, "e=a\xff", "SCRAM server-final: not valid UTF-8 at offset 3"},
        };
        for (const auto& b : bad) {
            CAPTURE(b.text);
            for (auto kind : {ErrorKind::protocol, ErrorKind::bad_input}) {
                try {
                    switch (b.which) {
                        case 0:
                            scram::parse_client_first(b.text, kind);
                            break;
                        case 1:
                            scram::parse_server_first(b.text, kind);
                            break;
                        case 2:
                            scram::parse_client_final(b.text, kind);
                            break;
                        default:
                            scram::parse_server_final(b.text, kind);
                            break;
                    }
                    FAIL("accepted");
                } catch (const Error& e) {
                    CHECK(e.kind() == kind);
                    CHECK(std::string(e.what()) == b.message);
                }
            }
        }
    }

    TEST_CASE("saslname escaping round-trips") {
        CHECK(scram::escape_saslname("a,b=c") == "a=2Cb=3Dc");
        CHECK(scram::unescape_saslname("a=2Cb=3Dc").value() == "a,b=c");
        CHECK_FALSE(scram::unescape_saslname("a=2").has_value());
        CHECK_FALSE(scram::unescape_saslname("a=").has_value());
        CHECK_FALSE(scram::unescape_saslname("a=2c").has_value());  // escapes are upper case
    }

    TEST_CASE("GS2 headers and their c= values (SPEC-NOTES 5.2)") {
        struct Case {
            std::string_view flag, authzid, header, c_value;
        };
        const Case cases[] = {
            {"n", "", "n,,", "biws"},
            {"y", "", "y,,", "eSws"},
            {"p=tls-unique", "", "p=tls-unique,,", "cD10bHMtdW5pcXVlLCw="},
            {"p=tls-server-end-point", "", "p=tls-server-end-point,,",
             "cD10bHMtc2VydmVyLWVuZC1wb2ludCws"},
            {"p=tls-exporter", "", "p=tls-exporter,,", "cD10bHMtZXhwb3J0ZXIsLA=="},
            {"n", "user@example.com", "n,a=user@example.com,", "bixhPXVzZXJAZXhhbXBsZS5jb20s"},
        };
        for (const auto& c : cases) {
            CAPTURE(c.header);
            auto header = smtpauth::sasl::detail::gs2_header(c.flag, c.authzid);
            CHECK(header == c.header);
            CHECK(smtpauth::codec::base64_encode(header) == c.c_value);
            std::size_t consumed = 0;
            auto parsed = smtpauth::sasl::detail::parse_gs2_header(header + "n=u,r=x", consumed,
                                                                   "test", ErrorKind::bad_input);
            CHECK(consumed == header.size());
            CHECK(parsed.authzid == c.authzid);
            CHECK(parsed.text == header);
        }
    }
}
