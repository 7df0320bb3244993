// Internal: what a Kerberos GSS-API token is, by its framing only (the contents are encrypted
// Kerberos messages): RFC 2743 §3.1 token framing, RFC 4121 §4.1 token identifiers and
// §4.2.6.2 wrap tokens, and the SASL security-layer message inside one (RFC 4752 §3.1).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "smtpauth/bytes.hpp"

namespace smtpauth::sasl::detail {

enum class KerberosTokenKind {
    ap_req,     // the client's authenticator and service ticket (context initiation)
    ap_rep,     // the server's reply (mutual authentication)
    krb_error,  // a Kerberos error from the server
    wrap,       // an RFC 4121 wrap token (GSSAPI's security-layer negotiation)
};

struct KerberosToken {
    KerberosTokenKind kind;
    bool framed = false;         // with the RFC 2743 header (0x60 ... Kerberos OID); GS2 drops it
    bool from_acceptor = false;  // wrap tokens: sent by the server (flag SentByAcceptor)
    bool sealed = false;         // wrap tokens: encrypted (the payload cannot be read)
    std::size_t size = 0;
};

// The token's kind when `data` is a Kerberos V5 GSS-API token (framed, or bare as GS2 sends
// it); nullopt otherwise.
std::optional<KerberosToken> classify_kerberos_token(BytesView data);

// RFC 4752 §3.1: the 4-octet security-layer message, and the client's authzid after it.
struct SecurityLayerMessage {
    std::uint8_t layers = 0;  // bit mask: 1 none, 2 integrity, 4 confidentiality
    std::uint32_t max_buffer = 0;
    std::string authzid;  // client only; untrusted text
};

// The message inside an unsealed wrap token (the SASL GSSAPI negotiation is sent unsealed by
// MIT, Cyrus and Dovecot); nullopt for anything else.
std::optional<SecurityLayerMessage> read_security_layer(BytesView wrap_token);

// "none", "integrity", "confidentiality", joined with ", "; "no layer" for an empty mask.
std::string security_layer_names(std::uint8_t layers);

// A one-line description of the token ("Kerberos AP-REQ (GSS-API initial context token)").
std::string describe_kerberos_token(const KerberosToken& token);

}  // namespace smtpauth::sasl::detail
