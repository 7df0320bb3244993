// Explains SCRAM messages (RFC 5802 §5.1 and §7 grammar; RFC 7677 for SHA-256): client-first,
// server-first, client-final and server-final, with the checks a client would make.
#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "sasl/token_internal.hpp"
#include "smtpauth/codec.hpp"
#include "smtpauth/error.hpp"

namespace smtpauth::sasl::token_detail {

namespace {

struct Attribute {
    char name;
    std::string_view value;
};

// attr-val = ALPHA "=" value; attributes are separated by "," (RFC 5802 §7).
std::vector<Attribute> split_attributes(std::string_view s, std::string_view what) {
    std::vector<Attribute> out;
    std::size_t start = 0;
    for (;;) {
        auto comma = s.find(',', start);
        std::string_view part = s.substr(
            start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
        if (part.size() < 2 || part[1] != '=' ||
            !((part[0] >= 'a' && part[0] <= 'z') || (part[0] >= 'A' && part[0] <= 'Z')))
            throw Error(ErrorKind::bad_input, std::string(what) +
                                                  ": expected attr=value at offset " +
                                                  std::to_string(start) + " (RFC 5802 §7)");
        out.push_back({part[0], part.substr(2)});
        if (comma == std::string_view::npos) break;
        start = comma + 1;
    }
    return out;
}

// printable = %x21-2B / %x2D-7E   ;; printable ASCII except ","
void check_nonce(std::string_view nonce, std::string_view what) {
    if (nonce.empty()) throw Error(ErrorKind::bad_input, std::string(what) + ": empty nonce");
    for (std::size_t i = 0; i < nonce.size(); ++i) {
        auto u = static_cast<unsigned char>(nonce[i]);
        if (u < 0x21 || u > 0x7e || u == ',')
            throw Error(ErrorKind::bad_input, std::string(what) + ": nonce character at offset " +
                                                  std::to_string(i) +
                                                  " is not printable ASCII (RFC 5802 §7)");
    }
}

Bytes decode_attr_base64(std::string_view value, std::string_view what) {
    std::string why;
    auto bytes = codec::try_base64_decode(value, &why);
    if (!bytes) throw Error(ErrorKind::bad_input, std::string(what) + ": " + why);
    return *bytes;
}

std::string unescape_saslname(std::string_view s, std::string_view what) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '=') {
            out += s[i];
            continue;
        }
        std::string_view esc = s.substr(i, 3);
        if (esc == "=2C" || esc == "=2c")
            out += ',';
        else if (esc == "=3D" || esc == "=3d")
            out += '=';
        else
            throw Error(ErrorKind::bad_input, std::string(what) + ": '=' at offset " +
                                                  std::to_string(i) +
                                                  " must be =2C or =3D (RFC 5802 §5.1)");
        i += 2;
    }
    require_utf8(out, what);
    return out;
}

std::string mechanism_for_hash_size(std::size_t n) {
    switch (n) {
        case 20:
            return "SCRAM-SHA-1";
        case 32:
            return "SCRAM-SHA-256";
        case 64:
            return "SCRAM-SHA-512";
        default:
            return {};
    }
}

// Keeps the name from the AUTH line; otherwise learns it from a proof/signature length.
void settle_mechanism(DecodedMessage& msg, Exchange& ex, std::size_t hash_size) {
    std::string by_size = mechanism_for_hash_size(hash_size);
    if (ex.mechanism.empty() || ex.mechanism == "SCRAM") {
        if (!by_size.empty()) ex.mechanism = by_size;
    } else if (!by_size.empty() && !ex.mechanism.starts_with(by_size)) {
        msg.notes.push_back("a " + std::to_string(hash_size) + "-byte value fits " + by_size +
                            ", not " + ex.mechanism);
    }
    msg.mechanism = ex.mechanism.empty() ? "SCRAM" : ex.mechanism;
}

void add_extensions(const std::vector<Attribute>& attrs, std::size_t from, DecodedMessage& msg,
                    std::string_view known) {
    for (std::size_t i = from; i < attrs.size(); ++i) {
        if (known.find(attrs[i].name) != std::string_view::npos) continue;
        msg.fields.emplace_back("extension",
                                std::string(1, attrs[i].name) + "=" + std::string(attrs[i].value));
        if (attrs[i].name == 'm')
            msg.notes.push_back(
                "m= is a mandatory extension: a peer that does not know it must fail");
    }
}

