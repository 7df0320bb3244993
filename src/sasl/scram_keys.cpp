// SCRAM key derivation and proofs (RFC 5802 §3):
//   SaltedPassword  = Hi(Normalize(password), salt, i)      (Hi = PBKDF2 with dkLen = |H|)
//   ClientKey       = HMAC(SaltedPassword, "Client Key")
//   StoredKey       = H(ClientKey)
//   ClientSignature = HMAC(StoredKey, AuthMessage)
//   ClientProof     = ClientKey XOR ClientSignature
//   ServerKey       = HMAC(SaltedPassword, "Server Key")
//   ServerSignature = HMAC(ServerKey, AuthMessage)
#include "sasl/scram_keys.hpp"

#include "smtpauth/secret.hpp"

namespace smtpauth::sasl::detail {

ScramProofs::~ScramProofs() {
    wipe_string(client_proof);
    wipe_string(server_signature);
}

ScramProofs scram_proofs(crypto::Digest digest, std::string_view password, BytesView salt,
                         std::uint32_t iterations, std::string_view auth_message) {
    Secret salted(crypto::pbkdf2(digest, password, salt, iterations, crypto::digest_size(digest)));
    Secret client_key(crypto::hmac(digest, salted.reveal(), "Client Key"));
    Secret stored_key(crypto::hash(digest, client_key.reveal()));
    Secret client_signature(crypto::hmac(digest, stored_key.reveal(), auth_message));
    Secret server_key(crypto::hmac(digest, salted.reveal(), "Server Key"));

    ScramProofs out;
    out.client_proof = Bytes(client_key.reveal());
    for (std::size_t i = 0; i < out.client_proof.size(); ++i)
        out.client_proof[i] = static_cast<char>(out.client_proof[i] ^ client_signature.reveal()[i]);
    out.server_signature = crypto::hmac(digest, server_key.reveal(), auth_message);
    return out;
}

}  // namespace smtpauth::sasl::detail
