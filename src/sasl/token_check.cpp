// --check-password: recomputes what a password would have produced and compares it with the
// decoded message: PLAIN (RFC 4616), LOGIN, CRAM-* (RFC 2195, HMAC RFC 2104), SCRAM-*
// (RFC 5802 §3 ClientProof, RFC 7677).
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stringprep.h>

#include <cstdlib>
#include <string>
#include <string_view>

#include "sasl/token_internal.hpp"
#include "smtpauth/codec.hpp"
#include "smtpauth/error.hpp"

namespace smtpauth::sasl {

namespace {

// The same cap the SCRAM client applies (MechanismOptions::scram_max_iterations): a crafted
// transcript must not make the check spin for hours.
constexpr std::uint32_t kMaxCheckIterations = 1000000;

bool equal_bytes(std::string_view a, std::string_view b) {
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

const EVP_MD* digest_for(std::string_view mechanism) {
    if (mechanism == "CRAM-MD5") return EVP_md5();
    if (mechanism == "CRAM-SHA1" || mechanism.starts_with("SCRAM-SHA-1")) return EVP_sha1();
    if (mechanism == "CRAM-SHA256" || mechanism.starts_with("SCRAM-SHA-256")) return EVP_sha256();
    if (mechanism.starts_with("SCRAM-SHA-512")) return EVP_sha512();
    return nullptr;
}

std::string hmac(const EVP_MD* md, std::string_view key, std::string_view data) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (!HMAC(md, key.data(), static_cast<int>(key.size()),
              reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len))
        throw Error(ErrorKind::internal, "HMAC failed");
    std::string r(reinterpret_cast<const char*>(out), len);
    OPENSSL_cleanse(out, sizeof out);
    return r;
}

std::string hash(const EVP_MD* md, std::string_view data) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (!EVP_Digest(data.data(), data.size(), out, &len, md, nullptr))
        throw Error(ErrorKind::internal, "digest failed");
    return std::string(reinterpret_cast<const char*>(out), len);
}

// Normalize(password) = SASLprep as a stored string (RFC 5802 §2.2, RFC 4013); a password it
// refuses is used as is, which then simply does not match a conforming client's proof.
std::string saslprep(std::string_view password) {
    std::string in(password);
    char* out = nullptr;
    int rc = stringprep_profile(in.c_str(), &out, "SASLprep", STRINGPREP_NO_UNASSIGNED);
    wipe_string(in);
    if (rc != STRINGPREP_OK || out == nullptr) {
        std::free(out);
        return std::string(password);
    }
    std::string r(out);
    OPENSSL_cleanse(out, r.size());
    std::free(out);
    return r;
}

bool check_cram(const CheckMaterial& m, std::string_view password) {
    const EVP_MD* md = digest_for(m.mechanism);
    if (!md) return false;
    std::string mac = hmac(md, password, m.challenge);
    std::string hex = codec::hex_encode(mac);
    std::string given(m.digest_hex.reveal());
    for (char& c : given)
        if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
    bool ok = equal_bytes(hex, given);
    wipe_string(mac);
    wipe_string(hex);
    wipe_string(given);
    return ok;
}

bool check_scram(const CheckMaterial& m, std::string_view password) {
    const EVP_MD* md = digest_for(m.mechanism);
    if (!md) return false;
    if (m.iterations > kMaxCheckIterations)
        throw Error(ErrorKind::bad_input, "SCRAM iteration count " + std::to_string(m.iterations) +
                                              " is above the cap of 1000000 for --check-password");
    std::string normalized = saslprep(password);
    auto size = static_cast<std::size_t>(EVP_MD_get_size(md));
    std::string salted(size, '\0');
    if (!PKCS5_PBKDF2_HMAC(normalized.data(), static_cast<int>(normalized.size()),
                           reinterpret_cast<const unsigned char*>(m.salt.data()),
                           static_cast<int>(m.salt.size()), static_cast<int>(m.iterations), md,
                           static_cast<int>(size), reinterpret_cast<unsigned char*>(salted.data())))
        throw Error(ErrorKind::internal, "PBKDF2 failed");
    std::string client_key = hmac(md, salted, "Client Key");
    std::string stored_key = hash(md, client_key);
    std::string auth_message =
        m.client_first_bare + "," + m.server_first + "," + m.client_final_without_proof;
    std::string signature = hmac(md, stored_key, auth_message);
    std::string proof = client_key;
    for (std::size_t i = 0; i < proof.size() && i < signature.size(); ++i) proof[i] ^= signature[i];
    bool ok = equal_bytes(proof, m.proof.reveal());
    for (auto* s : {&normalized, &salted, &client_key, &stored_key, &signature, &proof})
        wipe_string(*s);
    return ok;
}

}  // namespace

std::optional<PasswordCheck> check_password(const DecodeResult& result, const Secret& password) {
    if (result.checkable.empty()) return std::nullopt;
    const CheckMaterial& m = result.checkable.back();
    PasswordCheck check;
    check.mechanism = m.mechanism;
    check.line = m.line;
    switch (m.kind) {
        case CheckMaterial::Kind::plain:
        case CheckMaterial::Kind::login:
            check.matches = equal_bytes(m.password.reveal(), password.reveal());
            break;
        case CheckMaterial::Kind::cram:
            check.matches = check_cram(m, password.reveal());
            break;
        case CheckMaterial::Kind::scram:
            check.matches = check_scram(m, password.reveal());
            break;
    }
    return check;
}

}  // namespace smtpauth::sasl
