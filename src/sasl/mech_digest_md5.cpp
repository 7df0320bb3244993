// DIGEST-MD5 (RFC 2831; historic per RFC 6331): the client (challenge in, response out,
// rspauth checked), its registry entry, and its explain/check functions for `decode`. One
// implementation of the response math serves gen, probe and --check-password; the Cyrus
// plugin (`--backend cyrus`) and the Cyrus server in the tests cross-check it.
#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "crypto/crypto.hpp"
#include "sasl/mechanisms.hpp"
#include "sasl/token_internal.hpp"
#include "smtpauth/codec.hpp"
#include "smtpauth/error.hpp"
#include "smtpauth/sasl/registry.hpp"

namespace smtpauth::sasl::detail {

namespace {

constexpr std::string_view kName = "DIGEST-MD5";
// RFC 2831 §2.1.1: "The size of a digest-challenge MUST be less than 2048 bytes."
constexpr std::size_t kMaxChallenge = 2048;
// §2.1.2: "The size of a digest-response MUST be less than 4096 bytes."
constexpr std::size_t kMaxResponse = 4096;

// One directive of a challenge or response: name=value, the value unquoted.
struct Directive {
    std::string name;  // lower case
    std::string value;
    bool quoted = false;
};

// RFC 2831 §7.1 (RFC 2616 §2.1 "#rule"):
//   directives = 1#( token "=" ( token | quoted-string ) )
//   quoted-string = <"> *(qdtext | quoted-pair ) <">;  quoted-pair = "\" CHAR
// Empty list elements (",,") are allowed; linear white space around elements is skipped.
std::vector<Directive> parse_directives(std::string_view s, ErrorKind kind, std::string_view what) {
    auto fail = [&](const std::string& why) {
        throw Error(kind, std::string(kName) + ": malformed " + std::string(what) + ": " + why);
    };
    auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
    std::vector<Directive> out;
    std::size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && (is_space(s[i]) || s[i] == ',')) ++i;
        if (i == s.size()) break;
        Directive d;
        std::size_t start = i;
        while (i < s.size() && s[i] != '=' && s[i] != ',' && !is_space(s[i])) ++i;
        d.name = token_detail::upper(s.substr(start, i - start));
        for (char& c : d.name) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
        while (i < s.size() && is_space(s[i])) ++i;
        if (d.name.empty() || i == s.size() || s[i] != '=')
            fail("expected name=value at offset " + std::to_string(start));
        ++i;
        while (i < s.size() && is_space(s[i])) ++i;
        if (i < s.size() && s[i] == '"') {
            d.quoted = true;
            ++i;
            bool closed = false;
            while (i < s.size()) {
                char c = s[i++];
                if (c == '"') {
                    closed = true;
                    break;
                }
                if (c == '\\') {
                    if (i == s.size()) break;
                    c = s[i++];
                }
                d.value += c;
            }
            if (!closed) fail("unterminated quoted value of " + d.name);
        } else {
            std::size_t v = i;
            while (i < s.size() && s[i] != ',' && !is_space(s[i])) ++i;
            d.value = std::string(s.substr(v, i - v));
            if (d.value.find('"') != std::string::npos)
                fail("stray quote in the value of " + d.name);
        }
        while (i < s.size() && is_space(s[i])) ++i;
        if (i < s.size() && s[i] != ',')
            fail("expected ',' after the value of " + d.name + " at offset " + std::to_string(i));
        out.push_back(std::move(d));
    }
    return out;
}

// The single value of a directive that may appear at most once; nullopt when absent.
std::optional<std::string> single(const std::vector<Directive>& ds, std::string_view name,
                                  ErrorKind kind, std::string_view what) {
    std::optional<std::string> v;
    for (const auto& d : ds) {
        if (d.name != name) continue;
        if (v)
            throw Error(kind, std::string(kName) + ": the " + std::string(what) +
                                  " has more than "
                                  "one " +
                                  std::string(name) + " directive (RFC 2831 §2.1)");
        v = d.value;
    }
    return v;
}

