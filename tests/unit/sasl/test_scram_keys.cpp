// The intermediate SCRAM values SPEC-NOTES.md §5.3 lists for RFC 5802 and RFC 7677
// (SaltedPassword, ClientKey, StoredKey, ServerKey, ClientSignature), recomputed from the
// RFC formulas with the crypto layer, and the proofs from sasl/scram_keys.
#include <doctest/doctest.h>

#include <string>

#include "crypto/crypto.hpp"
#include "sasl/scram_keys.hpp"
#include "smtpauth/codec.hpp"

namespace crypto = smtpauth::crypto;
namespace codec = smtpauth::codec;

TEST_SUITE("smtpauth::sasl") {
    TEST_CASE("SCRAM intermediate values (RFC 5802, RFC 7677)") {
        struct Vector {
            crypto::Digest digest;
            const char *salt_b64, *auth_message;
            const char *salted, *client_key, *stored_key, *server_key, *client_signature;
            const char *proof_b64, *server_signature_b64;
        };
        const Vector vectors[] = {
            {crypto::Digest::sha1, "QSXCR+Q6sek8bf92",
             "n=user,r=fyko+d2lbbFgONRv9qkxdawL,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s="
             "QSXCR+Q6sek8bf92,i=4096,c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j",
             "1d96ee3a529b5a5f9e47c01f229a2cb8a6e15f7d", "e234c47bf6c36696dd6d852b99aaa2ba26555728",
             "e9d94660c39d65c38fbad91c358f14da0eef2bd6", "0fe09258b3ac852ba502cc62ba903eaacdbf7d31",
             "5d7138c486b0bfabdf49e3e2da8bd6e5c79db613",
             "v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=", "rmF9pqV8S7suAoZWja4dJRkFsKQ="},
            {crypto::Digest::sha256, "W22ZaJ0SNY7soEsUEjb6gQ==",
             "n=user,r=rOprNGfwEbeRWgbNEkqO,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s="
             "W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)"
             "hNlF$k0",
             "c4a49510323ab4f952cac1fa99441939e78ea74d6be81ddf7096e87513dc615d",
             "a60fc923d67e8644a92d16b96eda5ef4656b0c725c484374be25535576996e8b",
             "586e5df283e6dceb5c3e791d8b8528ec191e664045ce971792e2e6b5bb13e2a6",
             "c1f3cbc1c13a9d35a14c0990eed97629ea225863e566a4314ab99f3f00e5d9d5",
             "d27312467c28a40a8a7f05c73c0de33eb3cbfb4a83783b58144cf19ac6be1bdf",
             "dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
             "6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="},
        };
        for (const auto& v : vectors) {
            CAPTURE(v.salted);
            auto salt = codec::base64_decode(v.salt_b64);
            auto salted =
                crypto::pbkdf2(v.digest, "pencil", salt, 4096, crypto::digest_size(v.digest));
            CHECK(codec::hex_encode(salted) == v.salted);
            auto client_key = crypto::hmac(v.digest, salted, "Client Key");
            CHECK(codec::hex_encode(client_key) == v.client_key);
            auto stored_key = crypto::hash(v.digest, client_key);
            CHECK(codec::hex_encode(stored_key) == v.stored_key);
            CHECK(codec::hex_encode(crypto::hmac(v.digest, salted, "Server Key")) == v.server_key);
            CHECK(codec::hex_encode(crypto::hmac(v.digest, stored_key, v.auth_message)) ==
                  v.client_signature);

            auto proofs = smtpauth::sasl::detail::scram_proofs(v.digest, "pencil", salt, 4096,
                                                               v.auth_message);
            CHECK(codec::base64_encode(proofs.client_proof) == v.proof_b64);
            CHECK(codec::base64_encode(proofs.server_signature) == v.server_signature_b64);
        }
    }
}
