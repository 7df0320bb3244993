// Explains the JSON error a server sends inside an OAuth exchange, for the mechanisms that
// use one (Google's xoauth2-protocol page: status, schemes, scope; RFC 7628 §3.2.2: status,
// scope, openid-configuration).
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "sasl/token_internal.hpp"

namespace smtpauth::sasl::token_detail {

namespace {

// Nesting cap before parsing: hostile input must not exhaust the stack anywhere.
bool nesting_within(std::string_view s, int cap) {
    int depth = 0;
    bool in_string = false;
    bool escaped = false;
    for (char c : s) {
        if (in_string) {
            if (escaped)
                escaped = false;
            else if (c == '\\')
                escaped = true;
            else if (c == '"')
                in_string = false;
            continue;
        }
        if (c == '"')
            in_string = true;
        else if (c == '{' || c == '[') {
            if (++depth > cap) return false;
        } else if (c == '}' || c == ']') {
            --depth;
        }
    }
    return true;
}

std::string as_text(const nlohmann::ordered_json& v) {
    if (v.is_string()) return v.get<std::string>();
    return v.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

const char* status_hint(const std::string& status) {
    if (status == "401" || status == "invalid_token")
        return "token invalid or expired, or it does not belong to this user";
    if (status == "400" || status == "invalid_request") return "the request was malformed";
    if (status == "insufficient_scope" || status == "403")
        return "the token lacks the scope the server needs";
    return nullptr;
}

}  // namespace

std::optional<std::string> oauth_error_status(BytesView data) {
    if (!nesting_within(data, 32)) return std::nullopt;
    auto doc = nlohmann::ordered_json::parse(data, nullptr, false);
    if (doc.is_discarded() || !doc.is_object()) return std::nullopt;
    auto it = doc.find("status");
    return it == doc.end() ? std::string() : as_text(*it);
}

bool explain_oauth_error_json(BytesView data, DecodedMessage& msg, std::string_view mechanism,
                              std::string_view answer_note) {
    if (!nesting_within(data, 32)) return false;
    // ordered_json keeps the server's key order for display.
    auto doc = nlohmann::ordered_json::parse(data, nullptr, false);
    if (doc.is_discarded() || !doc.is_object()) return false;
    msg.kind = MessageKind::error_json;
    msg.direction = TokenDirection::server;
    std::string status;
    for (const auto& [key, value] : doc.items()) {
        msg.fields.emplace_back(key, as_text(value));
        if (key == "status") status = as_text(value);
    }
    if (msg.mechanism.empty()) {
        msg.mechanism = std::string(mechanism);
        msg.notes.push_back("mechanism guessed from the status format");
    }
    msg.summary = msg.mechanism + " server error";
    if (status.empty()) msg.notes.push_back("no \"status\" (RFC 7628 requires it)");
    if (const char* hint = status_hint(status)) msg.notes.push_back(hint);
    msg.notes.push_back(std::string(answer_note));
    return true;
}

}  // namespace smtpauth::sasl::token_detail
