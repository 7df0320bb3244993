// JSON rendering of decoded SASL tokens and transcripts (schema_version 1, man smtpauth).
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "render/decode_common.hpp"
#include "render/decode_mask.hpp"
#include "smtpauth/codec.hpp"
#include "smtpauth/render_decode.hpp"

namespace smtpauth::render {

namespace {

// JSON strings must be UTF-8: valid text goes as is (the serializer escapes controls as
// \u00XX), anything else in the escaped display form.
nlohmann::ordered_json text_value(std::string_view s) {
    if (codec::is_valid_utf8(s)) return std::string(s);
    return codec::escape_for_display(s);
}

nlohmann::ordered_json nullable(std::string_view s) {
    if (s.empty()) return nullptr;
    return text_value(s);
}

nlohmann::ordered_json check_object(const sasl::PasswordCheck& c,
                                    const decode_detail::TextMasker& masker) {
    nlohmann::ordered_json o = {{"mechanism", text_value(masker.mask(c.mechanism))},
                                {"line", c.line},
                                {"matches", c.matches}};
    if (c.server_signature_matches) o["server_signature_matches"] = *c.server_signature_matches;
    return o;
}

}  // namespace

std::string decode_json(const sasl::DecodeResult& result,
                        std::span<const sasl::PasswordCheck> checks,
                        const DecodeRenderOptions& options) {
    decode_detail::TextMasker masker(options.known_password, options.show_secrets);
    nlohmann::ordered_json messages = nlohmann::ordered_json::array();
    for (const auto& m : result.messages) {
        nlohmann::ordered_json fields = nlohmann::ordered_json::array();
        for (const auto& f : m.fields) {
            bool hidden = f.secret() && !options.show_secrets;
            nlohmann::ordered_json value = nullptr;
            if (!hidden)
                value = text_value(f.secret() ? std::string(f.value())
                                   : f.raw()  ? masker.excerpt(f.value())
                                              : masker.mask(f.value()));
            nlohmann::ordered_json field = {{"name", text_value(f.name())},
                                            {"value", std::move(value)},
                                            {"secret", f.secret()},
                                            {"hidden", hidden}};
            if (f.secret()) field["bytes"] = f.size();
            if (f.raw()) field["excerpt"] = true;
            fields.push_back(std::move(field));
        }
        nlohmann::ordered_json notes = nlohmann::ordered_json::array();
        for (const auto& n : m.notes) notes.push_back(text_value(masker.mask(n)));
        messages.push_back({{"line", m.line},
                            {"direction", decode_detail::direction_name(m.direction)},
                            {"mechanism", nullable(masker.mask(m.mechanism))},
                            {"kind", message_kind_name(m.kind)},
                            {"summary", text_value(masker.mask(m.summary))},
                            {"fields", std::move(fields)},
                            {"notes", std::move(notes)}});
    }
    nlohmann::ordered_json doc = {{"schema_version", 1}};
    if (!options.format.empty()) {
        doc["format"] = options.format;
        doc["format_detected"] = options.format_detected;
    }
    doc["messages"] = std::move(messages);
    // check_password: the first mismatch, else the last check (one verdict for scripts);
    // password_checks: one row per checked exchange.
    if (checks.empty()) {
        doc["check_password"] = nullptr;
    } else {
        const sasl::PasswordCheck* verdict = &checks.back();
        for (const auto& c : checks)
            if (!c.matches) {
                verdict = &c;
                break;
            }
        doc["check_password"] = check_object(*verdict, masker);
        nlohmann::ordered_json rows = nlohmann::ordered_json::array();
        for (const auto& c : checks) {
            auto row = check_object(c, masker);
            row["user"] = nullable(masker.mask(c.user));
            rows.push_back(std::move(row));
        }
        doc["password_checks"] = std::move(rows);
    }
    return doc.dump(2) + "\n";
}

std::string decode_json(const sasl::DecodeResult& result,
                        const std::optional<sasl::PasswordCheck>& check,
                        const DecodeRenderOptions& options) {
    std::vector<sasl::PasswordCheck> checks;
    if (check) checks.push_back(*check);
    return decode_json(result, checks, options);
}

}  // namespace smtpauth::render
