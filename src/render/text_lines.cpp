// Server text over several lines, shown as several lines: each line escaped for the terminal
// (controls as \xNN), continuation lines indented, so a multi-line reply never shows "\n".
#include "smtpauth/codec.hpp"
#include "smtpauth/render.hpp"

namespace smtpauth::render {

std::string display_lines(std::string_view text, std::size_t indent) {
    std::string out;
    std::size_t start = 0;
    for (;;) {
        std::size_t nl = text.find('\n', start);
        std::string_view line = text.substr(start, nl == std::string_view::npos ? nl : nl - start);
        // A CRLF's CR belongs to the line break, not to the text.
        if (nl != std::string_view::npos && !line.empty() && line.back() == '\r')
            line.remove_suffix(1);
        out += codec::escape_for_display(line);
        if (nl == std::string_view::npos) break;
        out += '\n';
        out.append(indent, ' ');
        start = nl + 1;
    }
    return out;
}

}  // namespace smtpauth::render
