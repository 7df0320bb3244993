// Human-readable rendering of decoded SASL tokens and transcripts; the redaction point for
// secrets (DESIGN.md: render/ is the only place that redacts).
#include <algorithm>
#include <string>

#include "render/decode_common.hpp"
#include "render/decode_kind.hpp"
#include "smtpauth/codec.hpp"
#include "smtpauth/render_decode.hpp"

namespace smtpauth::render {

std::string hidden_marker(std::size_t bytes) {
    return "<hidden, " + std::to_string(bytes) + (bytes == 1 ? " byte" : " bytes") +
           "; --show-secrets to show>";
}

namespace {

std::string shown_value(const sasl::DecodedField& f, const DecodeRenderOptions& options) {
    if (f.secret() && !options.show_secrets) return hidden_marker(f.size());
    if (f.value().empty()) return "(empty)";
    return codec::escape_for_display(f.value());
}

}  // namespace

std::string decode_text(const sasl::DecodeResult& result,
                        const std::optional<sasl::PasswordCheck>& check,
                        const DecodeRenderOptions& options) {
    std::string out;
    for (const auto& m : result.messages) {
        out += "line " + std::to_string(m.line) + ", " +
               std::string(decode_detail::direction_name(m.direction));
        if (!m.mechanism.empty()) out += ", " + codec::escape_for_display(m.mechanism);
        out += ": " +
               codec::escape_for_display(m.summary.empty() ? std::string(message_kind_name(m.kind))
                                                           : m.summary) +
               "\n";
        std::size_t width = 0;
        for (const auto& f : m.fields) width = std::max(width, f.name().size());
        for (const auto& f : m.fields) {
            std::string name = codec::escape_for_display(f.name());
            out += "    " + name + ":" +
                   std::string(width + 1 - std::min(width, f.name().size()), ' ') +
                   shown_value(f, options) + "\n";
        }
        for (const auto& n : m.notes) out += "    note: " + codec::escape_for_display(n) + "\n";
    }
    if (result.messages.empty()) out += "nothing to decode\n";
    if (check) {
        out += check->matches ? "password matches" : "password does NOT match";
        out += " (" + check->mechanism + ", line " + std::to_string(check->line) + ")\n";
        if (check->server_signature_matches)
            out += *check->server_signature_matches
                       ? "server signature v= matches: the server knows this password too\n"
                       : "server signature v= does NOT match this password\n";
    }
    return out;
}

}  // namespace smtpauth::render