std::vector<std::string> all_of(const std::vector<Directive>& ds, std::string_view name) {
    std::vector<std::string> out;
    for (const auto& d : ds)
        if (d.name == name) out.push_back(d.value);
    return out;
}

// digest-challenge (RFC 2831 §2.1.1), with the checks a client needs before it answers.
struct Challenge {
    std::vector<std::string> realms;
    std::string nonce;
    std::vector<std::string> qops;  // default "auth"
    std::string algorithm;
    std::optional<std::string> charset;
    std::optional<std::string> maxbuf;
    std::optional<std::string> cipher;
    bool stale = false;
};

std::vector<std::string> split_list(std::string_view v) {
    std::vector<std::string> out;
    for (auto part : token_detail::split(v, ',')) {
        while (!part.empty() && (part.front() == ' ' || part.front() == '\t'))
            part.remove_prefix(1);
        while (!part.empty() && (part.back() == ' ' || part.back() == '\t')) part.remove_suffix(1);
        if (!part.empty()) out.emplace_back(part);
    }
    return out;
}

Challenge parse_challenge(std::string_view s, ErrorKind kind) {
    if (s.size() >= kMaxChallenge)
        throw Error(kind, std::string(kName) + ": the challenge is " + std::to_string(s.size()) +
                              " bytes; RFC 2831 §2.1.1 allows less than 2048");
    auto ds = parse_directives(s, kind, "challenge");
    Challenge c;
    c.realms = all_of(ds, "realm");
    auto nonce = single(ds, "nonce", kind, "challenge");
    if (!nonce || nonce->empty())
        throw Error(kind, std::string(kName) + ": the challenge has no nonce (RFC 2831 §2.1.1)");
    c.nonce = *nonce;
    auto qop = single(ds, "qop", kind, "challenge");
    c.qops = qop ? split_list(*qop) : std::vector<std::string>{"auth"};
    auto algorithm = single(ds, "algorithm", kind, "challenge");
    if (!algorithm)
        throw Error(kind, std::string(kName) +
                              ": the challenge has no algorithm directive (RFC 2831 §2.1.1 "
                              "requires algorithm=md5-sess)");
    c.algorithm = *algorithm;
    c.charset = single(ds, "charset", kind, "challenge");
    c.maxbuf = single(ds, "maxbuf", kind, "challenge");
    c.cipher = single(ds, "cipher", kind, "challenge");
    auto stale = single(ds, "stale", kind, "challenge");
    c.stale = stale && token_detail::iequals(*stale, "true");
    return c;
}

// What the client refuses in a well-formed challenge.
void check_usable(const Challenge& c) {
    if (!token_detail::iequals(c.algorithm, "md5-sess"))
        throw Error(ErrorKind::protocol, std::string(kName) + ": the server asks for algorithm=" +
                                             c.algorithm + "; RFC 2831 defines only md5-sess");
    if (c.charset && !token_detail::iequals(*c.charset, "utf-8"))
        throw Error(ErrorKind::protocol, std::string(kName) + ": the server asks for charset=" +
                                             *c.charset + "; RFC 2831 allows only utf-8");
    bool auth = std::any_of(c.qops.begin(), c.qops.end(),
                            [](const std::string& q) { return token_detail::iequals(q, "auth"); });
    if (!auth) {
        std::string list;
        for (const auto& q : c.qops) list += (list.empty() ? "" : ",") + q;
        throw Error(ErrorKind::mechanism_unavailable,
                    std::string(kName) + ": the server requires a security layer (qop=" + list +
                        "), which smtpauth does not negotiate: it offers no qop=auth");
    }
}

