// Token and transcript decoder: explains SASL messages (RFC 4422) as they appear in SMTP
// (RFC 4954), IMAP (RFC 3501/4959) and POP3 (RFC 5034) AUTH exchanges. Library code: no I/O.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "smtpauth/bytes.hpp"
#include "smtpauth/secret.hpp"

namespace smtpauth::sasl {

// Input caps (documented in the man page): larger input is refused with Error{bad_input}.
inline constexpr std::size_t kDecodeMaxTotalBytes = 1024 * 1024;  // whole input, 1 MiB
inline constexpr std::size_t kDecodeMaxLineBytes = 64 * 1024;     // one line or token, 64 KiB

enum class TokenDirection { client, server, unknown };

// One explained item of a message. The value is raw text (untrusted: may hold any byte);
// renderers escape it for display and mask it when `secret` unless asked to show secrets.
class DecodedField {
  public:
    DecodedField(std::string name, std::string value, bool secret = false);
    // Input the decoder did not understand, kept only so that a renderer can show a short
    // excerpt placing a note (render shortens it and hides anything that looks secret).
    static DecodedField raw_text(std::string name, std::string value);
    DecodedField(DecodedField&&) noexcept = default;
    DecodedField& operator=(DecodedField&&) noexcept = default;
    DecodedField(const DecodedField&) = delete;
    DecodedField& operator=(const DecodedField&) = delete;
    ~DecodedField() = default;

    const std::string& name() const noexcept { return name_; }
    bool secret() const noexcept { return secret_; }
    bool raw() const noexcept { return raw_; }
    // The value; for secret fields this is the secret itself (renderers decide to show it).
    std::string_view value() const noexcept { return secret_ ? secret_value_.reveal() : value_; }
    std::size_t size() const noexcept { return value().size(); }

