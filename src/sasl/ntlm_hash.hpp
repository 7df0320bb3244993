// NTLMv2 key and proof computation (MS-NLMP §3.3.2): NT hash (MD4 through OpenSSL 3's legacy
// provider), NTOWFv2 and NTProofStr (HMAC-MD5 through crypto/).
#pragma once

#include "smtpauth/bytes.hpp"

namespace smtpauth::sasl::ntlm {

// MD4(password as UTF-16LE). OpenSSL 3 keeps MD4 in its legacy provider; it is loaded once
// into a private library context (the default context and its providers are left alone).
// Throws Error{mechanism_unavailable} when the provider or MD4 cannot be loaded.
Bytes nt_hash(BytesView password_utf16le);

// NTOWFv2 = HMAC-MD5(NT hash, UTF-16LE(Uppercase(user) || domain)).
Bytes ntowf_v2(BytesView nt_hash, BytesView upper_user_utf16le, BytesView domain_utf16le);

// NTProofStr = HMAC-MD5(NTOWFv2, server challenge || NTLMv2 client challenge blob).
Bytes nt_proof_str(BytesView ntowf_v2, BytesView server_challenge, BytesView blob);

}  // namespace smtpauth::sasl::ntlm
