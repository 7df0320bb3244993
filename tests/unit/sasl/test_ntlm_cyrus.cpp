// NTLM through the registry (Cyrus's NTLM client behind our CHALLENGE guard) against the Cyrus
// server oracle's NTLM plugin: the right password only, and our decoder explains every
// message the two exchanged.
#include <doctest/doctest.h>

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cyrus_server.hpp"
#include "smtpauth/codec.hpp"
#include "smtpauth/sasl/registry.hpp"
#include "token_support.hpp"

using smtpauth_test::cyrus_result_name;
using smtpauth_test::CyrusServer;
namespace sasl = smtpauth::sasl;

namespace {

// Passes everything to the real client and keeps a transcript of the exchange.
class Recorder final : public sasl::Mechanism {
  public:
    explicit Recorder(std::unique_ptr<sasl::Mechanism> real) : real_(std::move(real)) {}
    std::string_view name() const override { return real_->name(); }
    std::optional<sasl::Response> initial_response() override {
        auto r = real_->initial_response();
        if (r) lines.push_back("C: AUTH NTLM " + smtpauth::codec::base64_encode(r->data));
        return r;
    }
    sasl::Response step(smtpauth::BytesView challenge) override {
        lines.push_back("S: 334 " + smtpauth::codec::base64_encode(challenge));
        auto r = real_->step(challenge);
        lines.push_back("C: " + smtpauth::codec::base64_encode(r.data));
        return r;
    }
    bool done() const override { return real_->done(); }
    std::vector<std::string> lines;

  private:
    std::unique_ptr<sasl::Mechanism> real_;
};

std::unique_ptr<Recorder> ntlm_client(const char* password) {
    const sasl::MechanismInfo* info = sasl::find_mechanism("NTLM");
    REQUIRE(info != nullptr);
    CHECK(info->traits.cyrus);
    sasl::Credentials c;
    c.user = "dave";
    c.secret = smtpauth::Secret(password);
    c.host = "localhost";
    return std::make_unique<Recorder>(info->make(std::move(c), sasl::MechanismOptions{}));
}

}  // namespace

TEST_SUITE("smtpauth::sasl") {
    TEST_CASE("NTLM client: the Cyrus server's NTLM plugin accepts the right password only") {
        CyrusServer::instance().set_password("dave", "ntlm oracle pass");
        auto good = ntlm_client("ntlm oracle pass");
        auto ok = CyrusServer::instance().authenticate("NTLM", *good);
        CAPTURE(ok.detail);
        CAPTURE(ok.client_error);
        CHECK(cyrus_result_name(ok.result) == "SASL_OK");
        CHECK(ok.challenges == 1);

        good->lines.push_back("S: 235 2.7.0 ok");
        auto decoded = smtpauth::sasl::decode_lines(good->lines);
        REQUIRE(decoded.messages.size() == 4);
        CHECK(decoded.messages[0].summary.find("NTLM NEGOTIATE (type 1)") != std::string::npos);
        CHECK(decoded.messages[1].summary == "NTLM CHALLENGE (type 2)");
        CHECK(decoded.messages[2].summary == "NTLM AUTHENTICATE (type 3)");
        CHECK(token_test::field(decoded.messages[2], "user") == "dave");
        // Cyrus's client answers with NTLMv1 (its ntlm_v2 option sends LMv2 only).
        CHECK(token_test::field(decoded.messages[2], "response") == "NTLMv1");
        // Cyrus's server sends no target info (an empty TargetInfoFields): noted, not an error.
        CHECK(token_test::has_note(decoded.messages[1], "no target info"));
        CHECK(decoded.messages[1].notes.size() == 1);
        CHECK(token_test::has_note(decoded.messages[2], "--check-password checks NTLMv2 only"));
        CHECK(decoded.messages[2].notes.size() == 1);

        auto bad = ntlm_client("ntlm oracle pasS");
        auto no = CyrusServer::instance().authenticate("NTLM", *bad);
        CHECK(cyrus_result_name(no.result) != "SASL_OK");
    }
}
