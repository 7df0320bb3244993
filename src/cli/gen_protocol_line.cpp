// The ready-to-type protocol lines for `gen --line`: SMTP AUTH (RFC 4954), IMAP AUTHENTICATE
// with SASL-IR (RFC 3501, RFC 4959), POP3 AUTH (RFC 5034). The command syntax and line limits
// are the dialects' (smtpauth/mail/auth_line.hpp), the "=" rule the exchange driver's.
#include "cli/gen_protocol_line.hpp"

#include <cctype>

#include "smtpauth/sasl/exchange.hpp"

namespace smtpauth::cli {

std::optional<LineProtocol> parse_line_protocol(std::string_view name) {
    std::string lower;
    for (char c : name)
        lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    for (auto p : {mail::Protocol::smtp, mail::Protocol::imap, mail::Protocol::pop3})
        if (lower == mail::protocol_name(p)) return p;
    return std::nullopt;
}

std::vector<std::string> command_lines(LineProtocol protocol, std::string_view mechanism,
                                       const std::optional<std::string>& first_response,
                                       bool is_initial_response, bool allow_initial_response,
                                       std::string_view imap_tag) {
    std::string command = mail::auth_command(protocol, mechanism, imap_tag);
    std::vector<std::string> lines;
    if (!first_response) {
        lines.push_back(command);
        return lines;
    }
    if (is_initial_response && allow_initial_response) {
        std::string_view ir = sasl::initial_response_text(*first_response);
        if (ir.size() <= mail::initial_response_budget(protocol, mechanism, imap_tag)) {
            lines.push_back(command + " " + std::string(ir));
            return lines;
        }
    }
    // Two-step form: the command alone, the response after the server's challenge.
    lines.push_back(command);
    lines.push_back(*first_response);
    return lines;
}

}  // namespace smtpauth::cli
