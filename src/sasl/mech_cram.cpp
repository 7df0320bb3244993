// CRAM-MD5 (RFC 2195) and the non-standard CRAM-SHA1 / CRAM-SHA256 built the same way:
// response = user SP lower-case-hex(HMAC(password, raw challenge)). The clients, their
// registry entries, their explain/check functions for `decode` and the checks of verify.hpp.
#include <algorithm>
#include <array>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "crypto/crypto.hpp"
#include "sasl/mechanisms.hpp"
#include "sasl/token_internal.hpp"
#include "smtpauth/codec.hpp"
#include "smtpauth/error.hpp"
#include "smtpauth/sasl/registry.hpp"
#include "smtpauth/sasl/verify.hpp"

namespace smtpauth::sasl {

namespace detail {

namespace {

// The family: what a challenge is called before the response tells the variant.
constexpr std::string_view kFamily = "CRAM";

struct Variant {
    std::string_view name;
    crypto::Digest digest;
    std::size_t hex_digits;  // of the response digest
};
constexpr std::array<Variant, 3> kVariants{{
    {"CRAM-MD5", crypto::Digest::md5, 32},
    {"CRAM-SHA1", crypto::Digest::sha1, 40},
    {"CRAM-SHA256", crypto::Digest::sha256, 64},
}};

const Variant* variant_named(std::string_view name) {
    for (const auto& v : kVariants)
        if (token_detail::iequals(v.name, name)) return &v;
    return nullptr;
}

class Cram final : public Mechanism {
  public:
    Cram(std::string_view name, crypto::Digest digest, Credentials c)
        : name_(name), digest_(digest), credentials_(std::move(c)) {}

    std::string_view name() const override { return name_; }
    std::optional<Response> initial_response() override { return std::nullopt; }

    Response step(BytesView challenge) override {
        if (answered_) unexpected_challenge(name_, challenge);
        // RFC 2195 §2: the challenge is a msg-id "<digits.timestamp@host>"; servers vary in
        // the details, so only emptiness is refused (an empty HMAC input proves nothing).
        if (challenge.empty())
            throw Error(ErrorKind::protocol,
                        std::string(name_) + ": the server challenge is empty");
        answered_ = true;
        Bytes mac = crypto::hmac(digest_, credentials_.secret.reveal(), challenge);
        Response r{credentials_.user + " " + codec::hex_encode(mac), true};
        wipe_string(mac);
        return r;
    }

    bool done() const override { return answered_; }

  private:
    std::string_view name_;
    crypto::Digest digest_;
    Credentials credentials_;
    bool answered_ = false;
};

std::unique_ptr<Mechanism> make_cram(std::string_view mech, crypto::Digest digest, Credentials c) {
    require_non_empty(mech, "user name", c.user);
    require_no_bytes(mech, "user name", c.user, "\r\n");
    require_utf8(mech, "user name", c.user);
    require_non_empty(mech, "password", c.secret.reveal());
    return std::make_unique<Cram>(mech, digest, std::move(c));
}

// ---- decode ---------------------------------------------------------------------------------

bool is_hex(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    });
}

bool is_printable_ascii(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) {
        auto u = static_cast<unsigned char>(c);
        return u >= 0x20 && u < 0x7f;
    });
}

// The variant a response digest belongs to, by its length; nullptr when not one.
const Variant* variant_for_digest(std::string_view hex) {
    if (!is_hex(hex)) return nullptr;
    for (const auto& v : kVariants)
        if (v.hex_digits == hex.size()) return &v;
    return nullptr;
}

std::optional<ContentMatch> recognise(BytesView data) {
    std::string_view s = data;
    // RFC 2195: the challenge is a msg-id "<digits.timestamp@host>".
    if (s.size() >= 3 && s.front() == '<' && s.back() == '>' &&
        s.find('@') != std::string_view::npos && is_printable_ascii(s))
        return ContentMatch{TokenDirection::server, std::string(kFamily), false};
    if (auto sp = s.rfind(' '); sp != std::string_view::npos && sp > 0)
        if (const Variant* v = variant_for_digest(s.substr(sp + 1)))
            return ContentMatch{TokenDirection::client, std::string(v->name), true};
    return std::nullopt;
}

