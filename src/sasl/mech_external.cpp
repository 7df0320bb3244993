// EXTERNAL (RFC 4422 Appendix A): the credentials come from outside SASL (a TLS client
// certificate); the one message is the authorization identity, or empty to derive it.
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "sasl/mechanisms.hpp"

namespace smtpauth::sasl::detail {

namespace {

class External final : public Mechanism {
  public:
    explicit External(std::string authzid) : authzid_(std::move(authzid)) {}

    std::string_view name() const override { return "EXTERNAL"; }

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

}  // namespace

std::unique_ptr<Mechanism> make_external(Credentials c, const MechanismOptions&) {
    // authz-id-string = 1*( UTF8-char-no-nul ). Older callers put the identity in `user`;
    // an explicit authzid wins.
    std::string authzid = !c.authzid.empty() ? c.authzid : c.user;
    require_no_bytes("EXTERNAL", "authorization identity", authzid, {});
    require_utf8("EXTERNAL", "authorization identity", authzid);
    return std::make_unique<External>(std::move(authzid));
}

}  // namespace smtpauth::sasl::detail
