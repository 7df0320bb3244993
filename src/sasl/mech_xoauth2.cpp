// XOAUTH2 (Google "OAuth 2.0 Mechanism", Microsoft "Authenticate ... using OAuth"; not
// IANA-registered): "user=" user ^A "auth=Bearer " token ^A ^A, and a JSON error challenge
// that the client acknowledges with an empty response.
// The client, its registry entry, and its explain functions for `decode`.
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "sasl/mechanisms.hpp"
#include "sasl/oauth_error.hpp"
#include "sasl/token_internal.hpp"
#include "smtpauth/error.hpp"
#include "smtpauth/sasl/registry.hpp"

namespace smtpauth::sasl::detail {

namespace {

constexpr std::string_view kName = "XOAUTH2";

class XOAuth2 final : public Mechanism {
  public:
    explicit XOAuth2(Credentials c) : credentials_(std::move(c)) {}

    std::string_view name() const override { return kName; }

    std::optional<Response> initial_response() override {
        sent_ = true;
        Response r;
        r.secret = true;
        r.data = "user=" + credentials_.user + "\x01" + "auth=Bearer ";
        r.data.append(credentials_.secret.reveal());
        r.data += "\x01\x01";
        return r;
    }

    Response step(BytesView challenge) override {
        if (!sent_ && challenge.empty()) return *initial_response();
        if (!sent_ || error_) unexpected_challenge(name(), challenge);
        // After the client message the only challenge is the error JSON (Google: status,
        // schemes, scope); the client answers an empty line and the server then fails.
        error_ = parse_oauth_error(name(), challenge);
        return Response{};
    }

    bool done() const override { return sent_; }
    std::optional<ServerError> server_error() const override { return error_; }

  private:
    Credentials credentials_;
    bool sent_ = false;
    std::optional<ServerError> error_;
};

// ---- decode ---------------------------------------------------------------------------------

std::optional<ContentMatch> recognise(BytesView data) {
    std::string_view s = data;
    // "user=" {user} ^A "auth=Bearer " {token} ^A ^A
    if (s.starts_with("user=") && s.find("\x01"
                                         "auth=") != std::string_view::npos)
        return ContentMatch{TokenDirection::client, std::string(kName), false};
    return std::nullopt;
}

// The server's JSON error: Google's uses HTTP-style numbers as "status".
std::optional<ContentMatch> recognise_error(BytesView data) {
    auto status = token_detail::oauth_error_status(data);
    if (!status || status->empty() || status->find_first_not_of("0123456789") != std::string::npos)
        return std::nullopt;
    return ContentMatch{TokenDirection::server, std::string(kName), true};
}

constexpr std::string_view kAnswerNote =
    "the client must answer with an empty line; the server then fails";

// "user=" {user} ^A "auth=Bearer " {token} ^A ^A   (Google's xoauth2-protocol page)
void explain_client(BytesView data, DecodedMessage& msg, DecodeContext& ctx) {
    msg.mechanism = std::string(kName);
    msg.direction = TokenDirection::client;
    if (data.empty()) {
        msg.kind = MessageKind::error_ack;
        msg.summary = "empty response acknowledging the server's error";
        return;
    }
    msg.kind = MessageKind::client_response;
    msg.summary = "XOAUTH2 credentials";
    std::string_view s = data;
    bool terminated = s.ends_with("\x01\x01");
    if (terminated)
        s.remove_suffix(2);
    else if (s.ends_with("\x01"))
        s.remove_suffix(1);
    bool have_auth = false;
    for (auto kv : token_detail::split(s, '\x01')) {
        auto eq = kv.find('=');
        std::string_view key = kv.substr(0, eq);
        std::string_view value =
            eq == std::string_view::npos ? std::string_view{} : kv.substr(eq + 1);
        if (key == "user") {
            token_detail::require_utf8(value, "XOAUTH2 user");
            msg.fields.emplace_back("user", std::string(value));
        } else if (key == "auth") {
            have_auth = true;
            token_detail::explain_bearer(value, msg, ctx.options());
        } else {
            msg.fields.emplace_back(std::string(key), std::string(value));
            msg.notes.push_back("unexpected key '" + std::string(key) + "'");
        }
    }
    if (!have_auth) throw Error(ErrorKind::bad_input, "XOAUTH2 message has no auth= part");
    if (!terminated) msg.notes.push_back("does not end with ^A^A as the format requires");
}

void explain_server(BytesView data, DecodedMessage& msg, DecodeContext& ctx) {
    // Named by the AUTH line, or guessed from the status format.
    if (ctx.mechanism() == kName) msg.mechanism = std::string(kName);
    if (token_detail::explain_oauth_error_json(data, msg, kName, kAnswerNote)) return;
    msg.mechanism = std::string(kName);
    msg.kind = MessageKind::challenge;
    token_detail::explain_unknown(data, msg);
    msg.notes.push_back("expected a JSON error object from the server");
}

constexpr MechanismDecoder kDecoder{
    .family = kName,
    .recognise = recognise,
    .recognise_weak = recognise_error,
    .explain_client = explain_client,
    .explain_server = explain_server,
    .explains_empty_client = true,
    .content_decides = true,
};

}  // namespace

std::unique_ptr<Mechanism> make_xoauth2(Credentials c, const MechanismOptions&) {
    constexpr std::string_view mech = "XOAUTH2";
    // ^A separates the fields, so neither field may contain it (or any other control).
    require_non_empty(mech, "user name", c.user);
    require_utf8(mech, "user name", c.user);
    require_no_controls(mech, "user name", c.user);
    require_non_empty(mech, "token", c.secret.reveal());
    require_no_controls(mech, "token", c.secret.reveal());
    return std::make_unique<XOAuth2>(std::move(c));
}

constinit const MechanismInfo kXOAuth2{
    .name = kName,
    .description = "OAuth 2.0 bearer token, Google/Microsoft format (non-standard)",
    .traits = {.needs_token = true, .reveals_secret = true, .standard = false},
    .strength = 30,
    .make = make_xoauth2,
    .gen = {},
    .decoder = &kDecoder,
};

}  // namespace smtpauth::sasl::detail
