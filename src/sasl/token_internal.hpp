// Internal pieces of the token decoder (exchange state, recognition, per-mechanism explainers).
// RFC 4422 (SASL), RFC 4954 (SMTP AUTH), RFC 3501/4959 (IMAP), RFC 5034 (POP3).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sasl/mechanism_decoder.hpp"
#include "smtpauth/bytes.hpp"
#include "smtpauth/sasl/token.hpp"

namespace smtpauth::sasl::token_detail {

// ---- the state one exchange carries from message to message ------------------------------

struct Exchange {
    bool active = false;
    std::string mechanism;  // "" = not known yet; a family name ("SCRAM") until the variant is
    bool named = false;     // from an AUTH/AUTHENTICATE line
    std::size_t start_line = 0;
    int client_messages = 0;
    int server_messages = 0;
    bool expect_client = false;  // the last message was a server challenge
    MessageKind last_server_kind = MessageKind::unknown;
    std::unique_ptr<DecodeState> state;  // the mechanism's own (see DecodeContext::state)
};

// ---- token_dispatch.cpp: which mechanism explains a payload ------------------------------

struct Recognition {
    const MechanismDecoder* decoder = nullptr;  // nullptr: content says nothing
    ContentMatch match;
};

// Asks every mechanism (strong recognisers first, then weak ones) whose message `data` is.
Recognition recognise(BytesView data);

// Explain client / server bytes with what the exchange knows (the mechanism named by AUTH,
// the state of earlier messages), falling back to recognition by content.
void explain_client(BytesView data, DecodedMessage& msg, Exchange& ex, DecodeResult* result,
                    const DecodeOptions& options);
void explain_server(BytesView data, DecodedMessage& msg, Exchange& ex, DecodeResult* result,
                    const DecodeOptions& options);

// The decoder of the exchange's mechanism (by name or family), nullptr when none.
const MechanismDecoder* exchange_decoder(const Exchange& ex);

// ---- shared explainers (token_mechanisms.cpp, token_json.cpp, token_jwt.cpp) -------------

// Raw fields of a payload no mechanism explains: text or hex, and the length.
void explain_unknown(BytesView data, DecodedMessage& msg);

// The JSON error object an OAuth server sends inside the exchange (XOAUTH2, RFC 7628 §3.2.2),
// explained for `mechanism`, ending with `answer_note` (how the client must answer). Returns
// false (and leaves msg untouched) when the payload is not a JSON object.
bool explain_oauth_error_json(BytesView data, DecodedMessage& msg, std::string_view mechanism,
                              std::string_view answer_note);
// The "status" of such an object, nullopt when `data` is not a JSON object.
std::optional<std::string> oauth_error_status(BytesView data);

// Bearer token fields: the token (secret) and, if it is a JWT, its header and claims.
void explain_bearer(std::string_view auth_value, DecodedMessage& msg, const DecodeOptions& options);

// "k=v" pairs separated by `sep` (OAuth messages).
std::vector<std::string_view> split(std::string_view s, char sep);

// ---- token_check.cpp: credentials a transcript shows outside SASL ------------------------

// An APOP digest (RFC 1939 §7) with the greeting's timestamp it was made for.
CheckMaterial apop_material(std::string_view timestamp, Secret digest_hex, std::size_t line);

// ---- small shared helpers (token_mechanisms.cpp) -----------------------------------------

// Throws Error{bad_input} "<what> is not valid UTF-8 at offset N" unless text is UTF-8.
void require_utf8(std::string_view text, std::string_view what);

// "12 bytes" / "1 byte"
std::string byte_count(std::size_t n);

std::string upper(std::string_view s);
bool iequals(std::string_view a, std::string_view b);
bool starts_with_icase(std::string_view s, std::string_view prefix);

}  // namespace smtpauth::sasl::token_detail
