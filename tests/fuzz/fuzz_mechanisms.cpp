// Fuzz target: every mechanism of the registry fed hostile server challenges (RFC 4422).
// Input: byte 0 picks the mechanism, the rest is split at '\n' into successive decoded
// challenges (a leading "+" on a piece is given to finish() as success data instead).
// Properties: only smtpauth::Error escapes step()/finish(); a finished mechanism refuses
// further challenges (OAuth: except one error JSON, which must be reported); SCRAM never claims a
// verified server (the fuzzer cannot forge v=) and never accepts an iteration count outside the
// configured bounds; a response is never larger than a fixed budget (no amplification of server
// input).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "fuzz_support.hpp"
#include "scram_vectors.hpp"
#include "smtpauth/error.hpp"
#include "smtpauth/sasl/mechanism.hpp"
#include "smtpauth/sasl/registry.hpp"
#include "smtpauth/sasl/scram.hpp"

namespace sasl = smtpauth::sasl;

namespace {

// Low bounds keep PBKDF2 cheap enough for fuzzing; the property checked is that the
// mechanism honours whatever bounds it is given.
constexpr std::uint32_t kMinIterations = 4096;
constexpr std::uint32_t kMaxIterations = 8192;

std::unique_ptr<sasl::Mechanism> make(const sasl::MechanismInfo& info) {
    sasl::Credentials c;
    c.user = std::string(fuzz::kScramUser);
    if (info.traits.needs_password) c.secret = smtpauth::Secret(std::string(fuzz::kScramPassword));
    if (info.traits.needs_token) c.secret = smtpauth::Secret("ya29.token");
    c.host = "mail.example.com";
    c.port = 587;
    sasl::MechanismOptions o;
    o.client_nonce = std::string(fuzz::scram_client_nonce(info.name));
    o.scram_min_iterations = kMinIterations;
    o.scram_max_iterations = kMaxIterations;
    if (info.traits.channel_binding) o.channel_binding = {"tls-exporter", std::string(32, 'B')};
    return info.make(std::move(c), o);
}

bool is_scram(std::string_view name) {
    return name.substr(0, 6) == "SCRAM-";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    auto table = sasl::mechanisms();
    const auto& info = table[data[0] % table.size()];
    // Cyrus-run mechanisms (NTLM) execute libsasl2's uninstrumented plugins; what smtpauth
    // does before them (the NTLM CHALLENGE guard's parser) is fuzzed by fuzz_ntlm.
    if (info.traits.cyrus) return 0;
    auto mech = make(info);
    try {
        if (auto ir = mech->initial_response())
            fuzz::require(ir->data.size() < 4096, "initial response within budget");
    } catch (const smtpauth::Error&) {
        return 0;  // e.g. EXTERNAL without a certificate: refused before any server input
    }

    auto pieces = fuzz::split_lines(fuzz::as_text(data + 1, size - 1));
    std::size_t step_no = 0;
    bool oauth_error_seen = false;
    for (const auto& piece : pieces) {
        bool was_done = mech->done();
        bool is_finish = !piece.empty() && piece[0] == '+';
        try {
            if (is_finish) {
                mech->finish(std::string_view(piece).substr(1));
            } else {
                auto r = mech->step(piece);
                // RFC 4422 §3.6 / RFC 7628 §3.2.3: after its message, a finished OAuth
                // mechanism takes exactly one more challenge, the server's error JSON, and
                // answers it (XOAUTH2 empty, OAUTHBEARER 0x01); nothing else may follow.
                if (was_done) {
                    fuzz::require(info.traits.needs_token && !oauth_error_seen,
                                  "a finished mechanism refuses further challenges");
                    fuzz::require(mech->server_error().has_value(),
                                  "an accepted late challenge is a described server error");
                    oauth_error_seen = true;
                }
                fuzz::require(r.data.size() < 4096 + 2 * piece.size(), "response size bounded");
                if (is_scram(info.name) && step_no == 0) {
                    auto sf = sasl::scram::parse_server_first(piece);
                    fuzz::require(
                        sf.iterations >= kMinIterations && sf.iterations <= kMaxIterations,
                        "SCRAM iteration count within bounds");
                }
            }
        } catch (const smtpauth::Error&) {
            // the only acceptable failure; a mechanism that threw may be reused by nobody
            break;
        }
        if (!is_finish) ++step_no;
    }
    if (mech->server_verified()) {
        bool genuine = false;
        for (std::size_t i = 0; i + 1 < pieces.size() && !genuine; ++i) {
            std::string_view final_msg = pieces[i + 1];
            if (!final_msg.empty() && final_msg[0] == '+') final_msg.remove_prefix(1);
            genuine = fuzz::is_rfc_verifier(info.name, pieces[i], final_msg);
        }
        fuzz::require(genuine, "a verified server only from the genuine RFC signature");
    }
    return 0;
}
