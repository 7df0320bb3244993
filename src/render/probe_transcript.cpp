// Transcript lines for display: escaping of untrusted text and redaction of secrets.
#include "smtpauth/codec.hpp"
#include "smtpauth/render.hpp"

namespace smtpauth::render {

std::string transcript_line_text(const TranscriptEvent& e, bool show_secrets) {
    if (e.sensitivity == Sensitivity::secret && !show_secrets)
        return e.redacted.empty() ? std::string("<redacted>")
                                  : codec::escape_for_display(e.redacted);
    return codec::escape_for_display(e.text);
}

}  // namespace smtpauth::render
