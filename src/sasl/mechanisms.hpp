// Internal: the factories the registry table points to (one per mechanism file) and the
// credential checks they share (RFC 4422 §5: fields are UTF-8 and carry no NUL).
#pragma once

#include <memory>
#include <string_view>

#include "smtpauth/sasl/mechanism.hpp"

namespace smtpauth::sasl::detail {

std::unique_ptr<Mechanism> make_plain(Credentials credentials, const MechanismOptions& options);
std::unique_ptr<Mechanism> make_login(Credentials credentials, const MechanismOptions& options);
std::unique_ptr<Mechanism> make_cram_md5(Credentials credentials, const MechanismOptions& options);
std::unique_ptr<Mechanism> make_cram_sha1(Credentials credentials, const MechanismOptions& options);
std::unique_ptr<Mechanism> make_cram_sha256(Credentials credentials,
                                            const MechanismOptions& options);
std::unique_ptr<Mechanism> make_xoauth2(Credentials credentials, const MechanismOptions& options);
std::unique_ptr<Mechanism> make_oauthbearer(Credentials credentials,
                                            const MechanismOptions& options);
std::unique_ptr<Mechanism> make_scram_sha1(Credentials credentials,
                                           const MechanismOptions& options);
std::unique_ptr<Mechanism> make_scram_sha256(Credentials credentials,
                                             const MechanismOptions& options);
std::unique_ptr<Mechanism> make_scram_sha1_plus(Credentials credentials,
                                                const MechanismOptions& options);
std::unique_ptr<Mechanism> make_scram_sha256_plus(Credentials credentials,
                                                  const MechanismOptions& options);
std::unique_ptr<Mechanism> make_external(Credentials credentials, const MechanismOptions& options);
std::unique_ptr<Mechanism> make_anonymous(Credentials credentials, const MechanismOptions& options);

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
