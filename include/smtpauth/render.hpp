// Rendering of probe reports: human text, the -v transcript and JSON. The only place that
// redacts secrets and escapes untrusted server text for display.
#pragma once

#include <optional>
#include <ostream>
#include <string>

#include "smtpauth/probe.hpp"

namespace smtpauth::render {

struct RenderOptions {
    bool verbose = false;       // include the transcript
    bool show_secrets = false;  // print secret lines as sent instead of their redacted form
};

// Human output: summary (and, with verbose, the C:/S: transcript before it). On failure the
// last line is "FAILED at <stage>: <message>".
void probe_text(std::ostream& out, const probe::ProbeReport& report, const RenderOptions& opts);

// One JSON object (schema_version 1, see man smtpauth(1) "JSON OUTPUT") followed by a newline.
void probe_json(std::ostream& out, const probe::ProbeReport& report, const RenderOptions& opts);

// Text that may span lines (a multi-line server reply in a message), ready to print: every
// line escaped for the terminal, lines after the first indented by `indent` spaces.
std::string display_lines(std::string_view text, std::size_t indent);

// The text of a transcript line as it may be shown: escaped, and redacted unless allowed.
std::string transcript_line_text(const TranscriptEvent& e, bool show_secrets);

// One transcript line as probe -v shows it: "  <elapsed> ms ", then "C: ", "S: " ("S~ "
// before TLS) or "* ", then transcript_line_text. No newline.
std::string verbose_transcript_line(const TranscriptEvent& e, bool show_secrets);

// One event of `session` as printed live, without newline; nullopt = print nothing. Verbose:
// verbose_transcript_line. Otherwise server lines as received (escaped), local events after
// "* ", client lines after "> " only when echo_client. A challenge (SMTP 334, IMAP/POP3 "+")
// that is valid base64 is followed by its decoded text.
std::optional<std::string> session_event_line(const TranscriptEvent& e, probe::Protocol protocol,
                                              const RenderOptions& opts, bool echo_client);

}  // namespace smtpauth::render
