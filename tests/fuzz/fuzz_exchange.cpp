// Fuzz target: the SASL exchange driver (RFC 4422 §3-§5 with the RFC 4954 / RFC 4959 /
// RFC 5034 rules) over a scripted carrier whose replies come from the fuzz input.
// Input: byte 0 picks the mechanism; then records "<kind byte><payload>\n" (kind % 4:
// challenge, success, failure, mechanism refused). Properties: only smtpauth::Error escapes;
// a challenge that is not strict base64 or exceeds the cap is answered with "*" and nothing
// else; the exchange ends within kMaxRounds challenges; round_trips counts the client
// lines; a mechanism that must verify the server is never "accepted" unverified, and a
// verified server needs the genuine RFC 5802/7677 example messages.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_support.hpp"
#include "scram_vectors.hpp"
#include "smtpauth/codec.hpp"
#include "smtpauth/error.hpp"
#include "smtpauth/sasl/exchange.hpp"
#include "smtpauth/sasl/registry.hpp"

namespace sasl = smtpauth::sasl;

namespace {

class ScriptedCarrier final : public sasl::Carrier {
  public:
    ScriptedCarrier(std::vector<std::string> records, std::optional<std::size_t> budget)
        : records_(std::move(records)), budget_(budget) {}

    std::optional<std::size_t> initial_response_budget(std::string_view) const override {
        return budget_;
    }
    void send_auth(std::string_view, std::optional<std::string_view> ir, bool) override {
        fuzz::require(sent_.empty(), "AUTH is the first client line");
        sent_.push_back(ir ? "AUTH " + std::string(*ir) : std::string("AUTH"));
        if (ir && budget_) fuzz::require(ir->size() <= *budget_, "IR within the budget");
    }
    void send_response(std::string_view base64, bool) override {
        check_answer(false);
        fuzz::require(base64.empty() || smtpauth::codec::try_base64_decode(base64).has_value(),
                      "client responses are strict base64");
        sent_.emplace_back(base64);
    }
    void send_cancel() override {
        check_answer(true);
        sent_.emplace_back("*");
    }
    sasl::CarrierReply read_reply() override {
        if (next_ >= records_.size())
            throw smtpauth::Error(smtpauth::ErrorKind::protocol, "connection closed by server");
        const std::string& rec = records_[next_++];
        sasl::CarrierReply r;
        auto kind = rec.empty() ? 0 : static_cast<unsigned char>(rec[0]) % 4;
        r.kind = static_cast<sasl::CarrierReply::Kind>(kind);
        r.payload = rec.empty() ? std::string() : rec.substr(1);
        r.text = r.payload;
        last_ = r;
        answered_ = false;
        return r;
    }

    const std::vector<std::string>& sent() const { return sent_; }
    // The challenges that decoded, in order (what the mechanism may have seen).
    const std::vector<std::string>& decoded() const { return decoded_; }
    std::size_t challenges() const { return challenges_; }

  private:
    // A challenge must be cancelled when it is not strict base64 or its decoded form is
    // above the cap (RFC 4954 §4 "MUST reject ... by sending *").
    void check_answer(bool cancelling) {
        fuzz::require(!answered_, "one client line per server reply");
        answered_ = true;
        if (!last_ || last_->kind != sasl::CarrierReply::Kind::challenge) {
            fuzz::fail("client line without a challenge");
        }
        ++challenges_;
        auto decoded = smtpauth::codec::try_base64_decode(last_->payload);
        bool hostile = !decoded || decoded->size() > sasl::kMaxChallengeBytes;
        if (decoded) decoded_.push_back(*decoded);
        if (hostile) fuzz::require(cancelling, "undecodable or oversized challenge gets *");
    }

    std::vector<std::string> records_;
    std::optional<std::size_t> budget_;
    std::vector<std::string> sent_;
    std::vector<std::string> decoded_;
    std::optional<sasl::CarrierReply> last_;
    bool answered_ = true;
    std::size_t next_ = 0;
    std::size_t challenges_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 2) return 0;
    auto table = sasl::mechanisms();
    const auto& info = table[data[0] % table.size()];
    // Cyrus-run mechanisms (NTLM) execute libsasl2's uninstrumented plugins; what smtpauth
    // does before them (the NTLM CHALLENGE guard's parser) is fuzzed by fuzz_ntlm.
    if (info.traits.cyrus) return 0;
    std::optional<std::size_t> budget;
    if (data[1] & 1) budget = (data[1] & 2) ? 10 : 500;  // none / tiny / SMTP-like

    sasl::Credentials c;
    c.user = std::string(fuzz::kScramUser);
    if (info.traits.needs_password) c.secret = smtpauth::Secret(std::string(fuzz::kScramPassword));
    if (info.traits.needs_token) c.secret = smtpauth::Secret("ya29.token");
    sasl::MechanismOptions o;
    o.client_nonce = std::string(fuzz::scram_client_nonce(info.name));
    o.scram_max_iterations = 8192;
    if (info.traits.channel_binding) o.channel_binding = {"tls-exporter", std::string(32, 'B')};
    std::unique_ptr<sasl::Mechanism> mech;
    try {
        mech = info.make(std::move(c), o);
    } catch (const smtpauth::Error&) {
        return 0;
    }

    ScriptedCarrier carrier(fuzz::split_lines(fuzz::as_text(data + 2, size - 2)), budget);
    sasl::ExchangeOptions xo;
    xo.require_server_proof = info.traits.verifies_server;
    try {
        auto result = sasl::run_exchange(*mech, carrier, xo);
        fuzz::require(static_cast<std::size_t>(result.round_trips) == carrier.sent().size(),
                      "round trips count the client lines");
        if (result.outcome == sasl::Outcome::accepted && info.traits.verifies_server)
            fuzz::require(result.server_verified, "accepted only with a verified server");
        if (result.server_verified) {
            const auto& d = carrier.decoded();
            bool genuine = false;
            for (std::size_t i = 0; i + 1 < d.size() && !genuine; ++i)
                genuine = fuzz::is_rfc_verifier(info.name, d[i], d[i + 1]);
            fuzz::require(genuine, "a verified server only from the genuine RFC signature");
        }
    } catch (const smtpauth::Error&) {
        // carrier I/O failure (input exhausted) or a mechanism refusing its own input
    }
    fuzz::require(carrier.challenges() <= static_cast<std::size_t>(sasl::kMaxRounds) + 2,
                  "the exchange ends within kMaxRounds challenges");
    return 0;
}
