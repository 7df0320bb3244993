// Who a command authenticates as, for every command that talks to a server (probe and its
// kin): -u/--user, --authzid, the password and token families, and .netrc.
#pragma once

#include <string>

#include "cli/secret_input.hpp"
#include "smtpauth/probe.hpp"

namespace CLI {
class App;
}

namespace smtpauth::cli {

struct CredentialArgs {
    std::string user;
    std::string authzid;
    SecretSource password{"password"};
    SecretSource token{"token"};
    NetrcSource netrc;
    std::string oauth_store;  // --oauth-store: the access token of `smtpauth token --store FILE`
};

// Adds -u/--user, --authzid, --password*, --token*, -n/--netrc, --netrc-file and
// --oauth-store.
void add_credential_options(CLI::App& command, CredentialArgs& args);

// Fills o.user, o.authzid, o.credential, o.secret and o.token; o.target and o.mech must be
// set (netrc is matched against the target's host; the mechanism decides which secret to ask
// for when none is given). Without a user (nor a netrc login) nothing is read and no AUTH
// will be attempted. --oauth-store fetches (refreshing when needed) the store's access token
// and uses it as the token. A password and a token together give CredentialKind::password_and_token.
// Throws Error as read_secret() and read_netrc() do.
void read_credentials(CredentialArgs& args, probe::ProbeOptions& o);

}  // namespace smtpauth::cli
