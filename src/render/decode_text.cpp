// Human-readable rendering of decoded SASL tokens and transcripts; the redaction point for
// secrets (DESIGN.md: render/ is the only place that redacts).
#include <algorithm>
#include <string>
#include <vector>

#include "render/decode_common.hpp"
#include "render/decode_mask.hpp"
#include "smtpauth/codec.hpp"
#include "smtpauth/render_decode.hpp"

namespace smtpauth::render {

std::string hidden_marker(std::size_t bytes) {
    return "<hidden, " + std::to_string(bytes) + (bytes == 1 ? " byte" : " bytes") +
           "; --show-secrets to show>";
}

namespace {

using decode_detail::TextMasker;

std::string shown_value(const sasl::DecodedField& f, const DecodeRenderOptions& options,
                        const TextMasker& masker) {
    if (f.secret() && !options.show_secrets) return hidden_marker(f.size());
    if (f.value().empty()) return "(empty)";
    if (f.raw()) return codec::escape_for_display(masker.excerpt(f.value()));
    return codec::escape_for_display(masker.mask(f.value()));
}

std::string check_row(const sasl::PasswordCheck& c, const TextMasker& masker) {
    std::string out = c.matches ? "password matches" : "password does NOT match";
    out += " (" + codec::escape_for_display(masker.mask(c.mechanism)) + ", line " +
           std::to_string(c.line);
    if (!c.user.empty()) out += ", user " + codec::escape_for_display(masker.mask(c.user));
    out += ")\n";
    if (c.server_signature_matches)
        out += *c.server_signature_matches
                   ? "server signature v= matches: the server knows this password too\n"
                   : "server signature v= does NOT match this password\n";
    return out;
}

}  // namespace

std::string decode_text(const sasl::DecodeResult& result,
                        std::span<const sasl::PasswordCheck> checks,
                        const DecodeRenderOptions& options) {
    TextMasker masker(options.known_password, options.show_secrets);
    std::string out;
    if (!options.format.empty())
        out += "transcript format: " + codec::escape_for_display(options.format) +
               (options.format_detected ? " (detected)\n" : "\n");
    for (const auto& m : result.messages) {
        out += "line " + std::to_string(m.line) + ", " +
               std::string(decode_detail::direction_name(m.direction));
        if (!m.mechanism.empty()) out += ", " + codec::escape_for_display(masker.mask(m.mechanism));
        out += ": " +
               codec::escape_for_display(masker.mask(
                   m.summary.empty() ? std::string(message_kind_name(m.kind)) : m.summary)) +
               "\n";
        std::size_t width = 0;
        for (const auto& f : m.fields) width = std::max(width, f.name().size());
        for (const auto& f : m.fields) {
            std::string name = codec::escape_for_display(f.name());
            out += "    " + name + ":" +
                   std::string(width + 1 - std::min(width, f.name().size()), ' ') +
                   shown_value(f, options, masker) + "\n";
        }
        for (const auto& n : m.notes)
            out += "    note: " + codec::escape_for_display(masker.mask(n)) + "\n";
    }
    if (result.messages.empty()) out += "nothing to decode\n";
    for (const auto& c : checks) out += check_row(c, masker);
    return out;
}

std::string decode_text(const sasl::DecodeResult& result,
                        const std::optional<sasl::PasswordCheck>& check,
                        const DecodeRenderOptions& options) {
    std::vector<sasl::PasswordCheck> checks;
    if (check) checks.push_back(*check);
    return decode_text(result, checks, options);
}

}  // namespace smtpauth::render
