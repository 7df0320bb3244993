// The ready-to-type protocol lines for `gen --line`: SMTP AUTH (RFC 4954), IMAP AUTHENTICATE
// with SASL-IR (RFC 3501, RFC 4959), POP3 AUTH (RFC 5034).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace smtpauth::cli {

enum class LineProtocol { smtp, imap, pop3 };

// Parses "smtp", "imap" or "pop3" (case-insensitive); nullopt otherwise.
std::optional<LineProtocol> parse_line_protocol(std::string_view name);

// Longest command line, CRLF included, that may carry an initial response:
// SMTP 512 (RFC 4954 §4 via RFC 5321 §4.5.3.1.4), POP3 255 (RFC 5034 §4 via RFC 2449),
// IMAP 8192 (RFC 7162 §4 asks clients to stay below it).
std::size_t command_line_budget(LineProtocol protocol);

// The client lines that start an exchange: the AUTH/AUTHENTICATE command, with the initial
// response (base64, "=" when empty) appended when there is one and the line fits the budget
// and `allow_initial_response`; otherwise the command alone, then the response on its own
// line (the two-step form, sent after the server's empty challenge). `first_response` is
// nullopt for server-first mechanisms, which answer only after the server's challenge.
std::vector<std::string> command_lines(LineProtocol protocol, std::string_view mechanism,
                                       const std::optional<std::string>& first_response,
                                       bool is_initial_response, bool allow_initial_response,
                                       std::string_view imap_tag = "a1");

}  // namespace smtpauth::cli
