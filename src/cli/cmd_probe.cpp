// `smtpauth probe`: options, secret sources, rendering and the exit status of a probe.
#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>

#include "cli/command.hpp"
#include "cli/credential_options.hpp"
#include "cli/probe_args.hpp"
#include "cli/session_options.hpp"
#include "cli/suggest.hpp"
#include "smtpauth/codec.hpp"
#include "smtpauth/error.hpp"
#include "smtpauth/probe.hpp"
#include "smtpauth/render.hpp"
#include "smtpauth/sasl/cyrus.hpp"
#include "smtpauth/sasl/registry.hpp"

namespace smtpauth::cli {

namespace {

bool is_all(std::string_view mech) {
    return mech.size() == 3 && (mech[0] == 'a' || mech[0] == 'A') &&
           (mech[1] == 'l' || mech[1] == 'L') && (mech[2] == 'l' || mech[2] == 'L');
}

// -q: one line on success (the failure line goes to stderr as always).
void print_verdict(const probe::ProbeReport& r) {
    if (r.error) return;
    std::cout << "OK: " << codec::escape_for_display(r.target.input);
    if (r.all_mechanisms) {
        std::size_t accepted = 0;
        for (const auto& at : r.attempts) accepted += at.result == probe::AuthResult::accepted;
        std::cout << ": " << accepted << " of " << r.attempts.size() << " mechanisms accepted";
    } else if (r.auth.mechanism) {
        std::cout << ": AUTH " << *r.auth.mechanism << " accepted";
    } else {
        std::cout << ": connected, " << r.offered.size()
                  << " mechanisms offered, AUTH not attempted";
    }
    std::cout << '\n';
}

int run_one(ProbeArgs& a) {
    using namespace smtpauth::probe;
    validate_fleet_options(a.fleet);
    if (a.conn.ipv4 && a.conn.ipv6) throw Error(ErrorKind::usage, "-4 and -6 exclude each other");
    if (a.quiet && (a.conn.verbose || a.json))
        throw Error(ErrorKind::usage, "-q/--quiet excludes -v/--verbose and --json");
    ProbeOptions o;
    {
        Target target = session_target(a.conn, a.targets.front());
        o = connection_options(a.conn);
        o.target = std::move(target);
    }
    o.mailbox_check = !a.no_mailbox_check;
    if (!is_all(a.conn.mech)) check_mechanism_name(a.conn.mech);

    read_credentials(a.conn.credentials, o);

    ProbeReport report = run_probe(o);
    o.secret.wipe();
    o.token.wipe();

    render::RenderOptions ro;
    ro.verbose = a.conn.verbose;
    ro.show_secrets = a.conn.show_secrets;
    if (a.json)
        render::probe_json(std::cout, report, ro);
    else if (a.quiet)
        print_verdict(report);
    else
        render::probe_text(std::cout, report, ro);
    std::cout.flush();
    if (!std::cout) throw Error(ErrorKind::io, "cannot write to standard output");
    // The failure line goes to stderr only (the text report above does not repeat it).
    if (report.error) {
        // Multi-line server text stays on separate lines, indented under the first.
        const std::string label =
            "smtpauth: FAILED at " + std::string(stage_name(report.error->stage)) + ": ";
        std::cerr << label << render::display_lines(report.error->message, label.size()) << '\n';
    }
    return exit_status(report);
}

int run(ProbeArgs& a) {
    if (!a.many()) return run_one(a);
    if (!a.fleet.check) return run_probe_many(a);
    try {
        return run_probe_many(a);
    } catch (const Error& e) {
        // Before any target ran (bad options, an unreadable targets file, secrets): the
        // plugin's answer for "the check itself could not run".
        return check_usage_error(e.what());
    }
}

}  // namespace

void add_probe_command(CLI::App& app, Action& action) {
    auto args = std::make_shared<ProbeArgs>();
    CLI::App* cmd = app.add_subcommand(
        "probe",
        "Probe an SMTP, IMAP or POP3 server: TLS/STARTTLS, certificate, capabilities and a "
        "real AUTH exchange.");
    cmd->add_option("target", args->targets,
                    "host, host:port, [v6addr]:port, or smtp:// smtps:// imap:// imaps:// "
                    "pop3:// pop3s:// URL (bare host: SMTP submission 587 with STARTTLS); "
                    "several: probed in parallel");
    add_connection_options(*cmd, args->conn, "probe");
    cmd->add_option("--mech", args->conn.mech,
                    "use this mechanism, or 'all' to try each usable one on its own connection");
    cmd->add_option("--backend", args->conn.backend,
                    "native (default) or cyrus: run the mechanism through Cyrus libsasl2, "
                    "a cross-check")
        ->check(CLI::IsMember({"native", "cyrus"}));
    cmd->add_flag("--allow-plaintext-auth", args->conn.allow_plaintext_auth,
                  "with --tls none, allow mechanisms that reveal the password or token");
    cmd->add_flag("-v,--verbose", args->conn.verbose, "show the transcript (secrets redacted)");
    cmd->add_flag("-q,--quiet", args->quiet,
                  "print only the verdict line (failures: the one line on stderr); "
                  "several targets: only the summary table");
    cmd->add_flag("--show-secrets", args->conn.show_secrets,
                  "show passwords, tokens and the base64 lines that carry them");
    cmd->add_flag("--json", args->json, "print one JSON object (see man smtpauth)");
    cmd->add_flag("--no-mailbox-check", args->no_mailbox_check,
                  "IMAP/POP3: skip EXAMINE INBOX / STAT after a successful AUTH");
    add_fleet_options(*cmd, args->fleet);
    cmd->footer(
        "Secrets: --password-*/--token-* read a file, a variable, standard input or a command;\n"
        "-n reads ~/.netrc; without any, the password is asked for on the terminal. With both a\n"
        "password and a token, --mech all gives each mechanism the secret it takes.\n"
        "Exit status: 0 ok, 64 usage, 68 resolve, 69 connect, 75 timeout, 76 protocol,\n"
        "77 credentials rejected, 80 TLS, 81 certificate not trusted, 82 no usable mechanism.\n"
        "Several targets: the worst target's status, worst first: 70, 74, 64, 65, 66, 81, 80,\n"
        "68, 69, 75, 76, 77, 82, 0. --check: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.\n"
        "\n"
        "Examples:\n"
        "  smtpauth probe mail.example.org\n"
        "  smtpauth probe smtps://mail.example.org -u alice --password-cmd 'pass show mail'\n"
        "  smtpauth probe --targets-file hosts.txt -u monitor --password-file pw --check "
        "--warn-days 21");
    cmd->callback([&action, args] { action = [args] { return run(*args); }; });
}

}  // namespace smtpauth::cli
