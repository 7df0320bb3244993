// swaks transcripts: "->"/"<-" cleartext, "~>"/"<~" inside TLS, "<-*"/"<~*" error replies,
// "***" swaks errors, "===" swaks events; the server's text follows two blanks.
#include <array>
#include <string_view>

#include "reader/reader_internal.hpp"

namespace smtpauth::reader::detail {

namespace {

struct SwaksMarker {
    std::string_view text;
    Dir dir;
};

constexpr std::array<SwaksMarker, 6> kMarkers{{{"<~*", Dir::server},
                                               {"<-*", Dir::server},
                                               {"->", Dir::client},
                                               {"~>", Dir::client},
                                               {"<-", Dir::server},
                                               {"<~", Dir::server}}};

std::string_view trim_left(std::string_view s) {
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    return s;
}

}  // namespace

int score_swaks(std::string_view line) {
    std::string_view t = trim_left(line);
    if (t.starts_with("=== ") || t.starts_with("*** ")) return 3;
    for (const auto& m : kMarkers)
        if (t.starts_with(m.text) && t.substr(m.text.size()).starts_with("  ")) return 3;
    return 0;
}

void normalise_swaks(std::size_t n, std::string_view line, Sink& out, std::string&) {
    std::string_view t = trim_left(line);
    for (const auto& m : kMarkers) {
        if (!t.starts_with(m.text)) continue;
        std::string_view rest = t.substr(m.text.size());
        if (!rest.empty() && rest.front() != ' ') break;
        // One blank after a client marker; two after a server marker.
        if (!rest.empty()) rest.remove_prefix(1);
        if (m.dir == Dir::server && rest.starts_with(" ")) rest.remove_prefix(1);
        return out.line(n, m.dir, rest);
    }
    out.chatter(n);
}

}  // namespace smtpauth::reader::detail
