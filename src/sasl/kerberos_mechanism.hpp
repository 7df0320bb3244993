// Internal: the Kerberos mechanisms (GSSAPI RFC 4752, GS2-KRB5 RFC 5801) around the Cyrus
// client that runs them: the user's ticket found first, the service principal named from the
// host name (never an IP address), Kerberos failures in plain words, and the details a
// report shows (principals, security layer).
#pragma once

#include <memory>
#include <string_view>

#include "smtpauth/sasl/mechanism.hpp"

namespace smtpauth::sasl::detail {

// The Cyrus back end's factory (make_cyrus_mechanism), passed in so this file names no
// mechanism and needs no Cyrus header.
using CyrusFactory = std::unique_ptr<Mechanism> (*)(std::string_view mechanism,
                                                    Credentials credentials,
                                                    const MechanismOptions& options);

struct KerberosFlavour {
    std::string_view name;  // the mechanism's canonical name
    // GS2 (RFC 5801): Cyrus needs the client principal as the authentication identity, and
    // there is no security layer to negotiate.
    bool gs2 = false;
};

// Throws Error{usage} when credentials.host is an IP address or credentials.user is set,
// Error{auth_rejected} when there is no ticket (no credential cache, or an empty one).
std::unique_ptr<Mechanism> make_kerberos_mechanism(KerberosFlavour flavour, Credentials credentials,
                                                   const MechanismOptions& options,
                                                   CyrusFactory cyrus);

}  // namespace smtpauth::sasl::detail
