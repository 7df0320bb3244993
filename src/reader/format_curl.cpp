// curl -v: "> " sent, "< " received, "* " curl's own information, "{ [n bytes data]" /
// "} [...]" data notes, progress meter lines. HTTP requests (Authorization headers) too.
#include <string>
#include <string_view>

#include "reader/reader_internal.hpp"
#include "smtpauth/codec.hpp"

namespace smtpauth::reader::detail {

namespace {

bool starts_icase(std::string_view s, std::string_view p) {
    if (s.size() < p.size()) return false;
    for (std::size_t i = 0; i < p.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(s[i])) !=
            std::tolower(static_cast<unsigned char>(p[i])))
            return false;
    return true;
}

// "GET / HTTP/1.1": an HTTP request line starts the HTTP part of a curl -v output.
bool http_request(std::string_view s) {
    auto sp = s.find(' ');
    return sp != std::string_view::npos && sp > 0 && s.find(" HTTP/") != std::string_view::npos;
}

// RFC 7617 Basic / RFC 6750 Bearer credentials in an (Proxy-)Authorization header.
void authorization(std::size_t n, std::string_view header, std::string_view value, Sink& out) {
    sasl::DecodedMessage msg;
    msg.line = n;
    msg.direction = sasl::TokenDirection::client;
    msg.kind = sasl::MessageKind::credential;
    auto sp = value.find(' ');
    std::string scheme(value.substr(0, sp));
    std::string_view cred =
        sp == std::string_view::npos ? std::string_view{} : value.substr(sp + 1);
    msg.mechanism = "HTTP " + scheme;
    msg.summary = std::string(header) + ": " + scheme + " credentials";
    if (starts_icase(scheme, "basic")) {
        std::string why;
        if (auto raw = codec::try_base64_decode(cred, &why)) {
            auto colon = raw->find(':');
            msg.fields.emplace_back("user", raw->substr(0, colon));
            msg.fields.emplace_back("password",
                                    colon == std::string::npos ? "" : raw->substr(colon + 1), true);
            sasl::CheckMaterial m = sasl::clear_password_material(
                "HTTP Basic", colon == std::string::npos ? "" : raw->substr(colon + 1), n);
            m.user = raw->substr(0, colon);
            out.checks.push_back(std::move(m));
            wipe_string(*raw);
        } else {
            msg.fields.emplace_back("credentials", std::string(cred), true);
            msg.notes.push_back("not base64: " + why);
        }
    } else {
        msg.fields.emplace_back("credentials", std::string(cred), true);
    }
    out.message(std::move(msg));
}

}  // namespace

int score_curl(std::string_view line) {
    if (line.starts_with("* Connected to ") || line.starts_with("*   Trying ") ||
        line.starts_with("{ [") || line.starts_with("} [") ||
        line.starts_with("* Closing connection"))
        return 4;
    if (line.starts_with("> ") || line.starts_with("< ")) return 1;
    return 0;
}

void normalise_curl(std::size_t n, std::string_view line, Sink& out, std::string& state) {
    std::string_view rest;
    if (after(line, ">", rest) && line.size() > 1 && line[1] == ' ') {
        if (http_request(rest)) state = "http";
        auto colon = rest.find(':');
        if (colon != std::string_view::npos) {
            std::string_view name = rest.substr(0, colon);
            if (starts_icase(name, "authorization") || starts_icase(name, "proxy-authorization")) {
                std::string_view value = rest.substr(colon + 1);
                while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
                return authorization(n, name, value, out);
            }
        }
        if (state == "http") return out.chatter(n);
        return out.client(n, rest);
    }
    if (after(line, "<", rest) && line.size() > 1 && line[1] == ' ') {
        if (state == "http") return out.chatter(n);
        return out.server(n, rest);
    }
    out.chatter(n);
}

}  // namespace smtpauth::reader::detail
