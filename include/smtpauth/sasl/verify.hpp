// Checks whether a password produced an observed CRAM or SCRAM message, for
// `smtpauth decode --check-password` (RFC 2195, RFC 5802, RFC 7677). PLAIN and LOGIN carry
// the password itself and need no helper: compare it with Secret::reveal().
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "smtpauth/bytes.hpp"

namespace smtpauth::sasl {

// The digest a CRAM-MD5 / CRAM-SHA1 / CRAM-SHA256 client with `password` sends for the
// raw (decoded) `challenge`, as lower-case hex. nullopt when `mechanism` is not one of
// those three (compared case-insensitively).
std::optional<std::string> cram_digest(std::string_view mechanism, std::string_view password,
                                       BytesView challenge);

// True when `response` ("user SP hex-digest", decoded) carries the digest `password`
// produces for `challenge`. The hex is compared case-insensitively and in constant time.
// Throws Error{bad_input} for an unknown mechanism or a response without "user SP digest".
bool check_cram_response(std::string_view mechanism, std::string_view password, BytesView challenge,
                         BytesView response);

struct ScramCheck {
    bool proof_matches = false;  // the client-final proof was made with this password
    // Whether the server-final v= matches (only when a server-final was given and it has v=).
    std::optional<bool> server_signature_matches;
};

// Recomputes the SCRAM proof from the observed, decoded messages: `client_first` is the
// whole client-first message (GS2 header included), `server_first` and `client_final`
// as sent, `server_final` optional. `mechanism` is SCRAM-SHA-1 or SCRAM-SHA-256 (with or
// without -PLUS; the channel binding is inside the observed c= and needs no extra input).
// The password is SASLprep'ed (stored string) as a client would. Throws Error{bad_input}
// when a message breaks the RFC 5802 grammar, the mechanism is unknown, the password fails
// SASLprep, the nonces of the messages do not belong together, or the server-first's
// iteration count exceeds `max_iterations` (a crafted transcript must not make us spin).
ScramCheck check_scram(std::string_view mechanism, std::string_view password,
                       std::string_view client_first, std::string_view server_first,
                       std::string_view client_final,
                       std::optional<std::string_view> server_final = std::nullopt,
                       std::uint32_t max_iterations = 1000000);

}  // namespace smtpauth::sasl
