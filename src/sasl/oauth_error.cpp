// OAuth error payloads inside SASL (RFC 7628 §3.2.2, Google/Microsoft XOAUTH2 documents):
// a JSON object with "status", and optionally "schemes", "scope", "openid-configuration".
#include "sasl/oauth_error.hpp"

#include <nlohmann/json.hpp>
#include <string>

#include "smtpauth/error.hpp"

namespace smtpauth::sasl::detail {

ServerError parse_oauth_error(std::string_view mech, BytesView challenge) {
    // Keep the server's member order for display: ordered_json.
    auto json = nlohmann::ordered_json::parse(challenge, nullptr, /*allow_exceptions=*/false);
    if (json.is_discarded() || !json.is_object())
        throw Error(ErrorKind::protocol, std::string(mech) +
                                             ": the server challenge is not the JSON error "
                                             "object the mechanism allows (" +
                                             std::to_string(challenge.size()) + " bytes)");
    ServerError e;
    e.detail = std::string(challenge);
    for (const auto& [key, value] : json.items()) {
        std::string text = value.is_string() ? value.get<std::string>() : value.dump();
        if (key == "status") e.summary = text;
        e.fields.emplace_back(key, std::move(text));
    }
    if (e.summary.empty()) e.summary = "error without status";
    return e;
}

}  // namespace smtpauth::sasl::detail
