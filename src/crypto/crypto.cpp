// OpenSSL-backed digests, HMAC (RFC 2104), PBKDF2 (RFC 8018), random bytes, CRYPTO_memcmp.
#include "crypto/crypto.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <climits>
#include <string>

#include "smtpauth/error.hpp"

namespace smtpauth::crypto {

namespace {

const EVP_MD* md(Digest digest) noexcept {
    switch (digest) {
        case Digest::md5:
            return EVP_md5();
        case Digest::sha1:
            return EVP_sha1();
        case Digest::sha256:
            return EVP_sha256();
    }
    return EVP_sha256();
}

const unsigned char* uchars(BytesView v) noexcept {
    return reinterpret_cast<const unsigned char*>(v.data());
}

unsigned char* uchars(Bytes& v) noexcept {
    return reinterpret_cast<unsigned char*>(v.data());
}

int int_length(BytesView v, const char* what) {
    if (v.size() > static_cast<std::size_t>(INT_MAX))
        throw Error(ErrorKind::bad_input, std::string(what) + " too large");
    return static_cast<int>(v.size());
}

[[noreturn]] void fail(const char* what) {
    throw Error(ErrorKind::internal, std::string("OpenSSL ") + what + " failed");
}

}  // namespace

std::size_t digest_size(Digest digest) noexcept {
    switch (digest) {
        case Digest::md5:
            return 16;
        case Digest::sha1:
            return 20;
        case Digest::sha256:
            return 32;
    }
    return 32;
}

Bytes hash(Digest digest, BytesView data) {
    Bytes out(digest_size(digest), '\0');
    unsigned int len = 0;
    if (EVP_Digest(data.data(), data.size(), uchars(out), &len, md(digest), nullptr) != 1)
        fail("EVP_Digest");
    if (len != out.size()) fail("EVP_Digest length");
    return out;
}

Bytes hmac(Digest digest, BytesView key, BytesView data) {
    Bytes out(digest_size(digest), '\0');
    unsigned int len = 0;
    // HMAC() reduces keys longer than the block size with the digest itself (RFC 2104 §2).
    if (HMAC(md(digest), key.data(), int_length(key, "HMAC key"), uchars(data), data.size(),
             uchars(out), &len) == nullptr)
        fail("HMAC");
    if (len != out.size()) fail("HMAC length");
    return out;
}

Bytes pbkdf2(Digest digest, BytesView password, BytesView salt, std::uint32_t iterations,
             std::size_t length) {
    if (iterations == 0) throw Error(ErrorKind::bad_input, "PBKDF2 iteration count must be >= 1");
    if (iterations > static_cast<std::uint32_t>(INT_MAX))
        throw Error(ErrorKind::bad_input, "PBKDF2 iteration count too large");
    if (length == 0 || length > 1024) throw Error(ErrorKind::bad_input, "PBKDF2 bad key length");
    Bytes out(length, '\0');
    if (PKCS5_PBKDF2_HMAC(password.data(), int_length(password, "password"), uchars(salt),
                          int_length(salt, "salt"), static_cast<int>(iterations), md(digest),
                          static_cast<int>(length), uchars(out)) != 1)
        fail("PKCS5_PBKDF2_HMAC");
    return out;
}

Bytes random_bytes(std::size_t count) {
    Bytes out(count, '\0');
    if (count > static_cast<std::size_t>(INT_MAX)) throw Error(ErrorKind::bad_input, "too many");
    if (count > 0 && RAND_bytes(uchars(out), static_cast<int>(count)) != 1) fail("RAND_bytes");
    return out;
}

bool constant_time_equal(BytesView a, BytesView b) noexcept {
    if (a.size() != b.size()) return false;
    return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace smtpauth::crypto
