// Helpers shared by the token decoder tests.
#pragma once

#include <doctest/doctest.h>

#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include "smtpauth/sasl/token.hpp"

namespace token_test {

inline smtpauth::sasl::DecodeResult decode(std::initializer_list<std::string> lines) {
    std::vector<std::string> v(lines);
    return smtpauth::sasl::decode_lines(v);
}

inline std::optional<std::string> field(const smtpauth::sasl::DecodedMessage& m,
                                        const std::string& name) {
    for (const auto& f : m.fields)
        if (f.name() == name) return std::string(f.value());
    return std::nullopt;
}

inline bool field_secret(const smtpauth::sasl::DecodedMessage& m, const std::string& name) {
    for (const auto& f : m.fields)
        if (f.name() == name) return f.secret();
    FAIL("no field " << name);
    return false;
}

inline bool has_note(const smtpauth::sasl::DecodedMessage& m, const std::string& part) {
    for (const auto& n : m.notes)
        if (n.find(part) != std::string::npos) return true;
    return false;
}

}  // namespace token_test
