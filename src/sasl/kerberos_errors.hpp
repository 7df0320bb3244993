// Internal: Kerberos failures in plain words. Cyrus's GSSAPI and GS2 clients report "generic
// failure"; the cause is in sasl_errdetail()'s text, which carries the GSS-API minor status
// as MIT krb5 words it ("Ticket expired", "Clock skew too great", ...). This is the one place
// that reads those words (RFC 4120 §7.5.9 error codes, MIT krb5 1.20 messages).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace smtpauth::sasl::detail {

enum class KerberosProblem {
    no_credentials,   // no credential cache, or no ticket in it
    ticket_expired,   // the ticket-granting ticket (or a service ticket) has expired
    clock_skew,       // this machine's clock and the KDC's/server's differ too much
    unknown_service,  // the KDC has no such service principal
    unknown_client,   // the KDC has no such user principal
    wrong_realm,      // the service's realm is not the user's and no trust path exists
    kdc_unreachable,  // no KDC answered for the realm
    wrong_key,        // the server's keytab does not match the KDC's key for it
};

struct KerberosFailure {
    KerberosProblem problem;
    std::string message;  // what happened, in plain words
    std::string advice;   // what to do about it
};

// Recognises the Kerberos cause in a Cyrus/GSS-API error text; nullopt when none is known.
// `service_principal` (e.g. "smtp/mail.example.org@EXAMPLE.ORG") and `client_principal`
// fill the sentences when known (empty: left out).
std::optional<KerberosFailure> explain_kerberos_failure(std::string_view detail,
                                                        std::string_view service_principal = {},
                                                        std::string_view client_principal = {});

}  // namespace smtpauth::sasl::detail
