// JSON for `smtpauth token --json` (man smtpauth, JSON OUTPUT); the access, refresh and id
// tokens are masked here unless --show-secrets.
#include <nlohmann/json.hpp>

#include "smtpauth/render_decode.hpp"
#include "smtpauth/render_token.hpp"

namespace smtpauth::render {

namespace {

nlohmann::json claims_object(std::string_view token) {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& [name, value] : oauth::jwt_claims(token)) out[name] = value;
    return out;
}

nlohmann::json scope_list(std::string_view scope) {
    nlohmann::json out = nlohmann::json::array();
    std::string word;
    for (char c : scope) {
        if (c == ' ') {
            if (!word.empty()) out.push_back(word);
            word.clear();
        } else {
            word += c;
        }
    }
    if (!word.empty()) out.push_back(word);
    return out;
}

}  // namespace

std::string token_json(const TokenReport& report, bool show_secrets,
                       std::chrono::system_clock::time_point now) {
    const oauth::TokenSet& t = *report.tokens;
    auto secret = [show_secrets](const Secret& s) -> nlohmann::json {
        if (s.empty()) return nullptr;
        return show_secrets ? nlohmann::json(std::string(s.reveal()))
                            : nlohmann::json(hidden_marker(s.size()));
    };
    nlohmann::json doc;
    doc["schema_version"] = 1;
    doc["flow"] = report.flow;
    doc["refreshed"] = report.refreshed;
    doc["store"] = report.store.empty() ? nlohmann::json(nullptr) : nlohmann::json(report.store);
    doc["token_type"] = t.token_type.empty() ? "Bearer" : t.token_type;
    doc["access_token"] = secret(t.access_token);
    doc["access_token_bytes"] = t.access_token.size();
    doc["refresh_token"] = secret(t.refresh_token);
    doc["scopes"] = scope_list(t.scope);
    if (t.expires_at) {
        auto now_s =
            std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
        doc["expires_at"] = *t.expires_at;
        doc["expires_in"] = *t.expires_at - now_s;
    } else {
        doc["expires_at"] = nullptr;
        doc["expires_in"] = nullptr;
    }
    doc["claims"] = claims_object(t.access_token.reveal());
    doc["id_token_claims"] = claims_object(t.id_token.reveal());
    doc["warnings"] = report.warnings;
    std::string out = doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
    if (show_secrets) {
        // The document held the tokens: wipe its copies.
        for (const char* key : {"access_token", "refresh_token"})
            if (doc[key].is_string()) wipe_string(doc[key].get_ref<std::string&>());
    }
    return out + "\n";
}

}  // namespace smtpauth::render
