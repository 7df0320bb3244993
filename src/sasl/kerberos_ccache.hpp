// Internal: what the user's Kerberos credential cache holds (the `kinit` ticket, KRB5CCNAME)
// and the service principal a host name maps to, read with MIT libkrb5 (RFC 4120). libkrb5
// is loaded at run time, only by the Kerberos mechanisms (Cyrus's GSSAPI plugin loads it
// anyway), so no other command maps it.
#pragma once

#include <string>
#include <string_view>

namespace smtpauth::sasl::detail {

struct KerberosCredentials {
    std::string cache;             // the cache's full name, e.g. "FILE:/tmp/krb5cc_1000"
    std::string client_principal;  // its default principal; empty when there is none
    std::string problem;           // why there is none, in Kerberos's words
};

// The default credential cache (KRB5CCNAME, else krb5.conf's default). Never throws: a
// missing library or cache is described in `problem`.
KerberosCredentials read_kerberos_credentials();

// The principal GSS-API asks the KDC for when it names the host-based service
// `service@host` (RFC 2743 §4.1), e.g. "smtp/mail.example.org@EXAMPLE.ORG": the realm from
// krb5.conf's [domain_realm], else the default realm. Empty when libkrb5 cannot tell.
std::string kerberos_service_principal(std::string_view service, std::string_view host);

}  // namespace smtpauth::sasl::detail
