// Where a password or token comes from: one family of options for every secret (argument,
// file, environment, stdin, a command, a no-echo prompt) and the .netrc file.
#include "cli/secret_input.hpp"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "cli/line_input.hpp"
#include "smtpauth/error.hpp"

namespace smtpauth::cli {

namespace {

int g_argc = 0;
char** g_argv = nullptr;

// Overwrites the argument that carried the secret so that `ps` and /proc/PID/cmdline stop
// showing it (they read this very memory). The last match wins: a positional SECRET comes
// after USER, which may be the same string.
void scrub_argument(std::string_view what, std::string_view value) {
    if (value.empty() || g_argv == nullptr) return;
    std::string joined = "--" + std::string(what) + "=" + std::string(value);
    for (int i = g_argc - 1; i >= 1; --i) {
        char* arg = g_argv[i];
        if (arg == nullptr) continue;
        std::string_view view(arg);
        if (view == value || view == joined) {
            std::size_t start = view == value ? 0 : joined.size() - value.size();
            std::memset(arg + start, 'x', value.size());
            break;
        }
    }
    wipe_string(joined);
}

std::string alternatives(const std::string& what) {
    return "--" + what + "-file, --" + what + "-env, --" + what + "-cmd, --" + what +
           "-stdin or --" + what + "-prompt";
}

Secret read_first_line(int fd, const std::string& where, bool strip_cr = true) {
    std::string line;
    bool got = false;
    try {
        got = read_line(fd, line, strip_cr);
    } catch (const Error& e) {
        throw Error(e.kind() == ErrorKind::io ? ErrorKind::no_input : e.kind(),
                    where + ": " + e.what());
    }
    if (!got) throw Error(ErrorKind::usage, where + " is empty: no secret given");
    return Secret(std::move(line));
}

Secret read_file(const SecretSource& source) {
    std::string option = "--" + source.what + "-file";
    if (source.file == "-") return read_first_line(0, option + " - (standard input)");
    int fd = ::open(source.file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        throw Error(ErrorKind::no_input, "cannot read " + source.what + " file '" + source.file +
                                             "' (" + option + "): " + std::strerror(errno));
    }
    try {
        Secret secret = read_first_line(fd, source.what + " file '" + source.file + "'");
        ::close(fd);
        return secret;
    } catch (...) {
        ::close(fd);
        throw;
    }
}

// msmtp's passwordeval: `sh -c CMD`, the first line of its standard output. Its standard
// input and error stay ours (a pinentry or gpg can talk to the user); the whole output is
// read so that the command never dies of SIGPIPE, then wiped.
Secret run_command(const SecretSource& source) {
    const std::string option = "--" + source.what + "-cmd";
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0)
        throw Error(ErrorKind::io, option + ": cannot create a pipe: " + std::strerror(errno));
    std::cout.flush();
    pid_t pid = ::fork();
    if (pid < 0) {
        int err = errno;
        ::close(fds[0]);
        ::close(fds[1]);
        throw Error(ErrorKind::io, option + ": cannot start the command: " + std::strerror(err));
    }
    if (pid == 0) {
        ::dup2(fds[1], STDOUT_FILENO);
        ::execl("/bin/sh", "sh", "-c", source.command.c_str(), static_cast<char*>(nullptr));
        ::_exit(127);
    }
    ::close(fds[1]);
    // Reserved once: a growing string would leave copies of the secret in freed memory.
    std::string output;
    output.reserve(kMaxInputLine);
    char buf[4096];
    bool too_long = false;
    for (;;) {
        ssize_t n = ::read(fds[0], buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        if (output.size() + static_cast<std::size_t>(n) <= kMaxInputLine)
            output.append(buf, static_cast<std::size_t>(n));
        else
            too_long = true;
    }
    OPENSSL_cleanse(buf, sizeof buf);
    ::close(fds[0]);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    auto fail = [&](const std::string& why) {
        wipe_string(output);
        throw Error(ErrorKind::no_input, option + ": " + why + " (no " + source.what + " read)");
    };
    if (WIFSIGNALED(status))
        fail("the command was killed by signal " + std::to_string(WTERMSIG(status)));
    if (!WIFEXITED(status)) fail("the command did not exit normally");
    if (WEXITSTATUS(status) == 127)
        fail("the command was not found or /bin/sh could not run it (status 127)");
    if (WEXITSTATUS(status) != 0)
        fail("the command failed with exit status " + std::to_string(WEXITSTATUS(status)));
    if (too_long) fail("the command's output is too long");
    std::size_t end = output.find('\n');
    std::string line = output.substr(0, end);
    wipe_string(output);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) fail("the command printed nothing on its first line");
    return Secret(std::move(line));
}

void warn_argv(const std::string& what) {
    std::cerr << "smtpauth: warning: a " << what
              << " given on the command line is visible to other users (ps, shell history); "
                 "prefer "
              << alternatives(what) << '\n';
}

}  // namespace

