// Which SASL mechanism a probe uses, and why each offered one was or was not usable
// (RFC 4954 §4 / RFC 2595 §2.3: no password-revealing mechanism without TLS).
#pragma once

#include <string>
#include <vector>

#include "smtpauth/probe.hpp"

namespace smtpauth::probe {

struct ChoiceInput {
    std::vector<std::string> offered;  // the server's list (post-TLS), upper case
    CredentialKind credential = CredentialKind::none;
    std::string request;  // "" = strongest usable, "ALL", or a mechanism name
    bool tls_active = false;
    bool channel_binding = false;  // the TLS layer exported channel-binding data
    bool allow_plaintext = false;
    bool cyrus_backend = false;  // --backend cyrus: every mechanism needs its Cyrus plugin
};

struct Choice {
    std::vector<std::string> to_try;  // strongest first; one entry unless request is ALL
    std::vector<MechanismConsidered> considered;
    std::string why_none;  // set when to_try is empty
};

// The GSSAPI service name of the protocol (RFC 4954 §4 "smtp", RFC 3501 "imap", RFC 5034 "pop"):
// DIGEST-MD5's digest-uri and the Kerberos service principal use it.
std::string sasl_service(Protocol protocol);

// Throws Error{usage} when `request` names a mechanism smtpauth does not implement.
Choice choose_mechanisms(const ChoiceInput& in);

}  // namespace smtpauth::probe
