// Mechanism choice: strongest usable by the registry order, forced names, --mech all, and the
// no-password-without-TLS rule (RFC 4954 §4, RFC 2595 §2.3).
#include <doctest/doctest.h>

#include <algorithm>

#include "probe/mechanism_choice.hpp"
#include "smtpauth/error.hpp"

using namespace smtpauth;
using namespace smtpauth::probe;

namespace {
ChoiceInput input(std::vector<std::string> offered, CredentialKind cred, std::string request = {},
                  bool tls = true) {
    ChoiceInput in;
    in.offered = std::move(offered);
    in.credential = cred;
    in.request = std::move(request);
    in.tls_active = tls;
    return in;
}
const MechanismConsidered& find(const Choice& c, std::string_view name) {
    for (const auto& m : c.considered)
        if (m.name == name) return m;
    FAIL("not considered: " << name);
    return c.considered.front();
}
}  // namespace

TEST_CASE("choice: the strongest mechanism the password allows") {
    Choice c = choose_mechanisms(input(
        {"PLAIN", "LOGIN", "CRAM-MD5", "SCRAM-SHA-1", "SCRAM-SHA-256", "XOAUTH2", "X-UNKNOWN"},
        CredentialKind::password));
    CHECK(c.to_try == std::vector<std::string>{"SCRAM-SHA-256"});
    CHECK(c.considered.front().name == "SCRAM-SHA-256");
    CHECK(find(c, "SCRAM-SHA-256").reason == "chosen: strongest usable");
    CHECK(find(c, "PLAIN").usable);
    CHECK(find(c, "PLAIN").reason.find("SCRAM-SHA-256 is preferred") != std::string::npos);
    CHECK_FALSE(find(c, "XOAUTH2").usable);
    CHECK(find(c, "XOAUTH2").reason.find("token") != std::string::npos);
    CHECK(find(c, "X-UNKNOWN").reason == "not implemented by smtpauth");
}

TEST_CASE("choice: a token picks an OAuth mechanism") {
    Choice c = choose_mechanisms(input({"PLAIN", "XOAUTH2"}, CredentialKind::token));
    CHECK(c.to_try == std::vector<std::string>{"XOAUTH2"});
    CHECK_FALSE(find(c, "PLAIN").usable);
    Choice both = choose_mechanisms(input({"XOAUTH2", "OAUTHBEARER"}, CredentialKind::token));
    REQUIRE(both.to_try.size() == 1);
    CHECK(both.to_try.front() == "OAUTHBEARER");
    Choice forced =
        choose_mechanisms(input({"XOAUTH2", "OAUTHBEARER"}, CredentialKind::token, "xoauth2"));
    CHECK(forced.to_try == std::vector<std::string>{"XOAUTH2"});
}

TEST_CASE("choice: without TLS no password-revealing mechanism unless allowed") {
    Choice c = choose_mechanisms(input({"PLAIN", "LOGIN"}, CredentialKind::password, "", false));
    CHECK(c.to_try.empty());
    CHECK(c.why_none.find("--allow-plaintext-auth") != std::string::npos);
    Choice cram =
        choose_mechanisms(input({"PLAIN", "CRAM-MD5"}, CredentialKind::password, "", false));
    CHECK(cram.to_try == std::vector<std::string>{"CRAM-MD5"});
    ChoiceInput allowed = input({"PLAIN"}, CredentialKind::password, "", false);
    allowed.allow_plaintext = true;
    CHECK(choose_mechanisms(allowed).to_try == std::vector<std::string>{"PLAIN"});
    // Forcing does not lift the rule.
    Choice forced = choose_mechanisms(input({"PLAIN"}, CredentialKind::password, "PLAIN", false));
    CHECK(forced.to_try.empty());
}