void remember_arguments(int argc, char** argv) {
    g_argc = argc;
    g_argv = argv;
}

void add_secret_options(CLI::App& command, SecretSource& source, std::string_view description) {
    const std::string& what = source.what;
    const std::string desc = description.empty() ? what : std::string(description);
    command
        .add_option("--" + what, source.value,
                    desc + " (discouraged: visible in ps; prefer the options below)")
        ->type_name("SECRET");
    command
        .add_option("--" + what + "-file", source.file,
                    "read the " + what + " from the first line of FILE ('-' = stdin)")
        ->type_name("FILE");
    command
        .add_option("--" + what + "-env", source.env,
                    "read the " + what + " from the environment variable VAR")
        ->type_name("VAR");
    command.add_flag("--" + what + "-stdin", source.from_stdin,
                     "read the " + what + " from the first line of standard input");
    command
        .add_option("--" + what + "-cmd", source.command,
                    "run CMD with /bin/sh -c and read the " + what +
                        " from the first line of its output (e.g. 'pass show mail')")
        ->type_name("CMD");
    command.add_flag("--" + what + "-prompt", source.prompt,
                     "ask for the " + what + " on the terminal, without echo");
}

bool has_explicit_secret(const SecretSource& source) {
    return source.value.has_value() || source.positional.has_value() || !source.file.empty() ||
           !source.env.empty() || source.from_stdin || !source.command.empty() || source.prompt;
}

Secret read_secret(SecretSource& source, std::string_view prompt, bool allow_stdin_fallback) {
    const std::string& what = source.what;
    std::vector<std::string> given;
    if (source.positional) given.push_back("the " + what + " argument");
    if (source.value) given.push_back("--" + what);
    if (!source.file.empty()) given.push_back("--" + what + "-file");
    if (!source.env.empty()) given.push_back("--" + what + "-env");
    if (source.from_stdin) given.push_back("--" + what + "-stdin");
    if (!source.command.empty()) given.push_back("--" + what + "-cmd");
    if (source.prompt) given.push_back("--" + what + "-prompt");
    if (given.size() > 1) {
        throw Error(ErrorKind::usage, "give the " + what + " in one way only, not both " +
                                          given[0] + " and " + given[1]);
    }

    for (auto* argv_value : {&source.value, &source.positional}) {
        if (!*argv_value) continue;
        warn_argv(what);
        scrub_argument(what, **argv_value);
        Secret secret(std::move(**argv_value));
        wipe_string(**argv_value);
        argv_value->reset();
        return secret;
    }
    if (!source.file.empty()) return read_file(source);
    if (!source.env.empty()) {
        const char* value = std::getenv(source.env.c_str());
        if (value == nullptr) {
            throw Error(ErrorKind::bad_input,
                        "environment variable " + source.env + " is not set (--" + what + "-env)");
        }
        return Secret(std::string(value));
    }
    if (source.from_stdin) return read_first_line(0, "standard input (--" + what + "-stdin)");
    if (!source.command.empty()) return run_command(source);

    // No source given (or --<what>-prompt): ask the user, but never wait on a terminal-less run.
    if (stdin_is_terminal() || source.prompt) {
        auto line = read_from_terminal(prompt, /*echo=*/false);
        if (!line) throw Error(ErrorKind::usage, "no " + what + " given");
        return Secret(std::move(*line));
    }
    if (allow_stdin_fallback) {
        std::string line;
        if (!read_line(0, line)) {
            throw Error(ErrorKind::usage, "no " + what + " given (standard input is empty; use " +
                                              alternatives(what) + ")");
        }
        return Secret(std::move(line));
    }
    throw Error(ErrorKind::usage,
                "no " + what + " given and no terminal to ask on (use " + alternatives(what) + ")");
}

