// What a token says about itself (JWT claims, decoded by the decoder's JWT reader in
// src/sasl/token_jwt.cpp, NOT verified) and whether it can work for SMTP/IMAP/POP3:
// Microsoft's audience and scopes/roles for Exchange Online, Google's mail scope.
#include <algorithm>
#include <sstream>

#include "smtpauth/oauth.hpp"
#include "smtpauth/sasl/token.hpp"

namespace smtpauth::oauth {

namespace {

std::vector<std::string> words(std::string_view text) {
    std::vector<std::string> out;
    std::string w;
    for (char c : text) {
        if (c == ' ' || c == ',') {
            if (!w.empty()) out.push_back(w);
            w.clear();
        } else {
            w += c;
        }
    }
    if (!w.empty()) out.push_back(w);
    return out;
}

std::string claim(const std::vector<std::pair<std::string, std::string>>& claims,
                  std::string_view name) {
    for (const auto& [k, v] : claims)
        if (k == name) return v;
    return {};
}

bool has_word(std::string_view list, std::string_view word) {
    auto w = words(list);
    return std::find(w.begin(), w.end(), word) != w.end();
}

// Exchange Online accepts tokens for Outlook (both names) or its application id.
bool outlook_audience(std::string_view aud) {
    for (std::string_view ok : {"https://outlook.office.com", "https://outlook.office.com/",
                                "https://outlook.office365.com", "https://outlook.office365.com/",
                                "00000002-0000-0ff1-ce00-000000000000"})
        if (aud == ok) return true;
    return false;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> jwt_claims(std::string_view token) {
    std::vector<std::pair<std::string, std::string>> out;
    if (token.empty()) return out;
    // The decoder explains an OAUTHBEARER message (RFC 7628 §3.1) including its bearer JWT.
    std::string payload =
        "n,,\x01"
        "auth=Bearer " +
        std::string(token) + "\x01\x01";
    try {
        auto msg = sasl::explain_payload(payload, "OAUTHBEARER", sasl::TokenDirection::client);
        for (const auto& f : msg.fields) {
            if (f.secret() || !f.name().starts_with("jwt.")) continue;
            out.emplace_back(f.name().substr(4), std::string(f.value()));
        }
    } catch (const Error&) {
        // Not decodable as a bearer token: no claims to show.
    }
    wipe_string(payload);
    return out;
}

std::vector<std::string> mail_warnings(std::string_view provider, const TokenSet& tokens) {
    std::vector<std::string> warnings;
    auto claims = jwt_claims(tokens.access_token.reveal());
    std::string iss = claim(claims, "iss");
    std::string which(provider);
    if (which.empty()) {
        if (iss.find("login.microsoftonline.com") != std::string::npos ||
            iss.find("sts.windows.net") != std::string::npos)
            which = "microsoft";
        else if (tokens.access_token.reveal().starts_with("ya29."))
            which = "google";
    }
    if (which == "google") {
        if (!tokens.scope.empty() && !has_word(tokens.scope, "https://mail.google.com/"))
            warnings.push_back(
                "the token lacks the scope https://mail.google.com/ that Gmail's SMTP, IMAP and "
                "POP need (granted: " +
                tokens.scope + "); request it with --scope");
        return warnings;
    }
    if (which != "microsoft" || claims.empty()) return warnings;
    std::string aud = claim(claims, "aud");
    if (!aud.empty() && !outlook_audience(aud))
        warnings.push_back("the token is for '" + aud +
                           "', not Outlook (https://outlook.office.com): Exchange Online refuses "
                           "it for SMTP/IMAP/POP; request https://outlook.office.com/... scopes "
                           "(not Microsoft Graph's)");
    std::string scp = claim(claims, "scp");
    std::string roles = claim(claims, "roles");
    if (!scp.empty()) {
        if (!has_word(scp, "SMTP.Send"))
            warnings.push_back(
                "the token has no SMTP.Send scope: SMTP AUTH will be refused "
                "(request https://outlook.office.com/SMTP.Send)");
        if (!has_word(scp, "IMAP.AccessAsUser.All"))
            warnings.push_back(
                "the token has no IMAP.AccessAsUser.All scope: IMAP will be refused (request "
                "https://outlook.office.com/IMAP.AccessAsUser.All)");
    } else {
        // An app-only token (client credentials) carries roles instead of scp.
        if (!has_word(roles, "SMTP.SendAsApp"))
            warnings.push_back(
                "the app token has no SMTP.SendAsApp role: grant the application "
                "permission SMTP.SendAsApp (Office 365 Exchange Online) and admin "
                "consent");
        if (!has_word(roles, "IMAP.AccessAsApp"))
            warnings.push_back(
                "the app token has no IMAP.AccessAsApp role: grant the application "
                "permission IMAP.AccessAsApp and admin consent");
    }
    return warnings;
}

}  // namespace smtpauth::oauth
