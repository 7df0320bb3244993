// Tests for the OpenSSL wrappers: FIPS 180 "abc" digests, HMAC RFC 2202 (MD5, SHA-1) and
// RFC 4231 (SHA-256) vectors, PBKDF2-HMAC-SHA1 RFC 6070 vectors, CRYPTO_memcmp wrapper.
#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "crypto/crypto.hpp"
#include "smtpauth/codec.hpp"
#include "smtpauth/error.hpp"

using namespace std::string_view_literals;
using smtpauth::crypto::Digest;
namespace crypto = smtpauth::crypto;
namespace codec = smtpauth::codec;

namespace {
std::string repeat(char c, std::size_t n) {
    return std::string(n, c);
}
std::string counting(std::size_t n) {  // 0x01 0x02 ... n
    std::string s;
    for (std::size_t i = 1; i <= n; ++i) s += static_cast<char>(i);
    return s;
}
const char* name(Digest d) {
    switch (d) {
        case Digest::md5:
            return "MD5";
        case Digest::sha1:
            return "SHA-1";
        case Digest::sha256:
            return "SHA-256";
    }
    return "?";
}
}  // namespace

TEST_SUITE("smtpauth::crypto") {
    TEST_CASE("digests of \"abc\" and their sizes") {
        CHECK(codec::hex_encode(crypto::hash(Digest::md5, "abc")) ==
              "900150983cd24fb0d6963f7d28e17f72");
        CHECK(codec::hex_encode(crypto::hash(Digest::sha1, "abc")) ==
              "a9993e364706816aba3e25717850c26c9cd0d89d");
        CHECK(codec::hex_encode(crypto::hash(Digest::sha256, "abc")) ==
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        CHECK(crypto::digest_size(Digest::md5) == 16);
        CHECK(crypto::digest_size(Digest::sha1) == 20);
        CHECK(crypto::digest_size(Digest::sha256) == 32);
    }

    TEST_CASE("HMAC RFC 2202 and RFC 4231 vectors") {
        struct Vector {
            Digest digest;
            int test_case;
            std::string key, data;
            std::string_view hex;  // RFC 4231 case 5 publishes only the first 128 bits
        };
        const std::string hash_key_first = "Test Using Larger Than Block-Size Key - Hash Key First";
        const Vector vectors[] = {
            // RFC 2202 section 2: HMAC-MD5
            {Digest::md5, 1, repeat('\x0b', 16), "Hi There", "9294727a3638bb1c13f48ef8158bfc9d"},
            {Digest::md5, 2, "Jefe", "what do ya want for nothing?",
             "750c783e6ab0b503eaa86e310a5db738"},
            {Digest::md5, 3, repeat('\xaa', 16), repeat('\xdd', 50),
             "56be34521d144c88dbb8c733f0e8b3f6"},
            {Digest::md5, 4, counting(25), repeat('\xcd', 50), "697eaf0aca3a3aea3a75164746ffaa79"},
            {Digest::md5, 5, repeat('\x0c', 16), "Test With Truncation",
             "56461ef2342edc00f9bab995690efd4c"},
            {Digest::md5, 6, repeat('\xaa', 80), hash_key_first,
             "6b1ab7fe4bd7bf8f0b62e6ce61b9d0cd"},
            {Digest::md5, 7, repeat('\xaa', 80),
             "Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data",
             "6f630fad67cda0ee1fb1f562db3aa53e"},
            // RFC 2202 section 3: HMAC-SHA-1
            {Digest::sha1, 1, repeat('\x0b', 20), "Hi There",
             "b617318655057264e28bc0b6fb378c8ef146be00"},
            {Digest::sha1, 2, "Jefe", "what do ya want for nothing?",
             "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"},
            {Digest::sha1, 3, repeat('\xaa', 20), repeat('\xdd', 50),
             "125d7342b9ac11cd91a39af48aa17b4f63f175d3"},
            {Digest::sha1, 4, counting(25), repeat('\xcd', 50),
             "4c9007f4026250c6bc8414f9bf50c86c2d7235da"},
            {Digest::sha1, 5, repeat('\x0c', 20), "Test With Truncation",
             "4c1a03424b55e07fe7f27be1d58bb9324a9a5a04"},
            {Digest::sha1, 6, repeat('\xaa', 80), hash_key_first,
             "aa4ae5e15272d00e95705637ce8a3b55ed402112"},
            {Digest::sha1, 7, repeat('\xaa', 80),
             "Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data",
             "e8e99d0f45237d786d6bbaa7965c7808bbff1a91"},
            // RFC 4231 section 4: HMAC-SHA-256
            {Digest::sha256, 1, repeat('\x0b', 20), "Hi There",
             "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
            {Digest::sha256, 2, "Jefe", "what do ya want for nothing?",
             "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
            {Digest::sha256, 3, repeat('\xaa', 20), repeat('\xdd', 50),
             "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"},
            {Digest::sha256, 4, counting(25), repeat('\xcd', 50),
             "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"},
            {Digest::sha256, 5, repeat('\x0c', 20), "Test With Truncation",
             "a3b6167473100ee06e0c796c2955552b"},
            {Digest::sha256, 6, repeat('\xaa', 131), hash_key_first,
             "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
            {Digest::sha256, 7, repeat('\xaa', 131),
             "This is a test using a larger than block-size key and a larger than block-size "
             "data. The key needs to be hashed before being used by the HMAC algorithm.",
             "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"},
        };
        for (const auto& v : vectors) {
            CAPTURE(name(v.digest));
            CAPTURE(v.test_case);
            auto mac = codec::hex_encode(crypto::hmac(v.digest, v.key, v.data));
            CHECK(mac.size() == crypto::digest_size(v.digest) * 2);
            CHECK(mac.substr(0, v.hex.size()) == v.hex);
        }
    }

    TEST_CASE("PBKDF2-HMAC-SHA1 RFC 6070 vectors") {
        struct Vector {
            std::string_view password, salt;
            std::uint32_t iterations;
            std::size_t length;
            std::string_view hex;
        };
        // The fourth RFC 6070 vector (16777216 iterations) is left out: it takes tens of
        // seconds and adds no coverage the 4096-iteration ones lack.
        const Vector vectors[] = {
            {"password", "salt", 1, 20, "0c60c80f961f0e71f3a9b524af6012062fe037a6"},
            {"password", "salt", 2, 20, "ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957"},
            {"password", "salt", 4096, 20, "4b007901b765489abead49d926f721d065a429c1"},
            {"passwordPASSWORDpassword", "saltSALTsaltSALTsaltSALTsaltSALTsalt", 4096, 25,
             "3d2eec4fe41c849b80c8d83662c0e44a8b291a964cf2f07038"},
            {"pass\0word"sv, "sa\0lt"sv, 4096, 16, "56fa6aa75548099dcc37d7f03425e0c3"},
        };
        for (const auto& v : vectors) {
            CAPTURE(v.iterations);
            CAPTURE(v.length);
            CHECK(codec::hex_encode(crypto::pbkdf2(Digest::sha1, v.password, v.salt, v.iterations,
                                                   v.length)) == v.hex);
        }
    }

    TEST_CASE("PBKDF2 refuses zero iterations") {
        CHECK_THROWS_AS(crypto::pbkdf2(Digest::sha1, "p", "s", 0, 20), smtpauth::Error);
    }

    TEST_CASE("random bytes have the requested size and differ") {
        auto a = crypto::random_bytes(24);
        auto b = crypto::random_bytes(24);
        CHECK(a.size() == 24);
        CHECK(a != b);  // 2^-192 chance of a false failure
        CHECK(crypto::random_bytes(0).empty());
    }

    TEST_CASE("constant_time_equal") {
        CHECK(crypto::constant_time_equal("abc", "abc"));
        CHECK_FALSE(crypto::constant_time_equal("abc", "abd"));
        CHECK_FALSE(crypto::constant_time_equal("abc", "ab"));
        CHECK(crypto::constant_time_equal("", ""));
        CHECK_FALSE(crypto::constant_time_equal("\0a"sv, "\0b"sv));
    }
}
