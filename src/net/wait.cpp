// Waiting for socket readiness under a deadline (poll(2)); the basis of every timeout.
#include "wait.hpp"

#include <poll.h>

#include <cerrno>
#include <cstring>

#include "smtpauth/error.hpp"

namespace smtpauth::net {

void wait_ready(int fd, WaitFor what, Deadline deadline, const std::string& doing) {
    pollfd p{};
    p.fd = fd;
    p.events = what == WaitFor::read ? POLLIN : POLLOUT;
    for (;;) {
        // Re-read the remaining time on every round: the deadline is for the whole call,
        // so a peer that trickles bytes cannot extend it.
        if (deadline.expired()) throw Error(ErrorKind::timeout, "timed out " + doing);
        int ms = deadline.remaining_ms();
        int r = ::poll(&p, 1, ms == 0 ? 1 : ms);
        if (r > 0) return;
        if (r == 0) continue;  // loop re-checks the deadline
        if (errno == EINTR) continue;
        throw Error(ErrorKind::internal, "poll failed: " + errno_text(errno));
    }
}

std::string errno_text(int err) {
    char buf[256];
    // GNU strerror_r returns the message pointer (which may not be buf).
    const char* s = strerror_r(err, buf, sizeof buf);
    return s ? std::string(s) : std::string("error ") + std::to_string(err);
}

}  // namespace smtpauth::net
