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
    std::string backend = "native";  // probe --backend: native or cyrus
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

// The options of add_session_options between TARGET and --mech: --protocol to --deadline and
// the credential options (probe adds TARGET..., --mech, -v and the rest in its own words).
void add_connection_options(CLI::App& command, SessionArgs& args, const char* what);

// What session_options() fills except the target and the credentials (o.mech is args.mech,
// unchecked): for a caller that runs the same options against many targets.
// Throws Error{usage} for contradictory or out-of-range options.
probe::ProbeOptions connection_options(const SessionArgs& args);

// Throws Error{usage} for a --mech NAME smtpauth cannot run: a name only a Cyrus plugin has
// names that plugin's package (the facts `smtpauth mechs` shows), others get "did you mean".
// An empty name (the automatic choice) passes.
void check_mechanism_name(std::string_view mech);

// TARGET parsed with --protocol (or `protocol`, when not empty) and --tls applied.
// Throws Error{usage} as probe::parse_target does.
probe::Target session_target(const SessionArgs& args, std::string_view target,
                             std::string_view protocol = {});

}  // namespace smtpauth::cli
