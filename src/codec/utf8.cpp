// UTF-8 validation (RFC 3629 §4 grammar) and terminal-safe display of untrusted text.
#include <cstddef>
#include <string>
#include <string_view>

#include "smtpauth/codec.hpp"

namespace smtpauth::codec {

namespace {

// Length of the well-formed UTF-8 sequence starting at s[i], or 0 if it is not one.
//   UTF8-1 = %x00-7F
//   UTF8-2 = %xC2-DF UTF8-tail
//   UTF8-3 = %xE0 %xA0-BF UTF8-tail / %xE1-EC 2( UTF8-tail ) /
//            %xED %x80-9F UTF8-tail / %xEE-EF 2( UTF8-tail )
//   UTF8-4 = %xF0 %x90-BF 2( UTF8-tail ) / %xF1-F3 3( UTF8-tail ) /
//            %xF4 %x80-8F 2( UTF8-tail )
//   UTF8-tail = %x80-BF
std::size_t sequence_length(std::string_view s, std::size_t i) {
    auto byte = [&](std::size_t k) -> unsigned {
        return k < s.size() ? static_cast<unsigned char>(s[k]) : 0x100u;
    };
    auto tail = [&](std::size_t k, unsigned lo = 0x80, unsigned hi = 0xBF) {
        unsigned b = byte(k);
        return b >= lo && b <= hi;
    };
    unsigned b0 = byte(i);
    if (b0 <= 0x7F) return 1;
    if (b0 >= 0xC2 && b0 <= 0xDF) return tail(i + 1) ? 2 : 0;
    if (b0 == 0xE0) return tail(i + 1, 0xA0, 0xBF) && tail(i + 2) ? 3 : 0;
    if ((b0 >= 0xE1 && b0 <= 0xEC) || b0 == 0xEE || b0 == 0xEF)
        return tail(i + 1) && tail(i + 2) ? 3 : 0;
    if (b0 == 0xED) return tail(i + 1, 0x80, 0x9F) && tail(i + 2) ? 3 : 0;
    if (b0 == 0xF0) return tail(i + 1, 0x90, 0xBF) && tail(i + 2) && tail(i + 3) ? 4 : 0;
    if (b0 >= 0xF1 && b0 <= 0xF3) return tail(i + 1) && tail(i + 2) && tail(i + 3) ? 4 : 0;
    if (b0 == 0xF4) return tail(i + 1, 0x80, 0x8F) && tail(i + 2) && tail(i + 3) ? 4 : 0;
    return 0;
}

void append_hex_escape(std::string& out, unsigned char c) {
    static constexpr char kDigits[] = "0123456789abcdef";
    out += "\\x";
    out += kDigits[c >> 4];
    out += kDigits[c & 0x0f];
}

// U+200E, U+200F, U+202A-U+202E, U+2066-U+2069 (UTF-8: E2 80 8E/8F, E2 80 AA-AE,
// E2 81 A6-A9).
bool is_bidi_control(std::string_view seq) {
    auto b1 = static_cast<unsigned char>(seq[1]);
    auto b2 = static_cast<unsigned char>(seq[2]);
    if (static_cast<unsigned char>(seq[0]) != 0xE2) return false;
    if (b1 == 0x80) return b2 == 0x8E || b2 == 0x8F || (b2 >= 0xAA && b2 <= 0xAE);
    if (b1 == 0x81) return b2 >= 0xA6 && b2 <= 0xA9;
    return false;
}

}  // namespace

bool is_valid_utf8(std::string_view text) {
    for (std::size_t i = 0; i < text.size();) {
        std::size_t n = sequence_length(text, i);
        if (n == 0) return false;
        i += n;
    }
    return true;
}

std::string escape_for_display(BytesView text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
        auto c = static_cast<unsigned char>(text[i]);
        std::size_t n = sequence_length(text, i);
        if (n == 0) {  // not UTF-8: show the byte, never pass it to the terminal
            append_hex_escape(out, c);
            ++i;
            continue;
        }
        if (n == 1) {
            if (c == '\\')
                out += "\\\\";
            else if (c == '\t')
                out += "\\t";
            else if (c == '\r')
                out += "\\r";
            else if (c == '\n')
                out += "\\n";
            else if (c < 0x20 || c == 0x7F)
                append_hex_escape(out, c);
            else
                out += static_cast<char>(c);
            ++i;
            continue;
        }
        // C1 controls (U+0080-U+009F, encoded C2 80-C2 9F) act as escapes on some terminals;
        // bidi controls reorder what the reader sees ("Trojan Source"): show both as bytes.
        if ((n == 2 && c == 0xC2 && static_cast<unsigned char>(text[i + 1]) <= 0x9F) ||
            (n == 3 && is_bidi_control(text.substr(i, 3)))) {
            for (std::size_t k = 0; k < n; ++k)
                append_hex_escape(out, static_cast<unsigned char>(text[i + k]));
        } else {
            out.append(text.substr(i, n));
        }
        i += n;
    }
    return out;
}

}  // namespace smtpauth::codec
