// Internal: one request to a token endpoint (RFC 6749 §3.2) and its answer, parsed into a
// TokenSet (§5.1) or thrown as an explained TokenEndpointError (§5.2).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>
#include <vector>

#include "oauth/http_client.hpp"
#include "smtpauth/oauth.hpp"

namespace smtpauth::oauth::detail {

// Adds client_id and, for a confidential client, client_secret (client_secret_post).
void add_client_authentication(const ClientConfig& client, std::vector<http::FormField>& form);

// POSTs `form` to `url` and returns the token set. TokenEndpointError for an RFC 6749 §5.2
// error answer; Error{protocol} for anything that is not a token answer.
TokenSet request_token(const ClientConfig& client, const std::string& url,
                       const std::vector<http::FormField>& form, std::string_view what);

// The JSON object of a response body, or nullopt (not JSON, not an object, too deep).
std::optional<nlohmann::json> json_object(const Secret& body);

// The error answer's "error" member, "" when the body is not an RFC 6749 §5.2 error.
std::string error_code(const nlohmann::json& doc);

// Builds the explained exception for an error answer (token_errors.cpp).
TokenEndpointError explain_error(const nlohmann::json& doc, std::string_view what,
                                 std::string_view provider);

// A JSON string member, "" when absent or not a string.
std::string string_member(const nlohmann::json& doc, const char* key);

}  // namespace smtpauth::oauth::detail
