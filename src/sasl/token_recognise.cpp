// Recognises a decoded SASL payload's mechanism and message type by its content: PLAIN
// (RFC 4616), XOAUTH2 (Google), OAUTHBEARER (RFC 7628), SCRAM (RFC 5802), CRAM (RFC 2195),
// LOGIN (draft-murchison-sasl-login), JSON error payloads, NTLM (MS-NLMP).
#include <algorithm>
#include <string_view>

#include "sasl/token_internal.hpp"

namespace smtpauth::sasl::token_detail {

namespace {

bool is_hex(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    });
}

bool contains(std::string_view s, std::string_view part) {
    return s.find(part) != std::string_view::npos;
}

bool is_printable_ascii(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) {
        auto u = static_cast<unsigned char>(c);
        return u >= 0x20 && u < 0x7f;
    });
}

// gs2-header = gs2-cbind-flag "," [ authzid ] ","   (RFC 5802 §7); returns its length or 0.
std::size_t gs2_header_length(std::string_view s) {
    std::size_t pos;
    if (s.starts_with("n,") || s.starts_with("y,")) {
        pos = 2;
    } else if (s.starts_with("p=")) {
        auto comma = s.find(',');
        if (comma == std::string_view::npos) return 0;
        pos = comma + 1;
    } else {
        return 0;
    }
    auto comma = s.find(',', pos);
    if (comma == std::string_view::npos) return 0;
    std::string_view authz = s.substr(pos, comma - pos);
    if (!authz.empty() && !authz.starts_with("a=")) return 0;
    return comma + 1;
}

}  // namespace

std::string cram_mechanism_for_digest(std::string_view hex) {
    if (!is_hex(hex)) return {};
    switch (hex.size()) {
        case 32:
            return "CRAM-MD5";
        case 40:
            return "CRAM-SHA1";
        case 64:
            return "CRAM-SHA256";
        default:
            return {};
    }
}

std::optional<Exchange::LoginNext> login_prompt_kind(BytesView data) {
    std::string_view s = data;
    while (!s.empty() && (s.back() == '\0' || s.back() == ':' || s.back() == ' '))
        s.remove_suffix(1);
    if (iequals(s, "Username") || iequals(s, "User Name")) return Exchange::LoginNext::user;
    if (iequals(s, "Password")) return Exchange::LoginNext::password;
    return std::nullopt;
}

Recognition recognise(BytesView data) {
    std::string_view s = data;
    Recognition r;
    if (s.empty()) {
        r.what = Recognised::empty;
        return r;
    }
    if (s == "\x01") {
        r.what = Recognised::oauth_ack;
        r.mechanism = "OAUTHBEARER";
        r.direction = TokenDirection::client;
        return r;
    }
    if (s.starts_with(std::string_view("NTLMSSP\0", 8))) {
        r.what = Recognised::ntlm;
        r.mechanism = "NTLM";
        return r;
    }
    // XOAUTH2: "user=" {user} ^A "auth=Bearer " {token} ^A ^A
    if (s.starts_with("user=") && contains(s,
                                           "\x01"
                                           "auth=")) {
        r.what = Recognised::xoauth2;
        r.mechanism = "XOAUTH2";
        r.direction = TokenDirection::client;
        return r;
    }
    // OAUTHBEARER: gs2-header kvsep *kvpair kvsep (RFC 7628 §3.1)
    if (std::size_t h = gs2_header_length(s); h > 0 && h < s.size() && s[h] == '\x01') {
        r.what = Recognised::oauthbearer;
        r.mechanism = "OAUTHBEARER";
        r.direction = TokenDirection::client;
        return r;
    }
    if (std::count(s.begin(), s.end(), '\0') == 2) {
        r.what = Recognised::plain;
        r.mechanism = "PLAIN";
        r.direction = TokenDirection::client;
        return r;
    }
    if (std::size_t h = gs2_header_length(s); h > 0) {
        std::string_view bare = s.substr(h);
        if (bare.starts_with("n=") || bare.starts_with("m=")) {
            r.what = Recognised::scram_client_first;
            r.mechanism = "SCRAM";
            r.direction = TokenDirection::client;
            return r;
        }
    }
    if ((s.starts_with("r=") || s.starts_with("m=")) && contains(s, ",s=") && contains(s, ",i=")) {
        r.what = Recognised::scram_server_first;
        r.mechanism = "SCRAM";
        r.direction = TokenDirection::server;
        return r;
    }
    if (s.starts_with("c=") && contains(s, ",r=")) {
        r.what = Recognised::scram_client_final;
        r.mechanism = "SCRAM";
        r.direction = TokenDirection::client;
        return r;
    }
    if ((s.starts_with("v=") || s.starts_with("e=")) && is_printable_ascii(s)) {
        r.what = Recognised::scram_server_final;
        r.mechanism = "SCRAM";
        r.direction = TokenDirection::server;
        return r;
    }
    // RFC 2195: the challenge is a msg-id "<digits.timestamp@host>".
    if (s.size() >= 3 && s.front() == '<' && s.back() == '>' && contains(s, "@") &&
        is_printable_ascii(s)) {
        r.what = Recognised::cram_challenge;
        r.mechanism = "CRAM";
        r.direction = TokenDirection::server;
        return r;
    }
    if (auto sp = s.rfind(' '); sp != std::string_view::npos && sp > 0) {
        std::string mech = cram_mechanism_for_digest(s.substr(sp + 1));
        if (!mech.empty()) {
            r.what = Recognised::cram_response;
            r.mechanism = mech;
            r.direction = TokenDirection::client;
            return r;
        }
    }
    if (login_prompt_kind(data)) {
        r.what = Recognised::login_prompt;
        r.mechanism = "LOGIN";
        r.direction = TokenDirection::server;
        return r;
    }
    std::string_view j = s;
    while (!j.empty() && (j.front() == ' ' || j.front() == '\n' || j.front() == '\r'))
        j.remove_prefix(1);
    if (j.starts_with("{")) {
        r.what = Recognised::json;
        r.direction = TokenDirection::server;
        return r;
    }
    return r;
}

}  // namespace smtpauth::sasl::token_detail