const char* server_error_meaning(std::string_view e) {
    struct Row {
        std::string_view value;
        const char* meaning;
    };
    static constexpr Row kRows[] = {
        {"invalid-encoding", "the message could not be parsed"},
        {"extensions-not-supported", "an m= extension is not supported"},
        {"invalid-proof", "wrong password (the client proof did not verify)"},
        {"channel-bindings-dont-match", "channel binding data differs (TLS interception?)"},
        {"server-does-support-channel-binding",
         "client said 'y' although the server offers -PLUS (possible downgrade)"},
        {"channel-binding-not-supported", "the server does not support channel binding"},
        {"unsupported-channel-binding-type", "the channel binding type is not supported"},
        {"unknown-user", "the user does not exist"},
        {"invalid-username-encoding", "the user name is not valid UTF-8/SASLprep"},
        {"no-resources", "the server is out of resources"},
        {"other-error", "unspecified error"},
    };
    for (const auto& r : kRows)
        if (r.value == e) return r.meaning;
    return "unknown error value (treated as other-error)";
}

// client-first-message = gs2-header client-first-message-bare
// gs2-header = gs2-cbind-flag "," [ authzid ] ","
// client-first-message-bare = [reserved-mext ","] username "," nonce ["," extensions]
void client_first(std::string_view s, DecodedMessage& msg, Exchange& ex) {
    const std::string_view what = "SCRAM client-first";
    msg.kind = "client-first";
    msg.direction = TokenDirection::client;
    msg.summary = "SCRAM client-first message";
    auto c1 = s.find(',');
    auto c2 = c1 == std::string_view::npos ? c1 : s.find(',', c1 + 1);
    if (c2 == std::string_view::npos)
        throw Error(ErrorKind::bad_input, std::string(what) + ": GS2 header 'n,,' missing");
    std::string_view flag = s.substr(0, c1);
    std::string_view authz = s.substr(c1 + 1, c2 - c1 - 1);
    if (flag == "n") {
        msg.fields.emplace_back("gs2-flag", "n");
        msg.notes.push_back("gs2 n: the client does not support channel binding");
    } else if (flag == "y") {
        msg.fields.emplace_back("gs2-flag", "y");
        msg.notes.push_back(
            "gs2 y: the client supports channel binding but thinks the server "
            "does not (a server offering -PLUS must fail this)");
    } else if (flag.starts_with("p=")) {
        msg.fields.emplace_back("gs2-flag", std::string(flag));
        msg.notes.push_back("gs2 p: channel binding of type " + std::string(flag.substr(2)));
    } else {
        throw Error(ErrorKind::bad_input,
                    std::string(what) + ": GS2 channel-binding flag must be n, y or p=...");
    }
    if (!authz.empty()) {
        if (!authz.starts_with("a="))
            throw Error(ErrorKind::bad_input, std::string(what) + ": authzid must start with a=");
        msg.fields.emplace_back("authzid", unescape_saslname(authz.substr(2), "SCRAM authzid"));
    }
    std::string_view bare = s.substr(c2 + 1);
    auto attrs = split_attributes(bare, what);
    std::size_t i = 0;
    if (attrs[i].name == 'm') ++i;  // reserved-mext
    if (i >= attrs.size() || attrs[i].name != 'n')
        throw Error(ErrorKind::bad_input, std::string(what) + ": n=username missing");
    msg.fields.emplace_back("user", unescape_saslname(attrs[i].value, "SCRAM user"));
    ++i;
    if (i >= attrs.size() || attrs[i].name != 'r')
        throw Error(ErrorKind::bad_input, std::string(what) + ": r=nonce missing after n=");
    check_nonce(attrs[i].value, what);
    msg.fields.emplace_back("client-nonce", std::string(attrs[i].value));
    ex.scram_client_nonce = std::string(attrs[i].value);
    add_extensions(attrs, 0, msg, "nr");
    ex.scram_client_first = std::string(s);
    ex.scram_client_first_bare = std::string(bare);
    ex.scram_server_first.clear();
    ex.scram_server_nonce.clear();
    msg.mechanism = ex.mechanism.empty() ? "SCRAM" : ex.mechanism;
    if (msg.mechanism == "SCRAM")
        msg.notes.push_back("SCRAM-SHA-1 or SCRAM-SHA-256: later messages tell which");
}

