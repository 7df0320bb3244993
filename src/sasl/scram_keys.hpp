// Internal: the SCRAM key computations (RFC 5802 §3), shared by the client mechanism and
// the password checker behind `decode --check-password`.
#pragma once

#include <cstdint>
#include <string_view>

#include "crypto/crypto.hpp"
#include "smtpauth/bytes.hpp"

namespace smtpauth::sasl::detail {

struct ScramProofs {
    Bytes client_proof;      // ClientKey XOR HMAC(StoredKey, AuthMessage)
    Bytes server_signature;  // HMAC(ServerKey, AuthMessage)
    ScramProofs() = default;
    ScramProofs(const ScramProofs&) = delete;
    ScramProofs& operator=(const ScramProofs&) = delete;
    ScramProofs(ScramProofs&&) = default;
    ScramProofs& operator=(ScramProofs&&) = default;
    ~ScramProofs();
};

// `password` must already be SASLprep'ed (stored string). Intermediate keys are wiped.
ScramProofs scram_proofs(crypto::Digest digest, std::string_view password, BytesView salt,
                         std::uint32_t iterations, std::string_view auth_message);

}  // namespace smtpauth::sasl::detail
