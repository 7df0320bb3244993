// Renders the token decoder's results (smtpauth decode) as human text or as one JSON object.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "smtpauth/sasl/token.hpp"
#include "smtpauth/secret.hpp"

namespace smtpauth::render {

struct DecodeRenderOptions {
    bool show_secrets = false;  // --show-secrets: print passwords, tokens, digests, proofs
    // The password the user gave to check (or null): every occurrence of it, its base64,
    // URL-encoded and hex forms is hidden in all text shown (unless show_secrets).
    const Secret* known_password = nullptr;
    // Transcript format, e.g. "swaks"; "" prints no format line.
    std::string format;
    bool format_detected = false;  // found by detection rather than named by --format
};

// "<hidden, 8 bytes; --show-secrets to show>"
std::string hidden_marker(std::size_t bytes);

// Human text, every untrusted byte escaped (codec::escape_for_display), secrets masked unless
// asked, lines the decoder did not understand shown only as short excerpts. Ends with one
// --check-password row per checked exchange.
std::string decode_text(const sasl::DecodeResult& result,
                        std::span<const sasl::PasswordCheck> checks,
                        const DecodeRenderOptions& options);
std::string decode_text(const sasl::DecodeResult& result,
                        const std::optional<sasl::PasswordCheck>& check,
                        const DecodeRenderOptions& options);

// {"schema_version":1,"format":...,"messages":[...],"check_password":null|{...},
//  "password_checks":[...]} (see man smtpauth).
std::string decode_json(const sasl::DecodeResult& result,
                        std::span<const sasl::PasswordCheck> checks,
                        const DecodeRenderOptions& options);
std::string decode_json(const sasl::DecodeResult& result,
                        const std::optional<sasl::PasswordCheck>& check,
                        const DecodeRenderOptions& options);

// The name users see for a decoder message kind (text, and the JSON "kind" contract).
std::string_view message_kind_name(sasl::MessageKind kind) noexcept;

}  // namespace smtpauth::render
