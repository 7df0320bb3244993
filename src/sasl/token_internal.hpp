// Internal pieces of the token decoder (line forms, recognition, per-mechanism explainers).
// RFC 4422 (SASL), RFC 4954 (SMTP AUTH), RFC 3501/4959 (IMAP), RFC 5034 (POP3).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "smtpauth/bytes.hpp"
#include "smtpauth/sasl/token.hpp"

namespace smtpauth::sasl::token_detail {

// ---- token_lines.cpp: what a line of input looks like ------------------------------------

enum class LineShape {
    blank,          // nothing after the prefix
    auth_command,   // SMTP/POP3 "AUTH MECH [ir]" or IMAP "tag AUTHENTICATE MECH [ir]"
    challenge,      // "334 [b64]" (SMTP) or "+ [b64]" (IMAP, POP3)
    cancel,         // "*" (RFC 4954 §4, RFC 3501 §6.2.2, RFC 5034 §4)
    smtp_reply,     // "ddd[-| ]text" other than 334
    imap_tagged,    // "tag OK|NO|BAD ..."
    imap_untagged,  // "* ..."
    pop3_ok,        // "+OK ..."
    pop3_err,       // "-ERR ..."
    command,        // a client command that is not AUTH (EHLO, MAIL FROM, a1 LOGIN, ...)
    bare,           // one word: a base64 token, or raw text without spaces
    text,           // several words that match no protocol form
    info,           // a local event line of smtpauth's own transcript ("* connected")
};

struct ParsedLine {
    LineShape shape = LineShape::blank;
    TokenDirection prefix_direction = TokenDirection::unknown;  // from "C:"/"S:" etc.
    bool had_prefix = false;
    std::string_view text;     // the line after the transcript prefix
    std::string_view payload;  // base64 (IR, challenge, bare token) or reply text
    bool has_payload = false;  // an IR/challenge was present (it may be empty: "334 ")
    std::string mechanism;     // auth_command: upper-cased mechanism name
    std::string_view tag;      // IMAP tag
    std::string keyword;       // command keyword / IMAP status, upper case
    int code = 0;              // SMTP reply code
    bool continued = false;    // SMTP "ddd-" continuation line
};

ParsedLine parse_line(std::string_view line);

// ---- the state one exchange carries from message to message ------------------------------

struct Exchange {
    bool active = false;
    std::string mechanism;  // "" = not known yet
    bool named = false;     // from an AUTH/AUTHENTICATE line
    std::size_t start_line = 0;
    int client_messages = 0;
    int server_messages = 0;
    bool expect_client = false;  // the last message was a server challenge
    enum class LoginNext { user, password, done } login_next = LoginNext::user;
    std::string last_server_kind;
    // CRAM
    std::optional<Bytes> cram_challenge;
    // SCRAM (RFC 5802 §3 AuthMessage parts)
    std::string scram_client_first;  // whole message, GS2 header included
    std::string scram_client_first_bare;
    std::string scram_client_nonce;
    std::string scram_server_first;
    std::string scram_server_nonce;
    Bytes scram_salt;
    std::uint32_t scram_iterations = 0;
};

// ---- token_recognise.cpp: which mechanism a payload belongs to, by content ---------------

enum class Recognised {
    none,
    empty,
    plain,
    xoauth2,
    oauthbearer,
    oauth_ack,  // the single 0x01 byte OAUTHBEARER clients send after an error
    scram_client_first,
    scram_server_first,
    scram_client_final,
    scram_server_final,
    cram_challenge,
    cram_response,
    login_prompt,
    json,
    ntlm,
};

struct Recognition {
    Recognised what = Recognised::none;
    std::string mechanism;  // best guess, "" when content says nothing
    TokenDirection direction = TokenDirection::unknown;
};

Recognition recognise(BytesView data);

// "Username:"/"User Name\0" -> user, "Password:" -> password, otherwise nullopt.
std::optional<Exchange::LoginNext> login_prompt_kind(BytesView data);

// CRAM response "user SP hex": the digest's mechanism by its length, "" when not one.
std::string cram_mechanism_for_digest(std::string_view hex);

// ---- explainers (token_mechanisms.cpp, token_scram.cpp, token_json.cpp, token_jwt.cpp) ---
// Each appends fields/notes to `msg`, sets msg.kind/mechanism/summary, and updates `ex`.
// They throw Error{bad_input} (without a line number; the caller adds it) when the payload
// claims to be that mechanism's message but breaks its grammar.

void explain_plain(BytesView data, DecodedMessage& msg, Exchange& ex, DecodeResult* result);
void explain_login(BytesView data, TokenDirection dir, DecodedMessage& msg, Exchange& ex,
                   DecodeResult* result);
void explain_cram_challenge(BytesView data, DecodedMessage& msg, Exchange& ex);
void explain_cram_response(BytesView data, DecodedMessage& msg, Exchange& ex, DecodeResult* result);
void explain_xoauth2(BytesView data, DecodedMessage& msg, const DecodeOptions& options);
void explain_oauthbearer(BytesView data, DecodedMessage& msg, const DecodeOptions& options);
void explain_external(BytesView data, DecodedMessage& msg);
void explain_anonymous(BytesView data, DecodedMessage& msg);
void explain_ntlm(BytesView data, DecodedMessage& msg);
void explain_unknown(BytesView data, DecodedMessage& msg);

// SCRAM: picks the message type from content and the exchange's progress.
void explain_scram(BytesView data, TokenDirection dir, DecodedMessage& msg, Exchange& ex,
                   DecodeResult* result);

// Server error payload of XOAUTH2 (Google) / OAUTHBEARER (RFC 7628 §3.2.2). Returns false
// (and leaves msg untouched) when the payload is not a JSON object.
bool explain_server_json(BytesView data, DecodedMessage& msg);

// Bearer token fields: the token (secret) and, if it is a JWT, its header and claims.
void explain_bearer(std::string_view auth_value, DecodedMessage& msg, const DecodeOptions& options);

// ---- small shared helpers (token_mechanisms.cpp) -----------------------------------------

// Throws Error{bad_input} "<what> is not valid UTF-8 at offset N" unless text is UTF-8.
void require_utf8(std::string_view text, std::string_view what);

// "12 bytes" / "1 byte"
std::string byte_count(std::size_t n);

std::string upper(std::string_view s);
bool iequals(std::string_view a, std::string_view b);
bool starts_with_icase(std::string_view s, std::string_view prefix);

}  // namespace smtpauth::sasl::token_detail
