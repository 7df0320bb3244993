// Provider presets (Google, Microsoft identity platform v2.0) and OpenID Connect discovery
// (OpenID Connect Discovery 1.0 §4; RFC 8414 metadata names).
#include <string>

#include "oauth/http_client.hpp"
#include "oauth/token_request.hpp"
#include "smtpauth/codec.hpp"
#include "smtpauth/oauth.hpp"

namespace smtpauth::oauth {

Endpoints preset_endpoints(std::string_view provider, std::string_view tenant) {
    Endpoints e;
    if (provider == "google") {
        e.issuer = "https://accounts.google.com";
        e.authorize = "https://accounts.google.com/o/oauth2/v2/auth";
        e.token = "https://oauth2.googleapis.com/token";
        e.device = "https://oauth2.googleapis.com/device/code";
        return e;
    }
    if (provider == "microsoft") {
        std::string t(tenant.empty() ? "common" : tenant);
        for (char c : t)
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '.'))
                throw Error(ErrorKind::usage,
                            "--tenant must be a tenant id, a domain, common, organizations or "
                            "consumers");
        std::string base = "https://login.microsoftonline.com/" + t + "/oauth2/v2.0/";
        e.issuer = "https://login.microsoftonline.com/" + t + "/v2.0";
        e.authorize = base + "authorize";
        e.token = base + "token";
        e.device = base + "devicecode";
        return e;
    }
    throw Error(ErrorKind::usage, "unknown provider '" + std::string(provider) +
                                      "' (google or microsoft; or --issuer / --token-endpoint)");
}

std::vector<std::string> preset_scopes(std::string_view provider, bool app_only) {
    if (provider == "google") return {"https://mail.google.com/"};
    if (provider == "microsoft") {
        if (app_only) return {"https://outlook.office365.com/.default"};
        return {"offline_access", "https://outlook.office.com/SMTP.Send",
                "https://outlook.office.com/IMAP.AccessAsUser.All",
                "https://outlook.office.com/POP.AccessAsUser.All"};
    }
    return {};
}

Endpoints discover(std::string_view issuer, const HttpSettings& http_settings) {
    std::string base(issuer);
    http::require_https(base, "issuer");
    while (!base.empty() && base.back() == '/') base.pop_back();
    std::string url = base + "/.well-known/openid-configuration";
    http::Response r = http::get(url, http_settings, "discovery document");
    auto doc = detail::json_object(r.body);
    if (r.status != 200)
        throw Error(ErrorKind::protocol, "the discovery document (" + url + ") answered HTTP " +
                                             std::to_string(r.status) + "; check --issuer");
    if (!doc)
        throw Error(ErrorKind::protocol,
                    "the discovery document (" + url + ") is not a JSON object (malformed)");
    Endpoints e;
    e.issuer = detail::string_member(*doc, "issuer");
    e.authorize = detail::string_member(*doc, "authorization_endpoint");
    e.token = detail::string_member(*doc, "token_endpoint");
    e.device = detail::string_member(*doc, "device_authorization_endpoint");
    // OpenID Connect Discovery §4.3: the issuer in the document must be the one asked for.
    std::string got = e.issuer;
    while (!got.empty() && got.back() == '/') got.pop_back();
    if (got != base)
        throw Error(ErrorKind::protocol, "the discovery document names the issuer '" +
                                             codec::escape_for_display(e.issuer) + "', not '" +
                                             base + "' (refused)");
    if (e.token.empty())
        throw Error(ErrorKind::protocol,
                    "the discovery document (" + url + ") has no token_endpoint");
    return e;
}

}  // namespace smtpauth::oauth
