// Waiting for a socket to become readable or writable without ever passing a deadline.
#pragma once

#include <string>

#include "smtpauth/net/deadline.hpp"

namespace smtpauth::net {

enum class WaitFor { read, write };

// Blocks in poll() until fd is ready for `what` or the deadline passes; EINTR is retried
// with the time that is left. Errors: Error{timeout, "timed out " + doing}; Error{internal}
// if poll itself fails. Readiness includes errors and hang-ups: the next I/O call reports them.
void wait_ready(int fd, WaitFor what, Deadline deadline, const std::string& doing);

// strerror() as a std::string (thread-safe form).
std::string errno_text(int err);

}  // namespace smtpauth::net