// RFC 2831 §2.1.2.1: with charset=utf-8, user name, realm and password are hashed in
// ISO 8859-1 when every character fits it (as Cyrus and Dovecot do), else in UTF-8.
std::string latin1_if_possible(std::string_view utf8) {
    std::string out;
    for (std::size_t i = 0; i < utf8.size(); ++i) {
        auto c = static_cast<unsigned char>(utf8[i]);
        if (c < 0x80) {
            out += static_cast<char>(c);
        } else if ((c == 0xC2 || c == 0xC3) && i + 1 < utf8.size() &&
                   (static_cast<unsigned char>(utf8[i + 1]) & 0xC0) == 0x80) {
            out += static_cast<char>(((c & 0x03) << 6) |
                                     (static_cast<unsigned char>(utf8[i + 1]) & 0x3F));
            ++i;
        } else {
            wipe_string(out);
            return std::string(utf8);
        }
    }
    return out;
}

std::string md5_hex(std::string_view data) {
    return codec::hex_encode(crypto::hash(crypto::Digest::md5, data));
}

// The inputs of the response-value (RFC 2831 §2.1.2.1).
struct DigestInput {
    std::string user, realm, nonce, cnonce, nc, qop, digest_uri, authzid;
    bool utf8 = true;  // charset=utf-8 was given
};

// response-value = HEX( KD( HEX(H(A1)), nonce ":" nc ":" cnonce ":" qop ":" HEX(H(A2)) ) )
// A1 = H( user ":" realm ":" passwd ) ":" nonce ":" cnonce [ ":" authzid ]
// A2 = "AUTHENTICATE:" digest-uri (the client's), ":" digest-uri (the server's rspauth)
std::string response_value(const DigestInput& in, std::string_view password, bool rspauth) {
    std::string user = in.utf8 ? latin1_if_possible(in.user) : in.user;
    std::string realm = in.utf8 ? latin1_if_possible(in.realm) : in.realm;
    std::string pw = in.utf8 ? latin1_if_possible(password) : std::string(password);
    std::string urp = user + ":" + realm + ":" + pw;
    Bytes inner = crypto::hash(crypto::Digest::md5, urp);
    wipe_string(urp);
    wipe_string(pw);
    std::string a1 = inner + ":" + in.nonce + ":" + in.cnonce;
    wipe_string(inner);
    if (!in.authzid.empty()) a1 += ":" + in.authzid;
    std::string ha1 = md5_hex(a1);
    wipe_string(a1);
    std::string a2 = (rspauth ? ":" : "AUTHENTICATE:") + in.digest_uri;
    std::string kd =
        ha1 + ":" + in.nonce + ":" + in.nc + ":" + in.cnonce + ":" + in.qop + ":" + md5_hex(a2);
    wipe_string(ha1);
    std::string out = md5_hex(kd);
    wipe_string(kd);
    return out;
}

// A quoted-string value (RFC 2616 §2.2): '"' and '\' escaped.
std::string quote(std::string_view v) {
    std::string out = "\"";
    for (char c : v) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + "\"";
}

class DigestMd5 final : public Mechanism {
  public:
    DigestMd5(Credentials c, const MechanismOptions& o)
        : credentials_(std::move(c)), service_(o.service.empty() ? "smtp" : o.service) {
        if (o.client_nonce) cnonce_ = *o.client_nonce;
    }

    std::string_view name() const override { return kName; }
    std::optional<Response> initial_response() override { return std::nullopt; }

    Response step(BytesView challenge) override {
        if (stage_ == Stage::challenge) return answer(challenge);
        if (stage_ == Stage::rspauth) {
            check_rspauth(challenge);
            return Response{};  // RFC 2831 §2.1.3: an empty response acknowledges rspauth
        }
        unexpected_challenge(kName, challenge);
    }

    // SMTP/IMAP servers may send rspauth with their success (RFC 4422 §5).
    void finish(BytesView additional_data) override {
        if (stage_ == Stage::rspauth && !additional_data.empty()) check_rspauth(additional_data);
    }

    bool server_verified() const override { return verified_; }
    bool done() const override { return stage_ == Stage::done; }

  private:
    enum class Stage { challenge, rspauth, done };

