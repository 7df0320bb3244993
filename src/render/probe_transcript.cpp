// Transcript lines for display: escaping of untrusted text and redaction of secrets.
#include <cstdio>

#include "smtpauth/codec.hpp"
#include "smtpauth/render.hpp"

namespace smtpauth::render {

std::string transcript_line_text(const TranscriptEvent& e, bool show_secrets) {
    if (e.sensitivity == Sensitivity::secret && !show_secrets)
        return e.redacted.empty() ? std::string("<redacted>")
                                  : codec::escape_for_display(e.redacted);
    return codec::escape_for_display(e.text);
}

std::string verbose_transcript_line(const TranscriptEvent& e, bool show_secrets) {
    char stamp[32];
    std::snprintf(stamp, sizeof stamp, "%6lld ms ", static_cast<long long>(e.elapsed.count()));
    const char* dir = "* ";
    if (e.direction == Direction::client) dir = "C: ";
    if (e.direction == Direction::server) dir = e.before_tls ? "S~ " : "S: ";
    return std::string("  ") + stamp + dir + transcript_line_text(e, show_secrets);
}

}  // namespace smtpauth::render
