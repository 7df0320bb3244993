// --check-password: whether a password produced the decoded messages. What to check and how
// is each mechanism's own (its decoder's check hook, in src/sasl/mech_<name>.cpp).
#include "sasl/mechanism_decoder.hpp"
#include "smtpauth/error.hpp"

namespace smtpauth::sasl {

PasswordCheck check_material(const CheckMaterial& material, const Secret& password) {
    if (!material.decoder || !material.decoder->check || !material.data)
        throw Error(ErrorKind::internal, "no check for " + material.mechanism);
    PasswordCheck check = material.decoder->check(*material.data, password);
    check.mechanism = material.mechanism;
    check.line = material.line;
    return check;
}

std::optional<PasswordCheck> check_password(const DecodeResult& result, const Secret& password) {
    if (result.checkable.empty()) return std::nullopt;
    return check_material(result.checkable.back(), password);
}

}  // namespace smtpauth::sasl
