// Test message building, no I/O: RFC 5322 (format, date, line limit), RFC 2045 (MIME,
// quoted-printable), RFC 2047 (encoded words), RFC 5321 §4.5.2 (dot-stuffing).
#include "smtpauth/mail/message.hpp"

#include <array>
#include <cstdio>

#include "smtpauth/codec.hpp"
#include "smtpauth/error.hpp"

namespace smtpauth::mail {

namespace {

bool is_ascii(std::string_view s) {
    for (char ch : s)
        if (static_cast<unsigned char>(ch) > 0x7F) return false;
    return true;
}

std::string trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return std::string(s);
}

bool has_crlf(std::string_view s) {
    return s.find_first_of("\r\n") != std::string_view::npos;
}

// Length in octets of the UTF-8 sequence starting with lead byte c (1 for invalid bytes,
// which never occur here: the text was validated before).
std::size_t utf8_len(unsigned char c) {
    if (c >= 0xF0) return 4;
    if (c >= 0xE0) return 3;
    if (c >= 0xC0) return 2;
    return 1;
}

// A header address: ASCII as given; a non-ASCII display name before "<addr>" becomes an
// encoded word (RFC 2047 §5(3) allows them in a phrase); a non-ASCII mailbox stays UTF-8
// (RFC 6532, only sent when the server offers SMTPUTF8).
std::string header_address(std::string_view address) {
    std::string a = trim(address);
    auto lt = a.rfind('<');
    if (lt == std::string::npos || lt == 0) return a;
    std::string name = trim(std::string_view(a).substr(0, lt));
    std::string rest = a.substr(lt);
    if (is_ascii(name)) return name + " " + rest;
    if (name.size() >= 2 && name.front() == '"' && name.back() == '"')
        name = name.substr(1, name.size() - 2);
    return encode_header_text(name, 0) + " " + rest;
}

std::string address_list(const std::vector<std::string>& list) {
    std::string out;
    for (const auto& a : list) {
        if (!out.empty()) out += ",\r\n ";
        out += header_address(a);
    }
    return out;
}

}  // namespace

std::string_view transfer_encoding_name(TransferEncoding e) noexcept {
    switch (e) {
        case TransferEncoding::seven_bit:
            return "7bit";
        case TransferEncoding::eight_bit:
            return "8bit";
        case TransferEncoding::quoted_printable:
            return "quoted-printable";
    }
    return "7bit";
}

std::string envelope_address(std::string_view address) {
    std::string a = trim(address);
    auto lt = a.rfind('<');
    if (lt != std::string::npos) {
        auto gt = a.find('>', lt);
        if (gt == std::string::npos || gt != a.size() - 1)
            throw Error(ErrorKind::usage, "malformed address '" + a + "': expected Name <addr>");
        a = a.substr(lt + 1, gt - lt - 1);
    }
    if (a.empty()) throw Error(ErrorKind::usage, "empty address");
    for (char c : a)
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '<' || c == '>' || c == '\0')
            throw Error(ErrorKind::usage, "malformed address '" + codec::escape_for_display(a) +
                                              "': spaces, brackets and control characters are "
                                              "not allowed in the mailbox");
    if (a.find('@') == std::string::npos)
        throw Error(ErrorKind::usage, "address '" + codec::escape_for_display(a) +
                                          "' has no domain (expected user@example.com)");
    return a;
}

std::vector<std::string> split_address_list(std::string_view list) {
    std::vector<std::string> out;
    std::string cur;
    bool quoted = false;
    int angle = 0;
    for (char c : list) {
        if (c == '"') quoted = !quoted;
        if (!quoted && c == '<') ++angle;
        if (!quoted && c == '>' && angle > 0) --angle;
        if (c == ',' && !quoted && angle == 0) {
            if (!trim(cur).empty()) out.push_back(trim(cur));
            cur.clear();
            continue;
        }
        cur += c;
    }
    if (!trim(cur).empty()) out.push_back(trim(cur));
    return out;
}

bool needs_smtputf8(std::string_view address) {
    return !is_ascii(address);
}

void check_header(std::string_view header) {
    auto colon = header.find(':');
    if (colon == std::string_view::npos || colon == 0)
        throw Error(ErrorKind::usage, "--header must look like 'Name: value'");
    for (char ch : header.substr(0, colon))
        if (auto c = static_cast<unsigned char>(ch); c < 33 || c > 126)
            throw Error(ErrorKind::usage,
                        "header name in --header must be printable ASCII without spaces");
    if (has_crlf(header)) throw Error(ErrorKind::usage, "--header must not contain line breaks");
    if (!codec::is_valid_utf8(header))
        throw Error(ErrorKind::usage, "--header must be valid UTF-8");
}

std::string rfc5322_date(std::time_t t) {
    static constexpr std::array<const char*, 7> days = {"Sun", "Mon", "Tue", "Wed",
                                                        "Thu", "Fri", "Sat"};
    static constexpr std::array<const char*, 12> months = {
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d +0000",
                  days[static_cast<std::size_t>(tm.tm_wday)], tm.tm_mday,
                  months[static_cast<std::size_t>(tm.tm_mon)], tm.tm_year + 1900, tm.tm_hour,
                  tm.tm_min, tm.tm_sec);
    return buf;
}

