// Recognises the line forms of SASL exchanges: SMTP AUTH (RFC 4954 §4), IMAP AUTHENTICATE
// (RFC 3501 §6.2.2, RFC 4959), POP3 AUTH (RFC 5034 §4), and transcript prefixes (C:/S:).
#include <array>
#include <cctype>
#include <string_view>

#include "sasl/token_internal.hpp"

namespace smtpauth::sasl::token_detail {

namespace {

bool is_space(char c) {
    return c == ' ' || c == '\t';
}

std::string_view trim_left(std::string_view s) {
    while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
    return s;
}

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

// A word of a timestamp as log tools print it: "12", "12ms", "12:00:01.123", "2026-11-27T..".
bool is_timestamp_word(std::string_view w) {
    if (w.empty()) return false;
    bool digit = false;
    for (char c : w) {
        if (is_digit(c)) {
            digit = true;
            continue;
        }
        if (std::string_view(".:-+TZms,").find(c) == std::string_view::npos) return false;
    }
    return digit;
}

struct Marker {
    std::string_view text;
    TokenDirection direction;
    bool info;
};

// Transcript direction markers: ours and curl's ("C:"/"S:", "S~" for smtpauth's cleartext
// server lines), swaks' ("->", "<-", "~>", "<~"), curl -v's ("> ", "< "; a blank must
// follow, so a raw CRAM challenge "<1.2@host>" is not taken for one), and local-event lines.
constexpr std::array<Marker, 12> kMarkers{{
    {"C:", TokenDirection::client, false},
    {"S:", TokenDirection::server, false},
    {"C>", TokenDirection::client, false},
    {"S>", TokenDirection::server, false},
    {"->", TokenDirection::client, false},
    {"<-", TokenDirection::server, false},
    {"~>", TokenDirection::client, false},
    {"<~", TokenDirection::server, false},
    {"S~", TokenDirection::server, false},  // smtpauth -v: server text before TLS
    {">", TokenDirection::client, false},   // curl -v
    {"<", TokenDirection::server, false},
    {"*:", TokenDirection::unknown, true},
}};

const Marker* marker_at(std::string_view s) {
    for (const auto& m : kMarkers) {
        if (s.size() < m.text.size()) continue;
        // "c:" and "s:" are accepted too; the caller checks that a blank or the end follows.
        if (std::toupper(static_cast<unsigned char>(s[0])) == m.text[0] &&
            s.substr(1, m.text.size() - 1) == m.text.substr(1))
            return &m;
    }
    return nullptr;
}

// Strips "[  12 ms] ", "12:00:01 " and similar, then a direction marker. Liberal on purpose:
// people paste transcripts from many tools.
std::string_view strip_prefix(std::string_view s, ParsedLine& out) {
    s = trim_left(s);
    std::string_view rest = s;
    for (int guard = 0; guard < 4 && !rest.empty() && rest.front() == '['; ++guard) {
        auto close = rest.find(']');
        if (close == std::string_view::npos || close > 80) break;
        rest = trim_left(rest.substr(close + 1));
    }
    auto try_marker = [&](std::string_view candidate) -> bool {
        if (const Marker* m = marker_at(candidate)) {
            std::string_view after = candidate.substr(m->text.size());
            if (!after.empty() && !is_space(after.front())) return false;
            if (!after.empty()) after.remove_prefix(1);  // the one separating space
            out.had_prefix = true;
            out.prefix_direction = m->direction;
            if (m->info) out.shape = LineShape::info;
            rest = after;
            return true;
        }
        return false;
    };
    if (try_marker(rest)) return rest;
    // Up to three timestamp words before the marker ("12:00:01.123 C: ...", "12 ms S: ...",
    // smtpauth -v's "    12 ms C: ..." and its local events "    12 ms * connected").
    std::string_view probe = rest;
    for (int words = 0; words < 3; ++words) {
        auto sp = probe.find_first_of(" \t");
        if (sp == std::string_view::npos) break;
        std::string_view word = probe.substr(0, sp);
        bool unit = words > 0 && (word == "ms" || word == "s" || word == "sec");
        if (!unit && !is_timestamp_word(word)) break;
        probe = trim_left(probe.substr(sp));
        if (try_marker(probe)) return rest;
        if (probe == "*" || probe.starts_with("* ")) {
            out.had_prefix = true;
            out.shape = LineShape::info;
            rest = trim_left(probe.substr(1));
            return rest;
        }
    }
    // Brackets alone (no marker) were still a prefix: "[12 ms] 334 ...".
    if (rest.size() != s.size()) out.had_prefix = true;
    return rest;
}

std::string_view first_word(std::string_view s, std::string_view& rest) {
    auto sp = s.find(' ');
    if (sp == std::string_view::npos) {
        rest = {};
        return s;
    }
    rest = s.substr(sp + 1);
    return s.substr(0, sp);
}

bool is_smtp_client_command(std::string_view w) {
    static constexpr std::array<std::string_view, 26> kCommands{
        "EHLO",     "HELO", "LHLO", "MAIL", "RCPT", "DATA", "QUIT", "RSET",   "NOOP",
        "STARTTLS", "VRFY", "EXPN", "HELP", "BDAT", "CAPA", "USER", "PASS",   "STLS",
        "APOP",     "LIST", "RETR", "STAT", "DELE", "TOP",  "UIDL", "XCLIENT"};
    for (auto c : kCommands)
        if (iequals(w, c)) return true;
    return false;
}

bool is_imap_command(std::string_view w) {
    static constexpr std::array<std::string_view, 14> kCommands{
        "CAPABILITY", "LOGIN",  "STARTTLS", "LOGOUT", "NOOP",  "SELECT", "EXAMINE",
        "ID",         "ENABLE", "LIST",     "STATUS", "FETCH", "IDLE",   "COMPRESS"};
    for (auto c : kCommands)
        if (iequals(w, c)) return true;
    return false;
}

bool is_imap_status(std::string_view w) {
    return iequals(w, "OK") || iequals(w, "NO") || iequals(w, "BAD") || iequals(w, "PREAUTH") ||
           iequals(w, "BYE");
}

bool is_imap_tag(std::string_view w) {
    if (w.empty() || w.size() > 64) return false;
    for (char c : w) {
        auto u = static_cast<unsigned char>(c);
        // RFC 3501 tag: ASTRING-CHAR except "+"; no controls, no specials.
        if (u <= 0x20 || u >= 0x7f || c == '(' || c == ')' || c == '{' || c == '%' || c == '*' ||
            c == '"' || c == '\\' || c == '+')
            return false;
    }
    return true;
}

}  // namespace

ParsedLine parse_line(std::string_view line) {
    ParsedLine out;
    if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    std::string_view t = strip_prefix(line, out);
    out.text = t;
    if (out.shape == LineShape::info) return out;
    // Trailing blanks are layout, except that "334 " (code + space) is an empty challenge.
    std::string_view trimmed = t;
    while (!trimmed.empty() && is_space(trimmed.back())) trimmed.remove_suffix(1);

    if (trimmed.empty()) {
        out.shape = LineShape::blank;
        return out;
    }
    if (trimmed == "*") {
        out.shape = LineShape::cancel;
        return out;
    }
    std::string_view rest;
    std::string_view w1 = first_word(trimmed, rest);

    // SMTP continuation "334 b64" / "334" (RFC 4954 §4: clients accept "334" without space).
    if (w1 == "334") {
        out.shape = LineShape::challenge;
        out.code = 334;
        out.has_payload = true;
        out.payload = trim_left(rest);
        return out;
    }
    // IMAP/POP3 continuation "+ b64" / "+" (RFC 3501 §7.5, RFC 5034 §4).
    if (w1 == "+") {
        out.shape = LineShape::challenge;
        out.has_payload = true;
        out.payload = trim_left(rest);
        return out;
    }
    if (starts_with_icase(trimmed, "+OK")) {
        out.shape = LineShape::pop3_ok;
        out.payload = trim_left(trimmed.substr(3));
        return out;
    }
    if (starts_with_icase(trimmed, "-ERR")) {
        out.shape = LineShape::pop3_err;
        out.payload = trim_left(trimmed.substr(4));
        return out;
    }
    // SMTP reply "ddd", "ddd text", "ddd-text" (RFC 5321 §4.2).
    if (trimmed.size() >= 3 && is_digit(trimmed[0]) && is_digit(trimmed[1]) &&
        is_digit(trimmed[2]) && (trimmed.size() == 3 || trimmed[3] == ' ' || trimmed[3] == '-')) {
        out.shape = LineShape::smtp_reply;
        out.code = (trimmed[0] - '0') * 100 + (trimmed[1] - '0') * 10 + (trimmed[2] - '0');
        out.continued = trimmed.size() > 3 && trimmed[3] == '-';
        out.payload = trimmed.size() > 4 ? trimmed.substr(4) : std::string_view{};
        return out;
    }
    if (iequals(w1, "AUTH")) {
        std::string_view rest2;
        std::string_view mech = first_word(trim_left(rest), rest2);
        if (mech.empty()) {  // POP3 "AUTH" alone lists mechanisms (RFC 5034 §3)
            out.shape = LineShape::command;
            out.keyword = "AUTH";
            return out;
        }
        out.shape = LineShape::auth_command;
        out.keyword = "AUTH";
        out.mechanism = upper(mech);
        rest2 = trim_left(rest2);
        if (!rest2.empty()) {
            out.has_payload = true;
            out.payload = rest2;
        }
        return out;
    }
    if (w1 == "*") {
        out.shape = LineShape::imap_untagged;
        out.payload = rest;
        return out;
    }
    if (!rest.empty()) {
        std::string_view rest2;
        std::string_view w2 = first_word(trim_left(rest), rest2);
        if (is_imap_tag(w1) && iequals(w2, "AUTHENTICATE")) {
            std::string_view rest3;
            std::string_view mech = first_word(trim_left(rest2), rest3);
            out.tag = w1;
            out.keyword = "AUTHENTICATE";
            if (mech.empty()) {
                out.shape = LineShape::command;
                return out;
            }
            out.shape = LineShape::auth_command;
            out.mechanism = upper(mech);
            rest3 = trim_left(rest3);
            if (!rest3.empty()) {
                out.has_payload = true;
                out.payload = rest3;
            }
            return out;
        }
        if (is_imap_tag(w1) && is_imap_status(w2)) {
            out.shape = LineShape::imap_tagged;
            out.tag = w1;
            out.keyword = upper(w2);
            out.payload = trim_left(rest2);
            return out;
        }
        if (is_imap_tag(w1) && is_imap_command(w2) && !is_smtp_client_command(w1)) {
            out.shape = LineShape::command;
            out.tag = w1;
            out.keyword = upper(w2);
            out.payload = trim_left(rest2);
            return out;
        }
    }
    if (is_smtp_client_command(w1)) {
        out.shape = LineShape::command;
        out.keyword = upper(w1);
        out.payload = trim_left(rest);
        return out;
    }
    if (rest.empty()) {
        out.shape = LineShape::bare;
        out.payload = trimmed;
        return out;
    }
    out.shape = LineShape::text;
    out.payload = trimmed;
    return out;
}

}  // namespace smtpauth::sasl::token_detail
