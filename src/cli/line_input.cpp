// Line input from descriptors and the terminal: unbuffered reads, no-echo prompts (termios).
#include "cli/line_input.hpp"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <string>

#include "smtpauth/error.hpp"
#include "smtpauth/secret.hpp"

namespace smtpauth::cli {

bool read_line(int fd, std::string& line, bool strip_cr, std::size_t max) {
    line.clear();
    bool got_any = false;
    for (;;) {
        char c = 0;
        ssize_t n = ::read(fd, &c, 1);
        if (n < 0) {
            if (errno == EINTR) continue;
            int saved = errno;
            wipe_string(line);
            throw Error(ErrorKind::io, std::string("cannot read input: ") + std::strerror(saved));
        }
        if (n == 0) break;
        got_any = true;
        if (c == '\n') break;
        if (line.size() >= max) {
            wipe_string(line);
            throw Error(ErrorKind::bad_input,
                        "input line longer than " + std::to_string(max) + " bytes");
        }
        line.push_back(c);
    }
    if (strip_cr && !line.empty() && line.back() == '\r') line.pop_back();
    return got_any;
}

bool stdin_is_terminal() {
    return ::isatty(0) == 1;
}

bool write_all(int fd, std::string_view text) {
    while (!text.empty()) {
        ssize_t n = ::write(fd, text.data(), text.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        text.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

namespace {

// State the signal handler needs to give the user their echo back if they press Ctrl-C at
// a password prompt. Only async-signal-safe calls happen in the handler.
volatile sig_atomic_t g_echo_fd = -1;
termios g_saved_termios{};

extern "C" void restore_echo_and_die(int sig) {
    if (g_echo_fd >= 0) ::tcsetattr(g_echo_fd, TCSAFLUSH, &g_saved_termios);
    ::signal(sig, SIG_DFL);
    ::raise(sig);
}

// Turns echo off for its lifetime (RAII) and guards the terminal against signals.
class EchoOff {
  public:
    explicit EchoOff(int fd) {
        if (::tcgetattr(fd, &g_saved_termios) != 0) return;
        termios quiet = g_saved_termios;
        quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
        struct sigaction action {};
        action.sa_handler = restore_echo_and_die;
        sigemptyset(&action.sa_mask);
        for (int i = 0; i < 3; ++i) ::sigaction(kSignals[i], &action, &previous_[i]);
        g_echo_fd = fd;
        active_ = ::tcsetattr(fd, TCSAFLUSH, &quiet) == 0;
        fd_ = fd;
    }
    EchoOff(const EchoOff&) = delete;
    EchoOff& operator=(const EchoOff&) = delete;
    ~EchoOff() {
        if (fd_ < 0) return;
        if (active_) ::tcsetattr(fd_, TCSAFLUSH, &g_saved_termios);
        g_echo_fd = -1;
        for (int i = 0; i < 3; ++i) ::sigaction(kSignals[i], &previous_[i], nullptr);
    }

  private:
    static constexpr int kSignals[3] = {SIGINT, SIGTERM, SIGHUP};
    struct sigaction previous_[3]{};
    int fd_ = -1;
    bool active_ = false;
};

}  // namespace

bool read_line_no_echo(int fd, std::string& line, bool strip_cr) {
    if (::isatty(fd) != 1) return read_line(fd, line, strip_cr);
    EchoOff guard(fd);
    return read_line(fd, line, strip_cr);
}

std::optional<std::string> read_from_terminal(std::string_view prompt, bool echo) {
    int tty = ::open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
    int in_fd = tty;
    int out_fd = tty;
    if (tty < 0) {
        // No controlling terminal (e.g. started under a pty without setsid): fall back to a
        // terminal on stdin, prompting on stderr so that stdout stays clean.
        if (!stdin_is_terminal()) throw Error(ErrorKind::io, "no terminal to prompt on");
        in_fd = 0;
        out_fd = 2;
    }
    std::string line;
    bool got = false;
    try {
        write_all(out_fd, prompt);
        if (echo) {
            got = read_line(in_fd, line);
        } else {
            EchoOff guard(in_fd);
            got = read_line(in_fd, line);
        }
        if (!echo) write_all(out_fd, "\n");  // the user's Enter was not echoed
    } catch (...) {
        if (tty >= 0) ::close(tty);
        throw;
    }
    if (tty >= 0) ::close(tty);
    if (!got) return std::nullopt;
    return line;
}

}  // namespace smtpauth::cli
