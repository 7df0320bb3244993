// XOAUTH2 (Google "OAuth 2.0 Mechanism", Microsoft "Authenticate ... using OAuth"; not
// IANA-registered): "user=" user ^A "auth=Bearer " token ^A ^A, and a JSON error challenge
// that the client acknowledges with an empty response.
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "sasl/mechanisms.hpp"
#include "sasl/oauth_error.hpp"

namespace smtpauth::sasl::detail {

namespace {

class XOAuth2 final : public Mechanism {
  public:
    explicit XOAuth2(Credentials c) : credentials_(std::move(c)) {}

    std::string_view name() const override { return "XOAUTH2"; }

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

}  // namespace smtpauth::sasl::detail