// server-first-message = [reserved-mext ","] nonce "," salt "," iteration-count ["," extensions]
void server_first(std::string_view s, DecodedMessage& msg, Exchange& ex) {
    const std::string_view what = "SCRAM server-first";
    msg.kind = "server-first";
    msg.direction = TokenDirection::server;
    msg.summary = "SCRAM server-first message";
    auto attrs = split_attributes(s, what);
    std::size_t i = 0;
    if (attrs[i].name == 'm') ++i;
    if (i + 2 >= attrs.size() || attrs[i].name != 'r' || attrs[i + 1].name != 's' ||
        attrs[i + 2].name != 'i')
        throw Error(ErrorKind::bad_input, std::string(what) + ": expected r=...,s=...,i=...");
    std::string_view nonce = attrs[i].value;
    check_nonce(nonce, what);
    if (!ex.scram_client_nonce.empty() && nonce.starts_with(ex.scram_client_nonce)) {
        msg.fields.emplace_back("client-nonce", ex.scram_client_nonce);
        msg.fields.emplace_back("server-nonce",
                                std::string(nonce.substr(ex.scram_client_nonce.size())));
        if (nonce.size() == ex.scram_client_nonce.size())
            msg.notes.push_back("the server added no nonce of its own");
    } else {
        msg.fields.emplace_back("nonce", std::string(nonce));
        if (!ex.scram_client_nonce.empty())
            msg.notes.push_back(
                "nonce does not start with the client's nonce: a client must abort");
    }
    Bytes salt = decode_attr_base64(attrs[i + 1].value, "SCRAM salt (s=)");
    msg.fields.emplace_back("salt", codec::hex_encode(salt) + " (" + byte_count(salt.size()) + ")");
    std::string_view iter = attrs[i + 2].value;
    std::uint64_t count = 0;
    if (iter.empty() || iter.size() > 10 ||
        !std::all_of(iter.begin(), iter.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
        iter.front() == '0')
        throw Error(ErrorKind::bad_input,
                    std::string(what) + ": i= must be a positive decimal number");
    for (char c : iter) count = count * 10 + static_cast<std::uint64_t>(c - '0');
    if (count > 0xffffffffULL)
        throw Error(ErrorKind::bad_input, std::string(what) + ": i= exceeds 32 bits");
    msg.fields.emplace_back("iterations", std::string(iter));
    if (count < 4096)
        msg.notes.push_back("fewer than 4096 iterations (RFC 5802/7677 minimum for servers)");
    if (count > 1000000)
        msg.notes.push_back("more than 1,000,000 iterations: smtpauth refuses this as a client");
    add_extensions(attrs, 0, msg, "rsi");
    ex.scram_server_first = std::string(s);
    ex.scram_server_nonce = std::string(nonce);
    ex.scram_salt = salt;
    ex.scram_iterations = static_cast<std::uint32_t>(count);
    msg.mechanism = ex.mechanism.empty() ? "SCRAM" : ex.mechanism;
}

// client-final-message = channel-binding "," nonce ["," extensions] "," proof
void client_final(std::string_view s, DecodedMessage& msg, Exchange& ex, DecodeResult* result) {
    const std::string_view what = "SCRAM client-final";
    msg.kind = "client-final";
    msg.direction = TokenDirection::client;
    msg.summary = "SCRAM client-final message";
    auto attrs = split_attributes(s, what);
    if (attrs.size() < 3 || attrs[0].name != 'c' || attrs[1].name != 'r' ||
        attrs.back().name != 'p')
        throw Error(ErrorKind::bad_input, std::string(what) + ": expected c=...,r=...,p=...");
    Bytes cbind = decode_attr_base64(attrs[0].value, "SCRAM channel binding (c=)");
    auto c1 = cbind.find(',');
    auto c2 = c1 == std::string::npos ? c1 : cbind.find(',', c1 + 1);
    if (c2 == std::string::npos)
        throw Error(ErrorKind::bad_input,
                    std::string(what) + ": c= does not start with a GS2 header");
    msg.fields.emplace_back("channel-binding", cbind.substr(0, c2 + 1));
    if (cbind.size() > c2 + 1)
        msg.fields.emplace_back("channel-binding-data",
                                codec::hex_encode(std::string_view(cbind).substr(c2 + 1)) + " (" +
                                    byte_count(cbind.size() - c2 - 1) + ")");
    std::string_view nonce = attrs[1].value;
    check_nonce(nonce, what);
    msg.fields.emplace_back("nonce", std::string(nonce));
    if (!ex.scram_server_nonce.empty() && nonce != ex.scram_server_nonce)
        msg.notes.push_back("nonce differs from the server-first nonce: the server must fail");
    add_extensions(attrs, 2, msg, "p");
    Bytes proof = decode_attr_base64(attrs.back().value, "SCRAM proof (p=)");
    msg.fields.emplace_back("proof", std::string(attrs.back().value), true);
    settle_mechanism(msg, ex, proof.size());
    if (ex.scram_client_first_bare.empty() || ex.scram_server_first.empty()) {
        msg.notes.push_back("client-first or server-first missing: the proof cannot be checked");
        return;
    }
    if (result) {
        CheckMaterial m;
        m.kind = CheckMaterial::Kind::scram;
        m.mechanism = msg.mechanism;
        m.line = msg.line;
        m.client_first = ex.scram_client_first;
        m.server_first = ex.scram_server_first;
        m.client_final = std::string(s);
        m.iterations = ex.scram_iterations;
        result->checkable.push_back(std::move(m));
    }
}

// server-final-message = (server-error / verifier) ["," extensions]
void server_final(std::string_view s, DecodedMessage& msg, Exchange& ex, DecodeResult* result) {
    const std::string_view what = "SCRAM server-final";
    msg.kind = "server-final";
    msg.direction = TokenDirection::server;
    auto attrs = split_attributes(s, what);
    if (attrs[0].name == 'v') {
        Bytes sig = decode_attr_base64(attrs[0].value, "SCRAM server signature (v=)");
        msg.summary = "SCRAM server-final message (server signature)";
        msg.fields.emplace_back("server-signature", codec::hex_encode(sig));
        msg.notes.push_back(
            "the client must compare v= with its own ServerSignature before "
            "trusting a success reply");
        settle_mechanism(msg, ex, sig.size());
        // Completes the material of this exchange's client-final, so that --check-password
        // can say whether the server knew the password too.
        if (result && !result->checkable.empty()) {
            auto& m = result->checkable.back();
            if (m.kind == CheckMaterial::Kind::scram && m.server_first == ex.scram_server_first &&
                m.server_final.empty())
                m.server_final = std::string(s);
        }
    } else if (attrs[0].name == 'e') {
        msg.summary = "SCRAM server-final message (error)";
        msg.fields.emplace_back("server-error", std::string(attrs[0].value));
        msg.notes.push_back(server_error_meaning(attrs[0].value));
        msg.mechanism = ex.mechanism.empty() ? "SCRAM" : ex.mechanism;
    } else {
        throw Error(ErrorKind::bad_input, std::string(what) + ": must start with v= or e=");
    }
    add_extensions(attrs, 1, msg, "");
}

}  // namespace

