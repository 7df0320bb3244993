// NTLMv2 hashes (MS-NLMP §3.3.1-3.3.2). MD4 is fetched from OpenSSL 3's legacy provider in a
// library context of our own, so that loading it changes nothing for the rest of the program.
#include "sasl/ntlm_hash.hpp"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/provider.h>

#include <memory>
#include <string>

#include "crypto/crypto.hpp"
#include "smtpauth/error.hpp"
#include "smtpauth/secret.hpp"

namespace smtpauth::sasl::ntlm {

namespace {

struct LibCtxFree {
    void operator()(OSSL_LIB_CTX* p) const noexcept { OSSL_LIB_CTX_free(p); }
};
struct ProviderUnload {
    void operator()(OSSL_PROVIDER* p) const noexcept { OSSL_PROVIDER_unload(p); }
};
struct MdFree {
    void operator()(EVP_MD* p) const noexcept { EVP_MD_free(p); }
};
struct MdCtxFree {
    void operator()(EVP_MD_CTX* p) const noexcept { EVP_MD_CTX_free(p); }
};

// MD4 from the legacy provider, loaded on first use; `error` says why not when md is null.
struct LegacyMd4 {
    std::unique_ptr<OSSL_LIB_CTX, LibCtxFree> ctx;
    std::unique_ptr<OSSL_PROVIDER, ProviderUnload> legacy;
    std::unique_ptr<EVP_MD, MdFree> md;
    std::string error;

    LegacyMd4() : ctx(OSSL_LIB_CTX_new()) {
        if (!ctx) {
            error = "OpenSSL could not make a library context";
            return;
        }
        legacy.reset(OSSL_PROVIDER_load(ctx.get(), "legacy"));
        if (!legacy) {
            error =
                "OpenSSL's legacy provider could not be loaded (it holds MD4, which the NT "
                "password hash needs; Debian ships it in libssl3 as ossl-modules/legacy.so; "
                "check OPENSSL_MODULES)";
            ERR_clear_error();
            return;
        }
        md.reset(EVP_MD_fetch(ctx.get(), "MD4", nullptr));
        if (!md) {
            error = "OpenSSL's legacy provider is loaded but offers no MD4";
            ERR_clear_error();
        }
    }
};

const EVP_MD* md4() {
    static const LegacyMd4 kMd4;
    if (!kMd4.md) throw Error(ErrorKind::mechanism_unavailable, "NTLM check: " + kMd4.error);
    return kMd4.md.get();
}

}  // namespace

Bytes nt_hash(BytesView password_utf16le) {
    const EVP_MD* md = md4();
    std::unique_ptr<EVP_MD_CTX, MdCtxFree> mctx(EVP_MD_CTX_new());
    Bytes out(16, '\0');
    unsigned int len = 0;
    if (!mctx || EVP_DigestInit_ex2(mctx.get(), md, nullptr) != 1 ||
        EVP_DigestUpdate(mctx.get(), password_utf16le.data(), password_utf16le.size()) != 1 ||
        EVP_DigestFinal_ex(mctx.get(), reinterpret_cast<unsigned char*>(out.data()), &len) != 1 ||
        len != out.size()) {
        ERR_clear_error();
        throw Error(ErrorKind::internal, "OpenSSL MD4 failed");
    }
    return out;
}

Bytes ntowf_v2(BytesView nt_hash, BytesView upper_user_utf16le, BytesView domain_utf16le) {
    Bytes identity;
    identity.reserve(upper_user_utf16le.size() + domain_utf16le.size());
    identity.append(upper_user_utf16le);
    identity.append(domain_utf16le);
    Bytes key = crypto::hmac(crypto::Digest::md5, nt_hash, identity);
    wipe_string(identity);
    return key;
}

Bytes nt_proof_str(BytesView ntowf_v2, BytesView server_challenge, BytesView blob) {
    Bytes data;
    data.reserve(server_challenge.size() + blob.size());
    data.append(server_challenge);
    data.append(blob);
    return crypto::hmac(crypto::Digest::md5, ntowf_v2, data);
}

}  // namespace smtpauth::sasl::ntlm
