// PKCE (RFC 7636): code verifier (§4.1) and S256 code challenge (§4.2).
#include "crypto/crypto.hpp"
#include "smtpauth/codec.hpp"
#include "smtpauth/oauth.hpp"

namespace smtpauth::oauth {

namespace {
// BASE64URL-ENCODE (RFC 7636 Appendix A): base64url without padding.
std::string base64url(BytesView data) {
    std::string s = codec::base64_encode(data);
    while (!s.empty() && s.back() == '=') s.pop_back();
    for (char& c : s) {
        if (c == '+') c = '-';
        if (c == '/') c = '_';
    }
    return s;
}
}  // namespace

// code-verifier = 43*128unreserved; 32 random octets give 43 base64url characters.
std::string pkce_verifier() {
    return base64url(crypto::random_bytes(32));
}

// code_challenge = BASE64URL-ENCODE(SHA256(ASCII(code_verifier)))
std::string pkce_challenge_s256(std::string_view verifier) {
    return base64url(crypto::hash(crypto::Digest::sha256, verifier));
}

}  // namespace smtpauth::oauth
