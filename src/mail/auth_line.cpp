// The AUTH command line of SMTP (RFC 4954 §4), IMAP (RFC 3501 §6.2.2, RFC 4959) and POP3
// (RFC 5034 §4): syntax and line limits, shared by the dialects and `gen --line`.
#include "smtpauth/mail/auth_line.hpp"

#include "mail/text_check.hpp"
#include "smtpauth/mail/imap_response.hpp"

namespace smtpauth::mail {

std::string_view protocol_name(Protocol p) noexcept {
    switch (p) {
        case Protocol::smtp:
            return "smtp";
        case Protocol::imap:
            return "imap";
        case Protocol::pop3:
            return "pop3";
    }
    return "smtp";
}

std::size_t command_line_limit(Protocol protocol) noexcept {
    switch (protocol) {
        case Protocol::smtp:
            return 512;  // RFC 5321 §4.5.3.1.4
        case Protocol::pop3:
            return 255;  // RFC 2449 §4
        case Protocol::imap:
            return 8192;  // RFC 7162 §4 asks clients to stay below it
    }
    return 512;
}

std::string auth_command(Protocol protocol, std::string_view mechanism, std::string_view imap_tag) {
    if (protocol == Protocol::imap)
        return std::string(imap_tag) + " AUTHENTICATE " + std::string(mechanism);
    return "AUTH " + std::string(mechanism);
}

namespace {

std::string_view skip_blanks(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    return s;
}

std::string_view next_word(std::string_view& rest) {
    rest = skip_blanks(rest);
    std::size_t end = rest.find_first_of(" \t");
    std::string_view word = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end);
    return word;
}

}  // namespace

std::optional<AuthCommandLine> parse_auth_command(std::string_view line) {
    std::string_view rest = line;
    AuthCommandLine out;
    std::string_view first = next_word(rest);
    if (!detail::iequals(first, "AUTH")) {
        std::string_view verb = next_word(rest);
        if (!detail::iequals(verb, "AUTHENTICATE") || !is_imap_tag(first)) return std::nullopt;
        out.tag = first;
    }
    out.mechanism = next_word(rest);
    std::string_view ir = skip_blanks(rest);
    while (!ir.empty() && (ir.back() == ' ' || ir.back() == '\t')) ir.remove_suffix(1);
    if (!ir.empty()) out.initial_response = ir;
    return out;
}

std::size_t initial_response_budget(Protocol protocol, std::string_view mechanism,
                                    std::string_view imap_tag) noexcept {
    // command SP initial-response CRLF
    std::size_t prefix = protocol == Protocol::imap ? imap_tag.size() + 14 : 5;
    std::size_t overhead = prefix + mechanism.size() + 1 + 2;
    std::size_t limit = command_line_limit(protocol);
    return overhead >= limit ? 0 : limit - overhead;
}

}  // namespace smtpauth::mail
