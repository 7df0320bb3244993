// smtpauth entry point: picks the subcommand, maps errors to the exit-status table.
#include <sys/prctl.h>
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <cstring>
#include <iostream>
#include <string>
#include <string_view>

#include "cli/command.hpp"
#include "cli/secret_input.hpp"
#include "cli/suggest.hpp"
#include "smtpauth/error.hpp"

namespace {

// Secrets live in this process: a core dump must not write them to disk.
void forbid_core_dumps() {
    rlimit none{0, 0};
    setrlimit(RLIMIT_CORE, &none);
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

std::string_view program_name(const char* argv0) {
    std::string_view name(argv0 ? argv0 : "");
    auto slash = name.rfind('/');
    return slash == std::string_view::npos ? name : name.substr(slash + 1);
}

}  // namespace

int main(int argc, char** argv) {
    forbid_core_dumps();
    using namespace smtpauth;
    cli::remember_arguments(argc, argv);
    std::string help_hint;
    try {
        if (program_name(argv[0]) == "gen-auth") return cli::run_gen_auth(argc, argv);

        CLI::App app{
            "smtpauth - SASL authentication toolkit for mail servers.\n"
            "Generate AUTH tokens, explain tokens and transcripts, and probe SMTP, IMAP and POP3\n"
            "servers (TLS, certificate, capabilities and a real AUTH exchange).",
            "smtpauth"};
        app.set_version_flag("-V,--version", "smtpauth " SMTPAUTH_VERSION);
        app.require_subcommand(1);
        app.footer(
            "Run 'smtpauth COMMAND --help' for a command's options; 'man smtpauth' for exit "
            "statuses and JSON.");

        cli::Action action;
        cli::add_gen_command(app, action);
        cli::add_decode_command(app, action);
        cli::add_probe_command(app, action);
        cli::add_token_command(app, action);
        cli::add_send_command(app, action);
        cli::add_session_command(app, action);

        try {
            app.parse(argc, argv);
        } catch (const CLI::ParseError& e) {
            // --help and --version arrive here as "errors" with status 0.
            if (e.get_exit_code() == 0) return app.exit(e);
            std::string command;
            auto explained = cli::explain_parse_error(app, argc, argv, command);
            std::cerr << "smtpauth: " << (explained ? *explained : std::string(e.what()))
                      << " (see 'smtpauth " << (command.empty() ? "" : command + " ")
                      << "--help')\n";
            return exit_code(ErrorKind::usage);
        }
        for (const CLI::App* sub : app.get_subcommands())
            help_hint = " (see 'smtpauth " + sub->get_name() + " --help')";
        return action ? action() : exit_code(ErrorKind::usage);
    } catch (const Error& e) {
        // A usage error found after parsing (two secret sources, a bad --timeout...) points to
        // the command's own help, like the ones CLI11 finds.
        std::cerr << "smtpauth: " << e.what()
                  << (e.kind() == ErrorKind::usage ? help_hint : std::string()) << '\n';
        return exit_code(e.kind());
    } catch (const std::bad_alloc&) {
        std::cerr << "smtpauth: out of memory\n";
        return exit_code(ErrorKind::internal);
    } catch (const std::exception& e) {
        std::cerr << "smtpauth: internal error: " << e.what() << '\n';
        return exit_code(ErrorKind::internal);
    }
}
