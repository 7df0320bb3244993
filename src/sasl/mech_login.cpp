// LOGIN (draft-murchison-sasl-login-00, IANA "OBSOLETE"): user name, then password, each
// answering one server prompt whose text the client must ignore.
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "sasl/mechanisms.hpp"

namespace smtpauth::sasl::detail {

namespace {

class Login final : public Mechanism {
  public:
    explicit Login(Credentials c) : credentials_(std::move(c)) {}

    std::string_view name() const override { return "LOGIN"; }

    // The server speaks first ("Username:" / "User Name\0"); the optional user-name initial
    // response some servers accept is not standard enough to send by default.
    std::optional<Response> initial_response() override { return std::nullopt; }

    // The prompt texts vary between servers (the draft's own "User Name\0", deployed
    // "Username:"), so the challenge content is deliberately not interpreted.
    Response step(BytesView challenge) override {
        switch (answered_++) {
            case 0:
                return Response{credentials_.user, false};
            case 1:
                return Response{Bytes(credentials_.secret.reveal()), true};
            default:
                answered_ = 2;
                unexpected_challenge(name(), challenge);
        }
    }

    bool done() const override { return answered_ >= 2; }

  private:
    Credentials credentials_;
    int answered_ = 0;
};

}  // namespace

std::unique_ptr<Mechanism> make_login(Credentials c, const MechanismOptions&) {
    constexpr std::string_view mech = "LOGIN";
    // The draft: user name UTF-8; the password any octets except NUL, CR and LF.
    require_non_empty(mech, "user name", c.user);
    require_no_bytes(mech, "user name", c.user, "\r\n");
    require_utf8(mech, "user name", c.user);
    require_non_empty(mech, "password", c.secret.reveal());
    require_no_bytes(mech, "password", c.secret.reveal(), "\r\n");
    return std::make_unique<Login>(std::move(c));
}

}  // namespace smtpauth::sasl::detail
