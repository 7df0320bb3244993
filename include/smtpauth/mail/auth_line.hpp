// The AUTH command line of each mail protocol, once: its syntax and the room it leaves for an
// initial response (SMTP RFC 4954 §4 within RFC 5321 §4.5.3.1.4's 512 octets; IMAP RFC 3501
// AUTHENTICATE with RFC 4959 SASL-IR within RFC 7162 §4's 8192; POP3 RFC 5034 §4 within
// RFC 2449's 255). The dialects (probe), `gen --line` and the transcript reader share it.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace smtpauth::mail {

enum class Protocol { smtp, imap, pop3 };
std::string_view protocol_name(Protocol p) noexcept;

// Longest command line, CRLF included.
std::size_t command_line_limit(Protocol protocol) noexcept;

// "AUTH MECH" (SMTP, POP3) or "TAG AUTHENTICATE MECH" (IMAP), without CRLF.
std::string auth_command(Protocol protocol, std::string_view mechanism, std::string_view imap_tag);

// An AUTH command line read back (a transcript's client line): what auth_command() wrote,
// with the initial response after one blank. Views into the line.
struct AuthCommandLine {
    std::string_view tag;        // IMAP's tag; "" for SMTP and POP3
    std::string_view mechanism;  // as written; "" for POP3's bare "AUTH" (RFC 5034 §3 listing)
    std::optional<std::string_view> initial_response;  // as written: base64 or "="
};

// "AUTH" [SP mech [SP ir]] (SMTP RFC 4954 §4, POP3 RFC 5034 §4) or tag SP "AUTHENTICATE"
// [SP mech [SP ir]] (IMAP RFC 3501 §6.2.2, RFC 4959), command names in any case, extra
// blanks tolerated (pasted text); nullopt for any other line. The mechanism's syntax is the
// SASL layer's to judge.
std::optional<AuthCommandLine> parse_auth_command(std::string_view line);

// The longest initial response (as written: base64, or "=" when empty) that fits on the
// AUTH command line after one space; 0 when none fits.
std::size_t initial_response_budget(Protocol protocol, std::string_view mechanism,
                                    std::string_view imap_tag) noexcept;

}  // namespace smtpauth::mail
