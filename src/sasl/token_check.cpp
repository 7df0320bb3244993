// --check-password: whether a password produced the decoded PLAIN (RFC 4616), LOGIN,
// CRAM-* (RFC 2195) or SCRAM-* (RFC 5802 §3, RFC 7677) message. The CRAM and SCRAM
// arithmetic is sasl-core's (smtpauth/sasl/verify.hpp); this file picks what to check.
#include <string>
#include <string_view>

#include "crypto/crypto.hpp"
#include "sasl/token_internal.hpp"
#include "smtpauth/codec.hpp"
#include "smtpauth/error.hpp"
#include "smtpauth/sasl/verify.hpp"

namespace smtpauth::sasl {

namespace {

// The same cap the SCRAM client applies (MechanismOptions::scram_max_iterations): a crafted
// transcript must not make the check spin for hours.
constexpr std::uint32_t kMaxCheckIterations = 1000000;

bool check_cram(const CheckMaterial& m, std::string_view password) {
    auto expected = cram_digest(m.mechanism, password, m.challenge);
    if (!expected) return false;
    std::string given(m.digest_hex.reveal());
    for (char& c : given)
        if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
    bool ok = crypto::constant_time_equal(given, *expected);
    wipe_string(given);
    wipe_string(*expected);
    return ok;
}

ScramCheck check_scram_material(const CheckMaterial& m, std::string_view password) {
    if (m.iterations > kMaxCheckIterations)
        throw Error(ErrorKind::bad_input, "SCRAM iteration count " + std::to_string(m.iterations) +
                                              " is above the cap of 1000000 for --check-password");
    std::optional<std::string_view> server_final;
    if (!m.server_final.empty()) server_final = m.server_final;
    return check_scram(m.mechanism, password, m.client_first, m.server_first, m.client_final,
                       server_final);
}

// RFC 1939 §7: digest = lower-case hex of MD5(timestamp + password).
bool check_apop(const CheckMaterial& m, std::string_view password) {
    std::string input = m.challenge + std::string(password);
    Bytes digest = crypto::hash(crypto::Digest::md5, input);
    wipe_string(input);
    std::string expected = codec::hex_encode(digest);
    std::string given(m.digest_hex.reveal());
    for (char& c : given)
        if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
    bool ok = crypto::constant_time_equal(given, expected);
    wipe_string(given);
    wipe_string(expected);
    return ok;
}

PasswordCheck check_one(const CheckMaterial& m, const Secret& password) {
    PasswordCheck check;
    check.mechanism = m.mechanism;
    check.line = m.line;
    check.user = m.user;
    switch (m.kind) {
        case CheckMaterial::Kind::plain:
        case CheckMaterial::Kind::login:
        case CheckMaterial::Kind::clear:
            check.matches = crypto::constant_time_equal(m.password.reveal(), password.reveal());
            break;
        case CheckMaterial::Kind::apop:
            check.matches = check_apop(m, password.reveal());
            break;
        case CheckMaterial::Kind::cram:
            check.matches = check_cram(m, password.reveal());
            break;
        case CheckMaterial::Kind::scram: {
            ScramCheck scram = check_scram_material(m, password.reveal());
            check.matches = scram.proof_matches;
            check.server_signature_matches = scram.server_signature_matches;
            break;
        }
    }
    return check;
}

}  // namespace

std::optional<PasswordCheck> check_password(const DecodeResult& result, const Secret& password) {
    if (result.checkable.empty()) return std::nullopt;
    return check_one(result.checkable.back(), password);
}

std::vector<PasswordCheck> check_passwords(const DecodeResult& result, const Secret& password) {
    std::vector<PasswordCheck> checks;
    for (const auto& m : result.checkable) checks.push_back(check_one(m, password));
    return checks;
}

}  // namespace smtpauth::sasl
