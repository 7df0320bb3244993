// Token decoder: SCRAM transcripts of RFC 5802 §5 (SHA-1) and RFC 7677 §3 (SHA-256), their
// fields, --check-password against them, and grammar errors.
#include <doctest/doctest.h>

#include "smtpauth/codec.hpp"
#include "smtpauth/error.hpp"
#include "token_support.hpp"

using namespace smtpauth;
using namespace smtpauth::sasl;
using token_test::field;
using token_test::field_secret;
using token_test::has_note;

namespace {

std::vector<std::string> smtp_transcript(const char* mech, const char* cf, const char* sf,
                                         const char* cfin, const char* sfin) {
    auto b = [](const char* s) { return codec::base64_encode(s); };
    return {std::string("C: AUTH ") + mech + " " + b(cf),
            "S: 334 " + b(sf),
            "C: " + b(cfin),
            "S: 334 " + b(sfin),
            "C: ",
            "S: 235 2.7.0 Authentication successful"};
}

const char* kSha1[] = {
    "n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL",
    "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096",
    "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=",
    "v=rmF9pqV8S7suAoZWja4dJRkFsKQ="};
const char* kSha256[] = {
    "n,,n=user,r=rOprNGfwEbeRWgbNEkqO",
    "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
    "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjf"
    "MHgsqmmiz7AndVQ=",
    "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="};

}  // namespace

