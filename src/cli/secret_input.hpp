// Where a password or token comes from: one family of options for every secret (argument,
// file, environment, stdin, a command, a no-echo prompt) and the .netrc file.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "smtpauth/netrc.hpp"
#include "smtpauth/secret.hpp"

namespace CLI {
class App;
}

namespace smtpauth::cli {

struct SecretSource {
    explicit SecretSource(std::string name) : what(std::move(name)) {}

    std::string what;                       // "password", "token", "check-password" (option names)
    std::optional<std::string> value;       // --<what> VALUE (discouraged: visible in ps)
    std::optional<std::string> positional;  // the command's positional SECRET, where it has one
    std::string file;                       // --<what>-file F ("-" = stdin); first line
    std::string env;                        // --<what>-env VAR
    bool from_stdin = false;                // --<what>-stdin: first line of standard input
    std::string command;                    // --<what>-cmd CMD: first line of `sh -c CMD`
    bool prompt = false;                    // --<what>-prompt: ask on the terminal, no echo
};

// Adds --<what>, --<what>-file, --<what>-env, --<what>-stdin, --<what>-cmd and
// --<what>-prompt to the command. `description` says what the secret is for (help text;
// default: the name).
void add_secret_options(CLI::App& command, SecretSource& source, std::string_view description = {});

// True when any source was given on the command line (the prompt included).
bool has_explicit_secret(const SecretSource& source);

// Reads the secret from the one source given; with none, prompts on the terminal without
// echo ("<prompt>: "), or reads one line of stdin when stdin is not a terminal and
// `allow_stdin_fallback`. A secret from argv draws a warning on stderr and its copy in argv is
// overwritten so that `ps` no longer shows it. Throws Error{usage} when two sources are given
// or none is available, Error{no_input} for an unreadable file or a failing command,
// Error{bad_input} for an unset variable.
Secret read_secret(SecretSource& source, std::string_view prompt, bool allow_stdin_fallback);

// Lets read_secret() find and overwrite a secret given as an argument (main() calls it).
void remember_arguments(int argc, char** argv);

// Reads one line from the terminal (or stdin) without echo; used for prompts of non-secret
// values too when echo=true.
std::optional<std::string> prompt_line(std::string_view prompt, bool echo);

// -n/--netrc and --netrc-file F (curl's options).
struct NetrcSource {
    bool enabled = false;
    std::string file;  // --netrc-file; empty = $NETRC, else ~/.netrc
};
void add_netrc_options(CLI::App& command, NetrcSource& source);
bool netrc_requested(const NetrcSource& source);

// The entry for `host` (and `user` when not empty) in the netrc file. Throws Error{no_input}
// when the file cannot be read, Error{bad_input} when it is readable by group or others or
// malformed, Error{usage} when no entry matches.
NetrcEntry read_netrc(const NetrcSource& source, std::string_view host, std::string_view user);

}  // namespace smtpauth::cli
