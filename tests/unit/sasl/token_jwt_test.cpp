// Token decoder: bearer tokens that are JWTs (RFC 7519) with a fixed "now", and the relative
// time wording.
#include <doctest/doctest.h>

#include <chrono>

#include "smtpauth/codec.hpp"
#include "token_support.hpp"

using namespace smtpauth;
using namespace smtpauth::sasl;
using token_test::field;
using token_test::field_secret;
using token_test::has_note;

namespace {

std::string b64url(const std::string& s) {
    std::string b = codec::base64_encode(s);
    while (!b.empty() && b.back() == '=') b.pop_back();
    for (char& c : b) {
        if (c == '+') c = '-';
        if (c == '/') c = '_';
    }
    return b;
}

// 2026-01-01 00:00:00 UTC
constexpr long long kNow = 1767225600;

DecodeOptions fixed_now() {
    DecodeOptions o;
    o.now = std::chrono::system_clock::time_point(std::chrono::seconds(kNow));
    return o;
}

std::string xoauth2_with(const std::string& token) {
    return "user=u@contoso.com\x01"
           "auth=Bearer " +
           token + "\x01\x01";
}

}  // namespace

TEST_SUITE("smtpauth::sasl::token") {
    TEST_CASE("relative times") {
        using std::chrono::seconds;
        CHECK(describe_relative_time(seconds(-3 * 3600)) == "3 h ago");
        CHECK(describe_relative_time(seconds(-3 * 3600 - 40)) == "3 h ago");
        CHECK(describe_relative_time(seconds(42 * 60)) == "in 42 min");
        CHECK(describe_relative_time(seconds(42 * 60 - 1)) == "in 42 min");
        CHECK(describe_relative_time(seconds(59)) == "in 59 s");
        CHECK(describe_relative_time(seconds(0)) == "now");
        CHECK(describe_relative_time(seconds(-5 * 86400)) == "5 d ago");
    }

    TEST_CASE("a Microsoft-style JWT: header and claims shown, signature hidden") {
        std::string header = b64url(R"({"typ":"JWT","alg":"RS256","kid":"k1"})");
        std::string claims =
            b64url(R"({"aud":"https://outlook.office.com","iss":"https://sts.windows.net/t/",)"
                   R"("iat":1767211200,"nbf":1767211200,"exp":1767214800,)"
                   R"("scp":"IMAP.AccessAsUser.All SMTP.Send","upn":"u@contoso.com","uti":"z"})");
        std::string token = header + "." + claims + ".c2lnbmF0dXJl";
        auto m = explain_payload(xoauth2_with(token), "", TokenDirection::unknown, fixed_now());
        CHECK(m.mechanism == "XOAUTH2");
        CHECK(field(m, "token") == token);
        CHECK(field_secret(m, "token"));
        CHECK(field(m, "jwt.header.alg") == "RS256");
        CHECK(field(m, "jwt.iss") == "https://sts.windows.net/t/");
        CHECK(field(m, "jwt.aud") == "https://outlook.office.com");
        CHECK(field(m, "jwt.scp") == "IMAP.AccessAsUser.All SMTP.Send");
        CHECK(field(m, "jwt.upn") == "u@contoso.com");
        CHECK(field(m, "jwt.iat") == "2025-12-31 20:00:00 UTC (issued 4 h ago)");
        CHECK(field(m, "jwt.exp") == "2025-12-31 21:00:00 UTC (expired 3 h ago)");
        CHECK(field(m, "jwt.nbf") == "2025-12-31 20:00:00 UTC (valid since 4 h ago)");
        CHECK(field(m, "jwt.other-claims") == "uti");
        CHECK(field_secret(m, "jwt.signature"));
        CHECK(has_note(m, "NOT VERIFIED (signature not checked)"));
        CHECK(has_note(m, "EXPIRED"));
    }

    TEST_CASE("a JWT that expires in 42 minutes, with aud as an array") {
        std::string token =
            b64url(R"({"alg":"none"})") + "." +
            b64url(R"({"aud":["a","b"],"exp":)" + std::to_string(kNow + 42 * 60) + "}") + ".";
        auto m = explain_payload(xoauth2_with(token), "", TokenDirection::unknown, fixed_now());
        CHECK(field(m, "jwt.aud") == "a, b");
        CHECK(field(m, "jwt.exp") == "2026-01-01 00:42:00 UTC (expires in 42 min)");
        CHECK_FALSE(has_note(m, "EXPIRED"));
    }

    TEST_CASE("absurd claim values and non-JWT tokens are shown safely") {
        std::string token =
            b64url(R"({"alg":"HS256"})") + "." + b64url(R"({"exp":1e300,"iat":"x"})") + ".sig";
        auto m = explain_payload(xoauth2_with(token), "", TokenDirection::unknown, fixed_now());
        CHECK(field(m, "jwt.exp")->find("not a valid NumericDate") != std::string::npos);
        auto opaque =
            explain_payload(xoauth2_with("a.b.c"), "", TokenDirection::unknown, fixed_now());
        CHECK(has_note(opaque, "not a readable JWT"));
    }
}
