// `smtpauth gen MECH [USER] [SECRET]`: options, validation and credentials for the client
// messages of any mechanism in the registry (RFC 4422; the mechanisms' own RFCs in src/sasl).
#include <CLI/CLI.hpp>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "cli/command.hpp"
#include "cli/gen_protocol_line.hpp"
#include "cli/gen_request.hpp"
#include "cli/secret_input.hpp"
#include "cli/suggest.hpp"
#include "smtpauth/codec.hpp"
#include "smtpauth/error.hpp"
#include "smtpauth/probe.hpp"
#include "smtpauth/sasl/registry.hpp"
#include "smtpauth/secret.hpp"

namespace smtpauth::cli {

namespace {

struct GenArgs {
    std::string mechanism;
    std::string user;
    std::string secret;
    std::string authzid;
    std::string challenge;
    std::string host;
    int port = 0;
    std::string trace;
    std::string client_nonce;
    std::string server_first;
    std::string server_final;
    std::string line;
    bool no_initial_response = false;
    bool json = false;
    SecretSource password{"password"};
    SecretSource token{"token"};

    // Option pointers, to tell "given empty" from "not given".
    CLI::Option* user_opt = nullptr;
    CLI::Option* secret_opt = nullptr;
    CLI::Option* authzid_opt = nullptr;
    CLI::Option* challenge_opt = nullptr;
    CLI::Option* host_opt = nullptr;
    CLI::Option* port_opt = nullptr;
    CLI::Option* trace_opt = nullptr;
    CLI::Option* nonce_opt = nullptr;
    CLI::Option* server_first_opt = nullptr;
    CLI::Option* server_final_opt = nullptr;
    CLI::Option* line_opt = nullptr;
};

// The mechanisms gen can run: -PLUS needs channel binding from a live TLS connection, and a
// Cyrus-run mechanism answers a live server's challenges inside the plugin.
std::string known_mechanisms() {
    std::string names;
    for (const auto& m : sasl::mechanisms()) {
        if (m.traits.channel_binding || m.traits.cyrus) continue;
        if (!names.empty()) names += ", ";
        names += m.name;
    }
    return names;
}

bool given(const CLI::Option* opt) {
    return opt != nullptr && opt->count() > 0;
}

// Refuses an option that the chosen mechanism has no use for: silently ignoring it would
// print a token that is not what the user meant.
void refuse(bool present, std::string_view option, std::string_view mech, std::string_view why) {
    if (present) {
        throw Error(ErrorKind::usage, std::string(option) + " does not apply to " +
                                          std::string(mech) + " (" + std::string(why) + ")");
    }
}

GenRequest build_request(GenArgs& a) {
    GenRequest r;
    const sasl::MechanismInfo* info = sasl::find_mechanism(a.mechanism);
    if (info == nullptr) {
        throw Error(ErrorKind::usage, unknown_mechanism_message(a.mechanism, false));
    }
    r.mechanism = info;
    const std::string name(info->name);
    const auto& t = info->traits;
    const auto& g = info->gen;
    const bool scram = g.server_steps;
    const bool positional_authzid = g.positional == sasl::GenTraits::Positional::authzid;
    const bool positional_trace = g.positional == sasl::GenTraits::Positional::trace;

    if (t.channel_binding) {
        throw Error(ErrorKind::usage, name +
                                          " needs channel-binding data from a live TLS "
                                          "connection; use 'smtpauth probe --mech " +
                                          name + "' or the mechanism without -PLUS");
    }

    if (t.cyrus) {
        throw Error(ErrorKind::usage, name +
                                          " runs in a Cyrus SASL plugin against a live server; "
                                          "use 'smtpauth probe --mech " +
                                          name + "'");
    }

    // Options that only some mechanisms use.
    refuse(given(a.authzid_opt) && !g.takes_authzid, "--authzid", name,
           "it has no authorization identity");
    refuse(given(a.challenge_opt) && !g.takes_challenge, "--challenge", name,
           "only CRAM-* and DIGEST-MD5 take a server challenge");
    refuse((given(a.host_opt) || given(a.port_opt)) && !g.takes_host_port, "--host/--port", name,
           "only OAUTHBEARER and DIGEST-MD5 (digest-uri host) use them");
    refuse(given(a.trace_opt) && !positional_trace, "--trace", name, "only ANONYMOUS has a trace");
    refuse(given(a.nonce_opt) && !g.takes_client_nonce, a.nonce_opt->get_name(), name,
           "only SCRAM and DIGEST-MD5 send a client nonce");
    for (auto* opt : {a.server_first_opt, a.server_final_opt}) {
        refuse(given(opt) && !scram, opt->get_name(), name, "only SCRAM has these steps");
    }
    refuse(a.json && scram && !given(a.nonce_opt) && !given(a.server_first_opt), "--json", name,
           "the interactive SCRAM exchange prints each message as it goes; use the stateless "
           "form with --client-nonce");

    if (given(a.line_opt)) {
        r.line = parse_line_protocol(a.line);
        if (!r.line) {
            throw Error(ErrorKind::usage, "--line takes smtp, imap or pop3, not '" +
                                              codec::escape_for_display(a.line) + "'");
        }
    }
    // DIGEST-MD5's digest-uri names the protocol's service (smtp unless --line says).
    if (r.line) r.options.service = probe::sasl_service(*r.line);
    r.allow_initial_response = !a.no_initial_response;
    r.json = a.json;

    // Identities. EXTERNAL's optional positional is the authorization identity and
    // ANONYMOUS's the trace (RFC 4422 App. A, RFC 4505); the others need a user name.
    auto& creds = r.credentials;
    if (positional_authzid) {
        if (given(a.user_opt) && given(a.authzid_opt))
            throw Error(ErrorKind::usage, name + ": give the authorization identity once");
        creds.authzid = given(a.user_opt) ? a.user : a.authzid;
    } else if (positional_trace) {
        if (given(a.user_opt) && given(a.trace_opt))
            throw Error(ErrorKind::usage, name + ": give the trace once");
        creds.user = given(a.user_opt) ? a.user : a.trace;
    } else {
        if (t.needs_user && !given(a.user_opt)) {
            throw Error(ErrorKind::usage,
                        name + " needs a user name: smtpauth gen " + name + " USER [SECRET]");
        }
        creds.user = a.user;
        creds.authzid = a.authzid;
    }
    if (given(a.host_opt)) creds.host = a.host;
    if (given(a.port_opt)) {
        if (a.port < 1 || a.port > 65535)
            throw Error(ErrorKind::usage, "--port must be between 1 and 65535");
        creds.port = static_cast<std::uint16_t>(a.port);
    }

    // The secret, from exactly one source. CLI11 keeps its own copy of the argument: wipe
    // it (the object is ours and not const; only the accessor is).
    if (given(a.secret_opt)) {
        for (auto& copy : const_cast<CLI::results_t&>(a.secret_opt->results())) wipe_string(copy);
        (t.needs_token ? a.token : a.password).positional = std::move(a.secret);
    }
    const bool password_given = has_explicit_secret(a.password);
    const bool token_given = has_explicit_secret(a.token);
    if (t.needs_password) {
        refuse(token_given, "--token-*", name, "it takes a password");
        std::string prompt =
            creds.user.empty() ? "Password: " : "Password for " + creds.user + ": ";
        creds.secret = read_secret(a.password, prompt, /*allow_stdin_fallback=*/true);
    } else if (t.needs_token) {
        refuse(password_given, "--password-*", name,
               "it takes a bearer token (--token-file, --token-env, --token-cmd)");
        std::string prompt =
            creds.user.empty() ? "Token: " : "Bearer token for " + creds.user + ": ";
        creds.secret = read_secret(a.token, prompt, /*allow_stdin_fallback=*/true);
    } else {
        refuse(password_given || token_given, given(a.secret_opt) ? "SECRET" : "a password/token",
               name, "it uses no secret");
    }

    // SCRAM's stateless form replays a given client nonce; the later steps need the
    // earlier messages to rebuild the AuthMessage (RFC 5802 §3).
    if (scram) {
        if (given(a.server_first_opt) && !given(a.nonce_opt)) {
            throw Error(ErrorKind::usage,
                        "--server-first needs --client-nonce (the nonce of the client-first "
                        "message it answers)");
        }
        if (given(a.server_final_opt) && !given(a.server_first_opt)) {
            throw Error(ErrorKind::usage, "--server-final needs --server-first and --client-nonce");
        }
        if (given(a.nonce_opt)) r.options.client_nonce = a.client_nonce;
        if (given(a.server_first_opt)) r.server_first = a.server_first;
        if (given(a.server_final_opt)) r.server_final = a.server_final;
        r.scram_stateless = given(a.nonce_opt);
    }
    if (!scram && given(a.nonce_opt)) r.options.client_nonce = a.client_nonce;
    if (given(a.challenge_opt)) r.challenge = a.challenge;
    return r;
}

}  // namespace

void add_gen_command(CLI::App& app, Action& action) {
    auto args = std::make_shared<GenArgs>();
    auto* gen = app.add_subcommand(
        "gen",
        "Generate the client's AUTH message(s) for a SASL mechanism.\n"
        "Prints the base64 token(s) on stdout, one per line (LOGIN: user, then password).\n"
        "Mechanisms: " +
            known_mechanisms() + " (names are case-insensitive).");
    gen->add_option("MECH", args->mechanism, "SASL mechanism")->required();
    args->user_opt =
        gen->add_option("USER", args->user,
                        "user name (authcid; EXTERNAL: authorization identity; ANONYMOUS: trace)");
    args->secret_opt = gen->add_option(
        "SECRET", args->secret,
        "password or bearer token (better: --password-file/-env/-cmd or the prompt)");
    args->authzid_opt =
        gen->add_option("--authzid", args->authzid,
                        "authorization identity to act as (PLAIN, OAUTHBEARER, EXTERNAL, SCRAM, "
                        "DIGEST-MD5)")
            ->type_name("ID");
    add_secret_options(*gen, args->password, "password");
    add_secret_options(*gen, args->token, "OAuth bearer token (XOAUTH2, OAUTHBEARER)");
    args->challenge_opt =
        gen->add_option("--challenge", args->challenge,
                        "CRAM-*, DIGEST-MD5: the server challenge, base64 (CRAM also raw <...>; "
                        "prompted for when missing)")
            ->type_name("CHALLENGE");
    args->host_opt =
        gen->add_option(
               "--host", args->host,
               "OAUTHBEARER: host= value; DIGEST-MD5: the digest-uri host (default localhost)")
            ->type_name("HOST");
    args->port_opt =
        gen->add_option("--port", args->port, "OAUTHBEARER: port= value")->type_name("PORT");
    args->trace_opt =
        gen->add_option("--trace", args->trace, "ANONYMOUS: trace information")->type_name("TEXT");
    args->nonce_opt = gen->add_option("--client-nonce", args->client_nonce,
                                      "SCRAM: use this client nonce and print only the "
                                      "client-first message (stateless form); DIGEST-MD5: "
                                      "the cnonce")
                          ->type_name("NONCE");
    args->server_first_opt =
        gen->add_option("--server-first", args->server_first,
                        "SCRAM: the server-first message (base64); prints the client-final message")
            ->type_name("B64");
    args->server_final_opt =
        gen->add_option("--server-final", args->server_final,
                        "SCRAM: the server-final message (base64); verifies the server's signature")
            ->type_name("B64");
    args->line_opt =
        gen->add_option("--line", args->line,
                        "print ready-to-type protocol lines for PROTO (smtp, imap or pop3)")
            ->type_name("PROTO");
    gen->add_flag("--no-initial-response", args->no_initial_response,
                  "with --line: always use the two-step form (no initial response)");
    gen->add_flag("--json", args->json, "print one JSON object instead of the bare token(s)");

    gen->footer(
        "Without SECRET or a --password-*/--token-* option the secret is prompted for on the\n"
        "terminal without echo, or read from the first line of standard input when that is\n"
        "not a terminal. SCRAM without --client-nonce is interactive: it reads the server's\n"
        "messages from the terminal or standard input. Exit status: 0 ok, 64 usage, 65 bad\n"
        "input, 66 unreadable file or failing --*-cmd, 76 SCRAM server signature not verified.\n"
        "\n"
        "Examples:\n"
        "  smtpauth gen PLAIN alice --password-cmd 'pass show mail/alice'\n"
        "  smtpauth gen XOAUTH2 alice@example.com --token-file ~/.cache/token --line smtp\n"
        "  smtpauth gen CRAM-MD5 alice --challenge PDEyMzQ1QGV4YW1wbGUub3JnPg==");
    gen->callback([args, &action]() {
        action = [args]() {
            GenRequest request = build_request(*args);
            return run_gen(request);
        };
    });
}

}  // namespace smtpauth::cli
