// Explains bearer tokens (RFC 6750) and, when the token is a JWT (RFC 7519, JWS compact form
// RFC 7515 §7.1), its header and claims — decoded only, the signature is NOT verified.
#include <time.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "sasl/token_internal.hpp"
#include "smtpauth/codec.hpp"

namespace smtpauth::sasl {

std::string describe_relative_time(std::chrono::seconds delta) {
    long long s = delta.count();
    bool future = s > 0;
    unsigned long long a = static_cast<unsigned long long>(future ? s : -s);
    if (a < 1) return "now";
    std::string amount;
    auto rounded = [&](unsigned long long unit) { return (a + unit / 2) / unit; };
    if (a < 120)
        amount = std::to_string(a) + " s";
    else if (a < 120 * 60)
        amount = std::to_string(rounded(60)) + " min";
    else if (a < 48 * 3600)
        amount = std::to_string(rounded(3600)) + " h";
    else
        amount = std::to_string(rounded(86400)) + " d";
    return future ? "in " + amount : amount + " ago";
}

}  // namespace smtpauth::sasl

namespace smtpauth::sasl::token_detail {

namespace {

std::optional<Bytes> base64url_decode(std::string_view part) {
    std::string b64(part);
    while (!b64.empty() && b64.back() == '=') b64.pop_back();
    for (char& c : b64) {
        if (c == '-')
            c = '+';
        else if (c == '_')
            c = '/';
        else if (c == '+' || c == '/')
            return std::nullopt;  // not base64url
    }
    while (b64.size() % 4 != 0) b64 += '=';
    return codec::try_base64_decode(b64);
}

std::optional<nlohmann::json> json_object(std::string_view part) {
    auto bytes = base64url_decode(part);
    if (!bytes || bytes->size() > 32 * 1024) return std::nullopt;
    auto doc = nlohmann::json::parse(*bytes, nullptr, false);
    if (doc.is_discarded() || !doc.is_object()) return std::nullopt;
    return doc;
}

std::string as_text(const nlohmann::json& v) {
    if (v.is_string()) return v.get<std::string>();
    if (v.is_array()) {
        std::string out;
        for (const auto& item : v) {
            if (!out.empty()) out += ", ";
            out += item.is_string()
                       ? item.get<std::string>()
                       : item.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        }
        return out;
    }
    return v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// NumericDate (RFC 7519 §2): seconds since the epoch, possibly fractional.
std::optional<long long> numeric_date(const nlohmann::json& v) {
    double d = 0;
    if (v.is_number_integer() || v.is_number_unsigned())
        d = v.get<double>();
    else if (v.is_number_float())
        d = v.get<double>();
    else
        return std::nullopt;
    if (!(d >= 0 && d <= 253402300799.0)) return std::nullopt;  // up to year 9999
    return static_cast<long long>(d);
}

std::string utc_text(long long t) {
    time_t tt = static_cast<time_t>(t);
    struct tm tm_utc {};
    if (!gmtime_r(&tt, &tm_utc)) return std::to_string(t);
    std::array<char, 40> buf{};
    std::snprintf(buf.data(), buf.size(), "%04d-%02d-%02d %02d:%02d:%02d UTC",
                  tm_utc.tm_year + 1900, tm_utc.tm_mon + 1, tm_utc.tm_mday, tm_utc.tm_hour,
                  tm_utc.tm_min, tm_utc.tm_sec);
    return buf.data();
}

void add_time_claim(const nlohmann::json& claims, const char* key, DecodedMessage& msg,
                    const DecodeOptions& options) {
    if (!claims.contains(key)) return;
    const auto& v = claims.at(key);
    auto t = numeric_date(v);
    std::string name = std::string("jwt.") + key;
    if (!t) {
        msg.fields.emplace_back(name, as_text(v) + " (not a valid NumericDate)");
        return;
    }
    auto now =
        std::chrono::duration_cast<std::chrono::seconds>(options.now.time_since_epoch()).count();
    std::chrono::seconds delta(*t - now);
    std::string rel = describe_relative_time(delta);
    std::string key_s(key);
    std::string text;
    if (key_s == "exp") {
        text = delta.count() <= 0 ? "expired " + rel : "expires " + rel;
        if (delta.count() <= 0) msg.notes.push_back("the token has EXPIRED (" + rel + ")");
    } else if (key_s == "nbf") {
        text = delta.count() > 0 ? "NOT YET VALID, valid " + rel : "valid since " + rel;
        if (delta.count() > 0) msg.notes.push_back("the token is not valid yet (nbf)");
    } else {
        text = "issued " + rel;
    }
    msg.fields.emplace_back(name, utc_text(*t) + " (" + text + ")");
}

// A JWS compact serialisation: BASE64URL(header) "." BASE64URL(claims) "." BASE64URL(sig).
void explain_jwt(std::string_view token, DecodedMessage& msg, const DecodeOptions& options) {
    std::vector<std::string_view> parts;
    std::size_t start = 0;
    while (parts.size() < 6) {
        auto dot = token.find('.', start);
        parts.push_back(token.substr(start, dot == std::string_view::npos ? dot : dot - start));
        if (dot == std::string_view::npos) break;
        start = dot + 1;
    }
    if (parts.size() == 5) {
        msg.notes.push_back("the token looks like an encrypted JWT (JWE): claims not readable");
        return;
    }
    if (parts.size() != 3) {
        msg.notes.push_back("opaque token (not a JWT): only its issuer can read it");
        return;
    }
    auto header = json_object(parts[0]);
    auto claims = json_object(parts[1]);
    if (!header || !claims || !header->contains("alg")) {
        msg.notes.push_back("three dot-separated parts, but not a readable JWT");
        return;
    }
    msg.notes.push_back("JWT header and claims below are NOT VERIFIED (signature not checked)");
    for (const char* key : {"alg", "typ", "kid"})
        if (header->contains(key))
            msg.fields.emplace_back(std::string("jwt.header.") + key, as_text(header->at(key)));
    static constexpr std::array<const char*, 19> kClaims{
        "iss",         "aud",   "azp", "appid", "app_displayname",
        "client_id",   "sub",   "upn", "email", "preferred_username",
        "unique_name", "name",  "oid", "tid",   "scp",
        "scope",       "roles", "ver", "jti"};
    for (const char* key : kClaims)
        if (claims->contains(key))
            msg.fields.emplace_back(std::string("jwt.") + key, as_text(claims->at(key)));
    for (const char* key : {"iat", "nbf", "exp"}) add_time_claim(*claims, key, msg, options);
    std::string others;
    for (const auto& [key, value] : claims->items()) {
        bool shown = key == "iat" || key == "nbf" || key == "exp";
        for (const char* k : kClaims) shown = shown || key == k;
        if (shown) continue;
        if (!others.empty()) others += ", ";
        others += key;
    }
    if (!others.empty()) msg.fields.emplace_back("jwt.other-claims", others);
    if (!claims->contains("exp")) msg.notes.push_back("the JWT has no exp claim");
    msg.fields.emplace_back("jwt.signature", std::string(parts[2]), true);
}

}  // namespace

// auth = "Bearer" 1*SP b64token   (RFC 6750 §2.1, RFC 7628 §3.1)
void explain_bearer(std::string_view auth_value, DecodedMessage& msg,
                    const DecodeOptions& options) {
    std::string_view token = auth_value;
    if (starts_with_icase(auth_value, "Bearer ")) {
        token = auth_value.substr(7);
        while (token.starts_with(' ')) token.remove_prefix(1);
        if (!auth_value.starts_with("Bearer "))
            msg.notes.push_back("scheme is not spelled 'Bearer' (most servers accept any case)");
    } else {
        msg.fields.emplace_back("auth", std::string(auth_value), true);
        msg.notes.push_back("auth= does not start with 'Bearer ' (servers will reject it)");
        return;
    }
    msg.fields.emplace_back("token", std::string(token), true);
    if (token.empty()) {
        msg.notes.push_back("the bearer token is empty");
        return;
    }
    explain_jwt(token, msg, options);
}

}  // namespace smtpauth::sasl::token_detail
