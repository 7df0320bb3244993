// Pieces every mechanism's explainer shares (decoded fields, UTF-8 checks, the raw view of
// a payload no mechanism explains). The mechanisms' own explainers are in src/sasl/mech_*.cpp.
#include <algorithm>
#include <cctype>
#include <string>
#include <string_view>
#include <vector>

#include "sasl/token_internal.hpp"
#include "smtpauth/codec.hpp"
#include "smtpauth/error.hpp"

namespace smtpauth::sasl {

DecodedField::DecodedField(std::string name, std::string value, bool secret)
    : name_(std::move(name)), secret_(secret) {
    if (secret) {
        secret_value_ = Secret(std::move(value));
    } else {
        value_ = std::move(value);
    }
}

}  // namespace smtpauth::sasl

namespace smtpauth::sasl::token_detail {

std::string upper(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return out;
}

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && starts_with_icase(a, b);
}

bool starts_with_icase(std::string_view s, std::string_view prefix) {
    if (s.size() < prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(s[i])) !=
            std::tolower(static_cast<unsigned char>(prefix[i])))
            return false;
    return true;
}

std::string byte_count(std::size_t n) {
    return std::to_string(n) + (n == 1 ? " byte" : " bytes");
}

void require_utf8(std::string_view text, std::string_view what) {
    if (codec::is_valid_utf8(text)) return;
    // The first offending offset: step over one valid sequence (1-4 bytes) at a time, so
    // that the search stays linear in the input.
    std::size_t good = 0;
    while (good < text.size()) {
        std::size_t step = 0;
        for (std::size_t n = 1; n <= 4 && good + n <= text.size(); ++n) {
            if (codec::is_valid_utf8(text.substr(good, n))) {
                step = n;
                break;
            }
        }
        if (step == 0) break;
        good += step;
    }
    throw Error(ErrorKind::bad_input,
                std::string(what) + " is not valid UTF-8 at offset " + std::to_string(good));
}

std::vector<std::string_view> split(std::string_view s, char sep) {
    std::vector<std::string_view> parts;
    std::size_t start = 0;
    for (;;) {
        auto pos = s.find(sep, start);
        if (pos == std::string_view::npos) {
            parts.push_back(s.substr(start));
            return parts;
        }
        parts.push_back(s.substr(start, pos - start));
        start = pos + 1;
    }
}

void explain_unknown(BytesView data, DecodedMessage& msg) {
    if (msg.summary.empty()) msg.summary = "unrecognised content";
    bool text = codec::is_valid_utf8(data) && std::none_of(data.begin(), data.end(), [](char c) {
                    auto u = static_cast<unsigned char>(c);
                    return (u < 0x20 && c != '\t') || u == 0x7f;
                });
    if (data.empty()) {
        msg.fields.emplace_back("length", "0 bytes (empty)");
        return;
    }
    if (text) {
        msg.fields.emplace_back("text", std::string(data));
    } else {
        msg.fields.emplace_back("hex", codec::hex_encode(data));
        msg.fields.emplace_back("text", std::string(data));  // escaped by the renderer
    }
    msg.fields.emplace_back("length", byte_count(data.size()));
}

}  // namespace smtpauth::sasl::token_detail
