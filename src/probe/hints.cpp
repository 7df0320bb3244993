// Hints for well-known provider failures: Gmail app passwords (535-5.7.8), Microsoft 365
// SMTP AUTH disabled (5.7.3 / 5.7.139), OAuth tokens without the right scope; the mailbox
// check after AUTH; and the well-known refusals of MAIL, RCPT and DATA (one table).
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
// One row per well-known refusal. A row matches when the reply code is `code` (0: any),
// the enhanced status is `enhanced` ("" : any) and the text contains `text` ("" : any,
// case-insensitive). The first match wins, so specific rows come first.
struct RefusalRow {
    int code;
    std::string_view enhanced;
    std::string_view text;
    std::string_view hint;
};

constexpr RefusalRow kRefusals[] = {
    {550, "5.7.1", "daily sending limit",
     "Gmail: the account has reached its daily sending limit; wait up to 24 hours or use "
     "Google Workspace limits"},
    {550, "5.7.1", "daily user sending limit",
     "Gmail: the account has reached its daily sending limit; wait up to 24 hours or use "
     "Google Workspace limits"},
    {0, "", "SendAsDenied",
     "Microsoft 365: the user may not send as this From address (SendAsDenied); use the "
     "mailbox's own address, or have an administrator grant Send As permission"},
    {550, "5.7.60", "",
     "Microsoft 365: the user may not send as this From address (SendAsDenied); use the "
     "mailbox's own address, or have an administrator grant Send As permission"},
    {554, "5.2.252", "",
     "Microsoft 365: the user may not send as this From address (SendAsDenied); use the "
     "mailbox's own address, or have an administrator grant Send As permission"},
    {550, "5.7.708", "",
     "Microsoft 365: the sending IP address is blocked (5.7.708, a low-reputation range); "
     "send from another network or through a connector"},
    {550, "5.7.606", "",
     "Microsoft 365: the sending IP address is on Microsoft's block list (5.7.606); ask for "
     "delisting at https://sender.office.com"},
    {530, "5.7.0", "",
     "the server wants authentication (or STARTTLS first) before accepting mail: give --user "
     "and a password or token, and keep STARTTLS"},
    {530, "", "",
     "the server wants authentication (or STARTTLS first) before accepting mail: give --user "
     "and a password or token, and keep STARTTLS"},
    {553, "5.7.1", "",
     "the sender address is not owned by the authenticated user: use an address that "
     "belongs to --user (or an alias the server allows)"},
    {454, "4.7.1", "",
     "relay denied: the server does not relay for this sender or client; authenticate "
     "(--user) or send to a domain the server is responsible for"},
    {554, "5.7.1", "relay",
     "relay denied: the server does not relay for this sender or client; authenticate "
     "(--user) or send to a domain the server is responsible for"},
    {552, "5.3.4", "", "the message is larger than the server accepts; send a smaller one"},
    {421, "4.7.0", "",
     "the server is refusing connections for now (too many connections or messages from "
     "this client); wait and try again later"},
};

bool matches(const RefusalRow& row, int code, std::string_view enhanced, std::string_view text) {
    if (row.code != 0 && row.code != code) return false;
    if (!row.enhanced.empty() && row.enhanced != enhanced) return false;
    return row.text.empty() || icontains(text, row.text);
}

}  // namespace

std::optional<std::string> refusal_hint(int code, std::string_view enhanced,
                                        std::string_view text) {
    for (const auto& row : kRefusals)
        if (matches(row, code, enhanced, text)) return std::string(row.hint);
    return std::nullopt;
}

std::optional<std::string> mailbox_hint(std::string_view reply) {
    if (icontains(reply, "authenticated but not connected"))
        return "Microsoft 365: the login worked but the mailbox cannot be opened: the "
               "application or user lacks mailbox permission (for OAuth: the service "
               "principal needs FullAccess on this mailbox, Add-MailboxPermission), or the "
               "mailbox is not licensed or not provisioned";
    return "the login worked but the server would not open the mailbox: check that the "
           "mailbox exists and that this user may read it";
}

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
