// --check-password: whether a password produced the decoded messages. What to check and how
// is each mechanism's own (its decoder's check hook, in src/sasl/mech_<name>.cpp); the
// credentials a transcript shows outside SASL are checked here: a clear password (POP3 PASS,
// IMAP LOGIN) and the APOP digest (RFC 1939 §7).
#include <string>
#include <string_view>

#include "crypto/crypto.hpp"
#include "sasl/token_internal.hpp"
#include "smtpauth/codec.hpp"
#include "smtpauth/error.hpp"

namespace smtpauth::sasl {

namespace {

struct ClearCheck final : CheckData {
    Secret password;
};

PasswordCheck check_clear(const CheckData& data, const Secret& password) {
    PasswordCheck c;
    c.matches = crypto::constant_time_equal(static_cast<const ClearCheck&>(data).password.reveal(),
                                            password.reveal());
    return c;
}

struct ApopCheck final : CheckData {
    std::string timestamp;  // the greeting's <...> msg-id
    Secret digest_hex;
};

// RFC 1939 §7: digest = lower-case hex of MD5(timestamp + password).
PasswordCheck check_apop(const CheckData& data, const Secret& password) {
    const auto& m = static_cast<const ApopCheck&>(data);
    std::string input = m.timestamp + std::string(password.reveal());
    Bytes digest = crypto::hash(crypto::Digest::md5, input);
    wipe_string(input);
    std::string expected = codec::hex_encode(digest);
    std::string given(m.digest_hex.reveal());
    for (char& c : given)
        if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
    PasswordCheck c;
    c.matches = crypto::constant_time_equal(given, expected);
    wipe_string(given);
    wipe_string(expected);
    return c;
}

}  // namespace

CheckMaterial clear_password_material(std::string_view what, std::string_view password,
                                      std::size_t line) {
    auto data = std::make_unique<ClearCheck>();
    data->password = Secret(std::string(password));
    CheckMaterial m;
    m.mechanism = std::string(what);
    m.line = line;
    m.data = std::move(data);
    m.check = check_clear;
    return m;
}

namespace token_detail {

CheckMaterial apop_material(std::string_view timestamp, Secret digest_hex, std::size_t line) {
    auto data = std::make_unique<ApopCheck>();
    data->timestamp = std::string(timestamp);
    data->digest_hex = std::move(digest_hex);
    CheckMaterial m;
    m.mechanism = "APOP";
    m.line = line;
    m.data = std::move(data);
    m.check = check_apop;
    return m;
}

}  // namespace token_detail

PasswordCheck check_material(const CheckMaterial& material, const Secret& password) {
    if (!material.check || !material.data)
        throw Error(ErrorKind::internal, "no check for " + material.mechanism);
    PasswordCheck check = material.check(*material.data, password);
    check.mechanism = material.mechanism;
    check.line = material.line;
    check.user = material.user;
    return check;
}

std::optional<PasswordCheck> check_password(const DecodeResult& result, const Secret& password) {
    if (result.checkable.empty()) return std::nullopt;
    return check_material(result.checkable.back(), password);
}

std::vector<PasswordCheck> check_passwords(const DecodeResult& result, const Secret& password) {
    std::vector<PasswordCheck> checks;
    for (const auto& m : result.checkable) checks.push_back(check_material(m, password));
    return checks;
}

}  // namespace smtpauth::sasl