void explain_scram(BytesView data, TokenDirection dir, DecodedMessage& msg, Exchange& ex,
                   DecodeResult* result) {
    if (!ex.mechanism.starts_with("SCRAM")) ex.mechanism = "SCRAM";
    for (std::size_t i = 0; i < data.size(); ++i) {
        auto u = static_cast<unsigned char>(data[i]);
        if (u < 0x20 || u == 0x7f)
            throw Error(ErrorKind::bad_input,
                        "SCRAM message has a control character at offset " + std::to_string(i));
    }
    Recognition r = recognise(data);
    switch (r.what) {
        case Recognised::scram_client_first:
            client_first(data, msg, ex);
            break;
        case Recognised::scram_server_first:
            server_first(data, msg, ex);
            break;
        case Recognised::scram_client_final:
            client_final(data, msg, ex, result);
            break;
        case Recognised::scram_server_final:
            server_final(data, msg, ex, result);
            break;
        default: {
            // Named SCRAM, content fits no message: say which one the position expected.
            std::string expected =
                dir == TokenDirection::server
                    ? (ex.scram_server_first.empty() ? "server-first" : "server-final")
                    : (ex.scram_client_first_bare.empty() ? "client-first" : "client-final");
            throw Error(ErrorKind::bad_input,
                        "not a SCRAM " + expected + " message (RFC 5802 §7 grammar)");
        }
    }
}

}  // namespace smtpauth::sasl::token_detail
