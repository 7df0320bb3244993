// TLS client settings and what the handshake revealed: protocol, cipher, certificate chain.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "smtpauth/bytes.hpp"

namespace smtpauth::net {

// The loaded trust store and client certificate (an OpenSSL SSL_CTX), made once by
// load_tls_context and shared, read-only, by any number of connections and threads.
class TlsContext;

struct TlsConfig {
    std::string host;          // name (or IP literal) the user typed: SNI and identity check
    bool host_is_ip = false;   // verify as IP address, send no SNI
    std::string cafile;        // empty = system store
    std::string min_version = "1.2";  // "1.0" .. "1.3"
    std::string client_cert;   // PEM file, for EXTERNAL
    std::string client_key;    // PEM file; empty = key is in client_cert
    bool insecure = false;     // continue after a failed verification (still reported)
    // When set, the handshake uses this context instead of loading cafile, min_version,
    // client_cert, client_key and insecure again (it must have been made from the same
    // values); host and host_is_ip still apply per connection.
    std::shared_ptr<const TlsContext> context;
};

struct CertificateInfo {
    std::string subject;               // one-line RFC 2253 form
    std::string issuer;
    std::vector<std::string> subject_alt_names;  // "DNS:mail.example", "IP:127.0.0.1"
    std::string not_before;            // ISO 8601 UTC, e.g. "2026-11-27T10:00:00Z"
    std::string not_after;
    long days_left = 0;                // until not_after, negative when expired
    std::string key_type;              // "RSA", "EC", "ED25519", ...
    int key_bits = 0;
    std::string sha256_fingerprint;    // upper-case hex with ':' separators
    std::string serial;                // hex
};

struct TlsInfo {
    std::string version;       // "TLSv1.3"
    std::string cipher;        // "TLS_AES_256_GCM_SHA384"
    std::string group;         // key-exchange group, e.g. "X25519"; empty if unknown
    bool verified = false;     // chain and host name both verified
    std::string verify_error;  // reason when !verified, e.g. "certificate has expired"
    std::vector<CertificateInfo> chain;  // leaf first, as the server sent it
    Bytes tls_exporter;          // RFC 9266 channel binding (32 bytes), empty if unavailable
    Bytes tls_server_end_point;  // RFC 5929 channel binding, empty if unavailable
};

// Loads the CA file and the client certificate and key that config names, without
// connecting, so that a wrong file is reported before any byte goes to the server.
// Errors: Error{no_input} (a file does not exist), Error{bad_input} (not PEM, a directory,
// or the key does not match the certificate), Error{usage} (unknown minimum version).
void check_tls_config(const TlsConfig& config);

// Loads what config names (CA file or the system store, minimum version, client certificate
// and key) once, for many connections: the CA store is parsed once instead of per handshake.
// The result is immutable and safe to use from several threads at once (OpenSSL allows
// SSL_new on a shared SSL_CTX that is no longer modified). Errors: those of check_tls_config.
std::shared_ptr<const TlsContext> load_tls_context(const TlsConfig& config);

}  // namespace smtpauth::net
