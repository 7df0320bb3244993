// PLAIN (RFC 4616): one client message  [authzid] NUL authcid NUL passwd.
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "sasl/mechanisms.hpp"
#include "smtpauth/secret.hpp"

namespace smtpauth::sasl::detail {

namespace {

class Plain final : public Mechanism {
  public:
    explicit Plain(Credentials c) : credentials_(std::move(c)) {}

    std::string_view name() const override { return "PLAIN"; }

    std::optional<Response> initial_response() override {
        sent_ = true;
        // message = [authzid] UTF8NUL authcid UTF8NUL passwd
        Response r;
        r.secret = true;
        r.data.reserve(credentials_.authzid.size() + credentials_.user.size() +
                       credentials_.secret.size() + 2);
        r.data.append(credentials_.authzid);
        r.data.push_back('\0');
        r.data.append(credentials_.user);
        r.data.push_back('\0');
        r.data.append(credentials_.secret.reveal());
        return r;
    }

    // A server that got no initial response sends an empty challenge (RFC 4422 §5 item 2a);
    // the message goes there instead.
    Response step(BytesView challenge) override {
        if (!sent_ && challenge.empty()) return *initial_response();
        unexpected_challenge(name(), challenge);
    }

    bool done() const override { return sent_; }

  private:
    Credentials credentials_;
    bool sent_ = false;
};

}  // namespace

std::unique_ptr<Mechanism> make_plain(Credentials c, const MechanismOptions&) {
    constexpr std::string_view mech = "PLAIN";
    // authcid = 1*SAFE, passwd = 1*SAFE, authzid = 1*SAFE (absent when empty);
    // SAFE = UTF8-char except NUL (RFC 4616 §2).
    require_non_empty(mech, "user name", c.user);
    require_non_empty(mech, "password", c.secret.reveal());
    require_no_bytes(mech, "user name", c.user, {});
    require_no_bytes(mech, "authorization identity", c.authzid, {});
    require_no_bytes(mech, "password", c.secret.reveal(), {});
    require_utf8(mech, "user name", c.user);
    require_utf8(mech, "authorization identity", c.authzid);
    require_utf8(mech, "password", c.secret.reveal());
    return std::make_unique<Plain>(std::move(c));
}

}  // namespace smtpauth::sasl::detail