    Response answer(BytesView data) {
        Challenge c = parse_challenge(data, ErrorKind::protocol);
        check_usable(c);
        DigestInput in;
        in.user = credentials_.user;
        in.realm = !credentials_.realm.empty()
                       ? credentials_.realm
                       : (c.realms.empty() ? std::string() : c.realms.front());
        in.nonce = c.nonce;
        in.cnonce = cnonce_.empty() ? codec::base64_encode(crypto::random_bytes(16)) : cnonce_;
        in.nc = "00000001";
        in.qop = "auth";
        std::string host = credentials_.host.empty() ? "localhost" : credentials_.host;
        in.digest_uri = service_ + "/" + host;
        in.authzid = credentials_.authzid;
        in.utf8 = c.charset.has_value();
        std::string response = response_value(in, credentials_.secret.reveal(), false);
        expected_rspauth_ = Secret(response_value(in, credentials_.secret.reveal(), true));

        // digest-response (RFC 2831 §2.1.2), in Cyrus's order.
        std::string out;
        if (in.utf8) out += "charset=utf-8,";
        out += "username=" + quote(in.user);
        if (!in.realm.empty()) out += ",realm=" + quote(in.realm);
        out += ",nonce=" + quote(in.nonce) + ",cnonce=" + quote(in.cnonce) + ",nc=" + in.nc +
               ",qop=" + in.qop + ",digest-uri=" + quote(in.digest_uri) + ",response=" + response;
        if (!in.authzid.empty()) out += ",authzid=" + quote(in.authzid);
        wipe_string(response);
        stage_ = Stage::rspauth;
        return Response{std::move(out), true};
    }

    // response-auth = "rspauth" "=" response-value   (RFC 2831 §2.1.3)
    void check_rspauth(BytesView data) {
        auto ds = parse_directives(data, ErrorKind::protocol, "rspauth message");
        auto value = single(ds, "rspauth", ErrorKind::protocol, "rspauth message");
        if (!value)
            throw Error(ErrorKind::protocol,
                        std::string(kName) + ": the server's second message has no rspauth");
        if (!crypto::constant_time_equal(*value, expected_rspauth_.reveal()))
            throw Error(ErrorKind::protocol,
                        std::string(kName) +
                            ": the server's rspauth is wrong: it does not know "
                            "the password (or the digest-uri differs)");
        verified_ = true;
        stage_ = Stage::done;
    }

    Credentials credentials_;
    std::string service_;
    std::string cnonce_;
    Secret expected_rspauth_;
    Stage stage_ = Stage::challenge;
    bool verified_ = false;
};

std::unique_ptr<Mechanism> make_digest_md5(Credentials c, const MechanismOptions& o) {
    require_non_empty(kName, "user name", c.user);
    require_utf8(kName, "user name", c.user);
    require_no_bytes(kName, "user name", c.user, std::string_view("\0\r\n", 3));
    require_utf8(kName, "authzid", c.authzid);
    require_no_bytes(kName, "authzid", c.authzid, std::string_view("\0\r\n", 3));
    require_utf8(kName, "realm", c.realm);
    require_no_bytes(kName, "realm", c.realm, std::string_view("\0\r\n", 3));
    require_non_empty(kName, "password", c.secret.reveal());
    if (o.client_nonce &&
        (o.client_nonce->empty() || o.client_nonce->find_first_of("\"\\,") != std::string::npos))
        throw Error(ErrorKind::bad_input, std::string(kName) +
                                              ": the client nonce must be non-empty, without '\"', "
                                              "'\\' or ','");
    return std::make_unique<DigestMd5>(std::move(c), o);
}

// ---- decode ---------------------------------------------------------------------------------

constexpr std::string_view kHistoric =
    "DIGEST-MD5 is historic (RFC 6331): MD5-based and weak against offline guessing; a SCRAM "
    "mechanism is the modern choice";

struct DigestState final : DecodeState {
    std::optional<std::string> nonce;
};

struct DigestCheck final : CheckData {
    DigestInput input;
    Secret response;                // as the client sent it
    std::optional<Secret> rspauth;  // the server's, when the input has it
};

bool has_directive(std::string_view s, std::string_view name) {
    try {
        auto ds = parse_directives(s, ErrorKind::bad_input, "message");
        return std::any_of(ds.begin(), ds.end(),
                           [&](const Directive& d) { return d.name == name; });
    } catch (const Error&) {
        return false;
    }
}

