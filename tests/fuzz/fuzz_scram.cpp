// Fuzz target: the SCRAM message parsers (RFC 5802 §7, RFC 7677) and saslname escaping.
// Properties: only smtpauth::Error escapes; what a parser accepts is consistent with the
// grammar (non-empty nonce, iteration count > 0, base64 fields decode to the stored bytes,
// channel-binding and nonce reproduce the message); escape/unescape round-trip.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_support.hpp"
#include "smtpauth/codec.hpp"
#include "smtpauth/error.hpp"
#include "smtpauth/sasl/scram.hpp"

namespace scram = smtpauth::sasl::scram;
using smtpauth::codec::base64_encode;

namespace {

bool printable_nonce(const std::string& nonce) {
    // printable = %x21-2B / %x2D-7E   (RFC 5802 §7: any printable ASCII except ",")
    for (char c : nonce)
        if (c < 0x21 || c > 0x7e || c == ',') return false;
    return !nonce.empty();
}

void check_client_first(std::string_view text) {
    try {
        auto m = scram::parse_client_first(text);
        fuzz::require(printable_nonce(m.nonce), "client-first nonce is printable, non-empty");
        fuzz::require(m.gs2.text.size() + m.bare.size() == text.size(),
                      "client-first = gs2-header + bare");
        fuzz::require(text.substr(0, m.gs2.text.size()) == m.gs2.text, "gs2 header is a prefix");
        fuzz::require(scram::unescape_saslname(scram::escape_saslname(m.user)) == m.user,
                      "user escape round-trip");
    } catch (const smtpauth::Error& e) {
        fuzz::require(e.kind() == smtpauth::ErrorKind::protocol, "client-first error kind");
    }
}

void check_server_first(std::string_view text) {
    try {
        auto m = scram::parse_server_first(text, smtpauth::ErrorKind::bad_input);
        fuzz::require(printable_nonce(m.nonce), "server-first nonce is printable, non-empty");
        fuzz::require(m.iterations > 0, "iteration count positive");
        fuzz::require(base64_encode(m.salt) == m.salt_base64, "salt is strict base64 of salt");
        fuzz::require(text.find("r=" + m.nonce) != std::string_view::npos, "nonce from r=");
    } catch (const smtpauth::Error& e) {
        fuzz::require(e.kind() == smtpauth::ErrorKind::bad_input, "server-first error kind");
    }
}

void check_client_final(std::string_view text) {
    try {
        auto m = scram::parse_client_final(text);
        fuzz::require(base64_encode(m.channel_binding) == m.channel_binding_base64,
                      "c= is strict base64");
        fuzz::require(base64_encode(m.proof) == m.proof_base64, "p= is strict base64");
        fuzz::require(printable_nonce(m.nonce), "client-final nonce printable");
        fuzz::require(text.substr(0, m.without_proof.size()) == m.without_proof,
                      "without-proof is a prefix");
        fuzz::require(text.size() > m.without_proof.size(), "proof follows");
    } catch (const smtpauth::Error& e) {
        fuzz::require(e.kind() == smtpauth::ErrorKind::protocol, "client-final error kind");
    }
}

void check_server_final(std::string_view text) {
    try {
        auto m = scram::parse_server_final(text);
        if (m.error) {
            fuzz::require(m.verifier.empty(), "no verifier with e=");
        } else {
            fuzz::require(base64_encode(m.verifier) == m.verifier_base64, "v= is strict base64");
        }
    } catch (const smtpauth::Error& e) {
        fuzz::require(e.kind() == smtpauth::ErrorKind::protocol, "server-final error kind");
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text = fuzz::as_text(data, size);
    check_client_first(text);
    check_server_first(text);
    check_client_final(text);
    check_server_final(text);

    std::string raw(text);
    auto escaped = scram::escape_saslname(raw);
    fuzz::require(escaped.find(',') == std::string::npos, "escaped saslname has no comma");
    fuzz::require(scram::unescape_saslname(escaped) == raw, "saslname round-trip");
    if (auto plain = scram::unescape_saslname(text))
        fuzz::require(plain->size() <= text.size(), "unescape never grows");
    return 0;
}
