// The grants without user interaction: refresh token (RFC 6749 §6) and client credentials
// (RFC 6749 §4.4).
#include "oauth/token_request.hpp"
#include "smtpauth/oauth.hpp"

namespace smtpauth::oauth {

namespace {

std::string joined(const std::vector<std::string>& scopes) {
    std::string out;
    for (const auto& s : scopes) {
        if (!out.empty()) out += ' ';
        out += s;
    }
    return out;
}

void require_token_endpoint(const ClientConfig& client) {
    if (client.endpoints.token.empty())
        throw Error(ErrorKind::usage,
                    "no token endpoint: give --provider, --issuer or --token-endpoint");
    if (client.client_id.empty()) throw Error(ErrorKind::usage, "--client-id is required");
}

}  // namespace

TokenSet refresh(const ClientConfig& client, const Secret& refresh_token) {
    require_token_endpoint(client);
    if (refresh_token.empty()) throw Error(ErrorKind::usage, "the refresh token is empty");
    std::vector<http::FormField> form;
    form.push_back({"grant_type", Secret(std::string("refresh_token"))});
    form.push_back({"refresh_token", refresh_token.clone()});
    // RFC 6749 §6: scope is optional; Microsoft needs it to pick the token's audience.
    if (!client.scopes.empty()) form.push_back({"scope", Secret(joined(client.scopes))});
    detail::add_client_authentication(client, form);
    return detail::request_token(client, client.endpoints.token, form, "token endpoint");
}

TokenSet client_credentials(const ClientConfig& client) {
    require_token_endpoint(client);
    if (client.client_secret.empty())
        throw Error(ErrorKind::usage,
                    "--flow client-credentials needs the client secret "
                    "(--client-secret-file or --client-secret-env)");
    std::vector<http::FormField> form;
    form.push_back({"grant_type", Secret(std::string("client_credentials"))});
    if (!client.scopes.empty()) form.push_back({"scope", Secret(joined(client.scopes))});
    detail::add_client_authentication(client, form);
    return detail::request_token(client, client.endpoints.token, form, "token endpoint");
}

}  // namespace smtpauth::oauth