  private:
    std::string name_;
    std::string value_;    // non-secret values
    Secret secret_value_;  // secret values, wiped on destruction
    bool secret_ = false;
    bool raw_ = false;
};

// What a line is. The names users see ("client-first", "cram-challenge", ...) are the
// renderers' business (render/decode_kind.cpp): they are part of the JSON contract.
enum class MessageKind {
    unknown,          // unrecognised content
    auth_command,     // AUTH/AUTHENTICATE without an initial response
    client_response,  // a client message (with or without an AUTH line)
    challenge,        // a server challenge the mechanism does not explain further
    cancel,           // "*"
    success,
    failure,
    reply,     // a server reply outside an exchange
    command,   // a client command outside SASL
    skipped,   // not part of an AUTH exchange
    redacted,  // the transcript's writer replaced the secret
    // Per-mechanism message kinds.
    client_first,
    server_first,
    client_final,
    server_final,
    username,
    password,
    prompt,
    cram_challenge,
    cram_response,
    error_json,
    error_ack,
    ntlm,
    kerberos,  // a Kerberos GSS-API token or GSSAPI security-layer message
    // The transcript's surroundings and credentials outside SASL (src/reader, the decoder).
    unreadable,    // a line that could not be read (the reason in the summary)
    credential,    // a password or user outside SASL (POP3 USER/PASS, IMAP LOGIN, APOP, ...)
    body,          // a message body (DATA, BDAT, literal), not shown
    capabilities,  // EHLO / CAPA / CAPABILITY
    tool_output,   // a line the tool printed about itself
    config,        // a tool's configuration echo
    log_auth,      // a server log line about an authentication
};

// One input line (or argument) explained.
struct DecodedMessage {
    std::size_t line = 0;  // 1-based line number in the input
    TokenDirection direction = TokenDirection::unknown;
    std::string mechanism;                    // canonical name, "" when not known / not applicable
    MessageKind kind = MessageKind::unknown;  // JSON/text names: render/ (message_kind_name)
    std::string summary;  // one line of human description (untrusted parts escaped later)
    std::vector<DecodedField> fields;
    std::vector<std::string> notes;  // untrusted text may appear: renderers escape notes
};

// A mechanism's own material for --check-password (its file defines the concrete type and
// wipes the secrets in it); opaque here.
class CheckData {
  public:
    virtual ~CheckData() = default;
};

struct PasswordCheck;

// What --check-password can verify, collected while decoding.
struct CheckMaterial {
    std::string mechanism;  // "PLAIN", "LOGIN", "CRAM-MD5", "SCRAM-SHA-256", "APOP", ...
    std::size_t line = 0;   // the line that completed the material
    std::string user;       // the user of the exchange, "" when the input does not show it
    std::unique_ptr<const CheckData> data;  // the mechanism's material
    // The mechanism's check of `data` (its decoder's, or the protocol command's).
    PasswordCheck (*check)(const CheckData& data, const Secret& password) = nullptr;
};

struct DecodeResult {
    std::vector<DecodedMessage> messages;
    std::vector<CheckMaterial> checkable;  // in input order
};

// One input line with its number in the input (a transcript reader drops or splits lines,
// so numbers are not always consecutive).
struct NumberedLine {
    std::size_t number = 0;
    std::string text;
};

struct DecodeOptions {
    // "Now" for the relative times of JWT claims; injected so that tests are reproducible.
    std::chrono::system_clock::time_point now = std::chrono::system_clock::now();
};

// Explains a whole input: each element is one line (protocol line, `C:`/`S:` transcript
// line, or bare base64 token). Context carries over from line to line (the mechanism named
// by AUTH, LOGIN's prompts, SCRAM's message order). Lines that are not part of an AUTH
// exchange are noted and skipped. Throws Error{bad_input} naming the line (when there are
// several) and the offset for undecodable base64, grammar violations and oversized input.
// Defined by the transcript reader (src/reader/protocol_lines.cpp), which reads the lines
// with the mail/ protocol parsers and hands them to decode_transcript_lines
// (transcript_line.hpp); declared here, beside the result it returns.
DecodeResult decode_lines(std::span<const std::string> lines, const DecodeOptions& options = {});

// The same for lines that carry their own numbers. With more than one line, a line that
// cannot be read becomes a message of kind "unreadable" (the reason in its summary, the
// text as a raw field) and decoding goes on: one bad line never hides the others.
DecodeResult decode_numbered_lines(std::span<const NumberedLine> lines,
                                   const DecodeOptions& options = {});

// Explains one decoded SASL payload without context (recognition by content only).
// Used for round-trip tests and for callers that already hold raw bytes.
DecodedMessage explain_payload(BytesView payload, std::string_view mechanism_hint = {},
                               TokenDirection direction = TokenDirection::unknown,
                               const DecodeOptions& options = {});

struct PasswordCheck {
    std::string mechanism;
    std::size_t line = 0;
    bool matches = false;
    // SCRAM with a server-final v= in the input: whether the server's signature is the one
    // this password gives (a server that knows the password). nullopt otherwise.
    std::optional<bool> server_signature_matches;
    std::string user;  // the exchange's user, "" when the input does not show it
};

// Whether `password` produced the last checkable message of the input (PLAIN, LOGIN, CRAM-*,
// SCRAM-* with client-first, server-first and client-final present). nullopt when the input
// holds nothing to check against. Throws Error{bad_input} when the SCRAM iteration count is
// beyond the cap (a crafted transcript must not make us spin).
std::optional<PasswordCheck> check_password(const DecodeResult& result, const Secret& password);

// Material for a password a transcript shows in clear outside SASL (`what`: "USER/PASS",
// "IMAP LOGIN", "HTTP Basic"): checked by comparison.
CheckMaterial clear_password_material(std::string_view what, std::string_view password,
                                      std::size_t line);

// Whether `password` produced one checkable exchange (same errors as check_password).
PasswordCheck check_material(const CheckMaterial& material, const Secret& password);

// Every checkable exchange of the input, in input order (empty when nothing is checkable).
// Throws like check_password.
std::vector<PasswordCheck> check_passwords(const DecodeResult& result, const Secret& password);

// "3 h ago", "in 42 min", "just now": the coarse relative time used for JWT claims.
std::string describe_relative_time(std::chrono::seconds delta_from_now);

}  // namespace smtpauth::sasl
