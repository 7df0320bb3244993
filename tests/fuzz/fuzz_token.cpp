// Fuzz target: the token and transcript decoder behind `smtpauth decode` (RFC 4422 messages
// as carried by RFC 4954 / RFC 3501 / RFC 5034), and --check-password on what it collected.
// Input: byte 0 selects the mode (whole transcript, or one payload with a mechanism hint),
// the rest is the text. Properties: only smtpauth::Error (kind bad_input) escapes; every
// decoded message names an input line that exists and has a kind; check_password on the
// collected material throws nothing but Error{bad_input} either.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_support.hpp"
#include "smtpauth/error.hpp"
#include "smtpauth/render_decode.hpp"
#include "smtpauth/sasl/registry.hpp"
#include "smtpauth/sasl/token.hpp"

namespace sasl = smtpauth::sasl;

namespace {

sasl::DecodeOptions fixed_now() {
    sasl::DecodeOptions o;
    o.now = std::chrono::system_clock::time_point(std::chrono::seconds(1767225600));
    return o;
}

void decode_transcript(std::string_view text) {
    auto lines = fuzz::split_lines(text);
    sasl::DecodeResult result;
    try {
        result = sasl::decode_lines(lines, fixed_now());
    } catch (const smtpauth::Error& e) {
        fuzz::require(e.kind() == smtpauth::ErrorKind::bad_input, "decode error is bad_input");
        return;
    }
    for (const auto& m : result.messages) {
        fuzz::require(m.line >= 1 && m.line <= lines.size(), "message names an input line");
        fuzz::require(!smtpauth::render::message_kind_name(m.kind).empty(), "message has a kind");
    }
    for (const auto& c : result.checkable)
        fuzz::require(c.line >= 1 && c.line <= lines.size(), "check material names a line");
    try {
        smtpauth::Secret password("pencil");
        (void)sasl::check_password(result, password);
    } catch (const smtpauth::Error& e) {
        fuzz::require(e.kind() == smtpauth::ErrorKind::bad_input, "check error is bad_input");
    }
}

void explain_one(std::uint8_t selector, std::string_view payload) {
    auto table = sasl::mechanisms();
    std::string_view hint;
    if (selector % (table.size() + 1) != 0) hint = table[selector % (table.size() + 1) - 1].name;
    auto direction = (selector & 0x40)   ? sasl::TokenDirection::server
                     : (selector & 0x80) ? sasl::TokenDirection::client
                                         : sasl::TokenDirection::unknown;
    try {
        auto m = sasl::explain_payload(payload, hint, direction, fixed_now());
        fuzz::require(!smtpauth::render::message_kind_name(m.kind).empty(),
                      "explained payload has a kind");
    } catch (const smtpauth::Error& e) {
        fuzz::require(e.kind() == smtpauth::ErrorKind::bad_input, "explain error is bad_input");
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    std::string_view rest = fuzz::as_text(data + 1, size - 1);
    if (data[0] & 1)
        decode_transcript(rest);
    else
        explain_one(static_cast<std::uint8_t>(data[0] >> 1), rest);
    return 0;
}
