// Where a password or token comes from: argument, file, environment, stdin or a no-echo prompt.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "smtpauth/secret.hpp"

namespace CLI {
class App;
}

namespace smtpauth::cli {

struct SecretSource {
    std::string what;                  // "password" or "token" (used in option names/prompt)
    std::optional<std::string> value;  // positional argument or --password/--token (discouraged)
    std::string file;                  // --<what>-file F ("-" = stdin); first line, CR/LF stripped
    std::string env;                   // --<what>-env VAR
    bool from_stdin = false;           // --<what>-stdin: first line of standard input
};

// Adds --<what>-file, --<what>-env, --<what>-stdin to the command (the caller decides whether
// there is a positional/argument form, stored in source.value).
void add_secret_options(CLI::App& command, SecretSource& source);

// True when any source other than the prompt was given.
bool has_explicit_secret(const SecretSource& source);

// Reads the secret from the one source given; with none, prompts on the terminal without
// echo ("<prompt>: "), or reads one line of stdin when stdin is not a terminal and
// `allow_stdin_fallback`. Throws Error{usage} when two sources are given or none is
// available, Error{no_input} for an unreadable file, Error{bad_input} for an unset variable.
// The argument's copy in argv is overwritten so that `ps` no longer shows it.
Secret read_secret(SecretSource& source, std::string_view prompt, bool allow_stdin_fallback);

// Lets read_secret() find and overwrite a secret given as an argument (main() calls it).
void remember_arguments(int argc, char** argv);

// Reads one line from the terminal (or stdin) without echo; used for prompts of non-secret
// values too when echo=true.
std::optional<std::string> prompt_line(std::string_view prompt, bool echo);

}  // namespace smtpauth::cli
