// OAuth 2.0 access tokens for mail: flows (RFC 6749 §4.1/§4.4/§6, PKCE RFC 7636, loopback
// redirect RFC 8252, device grant RFC 8628), provider presets, OpenID discovery, the token
// store, and checks that a token can work for SMTP/IMAP/POP3. Library code: no stream I/O
// (the flows report what the user must see through callbacks).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "smtpauth/error.hpp"
#include "smtpauth/secret.hpp"

namespace smtpauth::oauth {

// HTTPS settings for every request to the identity provider. The certificate and host name
// are always verified (system store, or `cafile` instead).
struct HttpSettings {
    std::string cafile;
    std::chrono::milliseconds connect_timeout{10000};
    std::chrono::milliseconds total_timeout{30000};
};

struct Endpoints {
    std::string issuer;     // OpenID issuer, when known
    std::string authorize;  // authorization endpoint (browser flow)
    std::string token;      // token endpoint (every flow)
    std::string device;     // device authorization endpoint (device flow)
};

struct ClientConfig {
    std::string provider;  // "google", "microsoft" or "" (issuer or explicit endpoints)
    std::string tenant;    // Microsoft only
    Endpoints endpoints;
    std::string client_id;
    Secret client_secret;  // empty for a public client
    std::vector<std::string> scopes;
    HttpSettings http;
};

// What a token endpoint answered (RFC 6749 §5.1).
struct TokenSet {
    Secret access_token;
    Secret refresh_token;  // empty when none was issued
    Secret id_token;       // OpenID Connect, when issued
    std::string token_type;
    std::string scope;                       // granted scope, "" when the server did not say
    std::optional<std::int64_t> expires_at;  // Unix seconds
};

// A token endpoint's error answer (RFC 6749 §5.2), explained. Thrown by every flow;
// kind() is auth_rejected. `code` is the `error` value ("invalid_grant", ...), `aadsts` the
// Microsoft AADSTS number when the description carries one.
class TokenEndpointError : public Error {
  public:
    TokenEndpointError(std::string code, std::string aadsts, const std::string& message)
        : Error(ErrorKind::auth_rejected, message),
          code_(std::move(code)),
          aadsts_(std::move(aadsts)) {}
    const std::string& code() const noexcept { return code_; }
    const std::string& aadsts() const noexcept { return aadsts_; }

  private:
    std::string code_;
    std::string aadsts_;
};

// ---- providers (providers.cpp) -------------------------------------------------------------

// Endpoints of a preset ("google" or "microsoft"; tenant "" = "common").
// Throws Error{usage} for another name.
Endpoints preset_endpoints(std::string_view provider, std::string_view tenant);
// Default scopes: Google https://mail.google.com/; Microsoft offline_access and the
// Outlook SMTP/IMAP/POP delegated scopes, or .default for an app-only token.
std::vector<std::string> preset_scopes(std::string_view provider, bool app_only);
// OpenID Connect discovery: GET <issuer>/.well-known/openid-configuration.
Endpoints discover(std::string_view issuer, const HttpSettings& http);

// ---- flows -----------------------------------------------------------------------------------

// Refresh token grant (RFC 6749 §6). The answer may carry a new (rotated) refresh token.
TokenSet refresh(const ClientConfig& client, const Secret& refresh_token);
// Client credentials grant (RFC 6749 §4.4): an app-only token.
TokenSet client_credentials(const ClientConfig& client);

// Device authorization grant (RFC 8628).
struct DeviceCode {
    std::string verification_uri;
    std::string verification_uri_complete;  // "" when not given
    std::string user_code;
    std::string message;  // the provider's own instructions, "" when not given
    std::chrono::seconds interval{5};
    std::chrono::seconds expires_in{900};
};
struct DeviceEvents {
    std::function<void(const DeviceCode&)> show_code;       // tell the user where to go
    std::function<void(std::chrono::seconds)> slowed_down;  // the new polling interval
};
// Polls until the user approves, denies (access_denied: TokenEndpointError), the code
// expires (expired_token: Error{timeout}) or `timeout` passes (Error{timeout}).
TokenSet device_flow(const ClientConfig& client, const DeviceEvents& events,
                     std::chrono::milliseconds timeout);

// Authorization code grant with PKCE S256 and a loopback redirect on 127.0.0.1.
struct BrowserEvents {
    std::function<void(const std::string& url)> show_url;  // called once the listener is up
    // Called for a request that is not the awaited callback (wrong path, wrong state, a
    // second callback); the text says what was refused.
    std::function<void(const std::string& what)> refused;
};
TokenSet browser_flow(const ClientConfig& client, const BrowserEvents& events,
                      std::chrono::milliseconds timeout);

// PKCE (RFC 7636 §4.1/§4.2): a fresh 43-character verifier and its S256 challenge.
std::string pkce_verifier();
std::string pkce_challenge_s256(std::string_view verifier);

// ---- token checks (mail_checks.cpp) --------------------------------------------------------

// Claims of a JWT access token or id_token as text (decoded, NOT verified): name -> value,
// e.g. "aud" -> "https://outlook.office.com". Empty for an opaque token.
std::vector<std::pair<std::string, std::string>> jwt_claims(std::string_view token);

// Reasons why this token cannot work for mail (Graph audience, missing SMTP.Send, Google
// token without the mail scope, ...). `provider` may be "" (then guessed from the claims).
std::vector<std::string> mail_warnings(std::string_view provider, const TokenSet& tokens);

// ---- the store (store.cpp) -----------------------------------------------------------------

// The JSON file that keeps a client's configuration and its tokens (man smtpauth, TOKEN STORE).
struct Store {
    ClientConfig client;  // provider, tenant, endpoints, client id/secret, scopes, cafile
    TokenSet tokens;
};

// An exclusive lock on the store (a sibling FILE.lock, flock(2)), held while alive, so that
// two processes refreshing at once make one request. Waits at most `wait`; Error{timeout}.
class StoreLock {
  public:
    StoreLock(const std::string& path, std::chrono::milliseconds wait);
    StoreLock(const StoreLock&) = delete;
    StoreLock& operator=(const StoreLock&) = delete;
    ~StoreLock();

  private:
    int fd_ = -1;
};

// Commands that encrypt (stdin plain -> stdout cipher) and decrypt the file, e.g. gpg;
// empty = plain JSON.
struct StoreCodec {
    std::string encrypt_cmd;
    std::string decrypt_cmd;
};

// Reads the store. Throws Error{no_input} when missing, Error{bad_input} when it is readable
// by group or others or is not a valid store.
Store load_store(const std::string& path, const StoreCodec& codec = {});
// Writes it atomically (temp file mode 0600 in the same directory, fsync, rename).
void save_store(const std::string& path, const Store& store, const StoreCodec& codec = {});
bool store_exists(const std::string& path);

// True when the access token is present and valid for more than `margin` from `now`.
bool access_token_fresh(
    const TokenSet& tokens, std::chrono::seconds margin,
    std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

// A valid access token from the store: the saved one when it is valid for more than 60 s,
// else refreshed (saving a rotated refresh token), all under the lock. `refreshed` tells
// whether a request was made. invalid_grant becomes a TokenEndpointError whose message says
// the authorization is gone and names the command that renews it.
// `force_refresh` refreshes even a valid token (--flow refresh).
TokenSet token_from_store(const std::string& path, const StoreCodec& codec = {},
                          bool* refreshed = nullptr, bool force_refresh = false);

// The `smtpauth token` command line that renews the store's authorization.
std::string renew_command(const std::string& path, const Store& store);

}  // namespace smtpauth::oauth
