// Credential checks shared by the mechanism factories (RFC 4422 §5, RFC 4616 §2).
#include <string>
#include <string_view>

#include "sasl/mechanisms.hpp"
#include "smtpauth/codec.hpp"
#include "smtpauth/error.hpp"

namespace smtpauth::sasl::detail {

namespace {
[[noreturn]] void bad(std::string_view mech, std::string_view field, std::string_view why) {
    throw Error(ErrorKind::bad_input,
                std::string(mech) + ": the " + std::string(field) + " " + std::string(why));
}

std::string describe_byte(char c) {
    static constexpr char kDigits[] = "0123456789abcdef";
    auto u = static_cast<unsigned char>(c);
    return std::string("byte 0x") + kDigits[u >> 4] + kDigits[u & 0x0f];
}
}  // namespace

void require_non_empty(std::string_view mech, std::string_view field, std::string_view value) {
    if (value.empty()) bad(mech, field, "is empty");
}

void require_utf8(std::string_view mech, std::string_view field, std::string_view value) {
    if (!codec::is_valid_utf8(value)) bad(mech, field, "is not valid UTF-8");
}

void require_no_bytes(std::string_view mech, std::string_view field, std::string_view value,
                      std::string_view forbidden) {
    for (char c : value) {
        // Never echo the value itself: it may be a password.
        if (c == '\0' || forbidden.find(c) != std::string_view::npos)
            bad(mech, field, "contains " + describe_byte(c) + ", which the message cannot carry");
    }
}

void require_no_controls(std::string_view mech, std::string_view field, std::string_view value) {
    for (char c : value) {
        auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7f) bad(mech, field, "contains the control " + describe_byte(c));
    }
}

void unexpected_challenge(std::string_view mech, std::string_view challenge) {
    throw Error(ErrorKind::protocol, std::string(mech) + ": unexpected server challenge (" +
                                         std::to_string(challenge.size()) +
                                         " bytes) after the exchange was complete");
}

}  // namespace smtpauth::sasl::detail
