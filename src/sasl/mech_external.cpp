// EXTERNAL (RFC 4422 Appendix A): the credentials come from outside SASL (a TLS client
// certificate); the one message is the authorization identity, or empty to derive it.
// The client, its registry entry, and its explain function for `decode`.
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "sasl/mechanisms.hpp"
#include "sasl/token_internal.hpp"
#include "smtpauth/sasl/registry.hpp"

namespace smtpauth::sasl::detail {

namespace {

constexpr std::string_view kName = "EXTERNAL";

class External final : public Mechanism {
  public:
    explicit External(std::string authzid) : authzid_(std::move(authzid)) {}

    std::string_view name() const override { return kName; }

    // external-message = [ authz-id-string ]   (an empty initial response is meaningful)
    std::optional<Response> initial_response() override {
        sent_ = true;
        return Response{authzid_, false};
    }

    Response step(BytesView challenge) override {
        if (!sent_ && challenge.empty()) return *initial_response();
        unexpected_challenge(name(), challenge);
    }

    bool done() const override { return sent_; }

  private:
    std::string authzid_;
    bool sent_ = false;
};

// ---- decode ---------------------------------------------------------------------------------

// EXTERNAL: the message is the authzid, empty = the identity from TLS (RFC 4422 appendix A).
void explain_client(BytesView data, DecodedMessage& msg, DecodeContext&) {
    msg.mechanism = std::string(kName);
    msg.kind = MessageKind::client_response;
    msg.direction = TokenDirection::client;
    msg.summary = "EXTERNAL authorization identity";
    msg.fields.emplace_back("authzid", std::string(data));
    if (data.empty())
        msg.notes.push_back("empty: act as the identity established outside SASL (e.g. TLS)");
}

constexpr MechanismDecoder kDecoder{
    .family = kName,
    .explain_client = explain_client,
    .explains_empty_client = true,
};

}  // namespace

std::unique_ptr<Mechanism> make_external(Credentials c, const MechanismOptions&) {
    // authz-id-string = 1*( UTF8-char-no-nul ). Older callers put the identity in `user`;
    // an explicit authzid wins.
    std::string authzid = !c.authzid.empty() ? c.authzid : c.user;
    require_no_bytes("EXTERNAL", "authorization identity", authzid, {});
    require_utf8("EXTERNAL", "authorization identity", authzid);
    return std::make_unique<External>(std::move(authzid));
}

constinit const MechanismInfo kExternal{
    .name = kName,
    .description = "credentials from outside SASL, e.g. a TLS client certificate (RFC 4422)",
    .traits = {.needs_user = false},
    .strength = 20,
    .make = make_external,
    .gen = {.positional = GenTraits::Positional::authzid, .takes_authzid = true},
    .decoder = &kDecoder,
};

}  // namespace smtpauth::sasl::detail
