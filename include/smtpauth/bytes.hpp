// Raw octet strings as they travel in SASL messages (may contain NUL and any byte value).
#pragma once

#include <string>
#include <string_view>

namespace smtpauth {

// std::string is used as the byte container: it holds NULs, is what OpenSSL and the
// protocols' line I/O speak, and needs no conversion at the boundaries. The alias marks
// places where the content is raw octets rather than text.
using Bytes = std::string;
using BytesView = std::string_view;

}  // namespace smtpauth
