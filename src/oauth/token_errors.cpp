// Token endpoint errors (RFC 6749 §5.2, RFC 8628 §3.5, Microsoft AADSTS codes, Google's
// variants) in plain words with a hint: one table, looked up by AADSTS number, then by code.
#include <array>
#include <string>
#include <string_view>

#include "oauth/token_request.hpp"
#include "smtpauth/codec.hpp"

namespace smtpauth::oauth::detail {

namespace {

struct ErrorRow {
    std::string_view key;  // "AADSTS65001" or an RFC 6749 error code
    std::string_view plain;
    std::string_view hint;
};

constexpr std::array<ErrorRow, 21> kErrors{{
    // Microsoft identity platform (the AADSTS number is in error_description).
    {"AADSTS65001", "the user or an administrator has not consented to the requested scopes",
     "an administrator grants consent in Entra ID (Enterprise applications > Permissions > "
     "Grant admin consent), or the user signs in once with the browser or device flow"},
    {"AADSTS7000218", "the app registration expects a client secret or certificate",
     "give the secret with --client-secret-file or --client-secret-env, or set 'Allow public "
     "client flows' to Yes in the app registration (Authentication) for the device flow"},
    {"AADSTS50076", "multi-factor authentication is required (Conditional Access)",
     "sign in interactively with --flow device or --flow browser; an old refresh token does "
     "not satisfy the MFA policy"},
    {"AADSTS700016", "the application (client id) was not found in the directory",
     "check --client-id and --tenant: the app must be registered in that tenant or be "
     "multi-tenant"},
    {"AADSTS90002", "the tenant was not found",
     "check --tenant: a tenant id (GUID) or a verified domain such as contoso.onmicrosoft.com"},
    {"AADSTS50173", "the grant expired because the user's password changed or was reset",
     "sign in again (--flow device or --flow browser)"},
    {"AADSTS70000", "the grant (code or refresh token) is invalid or was issued for other scopes",
     "sign in again (--flow device or --flow browser)"},
    // RFC 6749 §5.2 and RFC 8628 §3.5
    {"invalid_request", "the request is missing a parameter or is malformed",
     "check the endpoints and --scope; an identity provider may need --tenant or --issuer"},
    {"invalid_client",
     "the identity provider does not know this client or its authentication "
     "failed",
     "check --client-id and the client secret; Google: the OAuth client must exist in the Cloud "
     "console (APIs & Services > Credentials), type 'Desktop app', with its secret"},
    {"invalid_grant",
     "the authorization (code or refresh token) is invalid, expired, revoked or was issued to "
     "another client",
     "sign in again (--flow device or --flow browser)"},
    {"unauthorized_client", "this client may not use this grant type",
     "enable the flow for the client: Microsoft: 'Allow public client flows' for the device "
     "flow, application permissions for client credentials; Google: use a 'Desktop app' client "
     "for the browser flow or a 'TVs and Limited Input' client for the device flow"},
    {"unsupported_grant_type", "the identity provider does not support this grant type",
     "choose another --flow"},
    {"invalid_scope", "a requested scope is invalid, unknown or not allowed for this client",
     "check --scope; Google's device flow does not allow https://mail.google.com/ (use --flow "
     "browser); app-only Microsoft tokens need https://outlook.office365.com/.default"},
    {"access_denied", "the user or an administrator declined the request",
     "approve the request when signing in, or ask an administrator for consent"},
    {"expired_token", "the device code expired before the sign-in was completed",
     "run the command again and complete the sign-in sooner"},
    {"redirect_uri_mismatch", "the redirect URI is not registered for this client",
     "the browser flow redirects to http://127.0.0.1:<port>/ (RFC 8252): Google needs a "
     "'Desktop app' client; Microsoft needs the redirect URI http://localhost under 'Mobile "
     "and desktop applications'"},
    {"temporarily_unavailable", "the identity provider is temporarily unavailable",
     "try again later"},
    {"server_error", "the identity provider had an internal error", "try again later"},
    {"invalid_token", "the token is invalid", "sign in again"},
    {"consent_required", "consent is required for the requested scopes",
     "sign in with the browser or device flow and accept, or ask an administrator"},
    {"interaction_required", "the identity provider needs the user to sign in interactively",
     "use --flow device or --flow browser"},
}};

// "AADSTS65001: The user or administrator has not consented ..." -> "AADSTS65001".
std::string aadsts_of(std::string_view description) {
    auto at = description.find("AADSTS");
    if (at == std::string_view::npos) return {};
    std::size_t end = at + 6;
    while (end < description.size() && end - at < 16 && description[end] >= '0' &&
           description[end] <= '9')
        ++end;
    return end > at + 6 ? std::string(description.substr(at, end - at)) : std::string();
}

const ErrorRow* find_row(std::string_view key) {
    for (const auto& row : kErrors)
        if (row.key == key) return &row;
    return nullptr;
}

}  // namespace

TokenEndpointError explain_error(const nlohmann::json& doc, std::string_view what,
                                 std::string_view provider) {
    std::string code = error_code(doc);
    std::string description = string_member(doc, "error_description");
    // Only the first line: Microsoft appends trace and correlation ids on further lines.
    if (auto nl = description.find_first_of("\r\n"); nl != std::string::npos)
        description.resize(nl);
    if (description.size() > 300) description = description.substr(0, 300) + "...";
    std::string aadsts = aadsts_of(description);

    const ErrorRow* row = aadsts.empty() ? nullptr : find_row(aadsts);
    if (!row) row = find_row(code);
    std::string msg =
        "the " + std::string(what) + " refused the request: " + codec::escape_for_display(code);
    if (!aadsts.empty()) msg += " (" + aadsts + ")";
    if (row) msg += ": " + std::string(row->plain);
    if (!description.empty()) msg += "\n  server says: " + codec::escape_for_display(description);
    if (row) {
        std::string hint(row->hint);
        if (code == "invalid_client" && provider == "microsoft" && aadsts.empty())
            hint = "check --client-id, --tenant and the client secret";
        msg += "\n  hint: " + hint;
    }
    return TokenEndpointError(code, aadsts, msg);
}

}  // namespace smtpauth::oauth::detail
