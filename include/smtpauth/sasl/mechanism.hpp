// The client side of one SASL mechanism: decoded server bytes in, decoded client bytes out.
// RFC 4422. No I/O and no base64 here: the exchange driver owns both.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "smtpauth/bytes.hpp"
#include "smtpauth/secret.hpp"

namespace smtpauth::sasl {

// Channel-binding data from the TLS layer (RFC 5929 / RFC 9266), as plain bytes so that
// this layer knows nothing of TLS.
struct ChannelBinding {
    std::string type;  // "tls-exporter", "tls-server-end-point", "tls-unique"; empty = none
    Bytes data;
};

// Everything a mechanism may need. Which fields are required is in MechanismTraits.
struct Credentials {
    std::string user;     // authcid (or the mailbox for XOAUTH2/OAUTHBEARER)
    std::string authzid;  // empty = derive from user
    Secret secret;        // password, or bearer token for the OAuth mechanisms
    std::string host;     // OAUTHBEARER host=, optional
    std::uint16_t port = 0;  // OAUTHBEARER port=, 0 = omit
    std::string realm;       // DIGEST-MD5 / Cyrus realm; empty = the server's first (or none)
};

struct MechanismOptions {
    // Nonce source for SCRAM. Tests and `gen --client-nonce` fix it; by default 24 random
    // bytes from OpenSSL, base64-encoded.
    std::optional<std::string> client_nonce;
    std::uint32_t scram_min_iterations = 4096;    // refuse fewer (RFC 5802 §5.1, RFC 7677 §4)
    std::uint32_t scram_max_iterations = 1000000; // refuse more: a server could make us spin
    ChannelBinding channel_binding;               // used by -PLUS variants only
    bool server_supports_plus = false;            // a -PLUS mechanism was offered: GS2 "y" is wrong
    // The protocol's GSSAPI service name (RFC 4954 "smtp", RFC 3501 "imap", RFC 5034 "pop"):
    // DIGEST-MD5's digest-uri and the Kerberos service principal.
    std::string service = "smtp";
};

// One client message produced by a mechanism.
struct Response {
    Bytes data;
    // true when the message reveals the password/token or allows offline guessing
    // (PLAIN, LOGIN password, CRAM digest, SCRAM proof, bearer tokens).
    bool secret = false;
};

// Why a mechanism finished without success, when it can tell (from the server's own data).
struct ServerError {
    std::string summary;   // e.g. "invalid_token", "e=invalid-proof"
    std::string detail;    // the decoded error payload (e.g. XOAUTH2 JSON), untrusted text
    // The members of a JSON error payload in their order (XOAUTH2: status, schemes, scope;
    // OAUTHBEARER: status, scope, openid-configuration), values as text; untrusted.
    std::vector<std::pair<std::string, std::string>> fields;
};

class Mechanism {
public:
    virtual ~Mechanism() = default;

    // Canonical upper-case name, e.g. "SCRAM-SHA-256".
    virtual std::string_view name() const = 0;

    // The initial response for client-first mechanisms (PLAIN, SCRAM, ...), nullopt for
    // server-first ones (CRAM-*). An empty Bytes is a present-but-empty response.
    virtual std::optional<Response> initial_response() = 0;

    // Answers one server challenge (already base64-decoded).
    // Throws Error{protocol} when the challenge breaks the mechanism's grammar or checks
    // (SCRAM nonce prefix, iteration bounds, bad server signature, e=...). After an OAuth
    // error challenge it returns the acknowledgement (XOAUTH2: empty, OAUTHBEARER: 0x01)
    // and server_error() describes the error.
    virtual Response step(BytesView challenge) = 0;

    // Additional data that came with the server's success (RFC 4422 §5 "success with
    // additional data"), e.g. a SCRAM server-final; throws Error{protocol} if it is wrong.
    virtual void finish(BytesView additional_data) { (void)additional_data; }

    // True once the mechanism has checked proof that the server knows the secret (SCRAM).
    virtual bool server_verified() const { return false; }

    // True when the mechanism expects no further challenge.
    virtual bool done() const = 0;

    // Set after the server sent an error payload inside the exchange (OAuth JSON, SCRAM e=).
    virtual std::optional<ServerError> server_error() const { return std::nullopt; }

    // What the mechanism knows about this authentication that a report shows, as (key,
    // value) pairs with snake_case keys: the Kerberos principals and security layer (GSSAPI).
    // Empty for most mechanisms.
    virtual std::vector<std::pair<std::string, std::string>> details() const { return {}; }
};

}  // namespace smtpauth::sasl