struct CramState final : DecodeState {
    std::optional<Bytes> challenge;
};

struct CramCheck final : CheckData {
    std::string mechanism;
    Bytes challenge;
    Secret digest_hex;  // as the client sent it
};

PasswordCheck check(const CheckData& data, const Secret& password) {
    const auto& m = static_cast<const CramCheck&>(data);
    PasswordCheck c;
    auto expected = cram_digest(m.mechanism, password.reveal(), m.challenge);
    if (!expected) return c;
    std::string given(m.digest_hex.reveal());
    for (char& ch : given)
        if (ch >= 'A' && ch <= 'F') ch = static_cast<char>(ch - 'A' + 'a');
    c.matches = crypto::constant_time_equal(given, *expected);
    wipe_string(given);
    wipe_string(*expected);
    return c;
}

void explain_server(BytesView data, DecodedMessage& msg, DecodeContext& ctx);
void explain_client(BytesView data, DecodedMessage& msg, DecodeContext& ctx);

constexpr MechanismDecoder kDecoder{
    .family = kFamily,
    .recognise = recognise,
    .explain_client = explain_client,
    .explain_server = explain_server,
    .initial_response_note = "CRAM mechanisms have no initial response: servers answer 501",
    .check = check,
};

// challenge = msg-id "<digits.timestamp@host>" (RFC 2195 §2)
void explain_server(BytesView data, DecodedMessage& msg, DecodeContext& ctx) {
    msg.kind = MessageKind::cram_challenge;
    msg.direction = TokenDirection::server;
    if (msg.mechanism.empty())
        msg.mechanism = ctx.mechanism().empty() ? std::string(kFamily) : ctx.mechanism();
    if (ctx.mechanism().empty()) ctx.set_mechanism(std::string(kFamily));
    msg.summary = "CRAM challenge";
    msg.fields.emplace_back("challenge", std::string(data));
    if (!(data.size() >= 3 && data.front() == '<' && data.back() == '>'))
        msg.notes.push_back("not in RFC 2195's <...@host> form (still usable as a challenge)");
    if (msg.mechanism == kFamily)
        msg.notes.push_back("CRAM-MD5, CRAM-SHA1 or CRAM-SHA256: the response tells which");
    ctx.state<CramState>().challenge = Bytes(data);
}

// response = user SP lower-case hex HMAC(secret, challenge)   (RFC 2195 §2)
void explain_client(BytesView data, DecodedMessage& msg, DecodeContext& ctx) {
    auto sp = data.rfind(' ');
    if (sp == std::string_view::npos || sp == 0)
        throw Error(ErrorKind::bad_input,
                    "CRAM response must be 'user SP hex-digest' (RFC 2195): no space found");
    std::string_view user = data.substr(0, sp);
    std::string_view digest = data.substr(sp + 1);
    const Variant* variant = variant_for_digest(digest);
    if (!variant)
        throw Error(ErrorKind::bad_input,
                    "CRAM response digest must be 32, 40 or 64 hex digits (MD5, SHA1, SHA256), "
                    "got " +
                        std::to_string(digest.size()) + " characters at offset " +
                        std::to_string(sp + 1));
    token_detail::require_utf8(user, "CRAM user");
    const std::string by_length(variant->name);
    msg.kind = MessageKind::cram_response;
    msg.direction = TokenDirection::client;
    msg.mechanism = by_length;
    msg.summary = by_length + " response";
    if (!ctx.mechanism().empty() && ctx.mechanism() != kFamily && ctx.mechanism() != by_length)
        msg.notes.push_back("digest length fits " + by_length + ", but the exchange is " +
                            ctx.mechanism());
    ctx.set_mechanism(by_length);
    msg.fields.emplace_back("user", std::string(user));
    msg.fields.emplace_back("digest", std::string(digest), true);
    if (std::any_of(digest.begin(), digest.end(), [](char c) { return c >= 'A' && c <= 'F'; }))
        msg.notes.push_back("digest has upper-case hex (RFC 2195 says lower case)");
    auto* st = ctx.existing_state<CramState>();
    if (!st || !st->challenge) {
        msg.notes.push_back("no challenge in the input: the digest cannot be checked");
        return;
    }
    auto material = std::make_unique<CramCheck>();
    material->mechanism = by_length;
    material->challenge = *st->challenge;
    material->digest_hex = Secret(std::string(digest));
    ctx.add_check(kDecoder, msg, std::string(user), std::move(material));
}

