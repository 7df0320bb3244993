// The TLS record test that tells a cleartext answer from a TLS one (RFC 8446 §5.1).
#include <doctest/doctest.h>

#include <string>

#include "net/tls_mismatch.hpp"

using smtpauth::net::looks_like_tls_record;

TEST_CASE("tls mismatch: TLS records are recognised by type and major version") {
    CHECK(looks_like_tls_record(std::string("\x16\x03\x03\x00\x7a", 5)));  // handshake
    CHECK(looks_like_tls_record(std::string("\x15\x03\x01\x00\x02", 5)));  // alert
    CHECK(looks_like_tls_record(std::string("\x14\x03\x03", 3)));          // change_cipher_spec
    CHECK(looks_like_tls_record(std::string("\x17\x03\x03", 3)));          // application_data
    CHECK(looks_like_tls_record(std::string("\x16", 1)));  // too short to say otherwise
}

TEST_CASE("tls mismatch: cleartext greetings are not TLS records") {
    CHECK_FALSE(looks_like_tls_record(""));
    CHECK_FALSE(looks_like_tls_record("220 mx ESMTP\r\n"));
    CHECK_FALSE(looks_like_tls_record("* OK ready\r\n"));
    CHECK_FALSE(looks_like_tls_record("+OK ready\r\n"));
    CHECK_FALSE(looks_like_tls_record("HTTP/1.1 400 Bad Request\r\n"));
    CHECK_FALSE(looks_like_tls_record(std::string("\x16\x02", 2)));  // SSLv2-era major version
    CHECK_FALSE(looks_like_tls_record(std::string("\x19\x03", 2)));  // no such content type
}
