// Kerberos failures in plain words: the MIT krb5 / GSS-API texts inside Cyrus's error detail
// mapped to a cause and advice (RFC 4120 §7.5.9 error codes; MIT krb5 1.20 com_err messages).
#include "sasl/kerberos_errors.hpp"

#include <array>

namespace smtpauth::sasl::detail {

namespace {

struct Pattern {
    std::string_view text;  // a phrase of MIT's message, matched case-sensitively
    KerberosProblem problem;
};

// Most specific first: "Server krbtgt/OTHER@REALM not found" is a realm problem, not an
// unknown service; an expired ticket can also be reported as missing credentials.
constexpr std::array kPatterns{
    Pattern{"Clock skew too great", KerberosProblem::clock_skew},
    Pattern{"Ticket not yet valid", KerberosProblem::clock_skew},
    Pattern{"Ticket expired", KerberosProblem::ticket_expired},
    Pattern{"credentials have expired", KerberosProblem::ticket_expired},
    Pattern{"credential has expired", KerberosProblem::ticket_expired},
    // A ticket that expires during the exchange (GSS_S_CONTEXT_EXPIRED).
    Pattern{"context has expired", KerberosProblem::ticket_expired},
    Pattern{"Server krbtgt/", KerberosProblem::wrong_realm},
    Pattern{"Wrong realm", KerberosProblem::wrong_realm},
    Pattern{"Realm not local to KDC", KerberosProblem::wrong_realm},
    Pattern{"Server not found in Kerberos database", KerberosProblem::unknown_service},
    Pattern{"not found in Kerberos database", KerberosProblem::unknown_service},  // "Server X ..."
    Pattern{"Client not found in Kerberos database", KerberosProblem::unknown_client},
    Pattern{"Cannot contact any KDC", KerberosProblem::kdc_unreachable},
    Pattern{"Cannot find KDC for", KerberosProblem::kdc_unreachable},
    Pattern{"Cannot resolve network address for KDC", KerberosProblem::kdc_unreachable},
    Pattern{"No Kerberos credentials available", KerberosProblem::no_credentials},
    Pattern{"No credentials cache found", KerberosProblem::no_credentials},
    Pattern{"No credentials were supplied", KerberosProblem::no_credentials},
    Pattern{"Decrypt integrity check failed", KerberosProblem::wrong_key},
    Pattern{"Key version number for principal in key table is incorrect",
            KerberosProblem::wrong_key},
};

// "Client 'x' not found" and "Server 'x' not found" both end in the same words: the first
// word tells them apart.
KerberosProblem refine(KerberosProblem p, std::string_view detail) {
    if (p == KerberosProblem::unknown_service && detail.find("Client ") != std::string_view::npos &&
        detail.find("Server ") == std::string_view::npos)
        return KerberosProblem::unknown_client;
    return p;
}

// The innermost "(...)" of "GSSAPI Error: <major> (<minor>)": Kerberos's own words.
std::string kerberos_words(std::string_view detail) {
    // Cyrus's back end may end the detail with the result name: " [SASL_FAIL]".
    if (auto tag = detail.rfind(" ["); tag != std::string_view::npos && detail.ends_with("]"))
        detail = detail.substr(0, tag);
    auto open = detail.rfind(" (");
    if (open == std::string_view::npos || detail.empty() || detail.back() != ')') return {};
    std::string_view inner = detail.substr(open + 2, detail.size() - open - 3);
    if (inner.empty() || inner == "Unknown error" || inner == "Success") return {};
    return std::string(inner);
}

std::string or_default(std::string_view value, std::string_view fallback) {
    return std::string(value.empty() ? fallback : value);
}

}  // namespace

std::optional<KerberosFailure> explain_kerberos_failure(std::string_view detail,
                                                        std::string_view service_principal,
                                                        std::string_view client_principal) {
    const Pattern* hit = nullptr;
    for (const auto& p : kPatterns)
        if (detail.find(p.text) != std::string_view::npos) {
            hit = &p;
            break;
        }
    if (!hit) return std::nullopt;

    const std::string service = or_default(service_principal, "the service principal");
    const std::string client = or_default(client_principal, "your principal");
    KerberosFailure f{refine(hit->problem, detail), {}, {}};
    switch (f.problem) {
        case KerberosProblem::no_credentials:
            f.message =
                "no Kerberos credentials: there is no ticket to authenticate with "
                "(no credential cache, or an empty one)";
            f.advice =
                "run `kinit` (e.g. `kinit user@REALM`) first, or set KRB5CCNAME to the "
                "credential cache that holds your ticket";
            break;
        case KerberosProblem::ticket_expired:
            f.message = "the Kerberos ticket of " + client + " has expired";
            f.advice = "get a new ticket with `kinit` (`kinit -R` renews a renewable one)";
            break;
        case KerberosProblem::clock_skew:
            f.message =
                "this machine's clock and the Kerberos server's differ by more than the "
                "allowed skew (5 minutes unless krb5.conf's clockskew says otherwise)";
            f.advice = "synchronise the clock (NTP, e.g. `timedatectl set-ntp true`) and try again";
            break;
        case KerberosProblem::unknown_service:
            f.message = "the Kerberos KDC does not know the service principal " + service;
            f.advice =
                "probe the server by the host name its principal is registered under (not "
                "an alias or an IP address), or ask the Kerberos administrator to create " +
                service + " and put it in the server's keytab";
            break;
        case KerberosProblem::unknown_client:
            f.message = "the Kerberos KDC does not know the user principal " + client;
            f.advice = "check the name and realm given to `kinit`";
            break;
        case KerberosProblem::wrong_realm:
            f.message = "wrong realm: " + service + " is in a realm that the realm of " + client +
                        " cannot reach";
            f.advice =
                "check that krb5.conf's [domain_realm] maps the server's host to the right "
                "realm, or get a ticket in the service's realm with `kinit`";
            break;
        case KerberosProblem::kdc_unreachable:
            f.message = "no Kerberos KDC answered for the realm";
            f.advice =
                "check the realm's kdc entries in krb5.conf (or KRB5_CONFIG), that the KDC "
                "is reachable, and that the realm is the right one";
            break;
        case KerberosProblem::wrong_key:
            f.message = "the server's key for " + service + " does not match the KDC's";
            f.advice =
                "the server's keytab is out of date: export the principal's current key "
                "to it again";
            break;
    }
    if (std::string words = kerberos_words(detail); !words.empty())
        f.message += " (Kerberos: " + words + ")";
    return f;
}

}  // namespace smtpauth::sasl::detail
