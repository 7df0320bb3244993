// Tests for hex (RFC 4648 §8 vectors), strict UTF-8 (RFC 3629) and display escaping.
#include <doctest/doctest.h>

#include <string>
#include <string_view>

#include "smtpauth/codec.hpp"

using namespace std::string_view_literals;
namespace codec = smtpauth::codec;

TEST_SUITE("smtpauth::codec") {
    TEST_CASE("hex RFC 4648 section 10 vectors (lower case) round-trip") {
        struct Vector {
            std::string_view raw, hex;
        };
        const Vector vectors[] = {{"", ""},
                                  {"f", "66"},
                                  {"fo", "666f"},
                                  {"foo", "666f6f"},
                                  {"foob", "666f6f62"},
                                  {"fooba", "666f6f6261"},
                                  {"foobar", "666f6f626172"}};
        for (const auto& v : vectors) {
            CAPTURE(v.raw);
            CHECK(codec::hex_encode(v.raw) == v.hex);
            CHECK(codec::hex_decode(v.hex).value() == v.raw);
        }
        CHECK(codec::hex_encode("\x00\xff\x10"sv) == "00ff10");
        CHECK(codec::hex_decode("00FF10").value() == "\x00\xff\x10"sv);
    }

    TEST_CASE("hex rejects odd length and non-digits") {
        CHECK_FALSE(codec::hex_decode("abc").has_value());
        CHECK_FALSE(codec::hex_decode("zz").has_value());
        CHECK_FALSE(codec::hex_decode("0x").has_value());
        CHECK_FALSE(codec::hex_decode("a b ").has_value());
    }

    TEST_CASE("UTF-8 validation follows RFC 3629") {
        struct Case {
            std::string_view text;
            bool valid;
        };
        const Case cases[] = {
            {"", true},
            {"plain ascii", true},
            {"\x00"sv, true},
            {"gr\xc3\xbc\xc3\x9f", true},  // grüß
            {"\xe2\x82\xac", true},        // U+20AC
            {"\xf0\x9f\x98\x80", true},    // U+1F600
            {"\xf4\x8f\xbf\xbf", true},    // U+10FFFF
            {"\xc0\xaf", false},           // overlong '/'
            {"\xc1\xbf", false},           // overlong
            {"\xe0\x80\xaf", false},       // overlong 3-byte
            {"\xf0\x80\x80\xaf", false},   // overlong 4-byte
            {"\xed\xa0\x80", false},       // surrogate U+D800
            {"\xf4\x90\x80\x80", false},   // above U+10FFFF
            {"\xf5\x80\x80\x80", false},
            {"\xff", false},
            {"\x80", false},         // lone continuation
            {"\xc3", false},         // truncated
            {"abc\xe2\x82", false},  // truncated at end
        };
        for (const auto& c : cases) {
            CAPTURE(codec::hex_encode(c.text));
            CHECK(codec::is_valid_utf8(c.text) == c.valid);
        }
    }

    TEST_CASE("escape_for_display neutralises terminal controls") {
        struct Case {
            std::string_view in, out;
        };
        const Case cases[] = {
            {"hello, world", "hello, world"},
            {"a\\b", "a\\\\b"},
            {"tab\there\r\n", "tab\\there\\r\\n"},
            {"nul\0x"sv, "nul\\x00x"},
            {"\x1b]0;pwned\x07\x1b[2J", "\\x1b]0;pwned\\x07\\x1b[2J"},
            {"del\x7f", "del\\x7f"},
            {"gr\xc3\xbc\xc3\x9f", "gr\xc3\xbc\xc3\x9f"},
            {"c1 \xc2\x9b"
             "31m",
             "c1 \\xc2\\x9b31m"},
            {"nbsp\xc2\xa0ok", "nbsp\xc2\xa0ok"},
            {"bad \xff\xc3", "bad \\xff\\xc3"},
            {"\xed\xa0\x80", "\\xed\\xa0\\x80"},
            {"a\xe2\x80\xae"
             "b",
             "a\\xe2\\x80\\xae"
             "b"},                                  // U+202E RIGHT-TO-LEFT OVERRIDE
            {"\xe2\x81\xa6x", "\\xe2\\x81\\xa6x"},  // U+2066
            {"\xe2\x80\x94", "\xe2\x80\x94"},       // U+2014 EM DASH stays
        };
        for (const auto& c : cases) {
            CAPTURE(c.in);
            CHECK(codec::escape_for_display(c.in) == c.out);
        }
    }
}
