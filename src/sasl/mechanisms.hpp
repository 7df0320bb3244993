// Internal: the registry entries (one per mechanism file) and the credential checks the
// mechanisms share (RFC 4422 §5: fields are UTF-8 and carry no NUL).
#pragma once

#include <memory>
#include <string_view>

#include "smtpauth/sasl/mechanism.hpp"
#include "smtpauth/sasl/registry.hpp"

namespace smtpauth::sasl::detail {

// One registry entry per mechanism, defined in the mechanism's own file (mech_<name>.cpp);
// registry.cpp lists them.
extern const MechanismInfo kScramSha256Plus;
extern const MechanismInfo kScramSha256;
extern const MechanismInfo kScramSha1Plus;
extern const MechanismInfo kScramSha1;
extern const MechanismInfo kCramSha256;
extern const MechanismInfo kCramSha1;
extern const MechanismInfo kCramMd5;
extern const MechanismInfo kDigestMd5;
extern const MechanismInfo kNtlm;
extern const MechanismInfo kPlain;
extern const MechanismInfo kLogin;
extern const MechanismInfo kOAuthBearer;
extern const MechanismInfo kXOAuth2;
extern const MechanismInfo kExternal;
extern const MechanismInfo kAnonymous;
extern const MechanismInfo kGs2Krb5;
extern const MechanismInfo kGssapi;
// Decoder hooks defined in a mechanism's file and used before its registry entry.
extern const MechanismDecoder kNtlmDecoder;

// Throw Error{bad_input} naming the mechanism and the field ("PLAIN: the user name is empty").
void require_non_empty(std::string_view mech, std::string_view field, std::string_view value);
void require_utf8(std::string_view mech, std::string_view field, std::string_view value);
// Refuses bytes that would break the message's framing (NUL, and whatever `forbidden` lists).
void require_no_bytes(std::string_view mech, std::string_view field, std::string_view value,
                      std::string_view forbidden);
// Refuses C0 controls and DEL (OAuth values: RFC 7628 value = *(VCHAR / SP / HTAB / CR / LF)).
void require_no_controls(std::string_view mech, std::string_view field, std::string_view value);

// Error{protocol} for a challenge that arrives when the mechanism expects none.
[[noreturn]] void unexpected_challenge(std::string_view mech, std::string_view challenge);

}  // namespace smtpauth::sasl::detail
