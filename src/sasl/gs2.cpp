// GS2 header (RFC 5801 §4) and saslname escaping (RFC 5802 §5.1), shared by SCRAM and
// OAUTHBEARER, their clients and their explainers alike.
#include "sasl/gs2.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace smtpauth::sasl {

namespace scram {

std::string escape_saslname(std::string_view name) {
    std::string out;
    out.reserve(name.size());
    for (char c : name) {
        if (c == ',')
            out += "=2C";
        else if (c == '=')
            out += "=3D";
        else
            out += c;
    }
    return out;
}

std::optional<std::string> unescape_saslname(std::string_view text) {
    // saslname = 1*(value-safe-char / "=2C" / "=3D")
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '=') {
            out += text[i];
            continue;
        }
        std::string_view esc = text.substr(i + 1, 2);
        if (esc == "2C")
            out += ',';
        else if (esc == "3D")
            out += '=';
        else
            return std::nullopt;
        i += 2;
    }
    return out;
}

}  // namespace scram

namespace detail {

[[noreturn]] void parse_failure(std::string_view what, ErrorKind kind, std::size_t offset,
                                std::string_view why) {
    throw Error(
        kind, std::string(what) + ": " + std::string(why) + " at offset " + std::to_string(offset));
}

std::string gs2_header(std::string_view cbind_flag, std::string_view authzid) {
    std::string out(cbind_flag);
    out += ',';
    if (!authzid.empty()) {
        out += "a=";
        out += scram::escape_saslname(authzid);
    }
    out += ',';
    return out;
}

scram::Gs2Header parse_gs2_header(std::string_view message, std::size_t& consumed,
                                  std::string_view what, ErrorKind kind) {
    auto fail = [&](std::size_t offset, const char* why) {
        parse_failure(what, kind, offset, why);
    };
    scram::Gs2Header h;
    // gs2-cbind-flag = ("p=" cb-name) / "n" / "y"
    std::size_t comma = message.find(',');
    if (comma == std::string_view::npos) fail(0, "GS2 header without ','");
    std::string_view flag = message.substr(0, comma);
    if (flag == "n") {
        h.binding = scram::Gs2Header::Binding::none;
    } else if (flag == "y") {
        h.binding = scram::Gs2Header::Binding::client_supports;
    } else if (flag.substr(0, 2) == "p=") {
        // cb-name = 1*(ALPHA / DIGIT / "." / "-")
        std::string_view name = flag.substr(2);
        if (name.empty()) fail(2, "empty channel-binding name");
        for (std::size_t i = 0; i < name.size(); ++i) {
            char c = name[i];
            bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '.' || c == '-';
            if (!ok) fail(2 + i, "invalid character in the channel-binding name");
        }
        h.binding = scram::Gs2Header::Binding::required;
        h.cb_name = std::string(name);
    } else {
        fail(0, "GS2 channel-binding flag is not 'n', 'y' or 'p='");
    }
    // [ authzid ] ","   with authzid = "a=" saslname
    std::size_t pos = comma + 1;
    std::size_t end = message.find(',', pos);
    if (end == std::string_view::npos) fail(pos, "GS2 header not terminated by ','");
    std::string_view authz = message.substr(pos, end - pos);
    if (!authz.empty()) {
        if (authz.substr(0, 2) != "a=" || authz.size() == 2)
            fail(pos, "GS2 authzid must be 'a=' followed by a saslname");
        auto name = scram::unescape_saslname(authz.substr(2));
        if (!name) fail(pos + 2, "'=' in the authzid not followed by 2C or 3D");
        h.authzid = std::move(*name);
    }
    consumed = end + 1;
    h.text = std::string(message.substr(0, consumed));
    return h;
}

std::optional<scram::Gs2Header> try_parse_gs2_header(std::string_view message,
                                                     std::size_t& consumed) {
    try {
        return parse_gs2_header(message, consumed, "GS2 header", ErrorKind::bad_input);
    } catch (const Error&) {
        return std::nullopt;
    }
}

}  // namespace detail

}  // namespace smtpauth::sasl
