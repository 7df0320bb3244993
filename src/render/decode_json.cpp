// JSON rendering of decoded SASL tokens and transcripts (schema_version 1, man smtpauth).
#include <nlohmann/json.hpp>
#include <string>

#include "render/decode_common.hpp"
#include "render/decode_kind.hpp"
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

}  // namespace

std::string decode_json(const sasl::DecodeResult& result,
                        const std::optional<sasl::PasswordCheck>& check,
                        const DecodeRenderOptions& options) {
    nlohmann::ordered_json messages = nlohmann::ordered_json::array();
    for (const auto& m : result.messages) {
        nlohmann::ordered_json fields = nlohmann::ordered_json::array();
        for (const auto& f : m.fields) {
            bool hidden = f.secret() && !options.show_secrets;
            nlohmann::ordered_json field = {
                {"name", text_value(f.name())},
                {"value", hidden ? nlohmann::ordered_json(nullptr) : text_value(f.value())},
                {"secret", f.secret()},
                {"hidden", hidden}};
            if (f.secret()) field["bytes"] = f.size();
            fields.push_back(std::move(field));
        }
        nlohmann::ordered_json notes = nlohmann::ordered_json::array();
        for (const auto& n : m.notes) notes.push_back(text_value(n));
        messages.push_back({{"line", m.line},
                            {"direction", decode_detail::direction_name(m.direction)},
                            {"mechanism", nullable(m.mechanism)},
                            {"kind", message_kind_name(m.kind)},
                            {"summary", text_value(m.summary)},
                            {"fields", std::move(fields)},
                            {"notes", std::move(notes)}});
    }
    nlohmann::ordered_json doc = {{"schema_version", 1}, {"messages", std::move(messages)}};
    if (check) {
        doc["check_password"] = {
            {"mechanism", check->mechanism}, {"line", check->line}, {"matches", check->matches}};
        if (check->server_signature_matches)
            doc["check_password"]["server_signature_matches"] = *check->server_signature_matches;
    } else
        doc["check_password"] = nullptr;
    return doc.dump(2) + "\n";
}

}  // namespace smtpauth::render
