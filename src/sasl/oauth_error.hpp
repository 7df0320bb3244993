// Internal: the JSON error a server sends inside an OAuth SASL exchange (RFC 7628 §3.2.2;
// Google's and Microsoft's XOAUTH2 documentation use the same shape).
#pragma once

#include <string_view>

#include "smtpauth/bytes.hpp"
#include "smtpauth/sasl/mechanism.hpp"

namespace smtpauth::sasl::detail {

// Parses `challenge` as a JSON object; summary = the "status" member. Throws
// Error{protocol} when the challenge is not a JSON object (a server that speaks anything
// else inside XOAUTH2/OAUTHBEARER breaks the mechanism).
ServerError parse_oauth_error(std::string_view mech, BytesView challenge);

}  // namespace smtpauth::sasl::detail
