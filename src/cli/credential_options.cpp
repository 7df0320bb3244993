// Who a command authenticates as, for every command that talks to a server (probe and its
// kin): -u/--user, --authzid, the password and token families, and .netrc.
#include "cli/credential_options.hpp"

#include <CLI/CLI.hpp>
#include <optional>

#include "smtpauth/error.hpp"
#include "smtpauth/oauth.hpp"
#include "smtpauth/sasl/registry.hpp"

namespace smtpauth::cli {

namespace {

// The secret to ask for when only one kind, or none, was given: the password unless a token
// was given or the requested mechanism takes one.
bool wants_token(const CredentialArgs& a, std::string_view mech) {
    if (has_explicit_secret(a.password)) return false;
    if (has_explicit_secret(a.token)) return true;
    if (const auto* info = sasl::find_mechanism(mech)) return info->traits.needs_token;
    return false;
}

}  // namespace

void add_credential_options(CLI::App& command, CredentialArgs& a) {
    command.add_option("-u,--user", a.user, "authentication identity; without it, no AUTH");
    command.add_option("--authzid", a.authzid, "authorization identity (act as)");
    add_secret_options(command, a.password, "password");
    add_secret_options(command, a.token, "OAuth bearer token");
    add_netrc_options(command, a.netrc);
    command.add_option("--oauth-store", a.oauth_store,
                       "use the OAuth access token of this token store (smtpauth token --store), "
                       "refreshed when it expires within 60 s");
}

void read_credentials(CredentialArgs& a, probe::ProbeOptions& o) {
    using probe::CredentialKind;
    // Kerberos mechanisms authenticate with the user's ticket (kinit, KRB5CCNAME): a user name
    // or a secret would be ignored, so they are refused; --authzid still says whom to act as.
    if (const auto* info = sasl::find_mechanism(o.mech); info && info->traits.ambient_credentials) {
        if (!a.user.empty() || has_explicit_secret(a.password) || has_explicit_secret(a.token) ||
            !a.oauth_store.empty() || netrc_requested(a.netrc))
            throw Error(ErrorKind::usage,
                        std::string(info->name) +
                            " authenticates with your Kerberos ticket (run kinit, or set "
                            "KRB5CCNAME), not with --user or a password; --authzid acts as "
                            "another user");
        o.authzid = a.authzid;
        return;
    }
    // netrc (curl's rules): the login fills a missing --user, the password a missing secret.
    std::optional<NetrcEntry> netrc;
    if (netrc_requested(a.netrc)) {
        netrc = read_netrc(a.netrc, o.target.host, a.user);
        if (a.user.empty()) a.user = netrc->login;
        if (a.user.empty())
            throw Error(ErrorKind::usage, "the netrc entry for '" + o.target.host +
                                              "' has no login: give --user (-u)");
    }
    const bool both = has_explicit_secret(a.password) && has_explicit_secret(a.token);
    if (a.user.empty() && (has_explicit_secret(a.password) || has_explicit_secret(a.token)))
        throw Error(ErrorKind::usage, "a password or token needs --user (-u)");
    if (!a.oauth_store.empty()) {
        if (has_explicit_secret(a.password) || has_explicit_secret(a.token) || netrc)
            throw Error(ErrorKind::usage, "--oauth-store replaces --password, --token and --netrc");
        if (a.user.empty()) throw Error(ErrorKind::usage, "--oauth-store needs --user (-u)");
    }
    if (a.user.empty()) return;

    o.user = a.user;
    o.authzid = a.authzid;
    if (!a.oauth_store.empty()) {
        o.credential = CredentialKind::token;
        o.secret = oauth::token_from_store(a.oauth_store).access_token.clone();
        return;
    }
    const bool token = wants_token(a, o.mech);
    SecretSource& src = token ? a.token : a.password;
    if (netrc && !netrc->password.empty() && !has_explicit_secret(src))
        o.secret = std::move(netrc->password);
    else
        o.secret = read_secret(src, token ? "Token for " + a.user : "Password for " + a.user,
                               /*allow_stdin_fallback=*/false);
    o.credential = token ? CredentialKind::token : CredentialKind::password;
    // A password and a token: each mechanism gets the secret it takes (--mech all).
    if (both) {
        o.credential = CredentialKind::password_and_token;
        o.token = read_secret(a.token, "Token for " + a.user, false);
    }
}

}  // namespace smtpauth::cli
