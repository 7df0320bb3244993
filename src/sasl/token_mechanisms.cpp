// Explains the messages of the simple mechanisms: PLAIN (RFC 4616), LOGIN
// (draft-murchison-sasl-login), CRAM-MD5 (RFC 2195) and CRAM-SHA1/-SHA256 (same construction),
// XOAUTH2 (Google/Microsoft), OAUTHBEARER (RFC 7628), EXTERNAL and ANONYMOUS (RFC 4422
// appendix A, RFC 4505), NTLM (MS-NLMP, message type only).
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

namespace {

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

// RFC 5802 §5.1 saslname: "=2C" is ",", "=3D" is "="; any other "=" is an error.
std::string unescape_saslname(std::string_view s, std::string_view what) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '=') {
            out += s[i];
            continue;
        }
        std::string_view esc = s.substr(i, 3);
        if (esc == "=2C" || esc == "=2c") {
            out += ',';
        } else if (esc == "=3D" || esc == "=3d") {
            out += '=';
        } else {
            throw Error(ErrorKind::bad_input, std::string(what) + ": '=' at offset " +
                                                  std::to_string(i) +
                                                  " is not followed by 2C or 3D (RFC 5802 §5.1)");
        }
        i += 2;
    }
    return out;
}

}  // namespace

// message = [authzid] UTF8NUL authcid UTF8NUL passwd   (RFC 4616 §2)
void explain_plain(BytesView data, DecodedMessage& msg, Exchange& ex, DecodeResult* result) {
    auto nuls = static_cast<std::size_t>(std::count(data.begin(), data.end(), '\0'));
    if (nuls != 2)
        throw Error(ErrorKind::bad_input,
                    "PLAIN message must hold exactly two NUL separators "
                    "([authzid] NUL user NUL password), found " +
                        std::to_string(nuls));
    auto first = data.find('\0');
    auto second = data.find('\0', first + 1);
    std::string_view authzid = data.substr(0, first);
    std::string_view user = data.substr(first + 1, second - first - 1);
    std::string_view password = data.substr(second + 1);
    require_utf8(authzid, "PLAIN authzid");
    require_utf8(user, "PLAIN user");
    require_utf8(password, "PLAIN password");
    msg.mechanism = "PLAIN";
    msg.kind = "client-response";
    msg.direction = TokenDirection::client;
    msg.summary = "PLAIN credentials";
    msg.fields.emplace_back("authzid", std::string(authzid));
    msg.fields.emplace_back("user", std::string(user));
    msg.fields.emplace_back("password", std::string(password), true);
    if (authzid.empty())
        msg.notes.push_back("authzid empty: the server derives it from the user");
    else if (authzid != user)
        msg.notes.push_back("authzid differs from user: asks to act as another identity");
    if (user.empty())
        msg.notes.push_back("user is empty (RFC 4616 requires at least one character)");
    if (password.empty())
        msg.notes.push_back("password is empty (RFC 4616 requires at least one character)");
    ex.mechanism = "PLAIN";
    if (result) {
        CheckMaterial m;
        m.kind = CheckMaterial::Kind::plain;
        m.mechanism = "PLAIN";
        m.line = msg.line;
        m.password = Secret(std::string(password));
        result->checkable.push_back(std::move(m));
    }
}

// Two server prompts, two client answers (draft-murchison-sasl-login-00 §2); the client
// must ignore the prompt text, so the order decides what an answer is.
void explain_login(BytesView data, TokenDirection dir, DecodedMessage& msg, Exchange& ex,
                   DecodeResult* result) {
    msg.mechanism = "LOGIN";
    ex.mechanism = "LOGIN";
    msg.direction = dir;
    if (dir == TokenDirection::server) {
        msg.kind = "prompt";
        msg.fields.emplace_back("prompt", std::string(data));
        auto kind = login_prompt_kind(data);
        if (kind) {
            ex.login_next = *kind;
        } else {
            msg.notes.push_back("non-standard prompt text (clients ignore it; order decides)");
        }
        msg.summary = ex.login_next == Exchange::LoginNext::password
                          ? "LOGIN prompt for the password"
                          : "LOGIN prompt for the user name";
        return;
    }
    if (ex.login_next == Exchange::LoginNext::password) {
        msg.kind = "password";
        msg.summary = "LOGIN password";
        msg.fields.emplace_back("password", std::string(data), true);
        if (data.find_first_of(std::string_view("\0\r\n", 3)) != std::string_view::npos)
            msg.notes.push_back("password contains NUL, CR or LF (not allowed by the draft)");
        ex.login_next = Exchange::LoginNext::done;
        if (result) {
            CheckMaterial m;
            m.kind = CheckMaterial::Kind::login;
            m.mechanism = "LOGIN";
            m.line = msg.line;
            m.password = Secret(std::string(data));
            result->checkable.push_back(std::move(m));
        }
        return;
    }
    if (ex.login_next == Exchange::LoginNext::done) {
        msg.kind = "client-response";
        msg.summary = "LOGIN: unexpected third client message";
        msg.fields.emplace_back("data", std::string(data), true);
        return;
    }
    msg.kind = "username";
    msg.summary = "LOGIN user name";
    msg.fields.emplace_back("user", std::string(data));
    if (!codec::is_valid_utf8(data)) msg.notes.push_back("user name is not valid UTF-8");
    ex.login_next = Exchange::LoginNext::password;
}

