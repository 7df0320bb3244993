// Fuzz target: the transcript reader behind `smtpauth decode FILE` (every tool format, the
// session filter, the SASL decoder) and the decode renderers. Input: byte 0 selects the format
// (0 = detect, n = the n-th format of reader::formats()), the rest is the transcript.
// Properties: only Error{bad_input} escapes; every message names an input line; a planted
// password (S3cret-Pass.42, as in the fixtures) never reaches the text or JSON output when it
// is the password to check and --show-secrets is off, in clear, base64 or URL-encoded form.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_support.hpp"
#include "smtpauth/error.hpp"
#include "smtpauth/reader.hpp"
#include "smtpauth/render_decode.hpp"
#include "smtpauth/sasl/token.hpp"

namespace {

constexpr std::string_view kPlanted = "S3cret-Pass.42";
constexpr std::string_view kPlantedBase64 = "UzNjcmV0LVBhc3MuNDI=";

void read_and_render(std::uint8_t selector, std::string_view text) {
    auto lines = fuzz::split_lines(text);
    smtpauth::reader::ReadOptions options;
    options.decode.now = std::chrono::system_clock::time_point(std::chrono::seconds(1767225600));
    auto formats = smtpauth::reader::formats();
    if (selector != 0) options.format = std::string(formats[selector % formats.size()].name);
    smtpauth::reader::ReadResult read;
    try {
        read = smtpauth::reader::read_transcript(lines, options);
    } catch (const smtpauth::Error& e) {
        fuzz::require(e.kind() == smtpauth::ErrorKind::bad_input, "reader error is bad_input");
        return;
    }
    for (const auto& m : read.decoded.messages) {
        fuzz::require(m.line >= 1 && m.line <= lines.size(), "message names an input line");
        fuzz::require(!smtpauth::render::message_kind_name(m.kind).empty(), "message has a kind");
    }
    smtpauth::Secret password{std::string(kPlanted)};
    std::vector<smtpauth::sasl::PasswordCheck> checks;
    try {
        checks = smtpauth::sasl::check_passwords(read.decoded, password);
    } catch (const smtpauth::Error& e) {
        fuzz::require(e.kind() == smtpauth::ErrorKind::bad_input, "check error is bad_input");
    }
    smtpauth::render::DecodeRenderOptions render;
    render.known_password = &password;
    render.format = read.format;
    for (const std::string& out : {smtpauth::render::decode_text(read.decoded, checks, render),
                                   smtpauth::render::decode_json(read.decoded, checks, render)}) {
        fuzz::require(out.find(kPlanted) == std::string::npos, "planted password not shown");
        fuzz::require(out.find(kPlantedBase64) == std::string::npos,
                      "planted password's base64 not shown");
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    read_and_render(data[0], fuzz::as_text(data + 1, size - 1));
    return 0;
}
