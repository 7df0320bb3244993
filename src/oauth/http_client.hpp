// Internal: the small HTTPS client the OAuth flows need, over libcurl loaded with dlopen()
// on first use (so that commands without OAuth never map libcurl; see DESIGN.md).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "smtpauth/oauth.hpp"
#include "smtpauth/secret.hpp"

namespace smtpauth::oauth::http {

// Largest response body accepted from an identity provider; larger answers are refused.
inline constexpr std::size_t kMaxResponseBytes = 256 * 1024;

struct Response {
    long status = 0;
    std::string content_type;
    std::string location;  // Location header of a redirect (never followed)
    Secret body;           // may hold tokens: wiped when released
};

// One form field; `secret` fields (client secret, codes, refresh tokens) are only ever in
// the request body, never in an error message.
struct FormField {
    std::string name;
    Secret value;
};

// POST application/x-www-form-urlencoded. HTTPS only; redirects are not followed.
// Throws Error{resolve, connect, timeout, tls, certificate, protocol} with a message that
// names the URL (never the body); `what` names the endpoint in messages ("token endpoint").
Response post_form(const std::string& url, const std::vector<FormField>& form,
                   const HttpSettings& settings, std::string_view what);

// GET (discovery). Same rules.
Response get(const std::string& url, const HttpSettings& settings, std::string_view what);

// application/x-www-form-urlencoded / query component encoding (curl_easy_escape).
std::string url_encode(std::string_view text);

// The reverse ('+' is a space, as in a form or query string); curl_easy_unescape.
std::string url_decode(std::string_view text);

// Throws Error{usage} unless the URL is https:// with a host.
void require_https(const std::string& url, std::string_view what);

}  // namespace smtpauth::oauth::http
