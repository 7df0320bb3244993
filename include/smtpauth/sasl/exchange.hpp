// The protocol-independent SASL exchange driver (RFC 4422 §3-§5 profiles of RFC 4954,
// RFC 3501/4959 and RFC 5034): base64, initial-response policy, cancel, outcome.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "smtpauth/error.hpp"
#include "smtpauth/sasl/mechanism.hpp"

namespace smtpauth::sasl {

// What the server answered to an AUTH command or a client response, as the protocol
// carrier classified it. The driver never sees protocol syntax.
struct CarrierReply {
    enum class Kind {
        challenge,          // SMTP 334, IMAP "+", POP3 "+": payload is the base64 text
        success,            // SMTP 235, IMAP tagged OK, POP3 +OK
        failure,            // any other final reply (535, NO, -ERR, ...)
        mechanism_refused,  // the server does not support the mechanism (SMTP 504)
    };
    Kind kind = Kind::failure;
    std::string payload;  // challenge: base64 text after "334 " / "+ " (may be empty)
    std::string text;     // the whole reply as received (lines joined by '\n'), untrusted
};

// One protocol's side of the exchange (curl's SASLproto): it knows the command syntax,
// the line budget and the reply codes; the driver knows SASL.
class Carrier {
  public:
    virtual ~Carrier() = default;

    // Longest base64 initial response that fits the AUTH command for this mechanism, or
    // nullopt when the protocol (or the server) does not allow an initial response at all.
    virtual std::optional<std::size_t> initial_response_budget(std::string_view mech) const = 0;

    // Sends the AUTH/AUTHENTICATE command; `ir` is base64 text, "=" for an empty response,
    // or nullopt for none. `secret` marks the line as carrying a secret (transcript).
    virtual void send_auth(std::string_view mech, std::optional<std::string_view> ir,
                           bool secret) = 0;
    // Sends one base64 client response line (possibly empty).
    virtual void send_response(std::string_view base64, bool secret) = 0;
    // Sends the cancel line "*".
    virtual void send_cancel() = 0;
    // Reads the server's next reply (throws Error{protocol}/{timeout} on broken input).
    virtual CarrierReply read_reply() = 0;
};

// Documented cap on a decoded server challenge (RFC 4954 §4: 12288 octets suffice for
// deployed mechanisms). Larger challenges are cancelled with "*".
inline constexpr std::size_t kMaxChallengeBytes = 16384;
// A bound on challenge/response rounds so a server cannot keep the exchange going forever.
inline constexpr int kMaxRounds = 16;

struct ExchangeOptions {
    // Success counts only when the mechanism verified the server (SCRAM's v=).
    bool require_server_proof = false;
    std::size_t max_challenge_bytes = kMaxChallengeBytes;
};

enum class Outcome {
    accepted,   // the server said success (and proved itself when required)
    rejected,   // the server refused the credentials
    refused,    // the server refused the mechanism itself (e.g. SMTP 504)
    error,      // the exchange broke: bad server data, success without proof, ...
    cancelled,  // we sent "*" (undecodable or oversized challenge, mechanism refused it)
};

std::string_view outcome_name(Outcome o) noexcept;

// An initial response as the AUTH command carries it: the base64 text, or "=" when it is
// empty (RFC 4954 §4, RFC 4959 §3, RFC 5034 §4 agree).
std::string_view initial_response_text(std::string_view base64) noexcept;
// Read back: whether a written response is that "=" (an empty response, not base64).
bool is_empty_response_marker(std::string_view written) noexcept;

struct ExchangeResult {
    Outcome outcome = Outcome::error;
    std::string server_reply;  // the final reply text as received (untrusted), may be empty
    std::string message;       // our explanation for error/cancelled, empty otherwise
    int round_trips = 0;       // client lines that waited for a server reply
    bool server_verified = false;
    std::optional<ServerError> server_error;  // error payload the mechanism decoded
    // The kind of the mechanism's own failure (outcome error), e.g. auth_rejected for a
    // Kerberos ticket refused during the exchange; protocol when the mechanism did not say.
    ErrorKind error_kind = ErrorKind::protocol;
};

// Runs one AUTH exchange with `mech` over `carrier`. Negative outcomes are returned;
// I/O and protocol failures of the carrier (timeouts, closed connection) propagate as Error.
ExchangeResult run_exchange(Mechanism& mech, Carrier& carrier, const ExchangeOptions& options);

}  // namespace smtpauth::sasl
