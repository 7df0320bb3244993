// decode --check-password helpers: CRAM digests (RFC 2195) and SCRAM proofs (RFC 5802/7677).
#include <doctest/doctest.h>

#include <string>

#include "smtpauth/error.hpp"
#include "smtpauth/sasl/verify.hpp"

using smtpauth::Error;
namespace sasl = smtpauth::sasl;

TEST_SUITE("smtpauth::sasl") {
    TEST_CASE("CRAM check against RFC 2195") {
        const std::string challenge = "<1896.697170952@postoffice.reston.mci.net>";
        CHECK(sasl::cram_digest("CRAM-MD5", "tanstaaftanstaaf", challenge).value() ==
              "b913a602c7eda7a495b4e6e7334d3890");
        CHECK(sasl::cram_digest("cram-sha1", "tanstaaftanstaaf", challenge).value() ==
              "8cb10ed0a8b764ab0e05125dd6eaa295f19b5943");
        CHECK_FALSE(sasl::cram_digest("PLAIN", "x", challenge).has_value());
        CHECK(sasl::check_cram_response("CRAM-MD5", "tanstaaftanstaaf", challenge,
                                        "tim b913a602c7eda7a495b4e6e7334d3890"));
        CHECK(sasl::check_cram_response("CRAM-MD5", "tanstaaftanstaaf", challenge,
                                        "tim B913A602C7EDA7A495B4E6E7334D3890"));
        CHECK_FALSE(sasl::check_cram_response("CRAM-MD5", "tanstaaftanstaafX", challenge,
                                              "tim b913a602c7eda7a495b4e6e7334d3890"));
        CHECK_FALSE(sasl::check_cram_response("CRAM-SHA1", "tanstaaftanstaaf", challenge,
                                              "tim b913a602c7eda7a495b4e6e7334d3890"));
        CHECK_THROWS_AS(sasl::check_cram_response("CRAM-MD5", "p", challenge, "nospace"), Error);
        CHECK_THROWS_AS(sasl::check_cram_response("LOGIN", "p", challenge, "u x"), Error);
    }

    TEST_CASE("SCRAM check against RFC 5802 and RFC 7677") {
        struct Case {
            const char *mech, *cf, *sf, *cfin, *sfin;
        };
        const Case cases[] = {
            {"SCRAM-SHA-1", "n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL",
             "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096",
             "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=",
             "v=rmF9pqV8S7suAoZWja4dJRkFsKQ="},
            {"SCRAM-SHA-256", "n,,n=user,r=rOprNGfwEbeRWgbNEkqO",
             "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i="
             "4096",
             "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+"
             "Ute9ytag9z"
             "jfMHgsqmmiz7AndVQ=",
             "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="},
        };
        for (const auto& c : cases) {
            CAPTURE(c.mech);
            auto good = sasl::check_scram(c.mech, "pencil", c.cf, c.sf, c.cfin, c.sfin);
            CHECK(good.proof_matches);
            CHECK(good.server_signature_matches == std::optional<bool>(true));
            auto bad = sasl::check_scram(c.mech, "pencil!", c.cf, c.sf, c.cfin, c.sfin);
            CHECK_FALSE(bad.proof_matches);
            CHECK(bad.server_signature_matches == std::optional<bool>(false));
            auto no_final = sasl::check_scram(c.mech, "pencil", c.cf, c.sf, c.cfin);
            CHECK(no_final.proof_matches);
            CHECK_FALSE(no_final.server_signature_matches.has_value());
            // The other hash gives a different answer.
            auto other = sasl::check_scram(
                std::string(c.mech) == "SCRAM-SHA-1" ? "SCRAM-SHA-256" : "SCRAM-SHA-1", "pencil",
                c.cf, c.sf, c.cfin);
            CHECK_FALSE(other.proof_matches);
        }
        // A crafted iteration count is refused before any work is done.
        CHECK_THROWS_AS(
            sasl::check_scram("SCRAM-SHA-1", "pencil", "n,,n=user,r=abc",
                              "r=abcd,s=QSXCR+Q6sek8bf92,i=4294967295", "c=biws,r=abcd,p=AAAA"),
            Error);
        CHECK_THROWS_AS(sasl::check_scram(cases[0].mech, "pencil", cases[0].cf, cases[0].sf,
                                          cases[0].cfin, std::nullopt, 4095),
                        Error);
        // Messages from different exchanges.
        CHECK_THROWS_AS(sasl::check_scram("SCRAM-SHA-1", "pencil", "n,,n=user,r=other", cases[0].sf,
                                          cases[0].cfin),
                        Error);
        CHECK_THROWS_AS(sasl::check_scram("CRAM-MD5", "p", cases[0].cf, cases[0].sf, cases[0].cfin),
                        Error);
    }
}
