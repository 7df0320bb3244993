// ANONYMOUS (RFC 4505): one optional trace message (an e-mail address or an opaque token).
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "sasl/mechanisms.hpp"
#include "smtpauth/error.hpp"

namespace smtpauth::sasl::detail {

namespace {

class Anonymous final : public Mechanism {
  public:
    explicit Anonymous(std::string trace) : trace_(std::move(trace)) {}

    std::string_view name() const override { return "ANONYMOUS"; }

    std::optional<Response> initial_response() override {
        sent_ = true;
        return Response{trace_, false};
    }

    Response step(BytesView challenge) override {
        if (!sent_ && challenge.empty()) return *initial_response();
        unexpected_challenge(name(), challenge);
    }

    bool done() const override { return sent_; }

  private:
    std::string trace_;
    bool sent_ = false;
};

std::size_t count_code_points(std::string_view utf8) {
    std::size_t n = 0;
    for (char c : utf8)
        if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
    return n;
}

}  // namespace

std::unique_ptr<Mechanism> make_anonymous(Credentials c, const MechanismOptions&) {
    // message = [ email / token ]; token = 1*255TCHAR (RFC 4505 §3): at most 255 characters
    // of UTF-8 without controls. The trace travels in Credentials::user.
    constexpr std::string_view mech = "ANONYMOUS";
    require_utf8(mech, "trace information", c.user);
    require_no_controls(mech, "trace information", c.user);
    if (count_code_points(c.user) > 255)
        throw Error(ErrorKind::bad_input,
                    "ANONYMOUS: the trace information is longer than 255 characters (RFC 4505)");
    return std::make_unique<Anonymous>(std::move(c.user));
}

}  // namespace smtpauth::sasl::detail
