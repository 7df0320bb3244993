// The OAuth layer's pure parts: PKCE (RFC 7636 Appendix B), presets, token freshness, the
// store's file rules, JWT claims and the mail warnings. No network here (see
// tests/e2e/test_token*.py for the flows against a real authorization server).
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "smtpauth/codec.hpp"
#include "smtpauth/oauth.hpp"

using namespace smtpauth;

namespace {

std::string b64url(std::string_view text) {
    std::string s = codec::base64_encode(text);
    while (!s.empty() && s.back() == '=') s.pop_back();
    for (char& c : s) {
        if (c == '+') c = '-';
        if (c == '/') c = '_';
    }
    return s;
}

std::string jwt(std::string_view claims) {
    return b64url(R"({"alg":"none","typ":"JWT"})") + "." + b64url(claims) + ".c2ln";
}

oauth::TokenSet with_access(std::string token, std::string scope = {}) {
    oauth::TokenSet t;
    t.access_token = Secret(std::move(token));
    t.scope = std::move(scope);
    return t;
}

bool any_contains(const std::vector<std::string>& list, std::string_view part) {
    for (const auto& s : list)
        if (s.find(part) != std::string::npos) return true;
    return false;
}

struct TempDir {
    std::string path;
    TempDir() {
        char tmpl[] = "/tmp/smtpauth-oauth-unit-XXXXXX";
        path = mkdtemp(tmpl);
    }
    ~TempDir() {
        for (const char* name : {"/store.json", "/store.json.lock"})
            std::remove((path + name).c_str());
        rmdir(path.c_str());
    }
};

}  // namespace

TEST_SUITE("oauth") {
    TEST_CASE("PKCE S256 matches RFC 7636 Appendix B") {
        CHECK(oauth::pkce_challenge_s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") ==
              "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    }

    TEST_CASE("PKCE verifiers are 43 unreserved characters and fresh each time") {
        std::string a = oauth::pkce_verifier(), b = oauth::pkce_verifier();
        CHECK(a.size() == 43);
        CHECK(a != b);
        for (char c : a)
            CHECK((std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_'));
    }

    TEST_CASE("provider presets") {
        auto ms = oauth::preset_endpoints("microsoft", "contoso.onmicrosoft.com");
        CHECK(ms.token ==
              "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token");
        CHECK(ms.device ==
              "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/devicecode");
        CHECK(oauth::preset_endpoints("microsoft", "").authorize ==
              "https://login.microsoftonline.com/common/oauth2/v2.0/authorize");
        CHECK(oauth::preset_endpoints("google", "").token == "https://oauth2.googleapis.com/token");
        CHECK_THROWS_AS(oauth::preset_endpoints("microsoft", "a/b"), Error);
        CHECK_THROWS_AS(oauth::preset_endpoints("yahoo", ""), Error);
        CHECK(oauth::preset_scopes("google", false) ==
              std::vector<std::string>{"https://mail.google.com/"});
        CHECK(oauth::preset_scopes("microsoft", true) ==
              std::vector<std::string>{"https://outlook.office365.com/.default"});
        CHECK(oauth::preset_scopes("microsoft", false).front() == "offline_access");
    }

    TEST_CASE("a token is fresh only when it outlives the margin") {
        auto now = std::chrono::system_clock::now();
        auto now_s =
            std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
        oauth::TokenSet t = with_access("at");
        CHECK_FALSE(oauth::access_token_fresh(t, std::chrono::seconds(60), now));  // no expiry
        t.expires_at = now_s + 61;
        CHECK(oauth::access_token_fresh(t, std::chrono::seconds(60), now));
        t.expires_at = now_s + 60;
        CHECK_FALSE(oauth::access_token_fresh(t, std::chrono::seconds(60), now));
    }

    TEST_CASE("the store round-trips, is 0600 and refuses group-readable files") {
        TempDir dir;
        std::string path = dir.path + "/store.json";
        oauth::Store s;
        s.client.provider = "microsoft";
        s.client.endpoints.token = "https://idp.example/token";
        s.client.client_id = "app";
        s.client.scopes = {"a", "b"};
        s.tokens = with_access("at-1", "a b");
        s.tokens.refresh_token = Secret(std::string("rt-1"));
        s.tokens.expires_at = 1234;
        oauth::save_store(path, s);
        struct stat st {};
        REQUIRE(stat(path.c_str(), &st) == 0);
        CHECK((st.st_mode & 0777) == 0600);
        oauth::Store back = oauth::load_store(path);
        CHECK(back.client.provider == "microsoft");
        CHECK(back.client.scopes == std::vector<std::string>{"a", "b"});
        CHECK(back.tokens.access_token.reveal() == "at-1");
        CHECK(back.tokens.refresh_token.reveal() == "rt-1");
        CHECK(back.tokens.expires_at == 1234);
        chmod(path.c_str(), 0644);
        CHECK_THROWS_WITH_AS(oauth::load_store(path), doctest::Contains("chmod 600"), Error);
        chmod(path.c_str(), 0600);
        std::ofstream(path) << "{\"version\": 7}";
        CHECK_THROWS_WITH_AS(oauth::load_store(path), doctest::Contains("version"), Error);
        CHECK(oauth::renew_command(path, back).find("--flow device") != std::string::npos);
    }

    TEST_CASE("JWT claims come from the decoder's JWT reader") {
        auto claims =
            oauth::jwt_claims(jwt(R"({"aud":"https://outlook.office.com","scp":"SMTP.Send"})"));
        bool found = false;
        for (const auto& [k, v] : claims)
            if (k == "aud") found = v == "https://outlook.office.com";
        CHECK(found);
        CHECK(oauth::jwt_claims("opaque-token").empty());
    }

    TEST_CASE("mail warnings") {
        const std::string iss = R"("iss":"https://login.microsoftonline.com/t/v2.0",)";
        auto graph = oauth::mail_warnings(
            "", with_access(
                    jwt("{" + iss + R"("aud":"https://graph.microsoft.com","scp":"Mail.Read"})")));
        CHECK(any_contains(graph, "not Outlook"));
        CHECK(any_contains(graph, "SMTP.Send"));
        auto good = oauth::mail_warnings(
            "",
            with_access(jwt(
                "{" + iss +
                R"("aud":"https://outlook.office.com","scp":"SMTP.Send IMAP.AccessAsUser.All"})")));
        CHECK(good.empty());
        auto app = oauth::mail_warnings(
            "microsoft",
            with_access(
                jwt(R"({"aud":"https://outlook.office365.com","roles":["SMTP.SendAsApp"]})")));
        CHECK(app.size() == 1);
        CHECK(any_contains(app, "IMAP.AccessAsApp"));
        CHECK(any_contains(oauth::mail_warnings("", with_access("ya29.x", "openid email")),
                           "https://mail.google.com/"));
        CHECK(oauth::mail_warnings("google", with_access("ya29.x", "https://mail.google.com/"))
                  .empty());
    }
}
