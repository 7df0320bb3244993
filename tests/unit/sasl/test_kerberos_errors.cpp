// The Kerberos failure mapping: Cyrus's error details, as MIT krb5 1.20 words them (captured
// from Cyrus 2.1.28's GSSAPI and GS2 clients against a test KDC), to causes and advice.
#include <doctest/doctest.h>

#include <string>

#include "sasl/kerberos_errors.hpp"

using smtpauth::sasl::detail::explain_kerberos_failure;
using smtpauth::sasl::detail::KerberosProblem;

namespace {

constexpr const char* kSvc = "smtp/localhost@SMTPAUTH.TEST";
constexpr const char* kUser = "alice@SMTPAUTH.TEST";

std::string gss(const std::string& minor) {
    return "SASL(-1): generic failure: GSSAPI Error: Unspecified GSS failure.  Minor code may "
           "provide more information (" +
           minor + ")";
}

}  // namespace

TEST_SUITE("smtpauth::sasl") {
    TEST_CASE("kerberos errors: each cause in plain words with advice") {
        struct Case {
            std::string detail;
            KerberosProblem problem;
            std::string in_message;
            std::string in_advice;
        };
        const Case cases[] = {
            {"SASL(-1): generic failure: GSSAPI Error: No credentials were supplied, or the "
             "credentials were unavailable or inaccessible (No Kerberos credentials available "
             "(default cache: FILE:/tmp/kdc/none))",
             KerberosProblem::no_credentials, "no Kerberos credentials", "kinit"},
            {gss("Ticket expired"), KerberosProblem::ticket_expired,
             "ticket of alice@SMTPAUTH.TEST has expired", "kinit"},
            {"SASL(-1): generic failure: GS2 Error: Unspecified GSS failure.  Minor code may "
             "provide more information (Ticket expired)",
             KerberosProblem::ticket_expired, "(Kerberos: Ticket expired)", "kinit"},
            {gss("Clock skew too great"), KerberosProblem::clock_skew, "clock", "NTP"},
            {"GSSAPI (Cyrus): SASL(-1): generic failure: GSSAPI Error: The referenced context "
             "has expired (Success) [SASL_FAIL]",
             KerberosProblem::ticket_expired, "has expired", "kinit"},
            {gss("Ticket not yet valid"), KerberosProblem::clock_skew, "allowed skew", "clock"},
            {gss("Server smtp/nohost@SMTPAUTH.TEST not found in Kerberos database"),
             KerberosProblem::unknown_service,
             "does not know the service principal smtp/localhost@SMTPAUTH.TEST", "host name"},
            {gss("Server krbtgt/OTHER.TEST@SMTPAUTH.TEST not found in Kerberos database"),
             KerberosProblem::wrong_realm, "wrong realm", "[domain_realm]"},
            {gss("Client 'bob@SMTPAUTH.TEST' not found in Kerberos database"),
             KerberosProblem::unknown_client, "does not know the user principal", "kinit"},
            {gss("Cannot contact any KDC for realm 'SMTPAUTH.TEST'"),
             KerberosProblem::kdc_unreachable, "no Kerberos KDC answered", "krb5.conf"},
            {gss("Cannot find KDC for realm \"ELSEWHERE\""), KerberosProblem::kdc_unreachable,
             "KDC", "realm"},
            {gss("Decrypt integrity check failed"), KerberosProblem::wrong_key,
             "does not match the KDC's", "keytab"},
        };
        for (const auto& c : cases) {
            CAPTURE(c.detail);
            auto f = explain_kerberos_failure(c.detail, kSvc, kUser);
            REQUIRE(f.has_value());
            CHECK(f->problem == c.problem);
            CHECK(f->message.find(c.in_message) != std::string::npos);
            CHECK(f->advice.find(c.in_advice) != std::string::npos);
        }
    }

    TEST_CASE("kerberos errors: Kerberos's own words follow the plain ones") {
        auto f = explain_kerberos_failure(gss("Clock skew too great"), kSvc, kUser);
        REQUIRE(f);
        CHECK(f->message.ends_with(" (Kerberos: Clock skew too great)"));
        // The back end's result name after it does not hide them.
        auto g = explain_kerberos_failure(gss("Clock skew too great") + " [SASL_FAIL]");
        REQUIRE(g);
        CHECK(g->message.ends_with(" (Kerberos: Clock skew too great)"));
        // "(Success)" is GSS-API's empty minor status, no Kerberos word.
        auto h = explain_kerberos_failure(
            "GSSAPI Error: The referenced context has expired "
            "(Success) [SASL_FAIL]");
        REQUIRE(h);
        CHECK(h->message.find("Kerberos:") == std::string::npos);
    }

    TEST_CASE("kerberos errors: unknown principals named generically when not known") {
        auto f = explain_kerberos_failure(gss("Ticket expired"));
        REQUIRE(f);
        CHECK(f->message.find("your principal") != std::string::npos);
        auto s = explain_kerberos_failure(gss("Server x/y@Z not found in Kerberos database"));
        REQUIRE(s);
        CHECK(s->message.find("the service principal") != std::string::npos);
    }

    TEST_CASE("kerberos errors: other failures are not claimed") {
        CHECK_FALSE(explain_kerberos_failure("SASL(-1): generic failure: "));
        CHECK_FALSE(explain_kerberos_failure("SASL(-13): authentication failure: bad password"));
        CHECK_FALSE(explain_kerberos_failure(""));
        // "Unknown error" in parentheses is no Kerberos word worth repeating.
        CHECK_FALSE(explain_kerberos_failure(
            "SASL(-1): generic failure: GS2 Error: An invalid name was supplied (Unknown error)"));
    }
}
