// SCRAM messages (RFC 5802 §7, RFC 7677) as data: parsers for the four messages and the
// saslname escaping they share with GS2 (RFC 5801) and OAUTHBEARER (RFC 7628).
// Used by the SCRAM mechanism, the token decoder and `decode --check-password`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "smtpauth/bytes.hpp"
#include "smtpauth/error.hpp"

namespace smtpauth::sasl::scram {

// attr-val = ALPHA "=" value   (an extension or an attribute we do not interpret)
struct Attribute {
    char name = 0;
    std::string value;
};

// gs2-header = gs2-cbind-flag "," [ authzid ] ","
struct Gs2Header {
    enum class Binding {
        none,             // "n": the client does not support channel binding
        client_supports,  // "y": supported, but the client thinks the server does not
        required,         // "p=" cb-name: the client uses channel binding
    };
    Binding binding = Binding::none;
    std::string cb_name;  // for Binding::required, e.g. "tls-exporter"
    std::string authzid;  // unescaped; empty when absent
    std::string text;     // the header exactly as sent, including both commas
};

struct ClientFirst {
    Gs2Header gs2;
    std::string bare;                 // client-first-message-bare, as sent (for AuthMessage)
    std::optional<std::string> mext;  // reserved-mext value
    std::string user;                 // unescaped saslname
    std::string nonce;                // c-nonce
    std::vector<Attribute> extensions;
};

struct ServerFirst {
    std::optional<std::string> mext;  // a mandatory extension the client must refuse
    std::string nonce;                // c-nonce s-nonce
    std::string salt_base64;
    Bytes salt;
    std::uint32_t iterations = 0;
    std::vector<Attribute> extensions;
};

struct ClientFinal {
    std::string channel_binding_base64;  // c=
    Bytes channel_binding;               // decoded: gs2-header [ cbind-data ]
    std::string nonce;
    std::vector<Attribute> extensions;
    std::string proof_base64;  // p=
    Bytes proof;
    std::string without_proof;  // client-final-message-without-proof (for AuthMessage)
};

struct ServerFinal {
    std::optional<std::string> error;  // e= value (server-error-value), when present
    std::string verifier_base64;       // v= when no error
    Bytes verifier;
    std::vector<Attribute> extensions;
};

// Each parser checks the RFC 5802 §7 grammar (strict base64, printable nonces, positive
// iteration count that fits 32 bits, valid saslname escapes, UTF-8) and throws
// Error{kind, "SCRAM client-first: <what> at offset N"} on the first violation.
// `kind` lets callers choose: protocol (a live server) or bad_input (a token to decode).
ClientFirst parse_client_first(std::string_view message, ErrorKind kind = ErrorKind::protocol);
ServerFirst parse_server_first(std::string_view message, ErrorKind kind = ErrorKind::protocol);
ClientFinal parse_client_final(std::string_view message, ErrorKind kind = ErrorKind::protocol);
ServerFinal parse_server_final(std::string_view message, ErrorKind kind = ErrorKind::protocol);

// saslname (RFC 5802 §5.1, RFC 5801 §4): "," is sent as "=2C" and "=" as "=3D".
std::string escape_saslname(std::string_view name);
// The reverse; nullopt when an "=" is not followed by "2C" or "3D".
std::optional<std::string> unescape_saslname(std::string_view text);

}  // namespace smtpauth::sasl::scram
