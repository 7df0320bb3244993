// `smtpauth send`: probe plus an envelope and a test message (options, reading the body or
// message file, rendering and the exit status).
#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <sstream>

#include "cli/command.hpp"
#include "cli/session_options.hpp"
#include "smtpauth/codec.hpp"
#include "smtpauth/error.hpp"
#include "smtpauth/probe.hpp"
#include "smtpauth/render.hpp"

namespace smtpauth::cli {

namespace {

// A message beyond this is not a test message; the server's SIZE decides below it.
constexpr std::size_t kMaxFileBytes = 64 * 1024 * 1024;

struct SendArgs {
    SessionArgs session;
    std::string from;
    std::vector<std::string> to, cc, bcc;
    std::optional<std::string> subject;
    std::optional<std::string> body;
    std::string body_file;
    std::vector<std::string> headers;
    std::string message_file;
    bool dry_run = false;
    bool allow_partial = false;
    bool json = false;
    bool quiet = false;
};

std::string read_file(const std::string& path, const char* option) {
    std::string data;
    if (path == "-") {
        data.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    } else {
        std::ifstream in(path, std::ios::binary);
        if (!in) throw Error(ErrorKind::no_input, std::string(option) + ": cannot read " + path);
        data.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
        if (in.bad())
            throw Error(ErrorKind::no_input, std::string(option) + ": cannot read " + path);
    }
    if (data.size() > kMaxFileBytes)
        throw Error(ErrorKind::bad_input, std::string(option) + ": larger than 64 MiB");
    return data;
}

bool uses_stdin(const SecretSource& s) {
    return s.from_stdin || s.file == "-";
}

// -q: one line on success, as probe -q (the failure line goes to stderr as always).
void print_verdict(const probe::ProbeReport& r) {
    if (r.error || !r.send) return;
    const probe::SendReport& s = *r.send;
    std::size_t accepted = 0;
    for (const auto& rc : s.recipients) accepted += rc.accepted;
    std::cout << "OK: " << codec::escape_for_display(r.target.input) << ": ";
    if (s.dry_run)
        std::cout << "dry run, the server would take the sender and " << accepted
                  << (accepted == 1 ? " recipient" : " recipients");
    else
        std::cout << "delivered to " << accepted << " of " << s.recipients.size()
                  << (s.recipients.size() == 1 ? " recipient" : " recipients")
                  << (s.queue_id.empty() ? std::string()
                                         : ", queued as " + codec::escape_for_display(s.queue_id));
    std::cout << '\n';
}

int run(SendArgs& a) {
    using namespace smtpauth::probe;
    if (a.quiet && (a.session.verbose || a.json))
        throw Error(ErrorKind::usage, "-q/--quiet excludes -v/--verbose and --json");
    if (a.body && !a.body_file.empty())
        throw Error(ErrorKind::usage, "--body and --body-file exclude each other");
    if (!a.message_file.empty() &&
        (a.body || !a.body_file.empty() || a.subject || !a.headers.empty()))
        throw Error(ErrorKind::usage,
                    "--message-file is sent as it is: it excludes --subject, --body, "
                    "--body-file and --header");
    const bool stdin_file = a.body_file == "-" || a.message_file == "-";
    if (stdin_file &&
        (uses_stdin(a.session.credentials.password) || uses_stdin(a.session.credentials.token)))
        throw Error(ErrorKind::usage,
                    "standard input cannot carry both the message and the secret");

    SendOptions o;
    o.from = a.from;
    o.to = a.to;
    o.cc = a.cc;
    o.bcc = a.bcc;
    o.subject = a.subject;
    o.body = a.body;
    o.headers = a.headers;
    o.dry_run = a.dry_run;
    o.allow_partial = a.allow_partial;
    if (!a.body_file.empty()) o.body = read_file(a.body_file, "--body-file");
    if (!a.message_file.empty()) o.message = read_file(a.message_file, "--message-file");
    // Envelope and message are checked by run_send before connecting; the secret is read
    // last so that a usage error never costs a prompt.
    o.probe = session_options(a.session);
    ProbeReport report = run_send(o);
    o.probe.secret.wipe();
    o.probe.token.wipe();

    render::RenderOptions ro;
    ro.verbose = a.session.verbose;
    ro.show_secrets = a.session.show_secrets;
    if (a.json)
        render::probe_json(std::cout, report, ro);
    else if (a.quiet)
        print_verdict(report);
    else
        render::probe_text(std::cout, report, ro);
    std::cout.flush();
    if (!std::cout) throw Error(ErrorKind::io, "cannot write to standard output");
    if (report.error)
        std::cerr << "smtpauth: " << codec::escape_for_display(report.error->message) << '\n';
    return exit_status(report);
}

}  // namespace

void add_send_command(CLI::App& app, Action& action) {
    auto args = std::make_shared<SendArgs>();
    CLI::App* cmd = app.add_subcommand(
        "send",
        "Send a test message: probe's connection, TLS and AUTH, then MAIL, RCPT and DATA "
        "(pipelined when offered), reporting each reply and the queue id.");
    add_session_options(*cmd, args->session, "send");
    cmd->add_option("--from", args->from, "envelope sender and From header (required)")->required();
    cmd->add_option("--to", args->to, "recipient (repeatable; comma lists allowed)");
    cmd->add_option("--cc", args->cc, "Cc recipient (repeatable; comma lists allowed)");
    cmd->add_option("--bcc", args->bcc, "Bcc recipient: envelope only, never a header");
    cmd->add_option("--subject", args->subject, "subject (default: names smtpauth and the server)");
    cmd->add_option("--body", args->body, "message text (default: names smtpauth, server, time)");
    cmd->add_option("--body-file", args->body_file, "read the message text from F ('-': stdin)");
    cmd->add_option("--header", args->headers, "extra header 'Name: value' (repeatable)");
    cmd->add_option("--message-file", args->message_file,
                    "send this complete RFC 5322 message as it is ('-': stdin); the envelope "
                    "still comes from --from/--to/--cc/--bcc");
    cmd->add_flag("--dry-run", args->dry_run,
                  "MAIL and every RCPT, then RSET: would the server take them? (nothing sent)");
    cmd->add_flag("--allow-partial", args->allow_partial,
                  "send to the accepted recipients even when some are refused");
    cmd->add_flag("--json", args->json, "print one JSON object (see man smtpauth)");
    cmd->add_flag("-q,--quiet", args->quiet,
                  "print only the verdict line (failures: the one line on stderr)");
    cmd->footer(
        "Examples:\n"
        "  smtpauth send smtp.example.com --user me@example.com --password-file pw \\\n"
        "      --from me@example.com --to you@example.org\n"
        "  smtpauth send smtps://smtp.example.com --user me@example.com --from me@example.com \\\n"
        "      --to you@example.org --cc boss@example.org --dry-run\n"
        "  smtpauth send mx.example.org:25 --from me@example.com --to you@example.org "
        "--message-file msg.eml\n"
        "Exit status: 0 delivered (or dry run accepted), 83 sender refused, 84 recipient(s) "
        "refused, 85 message refused; the others as for probe (see man smtpauth).");
    cmd->callback([&action, args] { action = [args] { return run(*args); }; });
}

}  // namespace smtpauth::cli
