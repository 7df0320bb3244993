// Shared checks on untrusted reply text (RFC 5321 §4.2 textstring; RFC 3501 TEXT-CHAR).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "smtpauth/error.hpp"

namespace smtpauth::mail::detail {

// NUL and control characters other than HTAB have no place in a reply line; a server that
// sends them is broken or hostile (they could truncate or hide text). 8-bit bytes are
// tolerated: they are escaped when displayed.
inline void check_text(std::string_view line, std::string_view context) {
    for (char ch : line) {
        auto c = static_cast<unsigned char>(ch);
        if ((c < 0x20 && c != '\t') || c == 0x7f)
            throw Error(ErrorKind::protocol,
                        std::string("protocol error in ") + std::string(context) +
                            ": control character in \"" + std::string(line) + "\"");
    }
}

// A line read from a server: control characters refused (check_text), then the grammar of
// `match` (a match_*_line function: the value, or nullopt with the reason). Throws
// Error{protocol} naming `context`.
template <typename Match>
auto parse_server_line(std::string_view line, std::string_view context, Match match) {
    check_text(line, context);
    std::string why;
    auto parsed = match(line, &why);
    if (!parsed)
        throw Error(ErrorKind::protocol,
                    std::string("protocol error in ") + std::string(context) + ": " + why);
    return std::move(*parsed);
}

inline char upper(char c) {
    return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 32) : c;
}

inline std::string to_upper(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = upper(c);
    return out;
}

inline bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (upper(a[i]) != upper(b[i])) return false;
    return true;
}

inline bool istarts_with(std::string_view s, std::string_view prefix) {
    return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

// continue-req = "+" SP (resp-text / base64) CRLF, the same in IMAP (RFC 3501 §7.5) and
// POP3 (RFC 5034 §4); a bare "+" is accepted too (servers send it for an empty challenge).
// The text after "+ ", or nullopt: "+OK" or "+AAA" (a base64 token) is no continuation.
inline std::optional<std::string_view> continuation_text(std::string_view line) {
    if (line == "+") return std::string_view{};
    if (line.size() >= 2 && line[0] == '+' && line[1] == ' ') return line.substr(2);
    return std::nullopt;
}

}  // namespace smtpauth::mail::detail
