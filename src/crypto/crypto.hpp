// Internal: thin OpenSSL wrappers for digests (RFC 1321, FIPS 180-4), HMAC (RFC 2104),
// PBKDF2 (RFC 8018 / RFC 6070), random bytes and constant-time comparison.
#pragma once

#include <cstddef>
#include <cstdint>

#include "smtpauth/bytes.hpp"

namespace smtpauth::crypto {

enum class Digest { md5, sha1, sha256 };

// Output length in bytes (16, 20, 32).
std::size_t digest_size(Digest digest) noexcept;

// Every function throws Error{internal} when OpenSSL fails (it should not).
Bytes hash(Digest digest, BytesView data);
Bytes hmac(Digest digest, BytesView key, BytesView data);

// PBKDF2-HMAC with dkLen = `length` (SCRAM's Hi() is this with dkLen = the digest size).
// iterations must be >= 1; throws Error{bad_input} otherwise.
Bytes pbkdf2(Digest digest, BytesView password, BytesView salt, std::uint32_t iterations,
             std::size_t length);

// Cryptographically strong random bytes (RAND_bytes).
Bytes random_bytes(std::size_t count);

// Equal length and equal content, in time independent of where they differ (CRYPTO_memcmp).
// The length itself is not secret (digest sizes are public).
bool constant_time_equal(BytesView a, BytesView b) noexcept;

}  // namespace smtpauth::crypto
