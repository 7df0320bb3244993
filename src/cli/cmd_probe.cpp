// `smtpauth probe`: options, secret sources, rendering and the exit status of a probe.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>

#include "cli/command.hpp"
#include "cli/credential_options.hpp"
#include "cli/suggest.hpp"
#include "smtpauth/codec.hpp"
#include "smtpauth/error.hpp"
#include "smtpauth/probe.hpp"
#include "smtpauth/render.hpp"
#include "smtpauth/sasl/registry.hpp"

namespace smtpauth::cli {

namespace {

struct ProbeArgs {
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
    CredentialArgs credentials;
    std::string mech;
    std::string backend = "native";
    bool allow_plaintext_auth = false;
    bool verbose = false;
    bool quiet = false;
    bool show_secrets = false;
    bool json = false;
    bool no_mailbox_check = false;
};

bool is_all(std::string_view mech) {
    return mech.size() == 3 && (mech[0] == 'a' || mech[0] == 'A') &&
           (mech[1] == 'l' || mech[1] == 'L') && (mech[2] == 'l' || mech[2] == 'L');
}

std::chrono::milliseconds seconds(double s, const char* option) {
    if (!(s > 0) || s > 86400)
        throw Error(ErrorKind::usage,
                    std::string(option) + " must be greater than 0 and at most 86400 seconds");
    return std::chrono::milliseconds(static_cast<long long>(s * 1000.0));
}

// RFC 5321 §4.1.1.1: the EHLO argument is the client's domain; the host name when it looks
// like one, else "localhost" (an address literal would reveal the local address).
std::string default_ehlo() {
    char buf[256] = {};
    if (gethostname(buf, sizeof buf - 1) != 0) return "localhost";
    std::string name(buf);
    if (name.empty() || name.size() > 253) return "localhost";
    for (char c : name)
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '.'))
            return "localhost";
    return name;
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

int run(ProbeArgs& a) {
    using namespace smtpauth::probe;
    if (a.ipv4 && a.ipv6) throw Error(ErrorKind::usage, "-4 and -6 exclude each other");
    if (a.quiet && (a.verbose || a.json))
        throw Error(ErrorKind::usage, "-q/--quiet excludes -v/--verbose and --json");
    std::optional<Protocol> protocol;
    if (!a.protocol.empty()) protocol = parse_protocol(a.protocol);
    std::optional<TlsMode> tls;
    if (!a.tls.empty()) tls = parse_tls_mode(a.tls);

    ProbeOptions o;
    o.target = parse_target(a.target, protocol, tls);
    o.family = a.ipv4 ? net::AddressFamily::ipv4
                      : (a.ipv6 ? net::AddressFamily::ipv6 : net::AddressFamily::any);
    o.ehlo_name = a.ehlo.empty() ? default_ehlo() : a.ehlo;
    o.cafile = a.cafile;
    o.insecure = a.insecure;
    o.tls_min = a.tls_min;
    o.client_cert = a.cert;
    o.client_key = a.key;
    o.connect_timeout = seconds(a.connect_timeout, "--connect-timeout");
    o.step_timeout = seconds(a.timeout, "--timeout");
    o.deadline = seconds(a.deadline, "--deadline");
    o.mech = a.mech;
    o.cyrus_backend = a.backend == "cyrus";
    o.allow_plaintext_auth = a.allow_plaintext_auth;
    o.mailbox_check = !a.no_mailbox_check;
    if (!a.mech.empty() && !is_all(a.mech) && !sasl::find_mechanism(a.mech))
        throw Error(ErrorKind::usage, unknown_mechanism_message(a.mech, true));

    read_credentials(a.credentials, o);

    ProbeReport report = run_probe(o);
    o.secret.wipe();
    o.token.wipe();

    render::RenderOptions ro;
    ro.verbose = a.verbose;
    ro.show_secrets = a.show_secrets;
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

}  // namespace

void add_probe_command(CLI::App& app, Action& action) {
    auto args = std::make_shared<ProbeArgs>();
    CLI::App* cmd = app.add_subcommand(
        "probe",
        "Probe an SMTP, IMAP or POP3 server: TLS/STARTTLS, certificate, capabilities and a "
        "real AUTH exchange.");
    cmd->add_option("target", args->target,
                    "host, host:port, [v6addr]:port, or smtp:// smtps:// imap:// imaps:// "
                    "pop3:// pop3s:// URL (bare host: SMTP submission 587 with STARTTLS)")
        ->required();
    cmd->add_option("--protocol", args->protocol, "smtp, imap or pop3 (overrides the target)")
        ->check(CLI::IsMember({"smtp", "imap", "pop3"}, CLI::ignore_case));
    cmd->add_option("--tls", args->tls,
                    "implicit, starttls or none (STARTTLS is required, never opportunistic)")
        ->check(CLI::IsMember({"implicit", "starttls", "none"}, CLI::ignore_case));
    cmd->add_flag("-4", args->ipv4, "IPv4 only");
    cmd->add_flag("-6", args->ipv6, "IPv6 only");
    cmd->add_option("--ehlo", args->ehlo, "EHLO name (default: this host's name)");
    cmd->add_option("--cafile,--cacert", args->cafile,
                    "trust the CA certificates in this PEM file (--cacert: curl's name)")
        ->check(CLI::ExistingFile);
    cmd->add_flag("--insecure", args->insecure,
                  "continue when the certificate does not verify (still reported)");
    cmd->add_option("--tls-min", args->tls_min, "lowest TLS version: 1.0, 1.1, 1.2 (default), 1.3")
        ->check(CLI::IsMember({"1.0", "1.1", "1.2", "1.3"}));
    cmd->add_option("--cert", args->cert, "client certificate (PEM), e.g. for EXTERNAL")
        ->check(CLI::ExistingFile);
    cmd->add_option("--key", args->key, "client private key (PEM)")->check(CLI::ExistingFile);
    cmd->add_option("--connect-timeout", args->connect_timeout, "seconds to connect (default 10)");
    cmd->add_option("--timeout", args->timeout, "seconds per step (default 15)");
    cmd->add_option("--deadline", args->deadline, "seconds for the whole probe (default 60)");
    add_credential_options(*cmd, args->credentials);
    cmd->add_option("--mech", args->mech,
                    "use this mechanism, or 'all' to try each usable one on its own connection");
    cmd->add_option("--backend", args->backend,
                    "native (default) or cyrus: run the mechanism through Cyrus libsasl2, "
                    "a cross-check")
        ->check(CLI::IsMember({"native", "cyrus"}));
    cmd->add_flag("--allow-plaintext-auth", args->allow_plaintext_auth,
                  "with --tls none, allow mechanisms that reveal the password or token");
    cmd->add_flag("-v,--verbose", args->verbose, "show the transcript (secrets redacted)");
    cmd->add_flag("-q,--quiet", args->quiet,
                  "print only the verdict line (failures: the one line on stderr)");
    cmd->add_flag("--show-secrets", args->show_secrets,
                  "show passwords, tokens and the base64 lines that carry them");
    cmd->add_flag("--json", args->json, "print one JSON object (see man smtpauth)");
    cmd->add_flag("--no-mailbox-check", args->no_mailbox_check,
                  "IMAP/POP3: skip EXAMINE INBOX / STAT after a successful AUTH");
    cmd->footer(
        "Secrets: --password-*/--token-* read a file, a variable, standard input or a command;\n"
        "-n reads ~/.netrc; without any, the password is asked for on the terminal. With both a\n"
        "password and a token, --mech all gives each mechanism the secret it takes.\n"
        "Exit status: 0 ok, 64 usage, 68 resolve, 69 connect, 75 timeout, 76 protocol,\n"
        "77 credentials rejected, 80 TLS, 81 certificate not trusted, 82 no usable mechanism.\n"
        "\n"
        "Examples:\n"
        "  smtpauth probe mail.example.org\n"
        "  smtpauth probe smtps://mail.example.org -u alice --password-cmd 'pass show mail'\n"
        "  smtpauth probe imaps://outlook.office365.com -u bob@example.com --mech XOAUTH2 "
        "--token-file tok");
    cmd->callback([&action, args] { action = [args] { return run(*args); }; });
}

}  // namespace smtpauth::cli
