// LOGIN (draft-murchison-sasl-login-00, IANA "OBSOLETE"): user name, then password, each
// answering one server prompt whose text the client must ignore. The client, its registry
// entry, and its explain/check functions for `decode`.
#include <array>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "crypto/crypto.hpp"
#include "sasl/mechanisms.hpp"
#include "sasl/token_internal.hpp"
#include "smtpauth/codec.hpp"
#include "smtpauth/sasl/registry.hpp"

namespace smtpauth::sasl::detail {

namespace {

constexpr std::string_view kName = "LOGIN";

class Login final : public Mechanism {
  public:
    explicit Login(Credentials c) : credentials_(std::move(c)) {}

    std::string_view name() const override { return kName; }

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

// ---- decode ---------------------------------------------------------------------------------

enum class Next { user, password, done };

struct LoginState final : DecodeState {
    Next next = Next::user;
    std::string user;
};

// "Username:"/"User Name\0" -> user, "Password:" -> password, otherwise nullopt.
std::optional<Next> prompt_kind(BytesView data) {
    std::string_view s = data;
    while (!s.empty() && (s.back() == '\0' || s.back() == ':' || s.back() == ' '))
        s.remove_suffix(1);
    if (token_detail::iequals(s, "Username") || token_detail::iequals(s, "User Name"))
        return Next::user;
    if (token_detail::iequals(s, "Password")) return Next::password;
    return std::nullopt;
}

std::optional<ContentMatch> recognise(BytesView data) {
    if (!prompt_kind(data)) return std::nullopt;
    return ContentMatch{TokenDirection::server, std::string(kName), true};
}

struct LoginCheck final : CheckData {
    Secret password;
};

PasswordCheck check(const CheckData& data, const Secret& password) {
    PasswordCheck c;
    c.matches = crypto::constant_time_equal(static_cast<const LoginCheck&>(data).password.reveal(),
                                            password.reveal());
    return c;
}

void client_redacted(DecodeContext& ctx) {
    auto& st = ctx.state<LoginState>();
    if (st.next == Next::password)
        st.next = Next::done;
    else if (st.next == Next::user)
        st.next = Next::password;
}

void explain_server(BytesView data, DecodedMessage& msg, DecodeContext& ctx);
void explain_client(BytesView data, DecodedMessage& msg, DecodeContext& ctx);

constexpr MechanismDecoder kDecoder{
    .family = kName,
    .recognise = recognise,
    .explain_client = explain_client,
    .explain_server = explain_server,
    .unmarked_is_client = true,
    .client_redacted = client_redacted,
    .check = check,
};

// Two server prompts, two client answers (draft-murchison-sasl-login-00 §2); the client
// must ignore the prompt text, so the order decides what an answer is.
void explain_server(BytesView data, DecodedMessage& msg, DecodeContext& ctx) {
    msg.mechanism = std::string(kName);
    ctx.set_mechanism(std::string(kName));
    auto& st = ctx.state<LoginState>();
    msg.direction = TokenDirection::server;
    msg.kind = MessageKind::prompt;
    msg.fields.emplace_back("prompt", std::string(data));
    if (auto kind = prompt_kind(data)) {
        st.next = *kind;
    } else {
        msg.notes.push_back("non-standard prompt text (clients ignore it; order decides)");
    }
    msg.summary = st.next == Next::password ? "LOGIN prompt for the password"
                                            : "LOGIN prompt for the user name";
}

void explain_client(BytesView data, DecodedMessage& msg, DecodeContext& ctx) {
    msg.mechanism = std::string(kName);
    ctx.set_mechanism(std::string(kName));
    auto& st = ctx.state<LoginState>();
    msg.direction = TokenDirection::client;
    if (st.next == Next::password) {
        msg.kind = MessageKind::password;
        msg.summary = "LOGIN password";
        msg.fields.emplace_back("password", std::string(data), true);
        if (data.find_first_of(std::string_view("\0\r\n", 3)) != std::string_view::npos)
            msg.notes.push_back("password contains NUL, CR or LF (not allowed by the draft)");
        st.next = Next::done;
        auto material = std::make_unique<LoginCheck>();
        material->password = Secret(std::string(data));
        ctx.add_check(kDecoder, msg, st.user, std::move(material));
        return;
    }
    if (st.next == Next::done) {
        msg.kind = MessageKind::client_response;
        msg.summary = "LOGIN: unexpected third client message";
        msg.fields.emplace_back("data", std::string(data), true);
        return;
    }
    msg.kind = MessageKind::username;
    msg.summary = "LOGIN user name";
    msg.fields.emplace_back("user", std::string(data));
    if (!codec::is_valid_utf8(data)) msg.notes.push_back("user name is not valid UTF-8");
    st.user = std::string(data);
    st.next = Next::password;
}

// The customary prompts `gen` answers (the client ignores their text).
constexpr std::array<std::string_view, 2> kPrompts{"Username:", "Password:"};

}  // namespace

std::unique_ptr<Mechanism> make_login(Credentials c, const MechanismOptions&) {
    constexpr std::string_view mech = kName;
    // The draft: user name UTF-8; the password any octets except NUL, CR and LF.
    require_non_empty(mech, "user name", c.user);
    require_no_bytes(mech, "user name", c.user, "\r\n");
    require_utf8(mech, "user name", c.user);
    require_non_empty(mech, "password", c.secret.reveal());
    require_no_bytes(mech, "password", c.secret.reveal(), "\r\n");
    return std::make_unique<Login>(std::move(c));
}

constinit const MechanismInfo kLogin{
    .name = kName,
    .description = "user name and password in two steps (obsolete draft)",
    .traits = {.client_first = false, .needs_password = true, .reveals_secret = true},
    .strength = 50,
    .make = make_login,
    .gen = {.canned_challenges = kPrompts},
    .decoder = &kDecoder,
};

}  // namespace smtpauth::sasl::detail
