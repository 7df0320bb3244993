// Kerberos GSS-API tokens by their framing: RFC 2743 §3.1 (0x60, DER length, mechanism OID),
// RFC 4121 §4.1 token identifiers, §4.2.6.2 wrap tokens; RFC 4752 §3.1 security layers.
#include "sasl/kerberos_tokens.hpp"

#include <array>

namespace smtpauth::sasl::detail {

namespace {

// 1.2.840.113554.1.2.2, the Kerberos V5 GSS-API mechanism (RFC 1964 §1), DER-encoded.
constexpr std::string_view kKrb5Oid{"\x06\x09\x2a\x86\x48\x86\xf7\x12\x01\x02\x02", 11};

unsigned char at(BytesView d, std::size_t i) {
    return static_cast<unsigned char>(d[i]);
}

// InitialContextToken ::= [APPLICATION 0] IMPLICIT SEQUENCE { thisMech OID, innerToken }
// (RFC 2743 §3.1): returns the inner token, or nullopt when `d` is not one for Kerberos.
std::optional<BytesView> unframe(BytesView d) {
    if (d.size() < 2 || at(d, 0) != 0x60) return std::nullopt;
    std::size_t pos = 2;
    std::size_t len = at(d, 1);
    if (len & 0x80) {
        std::size_t n = len & 0x7f;
        if (n == 0 || n > 4 || d.size() < 2 + n) return std::nullopt;
        len = 0;
        for (std::size_t i = 0; i < n; ++i) len = (len << 8) | at(d, 2 + i);
        pos += n;
    }
    if (len != d.size() - pos) return std::nullopt;
    if (d.substr(pos, kKrb5Oid.size()) != kKrb5Oid) return std::nullopt;
    return d.substr(pos + kKrb5Oid.size());
}

// TOK_ID (RFC 4121 §4.1) followed by the Kerberos message's DER application tag
// (RFC 4120 §5.5.1 AP-REQ [APPLICATION 14], §5.5.2 AP-REP [15], §5.9.1 KRB-ERROR [30]).
std::optional<KerberosTokenKind> context_kind(BytesView inner) {
    if (inner.size() < 3) return std::nullopt;
    const unsigned char id0 = at(inner, 0), id1 = at(inner, 1), tag = at(inner, 2);
    if (id0 == 0x01 && id1 == 0x00 && tag == 0x6e) return KerberosTokenKind::ap_req;
    if (id0 == 0x02 && id1 == 0x00 && tag == 0x6f) return KerberosTokenKind::ap_rep;
    if (id0 == 0x03 && id1 == 0x00 && tag == 0x7e) return KerberosTokenKind::krb_error;
    return std::nullopt;
}

constexpr std::size_t kWrapHeader = 16;

}  // namespace

std::optional<KerberosToken> classify_kerberos_token(BytesView data) {
    KerberosToken t{KerberosTokenKind::wrap};
    t.size = data.size();
    if (auto inner = unframe(data)) {
        auto kind = context_kind(*inner);
        if (!kind) return std::nullopt;
        t.kind = *kind;
        t.framed = true;
        return t;
    }
    if (auto kind = context_kind(data)) {
        t.kind = *kind;
        return t;
    }
    // Wrap token: TOK_ID 05 04, Flags, Filler FF, EC, RRC, SND_SEQ (RFC 4121 §4.2.6.2).
    if (data.size() >= kWrapHeader && at(data, 0) == 0x05 && at(data, 1) == 0x04 &&
        at(data, 3) == 0xff && (at(data, 2) & 0xf8) == 0) {
        t.from_acceptor = (at(data, 2) & 0x01) != 0;
        t.sealed = (at(data, 2) & 0x02) != 0;
        return t;
    }
    return std::nullopt;
}

std::optional<SecurityLayerMessage> read_security_layer(BytesView token) {
    auto t = classify_kerberos_token(token);
    if (!t || t->kind != KerberosTokenKind::wrap || t->sealed) return std::nullopt;
    // Unsealed: plaintext followed by an EC-octet checksum, the whole rotated right by RRC.
    const std::size_t ec = (std::size_t{at(token, 4)} << 8) | at(token, 5);
    const std::size_t rrc = (std::size_t{at(token, 6)} << 8) | at(token, 7);
    std::string body(token.substr(kWrapHeader));
    if (body.empty() || ec > body.size()) return std::nullopt;
    const std::size_t shift = rrc % body.size();
    body = body.substr(shift) + body.substr(0, shift);
    body.resize(body.size() - ec);
    if (body.size() < 4) return std::nullopt;
    SecurityLayerMessage m;
    m.layers = static_cast<std::uint8_t>(body[0]);
    m.max_buffer = (std::uint32_t{static_cast<unsigned char>(body[1])} << 16) |
                   (std::uint32_t{static_cast<unsigned char>(body[2])} << 8) |
                   std::uint32_t{static_cast<unsigned char>(body[3])};
    m.authzid = body.substr(4);
    return m;
}

std::string security_layer_names(std::uint8_t layers) {
    static constexpr std::array<std::string_view, 3> kNames{"none", "integrity", "confidentiality"};
    std::string out;
    for (std::size_t i = 0; i < kNames.size(); ++i)
        if (layers & (1u << i)) out += (out.empty() ? "" : ", ") + std::string(kNames[i]);
    return out.empty() ? "no layer" : out;
}

std::string describe_kerberos_token(const KerberosToken& t) {
    switch (t.kind) {
        case KerberosTokenKind::ap_req:
            return t.framed ? "Kerberos AP-REQ (GSS-API initial context token: service ticket "
                              "and authenticator)"
                            : "Kerberos AP-REQ without the GSS-API header (service ticket and "
                              "authenticator)";
        case KerberosTokenKind::ap_rep:
            return "Kerberos AP-REP (the server's mutual-authentication reply)";
        case KerberosTokenKind::krb_error:
            return "Kerberos KRB-ERROR (the server could not accept the ticket)";
        case KerberosTokenKind::wrap:
            return std::string("GSS-API wrap token from the ") +
                   (t.from_acceptor ? "server" : "client") +
                   (t.sealed ? " (encrypted)" : " (security-layer negotiation)");
    }
    return {};
}

}  // namespace smtpauth::sasl::detail
