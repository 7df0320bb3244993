// Raw input lines for the SASL decoder: a transcript prefix (C:/S:, swaks' and curl's
// markers, timestamps, smtpauth -v's local events) is stripped, then the protocol line is
// classified with the mail/ parsers (session_filter.cpp). The decoder entry points of
// smtpauth/sasl/token.hpp live here, above sasl/ and mail/, so that sasl/ never reads a
// protocol line itself.
#include <array>
#include <cctype>
#include <string_view>
#include <vector>

#include "reader/reader_internal.hpp"
#include "smtpauth/sasl/transcript_line.hpp"

namespace smtpauth::reader::detail {

namespace {

bool is_space(char c) {
    return c == ' ' || c == '\t';
}

std::string_view trim_left(std::string_view s) {
    while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
    return s;
}

// A word of a timestamp as log tools print it: "12", "12ms", "12:00:01.123", "2026-11-27T..".
bool is_timestamp_word(std::string_view w) {
    if (w.empty()) return false;
    bool digit = false;
    for (char c : w) {
        if (c >= '0' && c <= '9') {
            digit = true;
            continue;
        }
        if (std::string_view(".:-+TZms,").find(c) == std::string_view::npos) return false;
    }
    return digit;
}

struct Marker {
    std::string_view text;
    sasl::TokenDirection direction;
    bool info;
};

using sasl::TokenDirection;

// Transcript direction markers: ours and curl's ("C:"/"S:", "S~" for smtpauth's cleartext
// server lines), swaks' ("->", "<-", "~>", "<~"), curl -v's ("> ", "< "; a blank must
// follow, so a raw CRAM challenge "<1.2@host>" is not taken for one), and local-event lines.
constexpr std::array<Marker, 12> kMarkers{{
    {"C:", TokenDirection::client, false},
    {"S:", TokenDirection::server, false},
    {"C>", TokenDirection::client, false},
    {"S>", TokenDirection::server, false},
    {"->", TokenDirection::client, false},
    {"<-", TokenDirection::server, false},
    {"~>", TokenDirection::client, false},
    {"<~", TokenDirection::server, false},
    {"S~", TokenDirection::server, false},  // smtpauth -v: server text before TLS
    {">", TokenDirection::client, false},   // curl -v
    {"<", TokenDirection::server, false},
    {"*:", TokenDirection::unknown, true},
}};

const Marker* marker_at(std::string_view s) {
    for (const auto& m : kMarkers) {
        if (s.size() < m.text.size()) continue;
        // "c:" and "s:" are accepted too; the caller checks that a blank or the end follows.
        if (std::toupper(static_cast<unsigned char>(s[0])) == m.text[0] &&
            s.substr(1, m.text.size() - 1) == m.text.substr(1))
            return &m;
    }
    return nullptr;
}

// Strips "[  12 ms] ", "12:00:01 " and similar, then a direction marker. Liberal on purpose:
// people paste transcripts from many tools.
std::string_view strip_prefix(std::string_view s, sasl::TranscriptLine& out) {
    s = trim_left(s);
    std::string_view rest = s;
    for (int guard = 0; guard < 4 && !rest.empty() && rest.front() == '['; ++guard) {
        auto close = rest.find(']');
        if (close == std::string_view::npos || close > 80) break;
        rest = trim_left(rest.substr(close + 1));
    }
    auto try_marker = [&](std::string_view candidate) -> bool {
        if (const Marker* m = marker_at(candidate)) {
            std::string_view after = candidate.substr(m->text.size());
            if (!after.empty() && !is_space(after.front())) return false;
            if (!after.empty()) after.remove_prefix(1);  // the one separating space
            out.prefix_direction = m->direction;
            if (m->info) out.shape = sasl::LineShape::info;
            rest = after;
            return true;
        }
        return false;
    };
    if (try_marker(rest)) return rest;
    // Up to three timestamp words before the marker ("12:00:01.123 C: ...", "12 ms S: ...",
    // smtpauth -v's "    12 ms C: ..." and its local events "    12 ms * connected").
    std::string_view probe = rest;
    for (int words = 0; words < 3; ++words) {
        auto sp = probe.find_first_of(" \t");
        if (sp == std::string_view::npos) break;
        std::string_view word = probe.substr(0, sp);
        bool unit = words > 0 && (word == "ms" || word == "s" || word == "sec");
        if (!unit && !is_timestamp_word(word)) break;
        probe = trim_left(probe.substr(sp));
        if (try_marker(probe)) return rest;
        if (probe == "*" || probe.starts_with("* ")) {
            out.shape = sasl::LineShape::info;
            return trim_left(probe.substr(1));
        }
    }
    return rest;
}

}  // namespace

sasl::TranscriptLine classify_transcript_line(std::size_t number, std::string_view line) {
    sasl::TranscriptLine out;
    out.number = number;
    out.line = line;
    if (line.size() > sasl::kDecodeMaxLineBytes) return out;  // the decoder reports the cap
    if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    out.text = strip_prefix(line, out);
    if (out.shape != sasl::LineShape::info) classify_protocol_line(out.text, out);
    return out;
}

}  // namespace smtpauth::reader::detail

namespace smtpauth::sasl {

DecodeResult decode_numbered_lines(std::span<const NumberedLine> lines,
                                   const DecodeOptions& options) {
    std::vector<TranscriptLine> classified;
    classified.reserve(lines.size());
    for (const auto& l : lines)
        classified.push_back(reader::detail::classify_transcript_line(l.number, l.text));
    return decode_transcript_lines(classified, options);
}

DecodeResult decode_lines(std::span<const std::string> lines, const DecodeOptions& options) {
    std::vector<NumberedLine> numbered;
    numbered.reserve(lines.size());
    for (std::size_t i = 0; i < lines.size(); ++i) numbered.push_back({i + 1, lines[i]});
    DecodeResult result = decode_numbered_lines(numbered, options);
    for (auto& l : numbered) wipe_string(l.text);
    return result;
}

}  // namespace smtpauth::sasl
