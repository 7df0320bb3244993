// GSSAPI (RFC 4752) and GS2-KRB5 (RFC 5801 with Kerberos V5, RFC 4121), one file for the two
// Kerberos mechanisms as they share the decoder: the clients are Cyrus's plugins (from
// libsasl2-modules-gssapi-mit) behind kerberos_mechanism; `decode` labels their messages by
// framing (Kerberos tokens are encrypted; nothing more is claimed) and reads the
// security-layer negotiation, which GSSAPI sends unsealed.
#include <optional>
#include <string>
#include <string_view>

#include "sasl/gs2.hpp"
#include "sasl/kerberos_mechanism.hpp"
#include "sasl/kerberos_tokens.hpp"
#include "sasl/mechanisms.hpp"
#include "sasl/token_internal.hpp"
#include "smtpauth/error.hpp"
#include "smtpauth/sasl/cyrus.hpp"

namespace smtpauth::sasl::detail {

namespace {

constexpr std::string_view kGssapiName = "GSSAPI";
constexpr std::string_view kGs2Krb5Name = "GS2-KRB5";

constexpr std::string_view kOpaqueNote =
    "Kerberos messages are encrypted: smtpauth labels them and does not decrypt them";

// GS2-KRB5's first message: a GS2 header, then the Kerberos token without its GSS-API
// framing (RFC 5801 §4).
std::optional<std::pair<scram::Gs2Header, KerberosToken>> gs2_krb5_first(BytesView data) {
    std::size_t consumed = 0;
    auto header = try_parse_gs2_header(data, consumed);
    if (!header) return std::nullopt;
    auto token = classify_kerberos_token(data.substr(consumed));
    if (!token || token->kind != KerberosTokenKind::ap_req || token->framed) return std::nullopt;
    return std::make_pair(*header, *token);
}

std::optional<ContentMatch> recognise(BytesView data) {
    if (gs2_krb5_first(data))
        return ContentMatch{TokenDirection::client, std::string(kGs2Krb5Name)};
    auto t = classify_kerberos_token(data);
    if (!t) return std::nullopt;
    bool server = t->kind == KerberosTokenKind::ap_rep || t->kind == KerberosTokenKind::krb_error ||
                  (t->kind == KerberosTokenKind::wrap && t->from_acceptor);
    // A wrap token or a framed AP-REQ is GSSAPI's; GS2-KRB5 has no security layer.
    return ContentMatch{server ? TokenDirection::server : TokenDirection::client,
                        std::string(kGssapiName)};
}

void explain_token(const KerberosToken& t, BytesView data, DecodedMessage& msg, bool server) {
    msg.kind = MessageKind::kerberos;
    msg.summary = describe_kerberos_token(t);
    msg.fields.emplace_back("token", msg.summary);
    msg.fields.emplace_back("length", token_detail::byte_count(data.size()));
    if (t.kind != KerberosTokenKind::wrap) {
        msg.notes.emplace_back(kOpaqueNote);
        return;
    }
    auto layer = read_security_layer(data);
    if (!layer) {
        msg.notes.push_back(t.sealed ? "an encrypted wrap token: its content is not shown"
                                     : "a wrap token too short for a security-layer message");
        return;
    }
    // RFC 4752 §3.1: the server offers a set of layers, the client picks one.
    msg.summary = server ? "GSSAPI security layers offered by the server"
                         : "GSSAPI security layer chosen by the client";
    msg.fields.emplace_back(server ? "security-layers" : "security-layer",
                            security_layer_names(layer->layers));
    msg.fields.emplace_back("max-buffer", std::to_string(layer->max_buffer));
    if (!server) {
        msg.fields.emplace_back("authzid", layer->authzid);
        if (layer->authzid.empty())
            msg.notes.push_back("no authzid: act as the ticket's principal");
    }
}

void explain(BytesView data, DecodedMessage& msg, DecodeContext& ctx, bool server) {
    msg.mechanism = ctx.mechanism().empty() ? std::string(kGssapiName) : ctx.mechanism();
    if (!server && data.empty()) {
        // RFC 4752 §3.1: after the server's AP-REP the client answers with nothing.
        msg.kind = MessageKind::kerberos;
        msg.summary = "empty response (the client accepted the server's mutual authentication)";
        return;
    }
    if (!server) {
        if (auto first = gs2_krb5_first(data)) {
            msg.mechanism = std::string(kGs2Krb5Name);
            ctx.set_mechanism(msg.mechanism);
            explain_token(first->second, data, msg, false);
            const auto& h = first->first;
            msg.fields.emplace_back("gs2-cbind-flag", h.text.substr(0, h.text.find(',')));
            msg.fields.emplace_back("authzid", h.authzid);
            if (h.authzid.empty()) msg.notes.push_back("no authzid: act as the ticket's principal");
            return;
        }
    }
    auto t = classify_kerberos_token(data);
    if (!t) {
        token_detail::explain_unknown(data, msg);
        msg.notes.push_back("not a Kerberos V5 GSS-API token");
        return;
    }
    explain_token(*t, data, msg, server);
}

void explain_client(BytesView data, DecodedMessage& msg, DecodeContext& ctx) {
    explain(data, msg, ctx, false);
}

void explain_server(BytesView data, DecodedMessage& msg, DecodeContext& ctx) {
    explain(data, msg, ctx, true);
}

// ---- client ---------------------------------------------------------------------------------

// The host names the Kerberos service principal; `gen` has none.
void require_host(std::string_view name, const Credentials& c) {
    if (c.host.empty())
        throw Error(ErrorKind::usage,
                    std::string(name) +
                        " needs the server's host name, which names the Kerberos service "
                        "principal: use `smtpauth probe` (with a ticket from kinit)");
}

std::unique_ptr<Mechanism> make_gssapi(Credentials c, const MechanismOptions& o) {
    require_host(kGssapiName, c);
    return make_kerberos_mechanism({kGssapiName, false}, std::move(c), o, make_cyrus_mechanism);
}

std::unique_ptr<Mechanism> make_gs2_krb5(Credentials c, const MechanismOptions& o) {
    require_host(kGs2Krb5Name, c);
    return make_kerberos_mechanism({kGs2Krb5Name, true}, std::move(c), o, make_cyrus_mechanism);
}

// Kerberos authenticates the server too (the AP-REP), and the credentials are the user's
// ticket: no user name, no password.
constexpr MechanismTraits kKerberosTraits{
    .needs_user = false,
    .verifies_server = true,
    .cyrus = true,
    .ambient_credentials = true,
};

}  // namespace

constinit const MechanismDecoder kGssapiDecoder{
    .family = kGssapiName,
    .recognise = recognise,
    .explain_client = explain_client,
    .explain_server = explain_server,
    .explains_empty_client = true,
};

constinit const MechanismInfo kGssapi{
    .name = kGssapiName,
    .description = "Kerberos V5 through GSS-API with your kinit ticket (RFC 4752; Cyrus plugin)",
    .traits = kKerberosTraits,
    .strength = 25,
    .make = make_gssapi,
    .gen = {},
    .decoder = &kGssapiDecoder,
};

constinit const MechanismInfo kGs2Krb5{
    .name = kGs2Krb5Name,
    .description = "Kerberos V5 through GS2 with your kinit ticket (RFC 5801; Cyrus plugin)",
    .traits = kKerberosTraits,
    .strength = 26,
    .make = make_gs2_krb5,
    .gen = {},
    .decoder = &kGssapiDecoder,
};

}  // namespace smtpauth::sasl::detail
