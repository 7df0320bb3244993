// Text helpers shared by the transcript normalisers: ANSI/CR/tab cleaning, Python byte
// literals (repr), CRLF splitting, configuration echo lines.
#include <cctype>
#include <string>
#include <string_view>

#include "reader/reader_internal.hpp"

namespace smtpauth::reader::detail {

std::string clean_line(std::string_view raw) {
    std::string out;
    out.reserve(raw.size());
    for (std::size_t i = 0; i < raw.size(); ++i) {
        char c = raw[i];
        if (c == '\x1b' && i + 1 < raw.size() && raw[i + 1] == '[') {
            // ECMA-48 CSI: ESC [ parameters intermediates final (0x40-0x7e).
            std::size_t j = i + 2;
            while (j < raw.size() && !(raw[j] >= 0x40 && raw[j] <= 0x7e)) ++j;
            i = j;
            continue;
        }
        out += c == '\t' ? ' ' : c;
    }
    while (!out.empty() && (out.back() == '\r' || out.back() == '\n')) out.pop_back();
    return out;
}

bool python_literal(std::string_view s, std::string& out) {
    out.clear();
    if (s.starts_with("b")) s.remove_prefix(1);
    if (s.size() < 2) return false;
    char q = s.front();
    if ((q != '\'' && q != '"') || s.back() != q) return false;
    s = s.substr(1, s.size() - 2);
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '\\' || i + 1 >= s.size()) {
            out += s[i];
            continue;
        }
        char e = s[++i];
        switch (e) {
            case 'r':
                out += '\r';
                break;
            case 'n':
                out += '\n';
                break;
            case 't':
                out += '\t';
                break;
            case '0':
                out += '\0';
                break;
            case 'x':
                if (i + 2 < s.size() + 0 && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
                    std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
                    out +=
                        static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
                    i += 2;
                } else {
                    out += "\\x";
                }
                break;
            default:
                out += e;
                break;
        }
    }
    return true;
}

std::vector<std::string_view> split_crlf(std::string_view text) {
    std::vector<std::string_view> parts;
    std::size_t start = 0;
    while (start < text.size()) {
        auto nl = text.find('\n', start);
        std::string_view part = text.substr(start, nl == std::string_view::npos ? nl : nl - start);
        if (!part.empty() && part.back() == '\r') part.remove_suffix(1);
        parts.push_back(part);
        if (nl == std::string_view::npos) break;
        start = nl + 1;
    }
    return parts;
}

bool after(std::string_view line, std::string_view prefix, std::string_view& rest) {
    if (!line.starts_with(prefix)) return false;
    rest = line.substr(prefix.size());
    if (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
    return true;
}

bool is_credential_key(std::string_view key) {
    std::string k;
    for (char c : key) k += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return k.find("pass") != std::string::npos || k.find("secret") != std::string::npos ||
           k.find("token") != std::string::npos;
}

sasl::DecodedMessage config_line(std::size_t n, std::string_view tool, std::string_view key,
                                 std::string_view value) {
    sasl::DecodedMessage msg;
    msg.line = n;
    bool unset = value == "(not set)" || value == "*" || value.empty();
    msg.kind = unset ? sasl::MessageKind::config : sasl::MessageKind::credential;
    msg.summary = std::string(tool) + " configuration: " + std::string(key);
    // The key is input: it goes in the summary (masked by the renderer), not in a field name.
    msg.fields.emplace_back("value", std::string(value), !unset);
    if (value == "*") msg.notes.push_back("the tool itself hid the value");
    if (key == "passwordeval" && !unset)
        msg.notes.push_back("a command that prints the password (it may contain it)");
    return msg;
}

}  // namespace smtpauth::reader::detail
