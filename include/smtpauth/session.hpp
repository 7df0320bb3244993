// `smtpauth session`: probe's connection, TLS and AUTH, then the connection handed to the
// user (openssl s_client without its command letters): typed lines go to the server as
// typed, server lines come back as they arrive.
#pragma once

#include <chrono>
#include <functional>

#include "smtpauth/probe.hpp"

namespace smtpauth::probe {

struct InteractiveOptions {
    ProbeOptions probe;     // target, TLS, credentials; on_event prints the conversation
    int input_fd = 0;       // the lines the user types: a terminal or a pipe
    int interrupt_fd = -1;  // readable when the user pressed Ctrl-C (a self-pipe); -1: none
    bool raw = false;       // IMAP: send typed lines untouched (no tag added)
    // Called with true when the user's turn starts (after AUTH) and false when it ends.
    std::function<void(bool)> on_phase;
};

// Runs the session (raising options.probe.line_limits' total for long conversations). Setup
// failures are reported as by run_session (AUTH rejected: 77, ...). Then: each line read from
// input_fd is sent with CRLF (IMAP: a line that starts with a command name gets the next tag unless
// raw); server lines are recorded (and so passed to on_event) as they arrive. End of input waits up
// to the step timeout for the replies still due, then sends QUIT / LOGOUT and waits up to the step
// timeout for its reply; Ctrl-C sends it at once. report.error afterwards: none when the last reply
// to a typed command was positive (or none was typed); command_refused when it was negative;
// protocol when the server closed the connection unasked or sent a line over the limit; timeout
// when a reply did not come; bad_input when input ended inside an SMTP DATA message. Never throws
// smtpauth::Error.
ProbeReport run_interactive(InteractiveOptions& options);

}  // namespace smtpauth::probe
