// Renders the result of `smtpauth token --json`: token type, scopes, expiry, JWT claims and
// mail warnings; the access token masked unless show_secrets.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "smtpauth/oauth.hpp"

namespace smtpauth::render {

struct TokenReport {
    std::string flow;        // "browser", "device", "refresh", "client-credentials", "store"
    bool refreshed = false;  // a request was made (false: the store's token was valid)
    std::string store;       // the store path, "" without --store
    const oauth::TokenSet* tokens = nullptr;
    std::vector<std::string> warnings;
};

// {"schema_version":1,"flow":...,"token_type":...,"access_token":...,"scopes":[...],
//  "expires_at":...,"expires_in":...,"claims":{...},"id_token_claims":{...},"warnings":[...]}
std::string token_json(
    const TokenReport& report, bool show_secrets,
    std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

}  // namespace smtpauth::render
