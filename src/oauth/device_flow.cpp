// Device authorization grant (RFC 8628): request a user code (§3.1/§3.2), let the user sign
// in elsewhere, poll the token endpoint (§3.4) at `interval`, honouring §3.5:
// authorization_pending, slow_down (+5 s for this and every later poll), access_denied,
// expired_token.
#include <algorithm>
#include <chrono>
#include <thread>

#include "oauth/token_request.hpp"
#include "smtpauth/codec.hpp"
#include "smtpauth/oauth.hpp"

namespace smtpauth::oauth {

namespace {

using Clock = std::chrono::steady_clock;

std::chrono::seconds seconds_member(const nlohmann::json& doc, const char* key,
                                    std::chrono::seconds fallback) {
    if (!doc.contains(key)) return fallback;
    const auto& v = doc.at(key);
    if (!(v.is_number_integer() || v.is_number_unsigned())) return fallback;
    long long n = v.get<long long>();
    if (n < 1 || n > 86400) return fallback;
    return std::chrono::seconds(n);
}

std::string joined(const std::vector<std::string>& scopes) {
    std::string out;
    for (const auto& s : scopes) out += (out.empty() ? "" : " ") + s;
    return out;
}

DeviceCode request_device_code(const ClientConfig& client, Secret& device_code) {
    if (client.endpoints.device.empty())
        throw Error(ErrorKind::usage,
                    "the device flow needs a device authorization endpoint: --provider, an "
                    "--issuer whose discovery lists one, or --device-endpoint");
    std::vector<http::FormField> form;
    detail::add_client_authentication(client, form);
    if (!client.scopes.empty()) form.push_back({"scope", Secret(joined(client.scopes))});
    http::Response r = http::post_form(client.endpoints.device, form, client.http,
                                       "device authorization endpoint");
    auto doc = detail::json_object(r.body);
    if (!doc)
        throw Error(ErrorKind::protocol, "the device authorization endpoint answered HTTP " +
                                             std::to_string(r.status) +
                                             " without a JSON object (malformed answer)");
    if (!detail::error_code(*doc).empty())
        throw detail::explain_error(*doc, "device authorization endpoint", client.provider);
    DeviceCode code;
    device_code = Secret(detail::string_member(*doc, "device_code"));
    code.user_code = detail::string_member(*doc, "user_code");
    code.verification_uri = detail::string_member(*doc, "verification_uri");
    if (code.verification_uri.empty())  // Google's older name
        code.verification_uri = detail::string_member(*doc, "verification_url");
    code.verification_uri_complete = detail::string_member(*doc, "verification_uri_complete");
    code.message = detail::string_member(*doc, "message");
    code.interval = seconds_member(*doc, "interval", std::chrono::seconds(5));
    code.expires_in = seconds_member(*doc, "expires_in", std::chrono::seconds(900));
    if (device_code.empty() || code.user_code.empty() || code.verification_uri.empty())
        throw Error(ErrorKind::protocol,
                    "the device authorization endpoint's answer lacks device_code, user_code or "
                    "verification_uri");
    if (code.user_code.size() > 64 || code.verification_uri.size() > 2048)
        throw Error(ErrorKind::protocol, "the device authorization endpoint's answer is oversized");
    return code;
}

}  // namespace

TokenSet device_flow(const ClientConfig& client, const DeviceEvents& events,
                     std::chrono::milliseconds timeout) {
    if (client.endpoints.token.empty() || client.client_id.empty())
        throw Error(ErrorKind::usage, "the device flow needs a token endpoint and --client-id");
    Secret device_code;
    DeviceCode code = request_device_code(client, device_code);
    if (events.show_code) events.show_code(code);

    const auto start = Clock::now();
    const auto expires = start + code.expires_in;
    const auto deadline = start + timeout;
    auto interval = code.interval;
    for (;;) {
        auto wake = Clock::now() + interval;
        if (wake > deadline)
            throw Error(ErrorKind::timeout, "the sign-in was not completed within --timeout (" +
                                                std::to_string(timeout.count() / 1000) + " s)");
        std::this_thread::sleep_until(wake);
        std::vector<http::FormField> form;
        form.push_back(
            {"grant_type", Secret(std::string("urn:ietf:params:oauth:grant-type:device_code"))});
        form.push_back({"device_code", device_code.clone()});
        detail::add_client_authentication(client, form);
        try {
            return detail::request_token(client, client.endpoints.token, form, "token endpoint");
        } catch (const TokenEndpointError& e) {
            if (e.code() == "authorization_pending") {
                // keep polling
            } else if (e.code() == "slow_down") {
                interval += std::chrono::seconds(5);
                if (events.slowed_down) events.slowed_down(interval);
            } else if (e.code() == "expired_token") {
                throw Error(ErrorKind::timeout,
                            "the device code expired before the sign-in was completed; run the "
                            "command again and complete the sign-in sooner");
            } else {
                throw;
            }
        }
        if (Clock::now() > expires)
            throw Error(ErrorKind::timeout, "the device code expired (after " +
                                                std::to_string(code.expires_in.count()) +
                                                " s) before the sign-in was completed");
    }
}

}  // namespace smtpauth::oauth
