// Generic transcripts ("C: ..."/"S: ..." or bare protocol lines) and smtpauth's own
// `probe -v`/`send -v`/`session -v` transcripts ("  12 ms C: ...", "S~" cleartext, "* event").
#include <cctype>
#include <string_view>

#include "reader/reader_internal.hpp"

namespace smtpauth::reader::detail {

namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    return s;
}

// "C: x" / "S: x" (also "c:", "C>", "S>"): the direction and the rest.
bool marker(std::string_view s, Dir& dir, std::string_view& rest) {
    if (s.size() < 2) return false;
    char c = static_cast<char>(std::toupper(static_cast<unsigned char>(s[0])));
    if ((c != 'C' && c != 'S') || (s[1] != ':' && s[1] != '>' && s[1] != '~')) return false;
    if (s.size() > 2 && s[2] != ' ') return false;
    if (s[1] == '~' && c != 'S') return false;
    dir = c == 'C' ? Dir::client : Dir::server;
    rest = s.size() > 3 ? s.substr(3) : std::string_view{};
    return true;
}

// smtpauth -v: "<spaces><digits> ms " before the marker.
bool smtpauth_time(std::string_view s, std::string_view& rest) {
    s = trim(s);
    std::size_t i = 0;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
    if (i == 0 || !s.substr(i).starts_with(" ms ")) return false;
    rest = s.substr(i + 4);
    return true;
}

}  // namespace

int score_generic(std::string_view line) {
    Dir d;
    std::string_view rest;
    return marker(trim(line), d, rest) ? 1 : 0;
}

void normalise_generic(std::size_t n, std::string_view line, Sink& out, std::string&) {
    Dir d;
    std::string_view rest;
    if (marker(trim(line), d, rest)) return out.line(n, d, rest);
    out.line(n, Dir::unknown, line);  // the SASL decoder reads other markers and bare lines
}

int score_smtpauth(std::string_view line) {
    std::string_view rest;
    if (line.starts_with("Transcript (S~ = cleartext")) return 20;
    if (!smtpauth_time(line, rest)) return 0;
    Dir d;
    std::string_view r2;
    return marker(rest, d, r2) || rest.starts_with("* ") ? 3 : 0;
}

void normalise_smtpauth(std::size_t n, std::string_view line, Sink& out, std::string&) {
    std::string_view rest;
    if (smtpauth_time(line, rest)) {
        Dir d;
        std::string_view text;
        if (marker(rest, d, text)) {
            // session -v shows a challenge decoded beside its base64: "334 VXNl...   [decoded:
            // Username:]"; the wire line is what comes before.
            auto shown = text.rfind("   [decoded: ");
            if (d == Dir::server && shown != std::string_view::npos && text.ends_with("]"))
                text = text.substr(0, shown);
            return out.line(n, d, text);
        }
        if (rest.starts_with("* "))
            return out.line(n, Dir::unknown, "*: " + std::string(rest.substr(2)));
    }
    out.chatter(n);  // the report around the transcript
}

}  // namespace smtpauth::reader::detail
