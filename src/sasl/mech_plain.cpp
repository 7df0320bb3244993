// PLAIN (RFC 4616): one client message  [authzid] NUL authcid NUL passwd. The client, its
// registry entry, and its explain/check functions for `decode`.
#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "crypto/crypto.hpp"
#include "sasl/mechanisms.hpp"
#include "sasl/token_internal.hpp"
#include "smtpauth/error.hpp"
#include "smtpauth/sasl/registry.hpp"
#include "smtpauth/secret.hpp"

namespace smtpauth::sasl::detail {

namespace {

constexpr std::string_view kName = "PLAIN";

class Plain final : public Mechanism {
  public:
    explicit Plain(Credentials c) : credentials_(std::move(c)) {}

    std::string_view name() const override { return kName; }

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

// ---- decode ---------------------------------------------------------------------------------

std::optional<ContentMatch> recognise(BytesView data) {
    if (std::count(data.begin(), data.end(), '\0') != 2) return std::nullopt;
    return ContentMatch{TokenDirection::client, std::string(kName), false};
}

struct PlainCheck final : CheckData {
    Secret password;  // the password sent
};

PasswordCheck check(const CheckData& data, const Secret& password) {
    PasswordCheck c;
    c.matches = crypto::constant_time_equal(static_cast<const PlainCheck&>(data).password.reveal(),
                                            password.reveal());
    return c;
}

void explain_client(BytesView data, DecodedMessage& msg, DecodeContext& ctx);

constexpr MechanismDecoder kDecoder{
    .family = kName,
    .recognise = recognise,
    .explain_client = explain_client,
    .content_decides = true,
    .check = check,
};

// message = [authzid] UTF8NUL authcid UTF8NUL passwd   (RFC 4616 §2)
void explain_client(BytesView data, DecodedMessage& msg, DecodeContext& ctx) {
    using token_detail::require_utf8;
    auto nuls = static_cast<std::size_t>(std::count(data.begin(), data.end(), '\0'));
    if (nuls != 2)
        throw Error(ErrorKind::bad_input,
                    "PLAIN message must hold exactly two NUL separators "
                    "([authzid] NUL user NUL password), found " +
                        std::to_string(nuls));
    auto first = data.find('\0');
    auto second = data.find('\0', first + 1);
    std::string_view authzid = data.substr(0, first);
    std::string_view user = data.substr(first + 1, second - first - 1);
    std::string_view password = data.substr(second + 1);
    require_utf8(authzid, "PLAIN authzid");
    require_utf8(user, "PLAIN user");
    require_utf8(password, "PLAIN password");
    msg.mechanism = std::string(kName);
    msg.kind = MessageKind::client_response;
    msg.direction = TokenDirection::client;
    msg.summary = "PLAIN credentials";
    msg.fields.emplace_back("authzid", std::string(authzid));
    msg.fields.emplace_back("user", std::string(user));
    msg.fields.emplace_back("password", std::string(password), true);
    if (authzid.empty())
        msg.notes.push_back("authzid empty: the server derives it from the user");
    else if (authzid != user)
        msg.notes.push_back("authzid differs from user: asks to act as another identity");
    if (user.empty())
        msg.notes.push_back("user is empty (RFC 4616 requires at least one character)");
    if (password.empty())
        msg.notes.push_back("password is empty (RFC 4616 requires at least one character)");
    ctx.set_mechanism(std::string(kName));
    auto material = std::make_unique<PlainCheck>();
    material->password = Secret(std::string(password));
    ctx.add_check(kDecoder, msg, std::string(user), std::move(material));
}

}  // namespace

std::unique_ptr<Mechanism> make_plain(Credentials c, const MechanismOptions&) {
    constexpr std::string_view mech = kName;
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

constinit const MechanismInfo kPlain{
    .name = kName,
    .description = "user name and password in clear (RFC 4616)",
    .traits = {.client_first = true, .needs_password = true, .reveals_secret = true},
    .strength = 60,
    .make = make_plain,
    .gen = {.takes_authzid = true},
    .decoder = &kDecoder,
};

}  // namespace smtpauth::sasl::detail
