// Kerberos GSS-API tokens by framing and the GSSAPI security-layer message, on tokens captured
// from Cyrus's GSSAPI client and Dovecot 2.3 against a test KDC (RFC 2743, 4121, 4752).
#include <doctest/doctest.h>

#include <string>

#include "sasl/kerberos_tokens.hpp"
#include "smtpauth/codec.hpp"

using namespace smtpauth::sasl::detail;

namespace {

std::string b64(std::string_view text) {
    return smtpauth::codec::base64_decode(text);
}

// Dovecot's offer and the client's choice (unsealed wrap tokens, RRC 0).
const std::string kOffer = b64("BQQF/wAMAAAAAAAAB5gwpwH///8nOrLs/7UTqblTH4g=");
const std::string kChoice = b64("BQQE/wAMAAAAAAAAPJorbgEAAAAr/yRjIbuD+Vi/ucM=");
// The start of Dovecot's AP-REP (framed) is enough to classify it only when whole: a
// minimal framed AP-REP built by hand, with the real OID.
const std::string kFramedApRep = std::string(
    "\x60\x0e\x06\x09\x2a\x86\x48\x86\xf7\x12\x01\x02\x02"
    "\x02\x00\x6f",
    16);

}  // namespace

TEST_SUITE("smtpauth::sasl") {
    TEST_CASE("kerberos tokens: context tokens framed and bare") {
        auto rep = classify_kerberos_token(kFramedApRep);
        REQUIRE(rep);
        CHECK(rep->kind == KerberosTokenKind::ap_rep);
        CHECK(rep->framed);
        auto bare = classify_kerberos_token(std::string("\x01\x00\x6e\x82", 4));
        REQUIRE(bare);
        CHECK(bare->kind == KerberosTokenKind::ap_req);
        CHECK_FALSE(bare->framed);
        CHECK(classify_kerberos_token(std::string("\x03\x00\x7e", 3))->kind ==
              KerberosTokenKind::krb_error);
    }

    TEST_CASE("kerberos tokens: what is not one") {
        CHECK_FALSE(classify_kerberos_token(""));
        CHECK_FALSE(classify_kerberos_token("user\0pass"));
        // A framed token whose DER length disagrees with its size, or another mechanism's OID.
        std::string bad_len = kFramedApRep;
        bad_len[1] = '\x20';
        CHECK_FALSE(classify_kerberos_token(bad_len));
        std::string other_oid = kFramedApRep;
        other_oid[12] = '\x03';
        CHECK_FALSE(classify_kerberos_token(other_oid));
        // A wrap token's filler must be 0xFF and its flags only the three defined bits.
        std::string bad_filler = kOffer;
        bad_filler[3] = '\x00';
        CHECK_FALSE(classify_kerberos_token(bad_filler));
    }

    TEST_CASE("kerberos tokens: the security-layer offer and choice") {
        auto offer = classify_kerberos_token(kOffer);
        REQUIRE(offer);
        CHECK(offer->kind == KerberosTokenKind::wrap);
        CHECK(offer->from_acceptor);
        CHECK_FALSE(offer->sealed);
        auto o = read_security_layer(kOffer);
        REQUIRE(o);
        CHECK(o->layers == 1);
        CHECK(o->max_buffer == 0xffffff);
        auto c = read_security_layer(kChoice);
        REQUIRE(c);
        CHECK_FALSE(classify_kerberos_token(kChoice)->from_acceptor);
        CHECK(c->layers == 1);
        CHECK(c->max_buffer == 0);
        CHECK(c->authzid.empty());
        CHECK(security_layer_names(1) == "none");
        CHECK(security_layer_names(7) == "none, integrity, confidentiality");
        CHECK(security_layer_names(0) == "no layer");
    }

    TEST_CASE("kerberos tokens: a rotated (RRC) token reads the same; a sealed one not at all") {
        // Rotate the 16 octets after the header right by 3 and say so in RRC.
        std::string body = kOffer.substr(16);
        std::string rotated =
            kOffer.substr(0, 16) + body.substr(body.size() - 3) + body.substr(0, body.size() - 3);
        rotated[7] = '\x03';
        auto o = read_security_layer(rotated);
        REQUIRE(o);
        CHECK(o->layers == 1);
        CHECK(o->max_buffer == 0xffffff);
        std::string sealed = kOffer;
        sealed[2] = '\x07';
        CHECK(classify_kerberos_token(sealed)->sealed);
        CHECK_FALSE(read_security_layer(sealed));
        // EC larger than the body: not a message.
        std::string short_ec = kOffer;
        short_ec[4] = '\x01';
        CHECK_FALSE(read_security_layer(short_ec));
    }
}
