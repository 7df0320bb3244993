// ANONYMOUS (RFC 4505): one optional trace message (an e-mail address or an opaque token).
// The client, its registry entry, and its explain function for `decode`.
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "sasl/mechanisms.hpp"
#include "sasl/token_internal.hpp"
#include "smtpauth/error.hpp"
#include "smtpauth/sasl/registry.hpp"

namespace smtpauth::sasl::detail {

namespace {

constexpr std::string_view kName = "ANONYMOUS";

class Anonymous final : public Mechanism {
  public:
    explicit Anonymous(std::string trace) : trace_(std::move(trace)) {}

    std::string_view name() const override { return kName; }

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

// ---- decode ---------------------------------------------------------------------------------

// ANONYMOUS: optional trace information, an email address or opaque text (RFC 4505 §2).
void explain_client(BytesView data, DecodedMessage& msg, DecodeContext&) {
    msg.mechanism = std::string(kName);
    msg.kind = MessageKind::client_response;
    msg.direction = TokenDirection::client;
    msg.summary = "ANONYMOUS trace information";
    msg.fields.emplace_back("trace", std::string(data));
}

constexpr MechanismDecoder kDecoder{
    .family = kName,
    .explain_client = explain_client,
};

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

constinit const MechanismInfo kAnonymous{
    .name = kName,
    .description = "no credentials, optional trace string (RFC 4505)",
    .traits = {.needs_user = false},
    .strength = 10,
    .make = make_anonymous,
    .gen = {.positional = GenTraits::Positional::trace},
    .decoder = &kDecoder,
};

}  // namespace smtpauth::sasl::detail
