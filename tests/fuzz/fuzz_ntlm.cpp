// Fuzz target: the NTLM message parser (MS-NLMP §2.2) and decode's explanation and
// --check-password of NTLM exchanges.
// Input: byte 0 even: one message (parse, AV pairs, NTLMv2 response, explain); odd: bytes 1-2
// are the little-endian length of a CHALLENGE, which is followed by an AUTHENTICATE; both go
// through decode as an SMTP exchange and the password is checked.
// Properties: the parser never throws and never keeps more than kMaxAvPairs pairs; explaining
// throws nothing but smtpauth::Error; no explained field is larger than a fixed multiple of the
// input (hex doubles, UTF-16 to UTF-8 at most 1.5x, the flag names are bounded).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_support.hpp"
#include "sasl/ntlm_message.hpp"
#include "smtpauth/codec.hpp"
#include "smtpauth/error.hpp"
#include "smtpauth/secret.hpp"
#include "smtpauth/sasl/token.hpp"

namespace ntlm = smtpauth::sasl::ntlm;

namespace {

void require_bounded(const smtpauth::sasl::DecodedMessage& m, std::size_t input) {
    for (const auto& f : m.fields)
        fuzz::require(f.size() <= 3 * input + 1024, "an explained field stays within budget");
    fuzz::require(m.notes.size() <= 2 * ntlm::kMaxAvPairs + 32, "notes are bounded");
}

void one_message(std::string_view data) {
    try {
        if (auto m = ntlm::parse(data)) {
            for (const auto* field : {&m->target_info, &m->nt_response}) {
                if (!*field) continue;
                auto list = ntlm::parse_av_pairs(**field);
                fuzz::require(list.pairs.size() <= ntlm::kMaxAvPairs, "AV pairs are capped");
                if (auto v2 = ntlm::parse_v2_response(**field))
                    fuzz::require(v2->proof.size() == 16 && v2->client_challenge.size() == 8,
                                  "NTLMv2 fixed parts have their sizes");
            }
        }
    } catch (...) {
        fuzz::fail("the NTLM parser never throws");
    }
    try {
        auto m = smtpauth::sasl::explain_payload(data, "NTLM");
        require_bounded(m, data.size());
    } catch (const smtpauth::Error&) {
    }
}

void exchange(std::string_view data) {
    if (data.size() < 2) return;
    const std::size_t first = static_cast<unsigned char>(data[0]) |
                              (static_cast<std::size_t>(static_cast<unsigned char>(data[1])) << 8);
    data.remove_prefix(2);
    if (first > data.size()) return;
    const std::vector<std::string> lines{
        "C: AUTH NTLM",
        "S: 334 " + smtpauth::codec::base64_encode(data.substr(0, first)),
        "C: " + smtpauth::codec::base64_encode(data.substr(first)),
        "S: 235 2.7.0 ok",
    };
    try {
        auto result = smtpauth::sasl::decode_lines(lines);
        for (const auto& m : result.messages) require_bounded(m, data.size());
        (void)smtpauth::sasl::check_passwords(result, smtpauth::Secret("Password"));
    } catch (const smtpauth::Error&) {
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::string_view rest = fuzz::as_text(data + 1, size - 1);
    if (data[0] % 2 == 0)
        one_message(rest);
    else
        exchange(rest);
    return 0;
}
