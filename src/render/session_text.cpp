// The live output of `session`: each transcript event as it happens, challenges decoded
// beside their base64 (RFC 4954 §4 "334", RFC 3501 §7.5 / RFC 5034 §4 "+").
#include <optional>

#include "smtpauth/codec.hpp"
#include "smtpauth/render.hpp"

namespace smtpauth::render {

namespace {

// The base64 of a server challenge line, if it is one.
std::optional<std::string_view> challenge_base64(std::string_view line, probe::Protocol p) {
    std::string_view prefix = p == probe::Protocol::smtp ? "334 " : "+ ";
    if (line.substr(0, prefix.size()) != prefix) return std::nullopt;
    std::string_view b64 = line.substr(prefix.size());
    if (b64.empty()) return std::nullopt;
    return b64;
}

std::string decoded_challenge(std::string_view line, probe::Protocol p) {
    auto b64 = challenge_base64(line, p);
    if (!b64) return {};
    auto bytes = codec::try_base64_decode(*b64);
    if (!bytes) return {};  // "+ idling", "+ Ready for literal data": not base64
    return "   [decoded: " + codec::escape_for_display(*bytes) + "]";
}

}  // namespace

std::optional<std::string> session_event_line(const TranscriptEvent& e, probe::Protocol protocol,
                                              const RenderOptions& opts, bool echo_client) {
    const std::string decoded =
        e.direction == Direction::server ? decoded_challenge(e.text, protocol) : std::string();
    if (opts.verbose) return verbose_transcript_line(e, opts.show_secrets) + decoded;
    switch (e.direction) {
        case Direction::server:
            return transcript_line_text(e, opts.show_secrets) + decoded;
        case Direction::client:
            if (!echo_client) return std::nullopt;
            return "> " + transcript_line_text(e, opts.show_secrets);
        case Direction::info:
            return "* " + transcript_line_text(e, opts.show_secrets);
    }
    return std::nullopt;
}

}  // namespace smtpauth::render
