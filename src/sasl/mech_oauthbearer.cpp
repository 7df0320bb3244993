// OAUTHBEARER (RFC 7628): GS2 header, then key=value pairs separated by ^A; an error JSON
// challenge is acknowledged with the single octet ^A (§3.2.3).
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "sasl/gs2.hpp"
#include "sasl/mechanisms.hpp"
#include "sasl/oauth_error.hpp"

namespace smtpauth::sasl::detail {

namespace {

class OAuthBearer final : public Mechanism {
  public:
    OAuthBearer(std::string authzid, Credentials c)
        : authzid_(std::move(authzid)), credentials_(std::move(c)) {}

    std::string_view name() const override { return "OAUTHBEARER"; }

    // client-resp = (gs2-header kvsep *kvpair kvsep) / kvsep
    // kvpair      = key "=" value kvsep           kvsep = %x01
    // gs2-header  = "n," [ "a=" saslname ] ","    (no channel binding in OAUTHBEARER)
    std::optional<Response> initial_response() override {
        sent_ = true;
        Response r;
        r.secret = true;
        r.data = gs2_header("n", authzid_) + "\x01";
        if (!credentials_.host.empty()) r.data += "host=" + credentials_.host + "\x01";
        if (credentials_.port != 0) r.data += "port=" + std::to_string(credentials_.port) + "\x01";
        r.data += "auth=Bearer ";
        r.data.append(credentials_.secret.reveal());
        r.data += "\x01\x01";
        return r;
    }

    Response step(BytesView challenge) override {
        if (!sent_ && challenge.empty()) return *initial_response();
        if (!sent_ || error_) unexpected_challenge(name(), challenge);
        // §3.2.2: the server's error is a JSON object; §3.2.3: the client MUST answer with
        // a dummy response consisting of the single %x01, then the server fails the exchange.
        error_ = parse_oauth_error(name(), challenge);
        return Response{"\x01", false};
    }

    bool done() const override { return sent_; }
    std::optional<ServerError> server_error() const override { return error_; }

  private:
    std::string authzid_;
    Credentials credentials_;
    bool sent_ = false;
    std::optional<ServerError> error_;
};

}  // namespace

std::unique_ptr<Mechanism> make_oauthbearer(Credentials c, const MechanismOptions&) {
    constexpr std::string_view mech = "OAUTHBEARER";
    // The RFC 7628 examples put the mailbox in the GS2 authzid ("n,a=user@example.com,");
    // an explicit authzid wins, and with neither the header is "n,,".
    std::string authzid = !c.authzid.empty() ? c.authzid : c.user;
    require_utf8(mech, "authorization identity", authzid);
    require_no_controls(mech, "authorization identity", authzid);
    // value = *(VCHAR / SP / HTAB / CR / LF): no ^A inside values, and we send no CR/LF.
    require_no_controls(mech, "host", c.host);
    require_non_empty(mech, "token", c.secret.reveal());
    require_no_controls(mech, "token", c.secret.reveal());
    return std::make_unique<OAuthBearer>(std::move(authzid), std::move(c));
}

}  // namespace smtpauth::sasl::detail
