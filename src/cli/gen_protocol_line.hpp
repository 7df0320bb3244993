// The ready-to-type protocol lines for `gen --line`: SMTP AUTH (RFC 4954), IMAP AUTHENTICATE
// with SASL-IR (RFC 3501, RFC 4959), POP3 AUTH (RFC 5034), by the dialects' own rules.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "smtpauth/mail/auth_line.hpp"

namespace smtpauth::cli {

using LineProtocol = mail::Protocol;

// Parses "smtp", "imap" or "pop3" (case-insensitive); nullopt otherwise.
std::optional<LineProtocol> parse_line_protocol(std::string_view name);

// The client lines that start an exchange: the AUTH/AUTHENTICATE command, with the initial
// response (base64, "=" when empty) appended when there is one and the line fits the
// protocol's limit and `allow_initial_response`; otherwise the command alone, then the
// response on its own line (the two-step form, sent after the server's empty challenge).
// `first_response` is nullopt for server-first mechanisms, which answer only after the
// server's challenge.
std::vector<std::string> command_lines(LineProtocol protocol, std::string_view mechanism,
                                       const std::optional<std::string>& first_response,
                                       bool is_initial_response, bool allow_initial_response,
                                       std::string_view imap_tag = "a1");

}  // namespace smtpauth::cli
