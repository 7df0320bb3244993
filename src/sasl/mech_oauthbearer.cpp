// OAUTHBEARER (RFC 7628): GS2 header, then key=value pairs separated by ^A; an error JSON
// challenge is acknowledged with the single octet ^A (§3.2.3).
// The client, its registry entry, and its explain functions for `decode`.
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "sasl/gs2.hpp"
#include "sasl/mechanisms.hpp"
#include "sasl/oauth_error.hpp"
#include "sasl/token_internal.hpp"
#include "smtpauth/error.hpp"
#include "smtpauth/sasl/registry.hpp"

namespace smtpauth::sasl::detail {

namespace {

constexpr std::string_view kName = "OAUTHBEARER";

class OAuthBearer final : public Mechanism {
  public:
    OAuthBearer(std::string authzid, Credentials c)
        : authzid_(std::move(authzid)), credentials_(std::move(c)) {}

    std::string_view name() const override { return kName; }

    // client-resp = (gs2-header kvsep *kvpair kvsep) / kvsep
    // kvpair      = key "=" value kvsep           kvsep = %x01
    // gs2-header  = "n," [ "a=" saslname ] ","    (no channel binding in OAUTHBEARER)
    std::optional<Response> initial_response() override {
        sent_ = true;
        Response r;
        r.secret = true;
        r.data = gs2_header("n", authzid_) + "\x01";
        if (!credentials_.host.empty()) r.data += "host=" + credentials_.host + "\x01";
        if (credentials_.port != 0) r.data += "port=" + std::to_string(credentials_.port) + "\x01";
        r.data += "auth=Bearer ";
        r.data.append(credentials_.secret.reveal());
        r.data += "\x01\x01";
        return r;
    }

    Response step(BytesView challenge) override {
        if (!sent_ && challenge.empty()) return *initial_response();
        if (!sent_ || error_) unexpected_challenge(name(), challenge);
        // §3.2.2: the server's error is a JSON object; §3.2.3: the client MUST answer with
        // a dummy response consisting of the single %x01, then the server fails the exchange.
        error_ = parse_oauth_error(name(), challenge);
        return Response{"\x01", false};
    }

    bool done() const override { return sent_; }
    std::optional<ServerError> server_error() const override { return error_; }

