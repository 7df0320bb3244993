// Internal: GS2 header construction and parsing (RFC 5801 §4), shared by SCRAM (RFC 5802)
// and OAUTHBEARER (RFC 7628 §3.1).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "smtpauth/error.hpp"
#include "smtpauth/sasl/scram.hpp"

namespace smtpauth::sasl::detail {

// gs2-header = gs2-cbind-flag "," [ "a=" saslname ] ","
// `cbind_flag` is "n", "y" or "p=<cb-name>"; authzid is escaped here.
std::string gs2_header(std::string_view cbind_flag, std::string_view authzid);

// Parses the header at the start of `message`; `consumed` receives its length.
// Throws Error{kind} naming `what` ("SCRAM client-first") and the offset.
scram::Gs2Header parse_gs2_header(std::string_view message, std::size_t& consumed,
                                  std::string_view what, ErrorKind kind);

// The same without throwing: nullopt when `message` does not start with a GS2 header (for
// recognising messages by content).
std::optional<scram::Gs2Header> try_parse_gs2_header(std::string_view message,
                                                     std::size_t& consumed);

// Throws Error{kind, "<what>: <why> at offset N"}.
[[noreturn]] void parse_failure(std::string_view what, ErrorKind kind, std::size_t offset,
                                std::string_view why);

}  // namespace smtpauth::sasl::detail
