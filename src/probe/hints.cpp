// Hints for well-known provider failures: Gmail app passwords (535-5.7.8), Microsoft 365
// SMTP AUTH disabled (5.7.3 / 5.7.139), OAuth tokens without the right scope.
#include <algorithm>

#include "smtpauth/probe.hpp"

namespace smtpauth::probe {

namespace {
bool contains(std::string_view hay, std::string_view needle) {
    return hay.find(needle) != std::string_view::npos;
}
bool icontains(std::string_view hay, std::string_view needle) {
    auto it = std::search(hay.begin(), hay.end(), needle.begin(), needle.end(), [](char a, char b) {
        auto lo = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; };
        return lo(a) == lo(b);
    });
    return it != hay.end();
}
}  // namespace

std::optional<std::string> failure_hint(std::string_view reply,
                                        const std::optional<OAuthServerError>& oauth) {
    if (oauth && (oauth->status == "400" || oauth->status == "401" ||
                  oauth->status == "invalid_token" || !oauth->scope.empty())) {
        std::string h = "the server refused the OAuth token (status " + oauth->status + ")";
        if (!oauth->scope.empty())
            h += "; it expects a token issued for the scope " + oauth->scope +
                 " — check the token's scope and that it has not expired";
        else
            h += " — check that the token is valid and has not expired";
        return h;
    }
    if (contains(reply, "5.7.139"))
        return "Microsoft 365: SMTP AUTH (SmtpClientAuthentication) is disabled for this tenant "
               "or mailbox; an administrator must enable authenticated SMTP, or use OAuth "
               "(XOAUTH2)";
    if (contains(reply, "5.7.3") && icontains(reply, "Authentication unsuccessful"))
        return "Microsoft 365: authentication unsuccessful — wrong password, Security Defaults or "
               "a policy blocking basic authentication, or SMTP AUTH disabled for the mailbox; "
               "consider OAuth (XOAUTH2)";
    if (contains(reply, "5.7.8") &&
        (icontains(reply, "google.com") || icontains(reply, "Username and Password not accepted")))
        return "Gmail: with 2-step verification the account password is refused; create an app "
               "password (https://support.google.com/accounts/answer/185833) or use OAuth "
               "(XOAUTH2)";
    return std::nullopt;
}

}  // namespace smtpauth::probe