// challenge = msg-id "<digits.timestamp@host>" (RFC 2195 §2)
void explain_cram_challenge(BytesView data, DecodedMessage& msg, Exchange& ex) {
    msg.kind = "cram-challenge";
    msg.direction = TokenDirection::server;
    if (msg.mechanism.empty()) msg.mechanism = ex.mechanism.empty() ? "CRAM" : ex.mechanism;
    if (ex.mechanism.empty()) ex.mechanism = "CRAM";
    msg.summary = "CRAM challenge";
    msg.fields.emplace_back("challenge", std::string(data));
    if (!(data.size() >= 3 && data.front() == '<' && data.back() == '>'))
        msg.notes.push_back("not in RFC 2195's <...@host> form (still usable as a challenge)");
    if (msg.mechanism == "CRAM")
        msg.notes.push_back("CRAM-MD5, CRAM-SHA1 or CRAM-SHA256: the response tells which");
    ex.cram_challenge = Bytes(data);
}

// response = user SP lower-case hex HMAC(secret, challenge)   (RFC 2195 §2)
void explain_cram_response(BytesView data, DecodedMessage& msg, Exchange& ex,
                           DecodeResult* result) {
    auto sp = data.rfind(' ');
    if (sp == std::string_view::npos || sp == 0)
        throw Error(ErrorKind::bad_input,
                    "CRAM response must be 'user SP hex-digest' (RFC 2195): no space found");
    std::string_view user = data.substr(0, sp);
    std::string_view digest = data.substr(sp + 1);
    std::string by_length = cram_mechanism_for_digest(digest);
    if (by_length.empty())
        throw Error(ErrorKind::bad_input,
                    "CRAM response digest must be 32, 40 or 64 hex digits (MD5, SHA1, SHA256), "
                    "got " +
                        std::to_string(digest.size()) + " characters at offset " +
                        std::to_string(sp + 1));
    require_utf8(user, "CRAM user");
    msg.kind = "cram-response";
    msg.direction = TokenDirection::client;
    msg.mechanism = by_length;
    msg.summary = by_length + " response";
    if (!ex.mechanism.empty() && ex.mechanism != "CRAM" && ex.mechanism != by_length)
        msg.notes.push_back("digest length fits " + by_length + ", but the exchange is " +
                            ex.mechanism);
    ex.mechanism = by_length;
    msg.fields.emplace_back("user", std::string(user));
    msg.fields.emplace_back("digest", std::string(digest), true);
    if (std::any_of(digest.begin(), digest.end(), [](char c) { return c >= 'A' && c <= 'F'; }))
        msg.notes.push_back("digest has upper-case hex (RFC 2195 says lower case)");
    if (!ex.cram_challenge) {
        msg.notes.push_back("no challenge in the input: the digest cannot be checked");
        return;
    }
    if (result) {
        CheckMaterial m;
        m.kind = CheckMaterial::Kind::cram;
        m.mechanism = by_length;
        m.line = msg.line;
        m.challenge = *ex.cram_challenge;
        m.digest_hex = Secret(std::string(digest));
        result->checkable.push_back(std::move(m));
    }
}

// "user=" {user} ^A "auth=Bearer " {token} ^A ^A   (Google's xoauth2-protocol page)
void explain_xoauth2(BytesView data, DecodedMessage& msg, const DecodeOptions& options) {
    msg.mechanism = "XOAUTH2";
    msg.kind = "client-response";
    msg.direction = TokenDirection::client;
    msg.summary = "XOAUTH2 credentials";
    std::string_view s = data;
    bool terminated = s.ends_with("\x01\x01");
    if (terminated)
        s.remove_suffix(2);
    else if (s.ends_with("\x01"))
        s.remove_suffix(1);
    bool have_auth = false;
    for (auto kv : split(s, '\x01')) {
        auto eq = kv.find('=');
        std::string_view key = kv.substr(0, eq);
        std::string_view value =
            eq == std::string_view::npos ? std::string_view{} : kv.substr(eq + 1);
        if (key == "user") {
            require_utf8(value, "XOAUTH2 user");
            msg.fields.emplace_back("user", std::string(value));
        } else if (key == "auth") {
            have_auth = true;
            explain_bearer(value, msg, options);
        } else {
            msg.fields.emplace_back(std::string(key), std::string(value));
            msg.notes.push_back("unexpected key '" + std::string(key) + "'");
        }
    }
    if (!have_auth) throw Error(ErrorKind::bad_input, "XOAUTH2 message has no auth= part");
    if (!terminated) msg.notes.push_back("does not end with ^A^A as the format requires");
}

