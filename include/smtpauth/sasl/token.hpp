// Token and transcript decoder: explains SASL messages (RFC 4422) as they appear in SMTP
// (RFC 4954), IMAP (RFC 3501/4959) and POP3 (RFC 5034) AUTH exchanges. Library code: no I/O.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
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

// One input line (or argument) explained.
struct DecodedMessage {
    std::size_t line = 0;  // 1-based line number in the input
    TokenDirection direction = TokenDirection::unknown;
    std::string mechanism;  // canonical name, "" when not known / not applicable
    // What the line is: "initial-response", "client-response", "challenge", "auth-command",
    // "cancel", "success", "failure", "reply", "command", "skipped", "unknown", and
    // per-mechanism kinds such as "client-first", "server-first", "client-final",
    // "server-final", "username", "password", "prompt", "cram-challenge", "cram-response",
    // "error-json", "error-ack".
    std::string kind;
    std::string summary;  // one line of human description (untrusted parts escaped later)
    std::vector<DecodedField> fields;
    std::vector<std::string> notes;  // untrusted text may appear: renderers escape notes
};

// What --check-password can verify, collected while decoding (all secret material wiped).
struct CheckMaterial {
    // clear: a password sent outside SASL (POP3 PASS, IMAP LOGIN); apop: RFC 1939 §7 APOP
    // digest = MD5(greeting timestamp + password), `challenge` holds the timestamp.
    enum class Kind { plain, login, cram, scram, clear, apop };
    Kind kind = Kind::plain;
    std::string mechanism;  // "PLAIN", "LOGIN", "CRAM-MD5", "SCRAM-SHA-256", ...
    std::size_t line = 0;   // the line that completed the material
    std::string user;       // the user of the exchange, "" when the input does not show it
    Secret password;        // PLAIN / LOGIN: the password sent
    Bytes challenge;        // CRAM: the decoded server challenge
    Secret digest_hex;      // CRAM: the hex digest the client sent
    // SCRAM: the three messages as sent (RFC 5802 §3 builds the AuthMessage from them) and
    // the iteration count, checked against a cap before any PBKDF2 work.
    std::string client_first;
    std::string server_first;
    std::string client_final;
    std::string server_final;  // when the transcript holds it: v= is checked too
    std::uint32_t iterations = 0;
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

// Every checkable exchange of the input, in input order (empty when nothing is checkable).
// Throws like check_password.
std::vector<PasswordCheck> check_passwords(const DecodeResult& result, const Secret& password);

// "3 h ago", "in 42 min", "just now": the coarse relative time used for JWT claims.
std::string describe_relative_time(std::chrono::seconds delta_from_now);

}  // namespace smtpauth::sasl
