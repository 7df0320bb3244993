// `smtpauth session`: probe's connection, TLS and AUTH, then the connection handed to the
// terminal or a pipe (options, Ctrl-C, the live output and the exit status).
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>

#include "cli/command.hpp"
#include "cli/session_options.hpp"
#include "smtpauth/error.hpp"
#include "smtpauth/render.hpp"
#include "smtpauth/session.hpp"

namespace smtpauth::cli {

namespace {

struct SessionCommandArgs {
    SessionArgs session;
    bool raw = false;
};

// Ctrl-C during the conversation writes to a pipe that the relay polls (self-pipe: the only
// async-signal-safe way to wake poll(2) without a race).
volatile sig_atomic_t g_interrupt_fd = -1;

extern "C" void on_interrupt(int) {
    const int fd = g_interrupt_fd;
    if (fd < 0) return;
    const char c = 1;
    (void)!::write(fd, &c, 1);
}

class InterruptPipe {
  public:
    InterruptPipe() {
        if (::pipe2(fds_, O_CLOEXEC | O_NONBLOCK) != 0)
            throw Error(ErrorKind::internal, "cannot create a pipe for Ctrl-C");
    }
    ~InterruptPipe() {
        if (installed_) {
            ::sigaction(SIGINT, &previous_, nullptr);
            g_interrupt_fd = -1;
        }
        ::close(fds_[0]);
        ::close(fds_[1]);
    }
    InterruptPipe(const InterruptPipe&) = delete;
    InterruptPipe& operator=(const InterruptPipe&) = delete;

    int read_end() const { return fds_[0]; }
    // From now on Ctrl-C ends the conversation politely instead of killing the program.
    void install() {
        if (installed_) return;
        g_interrupt_fd = fds_[1];
        struct sigaction sa {};
        sa.sa_handler = on_interrupt;
        sigemptyset(&sa.sa_mask);
        sa.sa_flags = 0;  // no SA_RESTART: a blocking read returns EINTR
        installed_ = ::sigaction(SIGINT, &sa, &previous_) == 0;
    }

  private:
    int fds_[2] = {-1, -1};
    struct sigaction previous_ {};
    bool installed_ = false;
};

int run(SessionCommandArgs& a) {
    using namespace smtpauth::probe;
    InteractiveOptions o;
    o.raw = a.raw;
    o.input_fd = STDIN_FILENO;
    o.probe = session_options(a.session);
    InterruptPipe interrupt;
    o.interrupt_fd = interrupt.read_end();

    render::RenderOptions ro;
    ro.verbose = a.session.verbose;
    ro.show_secrets = a.session.show_secrets;
    const Protocol protocol = o.probe.target.protocol;
    bool users_turn = false;
    // Printed as it happens and flushed at once: the user reads the server while typing.
    o.probe.on_event = [&](const TranscriptEvent& e) {
        // Lines the user typed are on the terminal already; smtpauth's own are echoed.
        if (auto line = render::session_event_line(e, protocol, ro, !users_turn))
            std::cout << *line << '\n' << std::flush;
    };
    o.on_phase = [&](bool on) {
        users_turn = on;
        if (on) interrupt.install();
    };

    ProbeReport report = run_interactive(o);
    o.probe.secret.wipe();
    o.probe.token.wipe();
    std::cout.flush();
    if (!std::cout) throw Error(ErrorKind::io, "cannot write to standard output");
    if (report.error) {
        if (report.auth.hint)
            std::cerr << "smtpauth: hint: " << render::display_lines(*report.auth.hint, 16) << '\n';
        const std::string label =
            "smtpauth: FAILED at " + std::string(stage_name(report.error->stage)) + ": ";
        std::cerr << label << render::display_lines(report.error->message, label.size()) << '\n';
    }
    return exit_status(report);
}

}  // namespace

void add_session_command(CLI::App& app, Action& action) {
    auto args = std::make_shared<SessionCommandArgs>();
    CLI::App* cmd = app.add_subcommand(
        "session",
        "Talk to a server yourself after probe's TLS and AUTH: every line you type (or pipe) "
        "is sent as typed, server lines are shown as they arrive (openssl s_client without "
        "its command letters).");
    add_session_options(*cmd, args->session, "setup (connect, TLS, AUTH)");
    cmd->add_flag("--raw", args->raw,
                  "IMAP: send lines untouched (default: a command typed without a tag gets the "
                  "next one)");
    cmd->footer(
        "Lines go to the server exactly as typed, with CRLF: nothing is a command letter\n"
        "(s_client's R, Q, K, k). A 334 / '+' challenge is shown decoded beside its base64;\n"
        "what smtpauth sent for AUTH is redacted unless --show-secrets. End of input (Ctrl-D)\n"
        "waits up to --timeout for the replies still due, then sends QUIT (IMAP: LOGOUT) and\n"
        "waits for its reply; Ctrl-C sends it at once.\n"
        "Exit status: 0 the last reply to a typed command was positive (or none was typed),\n"
        "86 it was negative, 76 the server closed the connection unasked or sent a line over\n"
        "the limit, 75 a reply did not come in time, 65 the session ended inside DATA;\n"
        "before the conversation as for probe (77 credentials rejected, 80/81 TLS, ...; see\n"
        "man smtpauth).\n"
        "\n"
        "Examples:\n"
        "  smtpauth session smtp.example.com -u me@example.com --password-file pw\n"
        "  printf 'MAIL FROM:<me@example.com>\\nRCPT TO:<you@example.org>\\n' |\n"
        "      smtpauth session smtps://smtp.example.com -u me@example.com -n\n"
        "  smtpauth session imaps://imap.example.com -u me -v");
    cmd->callback([&action, args] { action = [args] { return run(*args); }; });
}

}  // namespace smtpauth::cli
