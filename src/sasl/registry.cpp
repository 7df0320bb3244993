// The one explicit table of mechanisms (no static self-registration: a static library may
// drop such objects), strongest first; mechanism-name syntax from RFC 4422 §3.1.
#include "smtpauth/sasl/registry.hpp"

#include <algorithm>
#include <array>
#include <vector>

#include "sasl/mechanism_decoder.hpp"
#include "sasl/mechanisms.hpp"

namespace smtpauth::sasl {

namespace {

// Every mechanism, strongest first: one line each. A mechanism's traits, client, explain and
// check functions are all in its own file, src/sasl/mech_<name>.cpp.
std::span<const MechanismInfo> table() {
    static const std::array kTable{
        detail::kScramSha256Plus, detail::kScramSha256, detail::kScramSha1Plus, detail::kScramSha1,
        detail::kCramSha256,      detail::kCramSha1,    detail::kCramMd5,       detail::kDigestMd5,
        detail::kNtlm,            detail::kPlain,       detail::kLogin,         detail::kOAuthBearer,
        detail::kXOAuth2,         detail::kGs2Krb5,     detail::kGssapi,
        detail::kExternal,        detail::kAnonymous,
    };
    return kTable;
}

// Mechanisms `decode` explains although smtpauth has no client for them: one line each.
constexpr std::array<const MechanismDecoder*, 0> kDecodeOnly{};

// The decoder hooks, each once: the table's in its order, then the decode-only ones.
std::vector<const MechanismDecoder*> collect_decoders() {
    std::vector<const MechanismDecoder*> out;
    for (const auto& info : table())
        if (info.decoder && std::find(out.begin(), out.end(), info.decoder) == out.end())
            out.push_back(info.decoder);
    for (const auto* d : kDecodeOnly) out.push_back(d);
    return out;
}

char upper(char c) {
    return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
}

}  // namespace

std::span<const MechanismInfo> mechanisms() {
    return table();
}

std::span<const MechanismDecoder* const> mechanism_decoders() {
    static const std::vector<const MechanismDecoder*> kDecoders = collect_decoders();
    return kDecoders;
}

const MechanismDecoder* decoder_for(std::string_view name) {
    for (const auto& info : table())
        if (info.name == name) return info.decoder;
    for (const auto* d : mechanism_decoders())
        if (d->family == name) return d;
    for (const auto* d : mechanism_decoders())
        if (d->family_prefix && name.size() > d->family.size() && name.starts_with(d->family) &&
            name[d->family.size()] == '-')
            return d;
    return nullptr;
}

const MechanismInfo* find_mechanism(std::string_view name) {
    for (const auto& info : table()) {
        if (info.name.size() != name.size()) continue;
        bool same = true;
        for (std::size_t i = 0; i < name.size() && same; ++i) same = upper(name[i]) == info.name[i];
        if (same) return &info;
    }
    return nullptr;
}

// sasl-mech = 1*20mech-char ; mech-char = UPPER-ALPHA / DIGIT / HYPHEN / UNDERSCORE
// Protocols compare names case-insensitively, so lower-case letters count as their
// upper-case normalisation.
bool is_valid_mechanism_name(std::string_view name) {
    if (name.empty() || name.size() > 20) return false;
    for (char c : name) {
        char u = upper(c);
        bool ok = (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') || u == '-' || u == '_';
        if (!ok) return false;
    }
    return true;
}

}  // namespace smtpauth::sasl