std::string encode_header_text(std::string_view text, std::size_t first_line_used) {
    if (is_ascii(text)) return std::string(text);
    // RFC 2047 §2: an encoded word is at most 75 characters; "=?UTF-8?B?" + "?=" is 12.
    // §5: each word holds whole characters, so split between UTF-8 sequences.
    constexpr std::size_t kWord = 75, kOverhead = 12;
    std::string out;
    std::size_t used = first_line_used;
    std::size_t i = 0;
    while (i < text.size()) {
        std::size_t budget = (kWord - kOverhead) / 4 * 3;  // raw octets per word
        std::size_t end = i;
        while (end < text.size()) {
            std::size_t n = utf8_len(static_cast<unsigned char>(text[end]));
            if (end + n - i > budget) break;
            end += n;
        }
        if (end == i) end = i + 1;
        auto chunk = text.substr(i, end - i);
        std::string word = "=?UTF-8?B?" + codec::base64_encode(chunk) + "?=";
        if (!out.empty()) {
            out += "\r\n ";
            used = 1;
        }
        out += word;
        used += word.size();
        i = end;
    }
    (void)used;
    return out;
}

std::string quoted_printable(std::string_view crlf_text) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    std::size_t pos = 0;
    while (pos < crlf_text.size()) {
        auto eol = crlf_text.find("\r\n", pos);
        bool last = eol == std::string_view::npos;
        auto line = crlf_text.substr(pos, last ? std::string_view::npos : eol - pos);
        std::size_t col = 0;
        for (std::size_t k = 0; k < line.size(); ++k) {
            auto c = static_cast<unsigned char>(line[k]);
            bool at_end = k + 1 == line.size();
            // Rule 3: trailing white space is encoded; rule 2: printable ASCII except '='.
            bool literal =
                (c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !at_end);
            std::string piece = literal ? std::string(1, static_cast<char>(c))
                                        : std::string{'=', hex[c >> 4], hex[c & 0x0F]};
            // Rule 5: lines of at most 76 characters; "=" ends a soft break.
            if (col + piece.size() > 75) {
                out += "=\r\n";
                col = 0;
            }
            out += piece;
            col += piece.size();
        }
        if (last) break;
        out += "\r\n";
        pos = eol + 2;
    }
    return out;
}

std::string normalize_crlf(std::string_view text) {
    std::string out;
    out.reserve(text.size() + text.size() / 32 + 2);
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '\r') {
            out += "\r\n";
            if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
        } else if (c == '\n') {
            out += "\r\n";
        } else {
            out += c;
        }
    }
    if (out.size() < 2 || out.compare(out.size() - 2, 2, "\r\n") != 0) out += "\r\n";
    return out;
}

LongestLine longest_line(std::string_view crlf_text) {
    LongestLine best;
    std::size_t pos = 0, number = 0;
    while (pos < crlf_text.size()) {
        auto eol = crlf_text.find("\r\n", pos);
        std::size_t len = (eol == std::string_view::npos ? crlf_text.size() : eol) - pos;
        ++number;
        if (len > best.length) best = {len, number};
        if (eol == std::string_view::npos) break;
        pos = eol + 2;
    }
    return best;
}

std::string dot_stuff(std::string_view crlf_text) {
    std::string out;
    out.reserve(crlf_text.size() + 64);
    bool line_start = true;
    for (char c : crlf_text) {
        if (line_start && c == '.') out += '.';
        out += c;
        line_start = c == '\n';
    }
    if (!out.empty() && !line_start) out += "\r\n";
    out += ".\r\n";
    return out;
}

BuiltMessage build_message(const MessageSpec& spec) {
    if (!codec::is_valid_utf8(spec.body))
        throw Error(ErrorKind::bad_input, "the message body is not valid UTF-8");
    if (!codec::is_valid_utf8(spec.subject) || has_crlf(spec.subject))
        throw Error(ErrorKind::usage, "the subject must be one line of valid UTF-8");
    for (const auto& h : spec.headers) check_header(h);

    std::string body = normalize_crlf(spec.body);
    BuiltMessage m;
    const bool long_lines = longest_line(body).length > kMaxLineOctets;
    if (is_ascii(body) && !long_lines)
        m.encoding = TransferEncoding::seven_bit;
    else if (spec.eight_bit_ok && !long_lines)
        m.encoding = TransferEncoding::eight_bit;
    else
        m.encoding = TransferEncoding::quoted_printable;
    if (m.encoding == TransferEncoding::quoted_printable)
        body = normalize_crlf(quoted_printable(body));

    std::string& t = m.text;
    t += "Date: " + rfc5322_date(spec.date) + "\r\n";
    t += "Message-ID: " + spec.message_id + "\r\n";
    t += "From: " + header_address(spec.from) + "\r\n";
    if (!spec.to.empty()) t += "To: " + address_list(spec.to) + "\r\n";
    if (!spec.cc.empty()) t += "Cc: " + address_list(spec.cc) + "\r\n";
    t += "Subject: " + encode_header_text(spec.subject, 9) + "\r\n";
    for (const auto& h : spec.headers) {
        auto colon = h.find(':');
        std::string value = trim(std::string_view(h).substr(colon + 1));
        t += h.substr(0, colon) + ": " + encode_header_text(value, colon + 2) + "\r\n";
    }
    t += "MIME-Version: 1.0\r\n";
    t += "Content-Type: text/plain; charset=utf-8\r\n";
    t += "Content-Transfer-Encoding: " + std::string(transfer_encoding_name(m.encoding)) + "\r\n";
    t += "\r\n";
    t += body;
    return m;
}

}  // namespace smtpauth::mail
