// A filter process for the token store's optional encryption: input on a pipe to the
// command's stdin, its stdout collected, both sides multiplexed with poll() so that neither
// pipe can fill up and block the other.
#include "oauth/store_codec.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>

#include "smtpauth/error.hpp"
#include "smtpauth/secret.hpp"

namespace smtpauth::oauth {

namespace {
constexpr std::size_t kMaxOutput = 1024 * 1024;
constexpr std::chrono::seconds kFilterWait{300};  // a passphrase prompt takes human time
}  // namespace

std::string run_filter(const std::string& command, std::string_view input,
                       std::string_view option) {
    int to_child[2], from_child[2];
    if (::pipe2(to_child, O_CLOEXEC) != 0) throw Error(ErrorKind::io, "pipe failed");
    if (::pipe2(from_child, O_CLOEXEC) != 0) {
        ::close(to_child[0]);
        ::close(to_child[1]);
        throw Error(ErrorKind::io, "pipe failed");
    }
    // A filter that exits early must not kill us with SIGPIPE; restored below.
    struct sigaction ignore {
    }, previous{};
    ignore.sa_handler = SIG_IGN;
    ::sigaction(SIGPIPE, &ignore, &previous);
    struct Restore {
        struct sigaction& previous;
        ~Restore() { ::sigaction(SIGPIPE, &previous, nullptr); }
    } restore{previous};
    pid_t pid = ::fork();
    if (pid < 0) throw Error(ErrorKind::io, "cannot start " + std::string(option) + " (fork)");
    if (pid == 0) {
        ::dup2(to_child[0], 0);
        ::dup2(from_child[1], 1);
        ::execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
        ::_exit(127);
    }
    ::close(to_child[0]);
    ::close(from_child[1]);
    int in_fd = to_child[1], out_fd = from_child[0];
    ::fcntl(in_fd, F_SETFL, O_NONBLOCK);
    std::string output;
    output.reserve(64 * 1024);
    std::size_t sent = 0;
    if (input.empty()) {
        ::close(in_fd);
        in_fd = -1;
    }
    auto deadline = std::chrono::steady_clock::now() + kFilterWait;
    bool failed = false;
    while (out_fd >= 0) {
        pollfd p[2] = {{out_fd, POLLIN, 0}, {in_fd, POLLOUT, 0}};
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0 ||
            ::poll(p, in_fd >= 0 ? 2 : 1, static_cast<int>(left.count())) == 0) {
            failed = true;
            break;
        }
        if (in_fd >= 0 && (p[1].revents & (POLLOUT | POLLERR | POLLHUP))) {
            ssize_t n = ::write(in_fd, input.data() + sent, input.size() - sent);
            if (n > 0) sent += static_cast<std::size_t>(n);
            if (n < 0 && errno != EAGAIN && errno != EINTR) sent = input.size();
            if (sent >= input.size()) {
                ::close(in_fd);
                in_fd = -1;
            }
        }
        if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
            char buf[4096];
            ssize_t n = ::read(out_fd, buf, sizeof buf);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) {
                ::close(out_fd);
                out_fd = -1;
            } else if (output.size() + static_cast<std::size_t>(n) > kMaxOutput) {
                failed = true;
                break;
            } else {
                if (output.capacity() < output.size() + static_cast<std::size_t>(n)) {
                    std::string bigger;
                    bigger.reserve(output.capacity() * 2);
                    bigger = output;
                    wipe_string(output);
                    output.swap(bigger);
                }
                output.append(buf, static_cast<std::size_t>(n));
            }
        }
    }
    if (in_fd >= 0) ::close(in_fd);
    if (out_fd >= 0) ::close(out_fd);
    if (failed) ::kill(pid, SIGKILL);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (failed || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        wipe_string(output);
        throw Error(
            ErrorKind::io,
            std::string(option) + " failed" +
                (failed              ? " (no end in time, or too much output)"
                 : WIFEXITED(status) ? " (exit status " + std::to_string(WEXITSTATUS(status)) + ")"
                                     : " (killed by a signal)"));
    }
    return output;
}

}  // namespace smtpauth::oauth
