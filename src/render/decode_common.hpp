// Shared wording of the decode renderers (directions, verdicts).
#pragma once

#include <string_view>

#include "smtpauth/sasl/token.hpp"

namespace smtpauth::render::decode_detail {

inline std::string_view direction_name(sasl::TokenDirection d) {
    switch (d) {
        case sasl::TokenDirection::client:
            return "client";
        case sasl::TokenDirection::server:
            return "server";
        case sasl::TokenDirection::unknown:
            break;
    }
    return "unknown";
}

}  // namespace smtpauth::render::decode_detail
