// The ready-to-type protocol lines for `gen --line`: SMTP AUTH (RFC 4954), IMAP AUTHENTICATE
// with SASL-IR (RFC 3501, RFC 4959), POP3 AUTH (RFC 5034).
#include "cli/gen_protocol_line.hpp"

#include <cctype>

namespace smtpauth::cli {

std::optional<LineProtocol> parse_line_protocol(std::string_view name) {
    std::string lower;
    for (char c : name)
        lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    if (lower == "smtp") return LineProtocol::smtp;
    if (lower == "imap") return LineProtocol::imap;
    if (lower == "pop3") return LineProtocol::pop3;
    return std::nullopt;
}

std::size_t command_line_budget(LineProtocol protocol) {
    switch (protocol) {
        case LineProtocol::smtp:
            return 512;
        case LineProtocol::pop3:
            return 255;
        case LineProtocol::imap:
            return 8192;
    }
    return 512;
}

std::vector<std::string> command_lines(LineProtocol protocol, std::string_view mechanism,
                                       const std::optional<std::string>& first_response,
                                       bool is_initial_response, bool allow_initial_response,
                                       std::string_view imap_tag) {
    std::string command = protocol == LineProtocol::imap
                              ? std::string(imap_tag) + " AUTHENTICATE " + std::string(mechanism)
                              : "AUTH " + std::string(mechanism);
    std::vector<std::string> lines;
    if (!first_response) {
        lines.push_back(command);
        return lines;
    }
    if (is_initial_response && allow_initial_response) {
        // RFC 4954 §4: a zero-length initial response is sent as a single "=".
        std::string ir = first_response->empty() ? "=" : *first_response;
        std::string line = command + " " + ir;
        if (line.size() + 2 <= command_line_budget(protocol)) {
            lines.push_back(line);
            return lines;
        }
    }
    // Two-step form: the command alone, the response after the server's challenge.
    lines.push_back(command);
    lines.push_back(*first_response);
    return lines;
}

}  // namespace smtpauth::cli