  private:
    std::string authzid_;
    Credentials credentials_;
    bool sent_ = false;
    std::optional<ServerError> error_;
};

// ---- decode ---------------------------------------------------------------------------------

std::optional<ContentMatch> recognise(BytesView data) {
    std::string_view s = data;
    // The acknowledgement of a server error (§3.2.3).
    if (s == "\x01") return ContentMatch{TokenDirection::client, std::string(kName), false};
    // client-resp = gs2-header kvsep *kvpair kvsep   (§3.1); a key is ALPHA, so 0x01 0x00
    // after the header is another GS2 mechanism's token (Kerberos TOK_ID, RFC 4121 §4.1).
    std::size_t h = 0;
    if (try_parse_gs2_header(s, h) && h < s.size() && s[h] == '\x01' &&
        (h + 1 == s.size() || s[h + 1] != '\0'))
        return ContentMatch{TokenDirection::client, std::string(kName), false};
    return std::nullopt;
}

// The server's JSON error: RFC 7628 §3.2.2 uses error codes ("invalid_token") as "status".
std::optional<ContentMatch> recognise_error(BytesView data) {
    auto status = token_detail::oauth_error_status(data);
    if (!status) return std::nullopt;
    if (!status->empty() && status->find_first_not_of("0123456789") == std::string::npos)
        return std::nullopt;  // HTTP-style numbers: XOAUTH2's
    return ContentMatch{TokenDirection::server, std::string(kName), true};
}

constexpr std::string_view kAnswerNote =
    "the client must answer with 0x01 (AQ==); the server then fails";

// client-resp = (gs2-header kvsep *kvpair kvsep) / kvsep   (RFC 7628 §3.1)
void explain_client(BytesView data, DecodedMessage& msg, DecodeContext& ctx) {
    msg.mechanism = std::string(kName);
    msg.direction = TokenDirection::client;
    if (data == "\x01") {
        msg.kind = MessageKind::error_ack;
        msg.summary = "OAUTHBEARER acknowledgement of a server error (0x01)";
        return;
    }
    msg.kind = MessageKind::client_response;
    msg.summary = "OAUTHBEARER credentials";
    auto sep = data.find('\x01');
    if (sep == std::string_view::npos)
        throw Error(ErrorKind::bad_input, "OAUTHBEARER message has no 0x01 separator");
    // gs2-header = gs2-cbind-flag "," [ authzid ] ","; OAUTHBEARER has no channel binding.
    std::size_t consumed = 0;
    auto header = try_parse_gs2_header(data, consumed);
    if (!header || consumed != sep || header->binding == scram::Gs2Header::Binding::required)
        throw Error(ErrorKind::bad_input,
                    "OAUTHBEARER GS2 header must be 'n,[a=authzid],' (RFC 7628 §3.1)");
    msg.fields.emplace_back("gs2-flag", header->text.substr(0, 1));
    if (!header->authzid.empty()) {
        token_detail::require_utf8(header->authzid, "OAUTHBEARER authzid");
        msg.fields.emplace_back("authzid", header->authzid);
    } else {
        msg.fields.emplace_back("authzid", "");
        msg.notes.push_back("no authzid: the server takes the user from the token");
    }
    std::string_view rest = data.substr(sep + 1);
    bool terminated = rest.ends_with("\x01");
    if (terminated) rest.remove_suffix(1);
    if (rest.ends_with("\x01")) rest.remove_suffix(1);
    bool have_auth = false;
    for (auto kv : token_detail::split(rest, '\x01')) {
        if (kv.empty()) continue;
        auto eq = kv.find('=');
        if (eq == std::string_view::npos || eq == 0)
            throw Error(ErrorKind::bad_input, "OAUTHBEARER key/value pair without key= (RFC 7628)");
        std::string_view key = kv.substr(0, eq);
        std::string_view value = kv.substr(eq + 1);
        if (key == "auth") {
            have_auth = true;
            token_detail::explain_bearer(value, msg, ctx.options());
        } else if (key == "host" || key == "port") {
            msg.fields.emplace_back(std::string(key), std::string(value));
        } else {
            msg.fields.emplace_back("extension", std::string(key) + "=" + std::string(value));
        }
    }
    if (!have_auth) throw Error(ErrorKind::bad_input, "OAUTHBEARER message has no auth= pair");
    if (!terminated) msg.notes.push_back("does not end with ^A^A as RFC 7628 requires");
}

void explain_server(BytesView data, DecodedMessage& msg, DecodeContext& ctx) {
    // Named by the AUTH line, or guessed from the status format.
    if (ctx.mechanism() == kName) msg.mechanism = std::string(kName);
    if (token_detail::explain_oauth_error_json(data, msg, kName, kAnswerNote)) return;
    msg.mechanism = std::string(kName);
    msg.kind = MessageKind::challenge;
    token_detail::explain_unknown(data, msg);
    msg.notes.push_back("expected a JSON error object from the server");
}

// Old curl releases sent XOAUTH2's format under this name.
std::string_view foreign_content_note(std::string_view other) {
    return other == "XOAUTH2" ? "old curl sent XOAUTH2's format as OAUTHBEARER; servers reject it"
                              : std::string_view{};
}

constexpr MechanismDecoder kDecoder{
    .family = kName,
    .recognise = recognise,
    .recognise_weak = recognise_error,
    .explain_client = explain_client,
    .explain_server = explain_server,
    .content_decides = true,
    .foreign_content_note = foreign_content_note,
};

}  // namespace

std::unique_ptr<Mechanism> make_oauthbearer(Credentials c, const MechanismOptions&) {
    constexpr std::string_view mech = "OAUTHBEARER";
    // The RFC 7628 examples put the mailbox in the GS2 authzid ("n,a=user@example.com,");
    // an explicit authzid wins, and with neither the header is "n,,".
    std::string authzid = !c.authzid.empty() ? c.authzid : c.user;
    require_utf8(mech, "authorization identity", authzid);
    require_no_controls(mech, "authorization identity", authzid);
    // value = *(VCHAR / SP / HTAB / CR / LF): no ^A inside values, and we send no CR/LF.
    require_no_controls(mech, "host", c.host);
    require_non_empty(mech, "token", c.secret.reveal());
    require_no_controls(mech, "token", c.secret.reveal());
    return std::make_unique<OAuthBearer>(std::move(authzid), std::move(c));
}

constinit const MechanismInfo kOAuthBearer{
    .name = kName,
    .description = "OAuth 2.0 bearer token (RFC 7628)",
    .traits = {.needs_user = false, .needs_token = true, .reveals_secret = true},
    .strength = 40,
    .make = make_oauthbearer,
    .gen = {.takes_authzid = true, .takes_host_port = true},
    .decoder = &kDecoder,
};

}  // namespace smtpauth::sasl::detail
