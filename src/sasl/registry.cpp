// The one explicit table of mechanisms (no static self-registration: a static library may
// drop such objects), strongest first; mechanism-name syntax from RFC 4422 §3.1.
#include "smtpauth/sasl/registry.hpp"

#include <array>

#include "sasl/mechanisms.hpp"

namespace smtpauth::sasl {

namespace {

using detail::make_anonymous;
using detail::make_cram_md5;
using detail::make_cram_sha1;
using detail::make_cram_sha256;
using detail::make_external;
using detail::make_login;
using detail::make_oauthbearer;
using detail::make_plain;
using detail::make_scram_sha1;
using detail::make_scram_sha1_plus;
using detail::make_scram_sha256;
using detail::make_scram_sha256_plus;
using detail::make_xoauth2;

// Trait shorthands, in MechanismTraits member order:
// client_first, needs_user, needs_password, needs_token, reveals_secret, verifies_server,
// channel_binding, standard
constexpr MechanismTraits kScramPlus{true, true, true, false, false, true, true, true};
constexpr MechanismTraits kScram{true, true, true, false, false, true, false, true};
constexpr MechanismTraits kCram{false, true, true, false, false, false, false, true};
constexpr MechanismTraits kCramNonStandard{false, true, true, false, false, false, false, false};
constexpr MechanismTraits kPlain{true, true, true, false, true, false, false, true};
constexpr MechanismTraits kLogin{false, true, true, false, true, false, false, true};
constexpr MechanismTraits kOAuthBearer{true, false, false, true, true, false, false, true};
constexpr MechanismTraits kXOAuth2{true, true, false, true, true, false, false, false};
constexpr MechanismTraits kExternal{true, false, false, false, false, false, false, true};
constexpr MechanismTraits kAnonymous{true, false, false, false, false, false, false, true};

constexpr std::array kMechanisms{
    MechanismInfo{"SCRAM-SHA-256-PLUS",
                  "SCRAM with SHA-256 and TLS channel binding (RFC 7677, RFC 9266)", kScramPlus,
                  130, make_scram_sha256_plus},
    MechanismInfo{"SCRAM-SHA-256", "salted challenge-response with SHA-256 (RFC 7677)", kScram, 120,
                  make_scram_sha256},
    MechanismInfo{"SCRAM-SHA-1-PLUS", "SCRAM with SHA-1 and TLS channel binding (RFC 5802)",
                  kScramPlus, 110, make_scram_sha1_plus},
    MechanismInfo{"SCRAM-SHA-1", "salted challenge-response with SHA-1 (RFC 5802)", kScram, 100,
                  make_scram_sha1},
    MechanismInfo{"CRAM-SHA256", "HMAC-SHA256 challenge-response (non-standard CRAM variant)",
                  kCramNonStandard, 90, make_cram_sha256},
    MechanismInfo{"CRAM-SHA1", "HMAC-SHA1 challenge-response (non-standard CRAM variant)",
                  kCramNonStandard, 80, make_cram_sha1},
    MechanismInfo{"CRAM-MD5", "HMAC-MD5 challenge-response (RFC 2195)", kCram, 70, make_cram_md5},
    MechanismInfo{"PLAIN", "user name and password in clear (RFC 4616)", kPlain, 60, make_plain},
    MechanismInfo{"LOGIN", "user name and password in two steps (obsolete draft)", kLogin, 50,
                  make_login},
    MechanismInfo{"OAUTHBEARER", "OAuth 2.0 bearer token (RFC 7628)", kOAuthBearer, 40,
                  make_oauthbearer},
    MechanismInfo{"XOAUTH2", "OAuth 2.0 bearer token, Google/Microsoft format (non-standard)",
                  kXOAuth2, 30, make_xoauth2},
    MechanismInfo{"EXTERNAL",
                  "credentials from outside SASL, e.g. a TLS client certificate "
                  "(RFC 4422)",
                  kExternal, 20, make_external},
    MechanismInfo{"ANONYMOUS", "no credentials, optional trace string (RFC 4505)", kAnonymous, 10,
                  make_anonymous},
};

char upper(char c) {
    return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
}

}  // namespace

std::span<const MechanismInfo> mechanisms() {
    return kMechanisms;
}

const MechanismInfo* find_mechanism(std::string_view name) {
    for (const auto& info : kMechanisms) {
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
