// Internal: SASLprep (RFC 4013, a stringprep profile, RFC 3454) through libidn.
#pragma once

#include <string>
#include <string_view>

namespace smtpauth::sasl::detail {

enum class PrepMode {
    query,   // presented strings: unassigned code points allowed (RFC 3454 §7), user names
    stored,  // stored strings: unassigned code points prohibited, passwords (RFC 5802 §2.2)
};

// Returns the prepared UTF-8 string. Throws Error{bad_input} "<field> fails SASLprep: why"
// when the input is not UTF-8, contains NUL, a prohibited character (controls, ...), breaks
// the bidi rules, or prepares to the empty string. The value itself is never in the message.
std::string saslprep(std::string_view input, PrepMode mode, std::string_view field);

}  // namespace smtpauth::sasl::detail
