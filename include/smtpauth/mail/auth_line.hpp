// The AUTH command line of each mail protocol, once: its syntax and the room it leaves for an
// initial response (SMTP RFC 4954 §4 within RFC 5321 §4.5.3.1.4's 512 octets; IMAP RFC 3501
// AUTHENTICATE with RFC 4959 SASL-IR within RFC 7162 §4's 8192; POP3 RFC 5034 §4 within
// RFC 2449's 255). The dialects (probe), `gen --line` and the decoder's notes share it.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace smtpauth::mail {

enum class Protocol { smtp, imap, pop3 };
std::string_view protocol_name(Protocol p) noexcept;

// Longest command line, CRLF included.
std::size_t command_line_limit(Protocol protocol) noexcept;

// "AUTH MECH" (SMTP, POP3) or "TAG AUTHENTICATE MECH" (IMAP), without CRLF.
std::string auth_command(Protocol protocol, std::string_view mechanism, std::string_view imap_tag);

// The longest initial response (as written: base64, or "=" when empty) that fits on the
// AUTH command line after one space; 0 when none fits.
std::size_t initial_response_budget(Protocol protocol, std::string_view mechanism,
                                    std::string_view imap_tag) noexcept;

}  // namespace smtpauth::mail
