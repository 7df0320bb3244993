// The connection, TLS and credential options that send and session share with probe, and
// their translation into probe::ProbeOptions (secrets read through cli/secret_input).
#pragma once

#include <string>

#include "cli/credential_options.hpp"
#include "smtpauth/probe.hpp"

namespace CLI {
class App;
}

namespace smtpauth::cli {

struct SessionArgs {
    std::string target;
    std::string protocol;
    std::string tls;
    bool ipv4 = false;
    bool ipv6 = false;
    std::string ehlo;
    std::string cafile;
    bool insecure = false;
    std::string tls_min = "1.2";
    std::string cert;
    std::string key;
    double connect_timeout = 10;
    double timeout = 15;
    double deadline = 60;
    CredentialArgs credentials;  // -u/--user, secrets, netrc, --oauth-store (shared with probe)
    std::string mech;
    bool allow_plaintext_auth = false;
    bool verbose = false;
    bool show_secrets = false;
};

// Adds TARGET and the options probe has for reaching and authenticating to a server
// (same names, same meaning). `what` names the command in --deadline's help.
void add_session_options(CLI::App& command, SessionArgs& args, const char* what);

// Validates the options and reads the credentials as probe does (read_credentials).
// Without a user no secret is read and no AUTH will run.
probe::ProbeOptions session_options(SessionArgs& args);

}  // namespace smtpauth::cli