std::optional<ContentMatch> recognise(BytesView data) {
    std::string_view s = data;
    if (s.size() > kMaxResponse || s.find('=') == std::string_view::npos) return std::nullopt;
    if (has_directive(s, "rspauth"))
        return ContentMatch{TokenDirection::server, std::string(kName), false};
    if (has_directive(s, "nonce") && has_directive(s, "algorithm"))
        return ContentMatch{TokenDirection::server, std::string(kName), false};
    if (has_directive(s, "digest-uri") && has_directive(s, "response"))
        return ContentMatch{TokenDirection::client, std::string(kName), false};
    return std::nullopt;
}

PasswordCheck check(const CheckData& data, const Secret& password) {
    const auto& m = static_cast<const DigestCheck&>(data);
    PasswordCheck c;
    std::string expected = response_value(m.input, password.reveal(), false);
    std::string given(m.response.reveal());
    std::transform(given.begin(), given.end(), given.begin(), [](char ch) {
        return ch >= 'A' && ch <= 'F' ? static_cast<char>(ch + 32) : ch;
    });
    c.matches = crypto::constant_time_equal(given, expected);
    wipe_string(given);
    wipe_string(expected);
    if (m.rspauth) {
        std::string rsp = response_value(m.input, password.reveal(), true);
        c.server_signature_matches = crypto::constant_time_equal(m.rspauth->reveal(), rsp);
        wipe_string(rsp);
    }
    return c;
}

void explain_server(BytesView data, DecodedMessage& msg, DecodeContext& ctx);
void explain_client(BytesView data, DecodedMessage& msg, DecodeContext& ctx);

constexpr MechanismDecoder kDecoder{
    .family = kName,
    .recognise = recognise,
    .explain_client = explain_client,
    .explain_server = explain_server,
    .initial_response_note = "DIGEST-MD5 has no initial response: the server speaks first",
    .check = check,
};

void explain_server(BytesView data, DecodedMessage& msg, DecodeContext& ctx) {
    msg.mechanism = std::string(kName);
    msg.direction = TokenDirection::server;
    ctx.set_mechanism(std::string(kName));
    auto ds = parse_directives(data, ErrorKind::bad_input, "server message");
    if (auto rsp = single(ds, "rspauth", ErrorKind::bad_input, "rspauth message")) {
        msg.kind = MessageKind::server_final;
        msg.summary = "DIGEST-MD5 rspauth (the server's proof that it knows the password)";
        msg.fields.emplace_back("rspauth", *rsp);
        // Completes this exchange's response material: --check-password checks it too.
        if (const auto* last = dynamic_cast<const DigestCheck*>(ctx.last_check(kDecoder))) {
            auto completed = std::make_unique<DigestCheck>();
            completed->input = last->input;
            completed->response = last->response.clone();
            completed->rspauth = Secret(*rsp);
            ctx.replace_last_check(std::move(completed));
        } else {
            msg.notes.push_back("no response in the input: rspauth cannot be checked");
        }
        return;
    }
    Challenge c = parse_challenge(data, ErrorKind::bad_input);
    msg.kind = MessageKind::server_first;
    msg.summary = "DIGEST-MD5 challenge";
    for (const auto& r : c.realms) msg.fields.emplace_back("realm", r);
    msg.fields.emplace_back("nonce", c.nonce);
    std::string qops;
    for (const auto& q : c.qops) qops += (qops.empty() ? "" : ",") + q;
    msg.fields.emplace_back("qop", qops);
    msg.fields.emplace_back("algorithm", c.algorithm);
    if (c.charset) msg.fields.emplace_back("charset", *c.charset);
    if (c.maxbuf) msg.fields.emplace_back("maxbuf", *c.maxbuf);
    if (c.cipher) msg.fields.emplace_back("cipher", *c.cipher);
    if (c.stale) msg.fields.emplace_back("stale", "true");
    if (!token_detail::iequals(c.algorithm, "md5-sess"))
        msg.notes.push_back("algorithm is not md5-sess: clients refuse this challenge");
    if (std::none_of(c.qops.begin(), c.qops.end(),
                     [](const std::string& q) { return token_detail::iequals(q, "auth"); }))
        msg.notes.push_back("no qop=auth: the server insists on a security layer");
    msg.notes.push_back(std::string(kHistoric));
    ctx.state<DigestState>().nonce = c.nonce;
}

