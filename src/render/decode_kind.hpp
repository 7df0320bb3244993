// The names of the decoder's message kinds as users see them (text and JSON "kind"; the JSON
// names are a documented contract: man/smtpauth.1, DECODE JSON).
#pragma once

#include <string_view>

#include "smtpauth/sasl/token.hpp"

namespace smtpauth::render {

std::string_view message_kind_name(sasl::MessageKind kind) noexcept;

}  // namespace smtpauth::render
