// Shared by the SASL unit tests: build a mechanism through the registry, as callers do.
#pragma once

#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <string_view>

#include "smtpauth/codec.hpp"
#include "smtpauth/sasl/registry.hpp"

namespace sasl_test {

struct Creds {
    std::string user{};
    std::string secret{};
    std::string authzid{};
    std::string host{};
    std::uint16_t port = 0;
};

inline std::unique_ptr<smtpauth::sasl::Mechanism> make(
    std::string_view mech, const Creds& c, const smtpauth::sasl::MechanismOptions& options = {}) {
    const auto* info = smtpauth::sasl::find_mechanism(mech);
    REQUIRE(info != nullptr);
    smtpauth::sasl::Credentials credentials;
    credentials.user = c.user;
    credentials.secret = smtpauth::Secret(c.secret);
    credentials.authzid = c.authzid;
    credentials.host = c.host;
    credentials.port = c.port;
    return info->make(std::move(credentials), options);
}

inline std::string b64(std::string_view raw) {
    return smtpauth::codec::base64_encode(raw);
}
inline std::string unb64(std::string_view text) {
    return smtpauth::codec::base64_decode(text);
}

}  // namespace sasl_test