void explain_client(BytesView data, DecodedMessage& msg, DecodeContext& ctx) {
    if (data.size() >= kMaxResponse)
        throw Error(ErrorKind::bad_input, "DIGEST-MD5 response is " + std::to_string(data.size()) +
                                              " bytes; RFC 2831 §2.1.2 allows less than 4096");
    auto ds = parse_directives(data, ErrorKind::bad_input, "response");
    auto get = [&](std::string_view n) { return single(ds, n, ErrorKind::bad_input, "response"); };
    auto username = get("username");
    auto nonce = get("nonce");
    auto cnonce = get("cnonce");
    auto nc = get("nc");
    auto digest_uri = get("digest-uri");
    auto response = get("response");
    if (!username || !nonce || !cnonce || !digest_uri || !response)
        throw Error(ErrorKind::bad_input,
                    "DIGEST-MD5 response lacks one of username, nonce, cnonce, digest-uri, "
                    "response (RFC 2831 §2.1.2)");
    token_detail::require_utf8(*username, "DIGEST-MD5 username");
    auto realm = get("realm");
    auto qop = get("qop");
    auto authzid = get("authzid");
    auto charset = get("charset");
    msg.mechanism = std::string(kName);
    msg.kind = MessageKind::client_final;
    msg.direction = TokenDirection::client;
    msg.summary = "DIGEST-MD5 response";
    ctx.set_mechanism(std::string(kName));
    msg.fields.emplace_back("username", *username);
    if (realm) msg.fields.emplace_back("realm", *realm);
    msg.fields.emplace_back("nonce", *nonce);
    msg.fields.emplace_back("cnonce", *cnonce);
    msg.fields.emplace_back("nc", nc.value_or("(missing)"));
    msg.fields.emplace_back("qop", qop.value_or("auth"));
    msg.fields.emplace_back("digest-uri", *digest_uri);
    msg.fields.emplace_back("response", *response, true);
    if (authzid) msg.fields.emplace_back("authzid", *authzid);
    if (charset) msg.fields.emplace_back("charset", *charset);
    if (auto maxbuf = get("maxbuf")) msg.fields.emplace_back("maxbuf", *maxbuf);
    if (qop && !token_detail::iequals(*qop, "auth"))
        msg.notes.push_back("qop=" + *qop + ": a security layer follows the exchange");
    auto* st = ctx.existing_state<DigestState>();
    if (st && st->nonce && *st->nonce != *nonce)
        msg.notes.push_back("the nonce differs from the challenge's");
    msg.notes.push_back(std::string(kHistoric));
    auto material = std::make_unique<DigestCheck>();
    material->input = DigestInput{*username,   realm.value_or(""),   *nonce,
                                  *cnonce,     nc.value_or(""),      qop.value_or("auth"),
                                  *digest_uri, authzid.value_or(""), charset.has_value()};
    material->response = Secret(*response);
    ctx.add_check(kDecoder, msg, *username, std::move(material));
}

constexpr MechanismTraits kTraits{
    .client_first = false, .needs_password = true, .verifies_server = true, .historic = true};
constexpr GenTraits kGen{.takes_authzid = true,
                         .takes_challenge = true,
                         .takes_host_port = true,
                         .takes_client_nonce = true};

}  // namespace

constinit const MechanismInfo kDigestMd5{
    .name = kName,
    .description = "MD5 digest challenge-response (RFC 2831, historic per RFC 6331)",
    .traits = kTraits,
    .strength = 67,
    .make = make_digest_md5,
    .gen = kGen,
    .decoder = &kDecoder,
};

}  // namespace smtpauth::sasl::detail
