// Strict base64 (RFC 4648 §4) as RFC 4954 §4 and RFC 5034 §4 require of SASL carriers.
// We validate (with offsets in the error) and OpenSSL's EVP_EncodeBlock/EVP_DecodeBlock
// transform: EVP_DecodeBlock alone is lenient (it skips leading/trailing whitespace and
// does not check the unused bits), so it only ever sees text we already proved canonical.
#include <openssl/evp.h>

#include <climits>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "smtpauth/codec.hpp"
#include "smtpauth/error.hpp"

namespace smtpauth::codec {

namespace {

// EVP_*Block take int lengths; refuse anything that would not fit (no SASL message is
// anywhere near this; the carriers cap challenges far lower).
constexpr std::size_t kMaxBlockInput = static_cast<std::size_t>(INT_MAX) / 4 * 3;

// Value of a base64 alphabet character, or -1.
int sextet(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

std::string describe_char(char c) {
    auto u = static_cast<unsigned char>(c);
    if (u >= 0x21 && u <= 0x7e) return std::string("'") + c + "'";
    static const char* digits = "0123456789abcdef";
    std::string out = "byte 0x";
    out += digits[u >> 4];
    out += digits[u & 0xf];
    return out;
}

std::string at(std::size_t offset) {
    return "invalid base64 at offset " + std::to_string(offset);
}

// Returns an empty string when `text` is canonical base64, else the reason.
std::string validate(std::string_view text) {
    // encoding = *(4alphabet) [ 2alphabet "==" / 3alphabet "=" ]   (RFC 4648 §4, no
    // line breaks or other characters: §3.1 and §3.3, which RFC 4954 makes mandatory)
    std::size_t pad = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '=') {
            if (pad == 0 && text.size() - i > 2) return at(i) + ": padding '=' before the end";
            ++pad;
            continue;
        }
        if (pad > 0) return at(i) + ": " + describe_char(c) + " after padding '='";
        if (sextet(c) < 0) return at(i) + ": " + describe_char(c) + " is not in the alphabet";
    }
    if (text.size() % 4 != 0)
        return "invalid base64: length " + std::to_string(text.size()) + " is not a multiple of 4";
    if (text.size() > (kMaxBlockInput / 3) * 4) return "invalid base64: input too large";
    if (pad == 0) return {};
    // With one '=' the last data character carries 2 unused bits, with two '=' 4 (§3.5:
    // canonical encoders set them to zero; decoders MAY reject otherwise, and RFC 4954
    // wants one meaning per string).
    std::size_t last = text.size() - pad - 1;
    int unused_mask = pad == 1 ? 0x03 : 0x0f;
    if ((sextet(text[last]) & unused_mask) != 0)
        return at(last) + ": non-zero unused bits before the padding";
    return {};
}

}  // namespace

std::string base64_encode(BytesView data) {
    if (data.size() > kMaxBlockInput)
        throw Error(ErrorKind::bad_input, "data too large for base64");
    std::string out(4 * ((data.size() + 2) / 3), '\0');
    if (data.empty()) return out;
    int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                            reinterpret_cast<const unsigned char*>(data.data()),
                            static_cast<int>(data.size()));
    if (n < 0 || static_cast<std::size_t>(n) != out.size())
        throw Error(ErrorKind::internal, "EVP_EncodeBlock failed");
    return out;
}

std::optional<Bytes> try_base64_decode(std::string_view text, std::string* why) {
    std::string reason = validate(text);
    if (!reason.empty()) {
        if (why) *why = std::move(reason);
        return std::nullopt;
    }
    if (text.empty()) return Bytes{};
    Bytes out(text.size() / 4 * 3, '\0');
    int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                            reinterpret_cast<const unsigned char*>(text.data()),
                            static_cast<int>(text.size()));
    if (n < 0 || static_cast<std::size_t>(n) != out.size()) {
        if (why) *why = "invalid base64: OpenSSL refused the input";
        return std::nullopt;
    }
    // EVP_DecodeBlock decodes the pad characters as zero bits and counts them as output.
    std::size_t pad = text.size() - text.find_last_not_of('=') - 1;
    out.resize(out.size() - pad);
    return out;
}

Bytes base64_decode(std::string_view text) {
    std::string why;
    auto out = try_base64_decode(text, &why);
    if (!out) throw Error(ErrorKind::bad_input, why);
    return std::move(*out);
}

}  // namespace smtpauth::codec
