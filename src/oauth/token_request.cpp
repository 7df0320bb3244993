// Token endpoint requests (RFC 6749 §3.2, client_secret_post §2.3.1) and their answers
// (§5.1 success, §5.2 error), shared by every flow.
#include "oauth/token_request.hpp"

#include <chrono>

#include "smtpauth/codec.hpp"
#include "smtpauth/error.hpp"

namespace smtpauth::oauth::detail {

namespace {

std::int64_t now_seconds() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// expires_in = 1*DIGIT (RFC 6749 §5.1, A.14); some servers send it as a string.
std::optional<std::int64_t> expires_in(const nlohmann::json& doc) {
    if (!doc.contains("expires_in")) return std::nullopt;
    const auto& v = doc.at("expires_in");
    long long n = -1;
    if (v.is_number_integer() || v.is_number_unsigned())
        n = v.get<long long>();
    else if (v.is_string()) {
        const std::string s = v.get<std::string>();
        if (s.empty() || s.size() > 12) return std::nullopt;
        n = 0;
        for (char c : s) {
            if (c < '0' || c > '9') return std::nullopt;
            n = n * 10 + (c - '0');
        }
    }
    if (n < 0 || n > 10LL * 365 * 86400) return std::nullopt;
    return n;
}

// b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=" (RFC 6750 §2.1):
// the access token goes on a terminal and into an AUTH line, so nothing else is accepted.
bool is_b64token(std::string_view t) {
    std::size_t i = 0;
    while (i < t.size() && ((t[i] >= 'A' && t[i] <= 'Z') || (t[i] >= 'a' && t[i] <= 'z') ||
                            (t[i] >= '0' && t[i] <= '9') || t[i] == '-' || t[i] == '.' ||
                            t[i] == '_' || t[i] == '~' || t[i] == '+' || t[i] == '/'))
        ++i;
    if (i == 0) return false;
    while (i < t.size() && t[i] == '=') ++i;
    return i == t.size();
}

// refresh-token = 1*VSCHAR, VSCHAR = %x20-7E (RFC 6749 Appendix A.17)
bool is_vschar_text(std::string_view t) {
    for (char c : t)
        if (c < 0x20 || c > 0x7e) return false;
    return true;
}

}  // namespace

std::string string_member(const nlohmann::json& doc, const char* key) {
    if (!doc.is_object() || !doc.contains(key) || !doc.at(key).is_string()) return {};
    return doc.at(key).get<std::string>();
}

std::optional<nlohmann::json> json_object(const Secret& body) {
    auto doc = nlohmann::json::parse(body.reveal(), nullptr, false);
    if (doc.is_discarded() || !doc.is_object()) return std::nullopt;
    return doc;
}

std::string error_code(const nlohmann::json& doc) {
    return string_member(doc, "error");
}

void add_client_authentication(const ClientConfig& client, std::vector<http::FormField>& form) {
    form.push_back({"client_id", Secret(client.client_id)});
    if (!client.client_secret.empty())
        form.push_back({"client_secret", client.client_secret.clone()});
}

TokenSet request_token(const ClientConfig& client, const std::string& url,
                       const std::vector<http::FormField>& form, std::string_view what) {
    http::Response r = http::post_form(url, form, client.http, what);
    auto doc = json_object(r.body);
    if (r.status >= 300 && r.status < 400)
        throw Error(ErrorKind::protocol, "the " + std::string(what) +
                                             " answered with a redirect (HTTP " +
                                             std::to_string(r.status) + ") to '" +
                                             codec::escape_for_display(r.location) +
                                             "'; not followed for a POST (check the endpoint URL)");
    if (!doc)
        throw Error(ErrorKind::protocol, "the " + std::string(what) + " answered HTTP " +
                                             std::to_string(r.status) +
                                             " without a JSON object (malformed answer)");
    if (!error_code(*doc).empty()) {
        auto e = explain_error(*doc, what, client.provider);
        doc->clear();
        throw e;
    }
    if (r.status != 200)
        throw Error(ErrorKind::protocol, "the " + std::string(what) + " answered HTTP " +
                                             std::to_string(r.status) + " without an error code");
    TokenSet t;
    std::string access = string_member(*doc, "access_token");
    if (access.empty())
        throw Error(ErrorKind::protocol,
                    "the " + std::string(what) + " answered without an access_token");
    t.access_token = Secret(std::move(access));
    t.refresh_token = Secret(string_member(*doc, "refresh_token"));
    if (!is_b64token(t.access_token.reveal()) || !is_vschar_text(t.refresh_token.reveal()))
        throw Error(ErrorKind::protocol,
                    "the " + std::string(what) +
                        " issued a token with characters that a bearer token may not contain "
                        "(RFC 6750 b64token); refused");
    t.id_token = Secret(string_member(*doc, "id_token"));
    t.token_type = string_member(*doc, "token_type");
    t.scope = string_member(*doc, "scope");
    if (auto in = expires_in(*doc)) t.expires_at = now_seconds() + *in;
    // Tokens were copied into Secrets; wipe the parsed document's copies.
    for (const char* key : {"access_token", "refresh_token", "id_token"})
        if (doc->contains(key) && doc->at(key).is_string())
            wipe_string(doc->at(key).get_ref<std::string&>());
    if (!t.token_type.empty() && t.token_type != "Bearer" && t.token_type != "bearer")
        throw Error(ErrorKind::protocol, "the " + std::string(what) + " issued a '" +
                                             codec::escape_for_display(t.token_type) +
                                             "' token; mail servers need a Bearer token");
    return t;
}

}  // namespace smtpauth::oauth::detail
