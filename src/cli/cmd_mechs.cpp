// `smtpauth mechs`: every mechanism name smtpauth knows, what gen/probe/decode/check do with
// it, whether smtpauth or the Cyrus SASL plugin runs it, and its security notes.
#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>

#include "cli/command.hpp"
#include "smtpauth/render_mechs.hpp"
#include "smtpauth/sasl/catalogue.hpp"

namespace smtpauth::cli {

namespace {

struct MechsArgs {
    bool json = false;
    bool no_cyrus = false;
};

}  // namespace

void add_mechs_command(CLI::App& app, Action& action) {
    auto args = std::make_shared<MechsArgs>();
    auto* cmd = app.add_subcommand(
        "mechs", "List the SASL mechanisms smtpauth knows and what it can do with each");
    cmd->add_flag("--json", args->json, "print one JSON object (see man smtpauth)");
    cmd->add_flag("--no-cyrus", args->no_cyrus,
                  "do not load Cyrus SASL to see which plugins are installed");
    cmd->footer(
        "Mechanisms smtpauth does not implement itself run through the Cyrus SASL plugins\n"
        "(Debian: libsasl2-modules, libsasl2-modules-gssapi-mit, libsasl2-modules-otp).\n"
        "\n"
        "Examples:\n"
        "  smtpauth mechs\n"
        "  smtpauth mechs --json | jq '.mechanisms[] | select(.probe) | .name'");
    cmd->callback([args, &action] {
        action = [args] {
            auto catalogue = sasl::mechanism_catalogue(!args->no_cyrus);
            std::cout << (args->json ? render::mechs_json(catalogue)
                                     : render::mechs_text(catalogue));
            std::cout.flush();
            return 0;
        };
    });
}

}  // namespace smtpauth::cli