std::unique_ptr<Mechanism> make_cram_md5(Credentials c, const MechanismOptions&) {
    return make_cram("CRAM-MD5", crypto::Digest::md5, std::move(c));
}
std::unique_ptr<Mechanism> make_cram_sha1(Credentials c, const MechanismOptions&) {
    return make_cram("CRAM-SHA1", crypto::Digest::sha1, std::move(c));
}
std::unique_ptr<Mechanism> make_cram_sha256(Credentials c, const MechanismOptions&) {
    return make_cram("CRAM-SHA256", crypto::Digest::sha256, std::move(c));
}

constexpr MechanismTraits kCramTraits{.client_first = false, .needs_password = true};
constexpr MechanismTraits kCramNonStandard{
    .client_first = false, .needs_password = true, .standard = false};
constexpr GenTraits kCramGen{.takes_challenge = true};

}  // namespace

constinit const MechanismInfo kCramSha256{
    .name = "CRAM-SHA256",
    .description = "HMAC-SHA256 challenge-response (non-standard CRAM variant)",
    .traits = kCramNonStandard,
    .strength = 90,
    .make = make_cram_sha256,
    .gen = kCramGen,
    .decoder = &kDecoder,
};
constinit const MechanismInfo kCramSha1{
    .name = "CRAM-SHA1",
    .description = "HMAC-SHA1 challenge-response (non-standard CRAM variant)",
    .traits = kCramNonStandard,
    .strength = 80,
    .make = make_cram_sha1,
    .gen = kCramGen,
    .decoder = &kDecoder,
};
constinit const MechanismInfo kCramMd5{
    .name = "CRAM-MD5",
    .description = "HMAC-MD5 challenge-response (RFC 2195)",
    .traits = kCramTraits,
    .strength = 70,
    .make = make_cram_md5,
    .gen = kCramGen,
    .decoder = &kDecoder,
};

}  // namespace detail

// ---- verify.hpp ---------------------------------------------------------------------------

std::optional<std::string> cram_digest(std::string_view mechanism, std::string_view password,
                                       BytesView challenge) {
    const detail::Variant* v = detail::variant_named(mechanism);
    if (!v) return std::nullopt;
    Bytes mac = crypto::hmac(v->digest, password, challenge);
    std::string hex = codec::hex_encode(mac);
    wipe_string(mac);
    return hex;
}

bool check_cram_response(std::string_view mechanism, std::string_view password, BytesView challenge,
                         BytesView response) {
    auto expected = cram_digest(mechanism, password, challenge);
    if (!expected)
        throw Error(ErrorKind::bad_input, "not a CRAM mechanism: " + std::string(mechanism));
    // response = user SP digest; the user name may itself contain spaces, the digest not.
    auto space = response.rfind(' ');
    if (space == BytesView::npos)
        throw Error(ErrorKind::bad_input, "a CRAM response is 'user SP digest'; no space found");
    std::string seen(response.substr(space + 1));
    for (char& c : seen)
        if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
    bool same = crypto::constant_time_equal(seen, *expected);
    wipe_string(*expected);
    return same;
}

}  // namespace smtpauth::sasl
