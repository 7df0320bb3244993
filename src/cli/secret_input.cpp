// Where a password or token comes from: argument, file, environment, stdin or a no-echo prompt.
#include "cli/secret_input.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstdlib>
#include <cstring>
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

}  // namespace

void remember_arguments(int argc, char** argv) {
    g_argc = argc;
    g_argv = argv;
}

void add_secret_options(CLI::App& command, SecretSource& source) {
    const std::string& what = source.what;
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
}

bool has_explicit_secret(const SecretSource& source) {
    return source.value.has_value() || !source.file.empty() || !source.env.empty() ||
           source.from_stdin;
}

Secret read_secret(SecretSource& source, std::string_view prompt, bool allow_stdin_fallback) {
    const std::string& what = source.what;
    std::vector<std::string> given;
    if (source.value) given.push_back("the " + what + " argument");
    if (!source.file.empty()) given.push_back("--" + what + "-file");
    if (!source.env.empty()) given.push_back("--" + what + "-env");
    if (source.from_stdin) given.push_back("--" + what + "-stdin");
    if (given.size() > 1) {
        throw Error(ErrorKind::usage, "give the " + what + " in one way only, not both " +
                                          given[0] + " and " + given[1]);
    }

    if (source.value) {
        scrub_argument(what, *source.value);
        Secret secret(std::move(*source.value));
        wipe_string(*source.value);
        source.value.reset();
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

    // No source given: ask the user, but never wait on a terminal-less run.
    if (stdin_is_terminal()) {
        auto line = read_from_terminal(prompt, /*echo=*/false);
        if (!line) throw Error(ErrorKind::usage, "no " + what + " given");
        return Secret(std::move(*line));
    }
    if (allow_stdin_fallback) {
        std::string line;
        if (!read_line(0, line)) {
            throw Error(ErrorKind::usage, "no " + what + " given (standard input is empty; use --" +
                                              what + "-file, --" + what + "-env or --" + what +
                                              "-stdin)");
        }
        return Secret(std::move(line));
    }
    throw Error(ErrorKind::usage, "no " + what + " given and no terminal to ask on (use --" + what +
                                      "-file, --" + what + "-env or --" + what + "-stdin)");
}

std::optional<std::string> prompt_line(std::string_view prompt, bool echo) {
    if (stdin_is_terminal()) return read_from_terminal(prompt, echo);
    std::string line;
    if (!read_line(0, line)) return std::nullopt;
    return line;
}

}  // namespace smtpauth::cli
