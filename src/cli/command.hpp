// How subcommands plug into main(): each file adds its options and returns the code to run.
#pragma once

#include <functional>

namespace CLI {
class App;
}

namespace smtpauth::cli {

// Runs the parsed command and returns the exit status. Throws smtpauth::Error for failures;
// main() prints "smtpauth: <message>" and maps the kind to the exit status.
using Action = std::function<int()>;

void add_gen_command(CLI::App& app, Action& action);     // cmd_gen.cpp
void add_decode_command(CLI::App& app, Action& action);  // cmd_decode.cpp
void add_probe_command(CLI::App& app, Action& action);   // cmd_probe.cpp
void add_token_command(CLI::App& app, Action& action);   // cmd_token.cpp
void add_send_command(CLI::App& app, Action& action);    // cmd_send.cpp
void add_session_command(CLI::App& app, Action& action);  // cmd_session.cpp

// gen-auth compatibility mode (the binary was invoked as "gen-auth"): gen_auth_compat.cpp
int run_gen_auth(int argc, char** argv);

}  // namespace smtpauth::cli
