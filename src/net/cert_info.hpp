// What a certificate says, in the plain shapes of smtpauth/net/tls.hpp (private to src/net).
#pragma once

#include <openssl/x509.h>

#include "smtpauth/bytes.hpp"
#include "smtpauth/net/tls.hpp"

namespace smtpauth::net {

// Subject, issuer, SANs, validity, key, SHA-256 fingerprint and serial of cert.
CertificateInfo describe_certificate(X509* cert);

// RFC 5929 §4.1 tls-server-end-point: the hash of the certificate's DER encoding with the
// hash of its signature algorithm, MD5 and SHA-1 replaced by SHA-256. Empty when the
// signature algorithm has no single hash (e.g. Ed25519: RFC 5929 leaves it undefined).
Bytes tls_server_end_point(X509* cert);

}  // namespace smtpauth::net
