// Renders the token decoder's results (smtpauth decode) as human text or as one JSON object.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "smtpauth/sasl/token.hpp"

namespace smtpauth::render {

struct DecodeRenderOptions {
    bool show_secrets = false;  // --show-secrets: print passwords, tokens, digests, proofs
};

// "<hidden, 8 bytes; --show-secrets to show>"
std::string hidden_marker(std::size_t bytes);

// Human text, every untrusted byte escaped (codec::escape_for_display), secrets masked unless
// asked. Ends with the --check-password verdict when `check` is given.
std::string decode_text(const sasl::DecodeResult& result,
                        const std::optional<sasl::PasswordCheck>& check,
                        const DecodeRenderOptions& options);

// {"schema_version":1,"messages":[...],"check_password":null|{...}} (see man smtpauth).
std::string decode_json(const sasl::DecodeResult& result,
                        const std::optional<sasl::PasswordCheck>& check,
                        const DecodeRenderOptions& options);

}  // namespace smtpauth::render
