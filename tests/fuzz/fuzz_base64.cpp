// Fuzz target: strict base64 decoding must never crash, and must round-trip what it accepts.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "smtpauth/codec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    std::string why;
    auto decoded = smtpauth::codec::try_base64_decode(text, &why);
    if (decoded && smtpauth::codec::base64_encode(*decoded) != text) std::abort();
    (void)smtpauth::codec::escape_for_display(text);
    (void)smtpauth::codec::is_valid_utf8(text);
    return 0;
}