TEST_SUITE("smtpauth::sasl::token") {
    TEST_CASE("SCRAM-SHA-1 RFC 5802 transcript: every attribute") {
        auto lines = smtp_transcript("SCRAM-SHA-1", kSha1[0], kSha1[1], kSha1[2], kSha1[3]);
        auto res = decode_lines(lines);
        REQUIRE(res.messages.size() == 6);
        const auto& cf = res.messages[0];
        CHECK(cf.kind == smtpauth::sasl::MessageKind::client_first);
        CHECK(cf.mechanism == "SCRAM-SHA-1");
        CHECK(field(cf, "user") == "user");
        CHECK(field(cf, "client-nonce") == "fyko+d2lbbFgONRv9qkxdawL");
        CHECK(field(cf, "gs2-flag") == "n");
        const auto& sf = res.messages[1];
        CHECK(sf.kind == smtpauth::sasl::MessageKind::server_first);
        CHECK(field(sf, "client-nonce") == "fyko+d2lbbFgONRv9qkxdawL");
        CHECK(field(sf, "server-nonce") == "3rfcNHYJY1ZVvWVs7j");
        CHECK(field(sf, "salt") == "4125c247e43ab1e93c6dff76 (12 bytes)");
        CHECK(field(sf, "iterations") == "4096");
        const auto& cfin = res.messages[2];
        CHECK(cfin.kind == smtpauth::sasl::MessageKind::client_final);
        CHECK(field(cfin, "channel-binding") == "n,,");
        CHECK(field(cfin, "proof") == "v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=");
        CHECK(field_secret(cfin, "proof"));
        const auto& sfin = res.messages[3];
        CHECK(sfin.kind == smtpauth::sasl::MessageKind::server_final);
        CHECK(field(sfin, "server-signature") == "ae617da6a57c4bbb2e0286568dae1d251905b0a4");
        CHECK(res.messages[4].kind == smtpauth::sasl::MessageKind::client_response);
        CHECK(res.messages[5].kind == smtpauth::sasl::MessageKind::success);
        CHECK_FALSE(has_note(res.messages[5], "never proved"));

        auto check = check_password(res, Secret("pencil"));
        REQUIRE(check);
        CHECK(check->mechanism == "SCRAM-SHA-1");
        CHECK(check->line == 3);
        CHECK(check->matches);
        CHECK(check->server_signature_matches == true);
        auto wrong = check_password(res, Secret("pencil!"));
        CHECK_FALSE(wrong->matches);
        CHECK(wrong->server_signature_matches == false);
    }

    TEST_CASE("SCRAM-SHA-256 RFC 7677 transcript: the nonce with % ) $ survives") {
        auto lines =
            smtp_transcript("SCRAM-SHA-256", kSha256[0], kSha256[1], kSha256[2], kSha256[3]);
        auto res = decode_lines(lines);
        CHECK(field(res.messages[1], "server-nonce") == "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0");
        CHECK(check_password(res, Secret("pencil"))->matches);
        CHECK_FALSE(check_password(res, Secret("Pencil"))->matches);
    }

    TEST_CASE("raw SCRAM messages without a mechanism name: the proof length tells SHA-1") {
        std::vector<std::string> lines(std::begin(kSha1), std::end(kSha1));
        auto res = decode_lines(lines);
        REQUIRE(res.messages.size() == 4);
        CHECK(res.messages[0].mechanism == "SCRAM");
        CHECK(res.messages[2].mechanism == "SCRAM-SHA-1");
        CHECK(res.messages[1].direction == TokenDirection::server);
        CHECK(check_password(res, Secret("pencil"))->matches);
    }

    TEST_CASE("a forged server-final v= is caught by --check-password") {
        auto lines = smtp_transcript("SCRAM-SHA-1", kSha1[0], kSha1[1], kSha1[2],
                                     "v=AAAAAAAAAAAAAAAAAAAAAAAAAAA=");
        auto check = check_password(decode_lines(lines), Secret("pencil"));
        REQUIRE(check);
        CHECK(check->matches);
        CHECK(check->server_signature_matches == false);
        std::vector<std::string> no_final{kSha1[0], kSha1[1], kSha1[2]};
        CHECK_FALSE(check_password(decode_lines(no_final), Secret("pencil"))
                        ->server_signature_matches.has_value());
    }

    TEST_CASE("SCRAM without the server-first cannot be checked") {
        std::vector<std::string> lines{kSha1[0], kSha1[2]};
        auto res = decode_lines(lines);
        CHECK(has_note(res.messages[1], "cannot be checked"));
        CHECK_FALSE(check_password(res, Secret("pencil")));
    }

    TEST_CASE("SCRAM server nonce that does not extend the client nonce is flagged") {
        std::vector<std::string> lines{kSha1[0], "r=other,s=QSXCR+Q6sek8bf92,i=4096"};
        auto res = decode_lines(lines);
        CHECK(has_note(res.messages[1], "must abort"));
    }

    TEST_CASE("success without server-final is flagged for SCRAM") {
        auto b = [](const char* s) { return codec::base64_encode(s); };
        std::vector<std::string> lines{"AUTH SCRAM-SHA-1 " + b(kSha1[0]), "334 " + b(kSha1[1]),
                                       b(kSha1[2]), "235 ok"};
        auto res = decode_lines(lines);
        CHECK(has_note(res.messages[3], "never proved"));
    }

    TEST_CASE("SCRAM e= server error, authzid, channel binding and extensions") {
        auto e = explain_payload("e=invalid-proof");
        CHECK(field(e, "server-error") == "invalid-proof");
        CHECK(has_note(e, "wrong password"));
        auto cf = explain_payload("y,a=ad=2Cmin,n=us=3Der,r=abc,x=ext");
        CHECK(field(cf, "authzid") == "ad,min");
        CHECK(field(cf, "user") == "us=er");
        CHECK(field(cf, "extension") == "x=ext");
        auto p = explain_payload("c=cD10bHMtZXhwb3J0ZXIsLAECAw==,r=abc,p=AAAA");
        CHECK(field(p, "channel-binding") == "p=tls-exporter,,");
        CHECK(field(p, "channel-binding-data") == "010203 (3 bytes)");
    }

    TEST_CASE("SCRAM grammar violations are errors naming what broke (the client's parser)") {
        CHECK_THROWS_WITH_AS(explain_payload("r=abc,s=***,i=4096"),
                             doctest::Contains("SCRAM server-first: 's=' is not valid base64"),
                             Error);
        CHECK_THROWS_WITH_AS(explain_payload("r=abc,s=QSXCR+Q6sek8bf92,i=0x10"),
                             doctest::Contains("iteration count is not a positive decimal number"),
                             Error);
        CHECK_THROWS_WITH_AS(explain_payload("n,,n=a=b,r=abc"),
                             doctest::Contains("not followed by 2C or 3D"), Error);
        CHECK_THROWS_WITH_AS(explain_payload("c=biws,r=abc"),
                             doctest::Contains("the last attribute must be the proof 'p='"), Error);
        CHECK_THROWS_WITH_AS(explain_payload("x", "SCRAM-SHA-256", TokenDirection::server),
                             doctest::Contains("not a SCRAM server-first"), Error);
    }

    TEST_CASE("a crafted iteration count does not make --check-password spin") {
        std::vector<std::string> lines{
            kSha1[0],
            "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,"
            "i=4294967295",
            kSha1[2]};
        auto res = decode_lines(lines);
        CHECK_THROWS_WITH_AS(check_password(res, Secret("pencil")), doctest::Contains("cap"),
                             Error);
    }
}
