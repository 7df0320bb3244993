// Tests for strict base64: RFC 4648 §10 vectors and the strictness RFC 4954 §4 demands.
#include <doctest/doctest.h>

#include <string>
#include <string_view>

#include "smtpauth/codec.hpp"
#include "smtpauth/error.hpp"

using namespace std::string_view_literals;
namespace codec = smtpauth::codec;

TEST_SUITE("smtpauth::codec") {
    TEST_CASE("base64 RFC 4648 section 10 vectors round-trip") {
        struct Vector {
            std::string_view raw, encoded;
        };
        const Vector vectors[] = {
            {"", ""},
            {"f", "Zg=="},
            {"fo", "Zm8="},
            {"foo", "Zm9v"},
            {"foob", "Zm9vYg=="},
            {"fooba", "Zm9vYmE="},
            {"foobar", "Zm9vYmFy"},
        };
        for (const auto& v : vectors) {
            CAPTURE(v.raw);
            CHECK(codec::base64_encode(v.raw) == v.encoded);
            CHECK(codec::base64_decode(v.encoded) == v.raw);
        }
    }

    TEST_CASE("base64 keeps NUL and high bytes") {
        const auto raw = "\0tim\0tanstaaftanstaaf"sv;
        CHECK(codec::base64_encode(raw) == "AHRpbQB0YW5zdGFhZnRhbnN0YWFm");
        CHECK(codec::base64_decode("AHRpbQB0YW5zdGFhZnRhbnN0YWFm") == raw);
        const auto high = "\xff\xfe\x80\x00"sv;
        CHECK(codec::base64_decode(codec::base64_encode(high)) == high);
        CHECK(codec::base64_encode("\xfb\xff"sv) == "+/8=");
    }

    TEST_CASE("base64 rejects non-canonical input with the offset") {
        struct Bad {
            std::string_view text, reason;
        };
        const Bad bad[] = {
            {"=AAA", "invalid base64 at offset 0: padding '=' before the end"},
            {"AAA=BBB", "invalid base64 at offset 3: padding '=' before the end"},
            {"AA=A", "invalid base64 at offset 3: 'A' after padding '='"},
            {"A===", "invalid base64 at offset 1: padding '=' before the end"},
            {"AAAAA", "invalid base64: length 5 is not a multiple of 4"},
            {"Zg=", "invalid base64: length 3 is not a multiple of 4"},
            {"Zg", "invalid base64: length 2 is not a multiple of 4"},
            {"Zh==", "invalid base64 at offset 1: non-zero unused bits before the padding"},
            {"Zm9=", "invalid base64 at offset 2: non-zero unused bits before the padding"},
            {"Zm9v Yg==", "invalid base64 at offset 4: byte 0x20 is not in the alphabet"},
            {"Zm9v\r\n", "invalid base64 at offset 4: byte 0x0d is not in the alphabet"},
            {" Zm9v", "invalid base64 at offset 0: byte 0x20 is not in the alphabet"},
            {"Zm9v\t", "invalid base64 at offset 4: byte 0x09 is not in the alphabet"},
            {"=?not*base64!!==", "invalid base64 at offset 0: padding '=' before the end"},
            {"Zm9*", "invalid base64 at offset 3: '*' is not in the alphabet"},
            {"Zm-_", "invalid base64 at offset 2: '-' is not in the alphabet"},
            {std::string_view("Zm\0v", 4),
             "invalid base64 at offset 2: byte 0x00 is not in the alphabet"},
        };
        for (const auto& b : bad) {
            CAPTURE(b.text);
            std::string why;
            CHECK_FALSE(codec::try_base64_decode(b.text, &why).has_value());
            CHECK(why == b.reason);
            try {
                codec::base64_decode(b.text);
                FAIL("no exception");
            } catch (const smtpauth::Error& e) {
                CHECK(e.kind() == smtpauth::ErrorKind::bad_input);
                CHECK(std::string(e.what()) == b.reason);
            }
        }
    }

    TEST_CASE("base64 try_decode without a reason pointer") {
        CHECK_FALSE(codec::try_base64_decode("*").has_value());
        CHECK(codec::try_base64_decode("AA==").value() == std::string(1, '\0'));
    }
}
