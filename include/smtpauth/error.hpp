// One error type for the whole library and the one table that maps its kinds to exit codes.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace smtpauth {

// What went wrong, coarse enough to choose an exit status and a JSON "kind".
// Expected negative outcomes (credentials rejected by a server, a mechanism not offered)
// are normally *returned* as data; they are listed here so that the CLI can map them too.
enum class ErrorKind {
    usage,                  // the command line is wrong                         -> 64
    bad_input,              // a token, file or argument has invalid content     -> 65
    no_input,               // a named input file cannot be read                 -> 66
    resolve,                // the host name does not resolve                    -> 68
    connect,                // no address accepted the TCP connection            -> 69
    internal,               // a bug or an unexpected library failure            -> 70
    io,                     // local I/O failure (terminal, stdout)              -> 74
    timeout,                // a deadline passed                                 -> 75
    protocol,               // the peer broke the protocol (grammar, limits)     -> 76
    auth_rejected,          // the server rejected the credentials               -> 77
    tls,                    // TLS could not be established or was refused       -> 80
    certificate,            // the server certificate did not verify             -> 81
    mechanism_unavailable,  // no usable SASL mechanism                          -> 82
    mismatch,               // a check answered "no" (decode --check-password)   -> 1
    sender_refused,         // send: the server refused MAIL FROM                -> 83
    recipients_refused,     // send: the server refused one or more RCPT TO      -> 84
    message_refused,        // send: DATA or the message itself was refused      -> 85
    command_refused,        // session: the server refused the last command typed -> 86
};

class Error : public std::runtime_error {
public:
    Error(ErrorKind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
    ErrorKind kind() const noexcept { return kind_; }

private:
    ErrorKind kind_;
};

// Exit status for the kind (the table above; documented in man/smtpauth.1, EXIT STATUS).
int exit_code(ErrorKind kind) noexcept;

// Stable lower-case name for JSON output, e.g. "auth-rejected", "certificate".
std::string_view kind_name(ErrorKind kind) noexcept;

}  // namespace smtpauth
