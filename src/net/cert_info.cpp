// Certificate description for reports (RFC 5280 fields, RFC 2253 names) and the RFC 5929
// tls-server-end-point channel binding.
#include "cert_info.hpp"

#include <arpa/inet.h>
#include <openssl/asn1.h>
#include <openssl/objects.h>

#include <ctime>

#include "ossl_ptr.hpp"

namespace smtpauth::net {

namespace {

std::string bio_text(BIO* bio) {
    char* data = nullptr;
    long n = BIO_get_mem_data(bio, &data);
    return n > 0 && data ? std::string(data, static_cast<std::size_t>(n)) : std::string();
}

std::string name_text(const X509_NAME* name) {
    ossl::BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio || !name) return {};
    // RFC 2253 order and escaping, but UTF-8 kept readable instead of \XX escapes.
    X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
    return bio_text(bio.get());
}

std::string iso_time(const ASN1_TIME* t) {
    std::tm tm{};
    if (!t || ASN1_TIME_to_tm(t, &tm) != 1) return {};
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

long days_until(const ASN1_TIME* t) {
    int days = 0, secs = 0;
    if (!t || ASN1_TIME_diff(&days, &secs, nullptr, t) != 1) return 0;
    long total = static_cast<long>(days) * 86400 + secs;
    // Floor division: expired half a day ago is -1, not 0.
    return total >= 0 ? total / 86400 : -((-total + 86399) / 86400);
}

std::string hex(const unsigned char* p, std::size_t n, bool colons) {
    static const char digits[] = "0123456789ABCDEF";
    std::string out;
    for (std::size_t i = 0; i < n; ++i) {
        if (colons && i) out += ':';
        out += digits[p[i] >> 4];
        out += digits[p[i] & 15];
    }
    return out;
}

std::string asn1_string(const ASN1_STRING* s) {
    if (!s) return {};
    return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                       static_cast<std::size_t>(ASN1_STRING_length(s)));
}

std::vector<std::string> alt_names(X509* cert) {
    std::vector<std::string> out;
    ossl::GeneralNamesPtr names(static_cast<GENERAL_NAMES*>(
        X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr)));
    if (!names) return out;
    for (int i = 0; i < sk_GENERAL_NAME_num(names.get()); ++i) {
        const GENERAL_NAME* gn = sk_GENERAL_NAME_value(names.get(), i);
        switch (gn->type) {
            case GEN_DNS:
                out.push_back("DNS:" + asn1_string(gn->d.dNSName));
                break;
            case GEN_EMAIL:
                out.push_back("email:" + asn1_string(gn->d.rfc822Name));
                break;
            case GEN_URI:
                out.push_back("URI:" + asn1_string(gn->d.uniformResourceIdentifier));
                break;
            case GEN_IPADD: {
                std::string raw = asn1_string(gn->d.iPAddress);
                char text[INET6_ADDRSTRLEN] = "";
                if (raw.size() == 4)
                    inet_ntop(AF_INET, raw.data(), text, sizeof text);
                else if (raw.size() == 16)
                    inet_ntop(AF_INET6, raw.data(), text, sizeof text);
                else
                    std::snprintf(text, sizeof text, "<%zu bytes>", raw.size());
                out.push_back(std::string("IP:") + text);
                break;
            }
            default:
                break;
        }
    }
    return out;
}

std::string key_type_name(const EVP_PKEY* key) {
    switch (EVP_PKEY_get_base_id(key)) {
        case EVP_PKEY_RSA:
            return "RSA";
        case EVP_PKEY_RSA_PSS:
            return "RSA-PSS";
        case EVP_PKEY_EC:
            return "EC";
        case EVP_PKEY_ED25519:
            return "ED25519";
        case EVP_PKEY_ED448:
            return "ED448";
        case EVP_PKEY_DSA:
            return "DSA";
        default: {
            const char* n = EVP_PKEY_get0_type_name(key);
            return n ? n : "unknown";
        }
    }
}

}  // namespace

CertificateInfo describe_certificate(X509* cert) {
    CertificateInfo ci;
    if (!cert) return ci;
    ci.subject = name_text(X509_get_subject_name(cert));
    ci.issuer = name_text(X509_get_issuer_name(cert));
    ci.subject_alt_names = alt_names(cert);
    ci.not_before = iso_time(X509_get0_notBefore(cert));
    ci.not_after = iso_time(X509_get0_notAfter(cert));
    ci.days_left = days_until(X509_get0_notAfter(cert));
    if (const EVP_PKEY* key = X509_get0_pubkey(cert)) {
        ci.key_type = key_type_name(key);
        ci.key_bits = EVP_PKEY_get_bits(key);
    }
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (X509_digest(cert, EVP_sha256(), md, &len) == 1) ci.sha256_fingerprint = hex(md, len, true);
    if (const ASN1_INTEGER* serial = X509_get0_serialNumber(cert)) {
        ossl::BignumPtr bn(ASN1_INTEGER_to_BN(serial, nullptr));
        if (bn) {
            ossl::OsslStringPtr h(BN_bn2hex(bn.get()));
            if (h) ci.serial = h.get();
        }
    }
    return ci;
}

Bytes tls_server_end_point(X509* cert) {
    if (!cert) return {};
    int md_nid = NID_undef;
    if (X509_get_signature_info(cert, &md_nid, nullptr, nullptr, nullptr) != 1) return {};
    if (md_nid == NID_md5 || md_nid == NID_sha1) md_nid = NID_sha256;
    const EVP_MD* md = md_nid == NID_undef ? nullptr : EVP_get_digestbynid(md_nid);
    if (!md) return {};
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (X509_digest(cert, md, out, &len) != 1) return {};
    return Bytes(reinterpret_cast<const char*>(out), len);
}

}  // namespace smtpauth::net
