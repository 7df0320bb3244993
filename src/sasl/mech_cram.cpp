// CRAM-MD5 (RFC 2195) and the non-standard CRAM-SHA1 / CRAM-SHA256 built the same way:
// response = user SP lower-case-hex(HMAC(password, raw challenge)).
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "crypto/crypto.hpp"
#include "sasl/mechanisms.hpp"
#include "smtpauth/codec.hpp"
#include "smtpauth/error.hpp"

namespace smtpauth::sasl::detail {

namespace {

class Cram final : public Mechanism {
  public:
    Cram(std::string_view name, crypto::Digest digest, Credentials c)
        : name_(name), digest_(digest), credentials_(std::move(c)) {}

    std::string_view name() const override { return name_; }
    std::optional<Response> initial_response() override { return std::nullopt; }

    Response step(BytesView challenge) override {
        if (answered_) unexpected_challenge(name_, challenge);
        // RFC 2195 §2: the challenge is a msg-id "<digits.timestamp@host>"; servers vary in
        // the details, so only emptiness is refused (an empty HMAC input proves nothing).
        if (challenge.empty())
            throw Error(ErrorKind::protocol,
                        std::string(name_) + ": the server challenge is empty");
        answered_ = true;
        Bytes mac = crypto::hmac(digest_, credentials_.secret.reveal(), challenge);
        Response r{credentials_.user + " " + codec::hex_encode(mac), true};
        wipe_string(mac);
        return r;
    }

    bool done() const override { return answered_; }

  private:
    std::string_view name_;
    crypto::Digest digest_;
    Credentials credentials_;
    bool answered_ = false;
};

std::unique_ptr<Mechanism> make_cram(std::string_view mech, crypto::Digest digest, Credentials c) {
    require_non_empty(mech, "user name", c.user);
    require_no_bytes(mech, "user name", c.user, "\r\n");
    require_utf8(mech, "user name", c.user);
    require_non_empty(mech, "password", c.secret.reveal());
    return std::make_unique<Cram>(mech, digest, std::move(c));
}

}  // namespace

std::unique_ptr<Mechanism> make_cram_md5(Credentials c, const MechanismOptions&) {
    return make_cram("CRAM-MD5", crypto::Digest::md5, std::move(c));
}
std::unique_ptr<Mechanism> make_cram_sha1(Credentials c, const MechanismOptions&) {
    return make_cram("CRAM-SHA1", crypto::Digest::sha1, std::move(c));
}
std::unique_ptr<Mechanism> make_cram_sha256(Credentials c, const MechanismOptions&) {
    return make_cram("CRAM-SHA256", crypto::Digest::sha256, std::move(c));
}

}  // namespace smtpauth::sasl::detail
