// Byte codecs: strict base64 (RFC 4648 §4), hex, UTF-8 validation and safe display escaping.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "smtpauth/bytes.hpp"

namespace smtpauth::codec {

std::string base64_encode(BytesView data);

// Strict decoding as RFC 4954 §4 / RFC 5034 demand of both sides: only the RFC 4648 alphabet,
// length a multiple of 4, '=' only as one or two final pad characters, no whitespace, and
// zero unused bits in the last quantum. Throws Error{bad_input} with the reason and the
// 0-based offset, e.g. "invalid base64 at offset 7: '*' is not in the alphabet".
Bytes base64_decode(std::string_view text);

// The same check without throwing: nullopt and *why (if given) on failure.
std::optional<Bytes> try_base64_decode(std::string_view text, std::string* why = nullptr);

std::string hex_encode(BytesView data);  // lower case, no separators
std::optional<Bytes> hex_decode(std::string_view text);

// Strict UTF-8 (RFC 3629: no overlongs, no surrogates, nothing above U+10FFFF).
bool is_valid_utf8(std::string_view text);

// Makes untrusted text safe for a terminal: valid printable UTF-8 passes through; C0/C1
// controls, DEL, ESC, NUL, bidi controls (U+200E/F, U+202A-E, U+2066-9) and invalid bytes
// become \xNN per byte (\t \r \n as such); backslash as \\.
std::string escape_for_display(BytesView text);

}  // namespace smtpauth::codec