// client-resp = (gs2-header kvsep *kvpair kvsep) / kvsep   (RFC 7628 §3.1)
void explain_oauthbearer(BytesView data, DecodedMessage& msg, const DecodeOptions& options) {
    msg.mechanism = "OAUTHBEARER";
    msg.direction = TokenDirection::client;
    if (data == "\x01") {
        msg.kind = "error-ack";
        msg.summary = "OAUTHBEARER acknowledgement of a server error (0x01)";
        return;
    }
    msg.kind = "client-response";
    msg.summary = "OAUTHBEARER credentials";
    auto sep = data.find('\x01');
    if (sep == std::string_view::npos)
        throw Error(ErrorKind::bad_input, "OAUTHBEARER message has no 0x01 separator");
    std::string_view header = data.substr(0, sep);
    // gs2-header = gs2-cbind-flag "," [ authzid ] ","; OAUTHBEARER has no channel binding.
    if (header.size() < 3 || header[1] != ',' || header.back() != ',' ||
        (header[0] != 'n' && header[0] != 'y'))
        throw Error(ErrorKind::bad_input,
                    "OAUTHBEARER GS2 header must be 'n,[a=authzid],' (RFC 7628 §3.1)");
    msg.fields.emplace_back("gs2-flag", std::string(1, header[0]));
    std::string_view authz = header.substr(2, header.size() - 3);
    if (!authz.empty()) {
        if (!authz.starts_with("a="))
            throw Error(ErrorKind::bad_input, "OAUTHBEARER GS2 authzid must start with 'a='");
        std::string name = unescape_saslname(authz.substr(2), "OAUTHBEARER authzid");
        require_utf8(name, "OAUTHBEARER authzid");
        msg.fields.emplace_back("authzid", name);
    } else {
        msg.fields.emplace_back("authzid", "");
        msg.notes.push_back("no authzid: the server takes the user from the token");
    }
    std::string_view rest = data.substr(sep + 1);
    bool terminated = rest.ends_with("\x01");
    if (terminated) rest.remove_suffix(1);
    if (rest.ends_with("\x01")) rest.remove_suffix(1);
    bool have_auth = false;
    for (auto kv : split(rest, '\x01')) {
        if (kv.empty()) continue;
        auto eq = kv.find('=');
        if (eq == std::string_view::npos || eq == 0)
            throw Error(ErrorKind::bad_input, "OAUTHBEARER key/value pair without key= (RFC 7628)");
        std::string_view key = kv.substr(0, eq);
        std::string_view value = kv.substr(eq + 1);
        if (key == "auth") {
            have_auth = true;
            explain_bearer(value, msg, options);
        } else if (key == "host" || key == "port") {
            msg.fields.emplace_back(std::string(key), std::string(value));
        } else {
            msg.fields.emplace_back("extension", std::string(key) + "=" + std::string(value));
        }
    }
    if (!have_auth) throw Error(ErrorKind::bad_input, "OAUTHBEARER message has no auth= pair");
    if (!terminated) msg.notes.push_back("does not end with ^A^A as RFC 7628 requires");
}

// EXTERNAL: the message is the authzid, empty = the identity from TLS (RFC 4422 appendix A).
void explain_external(BytesView data, DecodedMessage& msg) {
    msg.mechanism = "EXTERNAL";
    msg.kind = "client-response";
    msg.direction = TokenDirection::client;
    msg.summary = "EXTERNAL authorization identity";
    msg.fields.emplace_back("authzid", std::string(data));
    if (data.empty())
        msg.notes.push_back("empty: act as the identity established outside SASL (e.g. TLS)");
}

// ANONYMOUS: optional trace information, an email address or opaque text (RFC 4505 §2).
void explain_anonymous(BytesView data, DecodedMessage& msg) {
    msg.mechanism = "ANONYMOUS";
    msg.kind = "client-response";
    msg.direction = TokenDirection::client;
    msg.summary = "ANONYMOUS trace information";
    msg.fields.emplace_back("trace", std::string(data));
}

// NTLM messages start with "NTLMSSP\0" and a little-endian message type (MS-NLMP §2.2).
void explain_ntlm(BytesView data, DecodedMessage& msg) {
    msg.mechanism = "NTLM";
    msg.kind = "ntlm";
    std::uint32_t type = 0;
    if (data.size() >= 12)
        for (int i = 3; i >= 0; --i)
            type = (type << 8) | static_cast<unsigned char>(data[8 + static_cast<std::size_t>(i)]);
    const char* names[] = {"?", "NEGOTIATE", "CHALLENGE", "AUTHENTICATE"};
    msg.summary = std::string("NTLM ") + (type >= 1 && type <= 3 ? names[type] : "message");
    msg.direction = type == 2 ? TokenDirection::server : TokenDirection::client;
    msg.fields.emplace_back("message-type", std::to_string(type));
    msg.fields.emplace_back("length", byte_count(data.size()));
    if (type == 3)
        msg.notes.push_back("AUTHENTICATE carries password-derived responses (not shown)");
    else
        msg.notes.push_back("NTLM is not explained further");
}

void explain_unknown(BytesView data, DecodedMessage& msg) {
    if (msg.kind.empty()) msg.kind = "unknown";
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