std::optional<std::string> prompt_line(std::string_view prompt, bool echo) {
    if (stdin_is_terminal()) return read_from_terminal(prompt, echo);
    std::string line;
    if (!read_line(0, line)) return std::nullopt;
    return line;
}

void add_netrc_options(CLI::App& command, NetrcSource& source) {
    command.add_flag("-n,--netrc", source.enabled,
                     "take the user and password for the target's host from ~/.netrc ($NETRC)");
    command
        .add_option("--netrc-file", source.file,
                    "like --netrc, with this file (refused when group or others can read it)")
        ->type_name("FILE");
}

bool netrc_requested(const NetrcSource& source) {
    return source.enabled || !source.file.empty();
}

NetrcEntry read_netrc(const NetrcSource& source, std::string_view host, std::string_view user) {
    std::string path = source.file;
    if (path.empty()) {
        const char* env = std::getenv("NETRC");
        const char* home = std::getenv("HOME");
        if (env != nullptr && *env != '\0')
            path = env;
        else if (home != nullptr && *home != '\0')
            path = std::string(home) + "/.netrc";
        else
            throw Error(ErrorKind::no_input, "--netrc: neither NETRC nor HOME is set");
    }
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        throw Error(ErrorKind::no_input,
                    "cannot read netrc file '" + path + "': " + std::strerror(errno));
    struct stat st {};
    if (::fstat(fd, &st) != 0 || (st.st_mode & (S_IRGRP | S_IROTH)) != 0) {
        ::close(fd);
        throw Error(ErrorKind::bad_input,
                    "netrc file '" + path +
                        "' is readable by group or others; refused (run: chmod 600 '" + path +
                        "')");
    }
    std::string text;
    text.reserve(kMaxInputLine + 4096);  // never reallocated: no stray copies of passwords
    char buf[4096];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            int err = errno;
            ::close(fd);
            wipe_string(text);
            throw Error(ErrorKind::no_input,
                        "cannot read netrc file '" + path + "': " + std::strerror(err));
        }
        if (n == 0) break;
        text.append(buf, static_cast<std::size_t>(n));
        if (text.size() > kMaxInputLine) {
            ::close(fd);
            wipe_string(text);
            throw Error(ErrorKind::bad_input, "netrc file '" + path + "' is larger than 1 MiB");
        }
    }
    OPENSSL_cleanse(buf, sizeof buf);
    ::close(fd);
    std::optional<NetrcEntry> entry;
    try {
        entry = netrc_lookup(text, host, user);
    } catch (const Error& e) {
        wipe_string(text);
        throw Error(e.kind(), std::string(e.what()) + " (in '" + path + "')");
    }
    wipe_string(text);
    if (!entry) {
        std::string who = user.empty() ? "" : " with login " + std::string(user);
        throw Error(ErrorKind::usage, "no entry for '" + std::string(host) + "'" + who +
                                          " in netrc file '" + path + "' (add: machine " +
                                          std::string(host) + " login USER password ...)");
    }
    return std::move(*entry);
}

}  // namespace smtpauth::cli