TEST_CASE("choice: forced mechanisms") {
    Choice not_offered = choose_mechanisms(input({"PLAIN"}, CredentialKind::password, "CRAM-MD5"));
    CHECK(not_offered.to_try.empty());
    CHECK(not_offered.why_none == "the server does not offer CRAM-MD5");
    Choice forced =
        choose_mechanisms(input({"PLAIN", "SCRAM-SHA-1"}, CredentialKind::password, "plain"));
    CHECK(forced.to_try == std::vector<std::string>{"PLAIN"});
    CHECK(find(forced, "SCRAM-SHA-1").reason.find("not requested") != std::string::npos);
    // A server that announces nothing: --mech forces the attempt.
    Choice silent = choose_mechanisms(input({}, CredentialKind::password, "PLAIN"));
    CHECK(silent.to_try == std::vector<std::string>{"PLAIN"});
    CHECK_THROWS_AS(choose_mechanisms(input({"PLAIN"}, CredentialKind::password, "NOPE")), Error);
    Choice wrong_cred = choose_mechanisms(input({"XOAUTH2"}, CredentialKind::password, "XOAUTH2"));
    CHECK(wrong_cred.to_try.empty());
    CHECK(wrong_cred.why_none.find("token") != std::string::npos);
}

TEST_CASE("choice: --mech all lists every usable mechanism, strongest first") {
    Choice c = choose_mechanisms(input({"PLAIN", "LOGIN", "CRAM-MD5", "XOAUTH2", "EXTERNAL"},
                                       CredentialKind::password, "all"));
    CHECK(c.to_try == std::vector<std::string>{"CRAM-MD5", "PLAIN", "LOGIN"});
    CHECK_FALSE(find(c, "EXTERNAL").usable);
}

TEST_CASE("choice: --mech all with a password and a token tries both kinds") {
    Choice c = choose_mechanisms(input({"PLAIN", "XOAUTH2", "OAUTHBEARER", "EXTERNAL"},
                                       CredentialKind::password_and_token, "all"));
    CHECK(c.to_try.size() == 3);
    CHECK(std::find(c.to_try.begin(), c.to_try.end(), "PLAIN") != c.to_try.end());
    CHECK(std::find(c.to_try.begin(), c.to_try.end(), "XOAUTH2") != c.to_try.end());
    CHECK(std::find(c.to_try.begin(), c.to_try.end(), "OAUTHBEARER") != c.to_try.end());
    CHECK_FALSE(find(c, "EXTERNAL").usable);
}

TEST_CASE("choice: nothing offered or nothing usable explains why") {
    CHECK(choose_mechanisms(input({}, CredentialKind::password)).why_none ==
          "the server offers no SASL mechanism");
    Choice c = choose_mechanisms(input({"XOAUTH2", "X-ACME", "OTP"}, CredentialKind::password));
    CHECK(c.to_try.empty());
    CHECK(c.why_none.find("X-ACME (not implemented by smtpauth)") != std::string::npos);
    // A mechanism a Debian Cyrus plugin package provides says which one.
    CHECK(
        c.why_none.find(
            "OTP (not implemented by smtpauth (a Cyrus plugin in libsasl2-modules-otp has it))") !=
        std::string::npos);
    // -PLUS needs channel-binding data from TLS.
    Choice plus =
        choose_mechanisms(input({"SCRAM-SHA-256-PLUS", "SCRAM-SHA-256"}, CredentialKind::password));
    CHECK(plus.to_try == std::vector<std::string>{"SCRAM-SHA-256"});
    ChoiceInput cb = input({"SCRAM-SHA-256-PLUS", "SCRAM-SHA-256"}, CredentialKind::password);
    cb.channel_binding = true;
    CHECK(choose_mechanisms(cb).to_try == std::vector<std::string>{"SCRAM-SHA-256-PLUS"});
}

TEST_CASE("hints for well-known provider failures") {
    CHECK(failure_hint("535-5.7.8 Username and Password not accepted. For more information, go to\n"
                       "535 5.7.8  https://support.google.com/mail/?p=BadCredentials x",
                       std::nullopt)
              ->find("app password") != std::string::npos);
    CHECK(failure_hint("535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is "
                       "disabled for the Tenant.",
                       std::nullopt)
              ->find("disabled") != std::string::npos);
    CHECK(failure_hint("535 5.7.3 Authentication unsuccessful [AM0PR01CA0001]", std::nullopt)
              ->find("Microsoft") != std::string::npos);
    OAuthServerError e{"401", "bearer mac", "https://mail.google.com/", "{}"};
    auto h = failure_hint("535 5.7.8 no", e);
    REQUIRE(h);
    CHECK(h->find("https://mail.google.com/") != std::string::npos);
    CHECK_FALSE(failure_hint("535 5.7.8 Authentication credentials invalid", std::nullopt));
}
