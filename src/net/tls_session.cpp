// TLS client over an existing TCP socket (OpenSSL): RFC 8446 / RFC 5246 handshake with
// deadlines, server identity checks (RFC 6125: SSL_set1_host / IP), SNI (RFC 6066 §3), and the
// channel bindings tls-exporter (RFC 9266) and tls-server-end-point (RFC 5929).
#include "tls_session.hpp"

#include <openssl/err.h>
#include <openssl/objects.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <string>

#include "cert_info.hpp"
#include "ossl_ptr.hpp"
#include "smtpauth/error.hpp"
#include "tls_mismatch.hpp"
#include "wait.hpp"

namespace smtpauth::net {

// What the socket BIO reads from and records: the first bytes of the handshake are kept so
// that a cleartext answer to the ClientHello can be shown instead of "wrong version number".
struct BioPeer {
    int fd = -1;
    bool recording = true;  // only during the handshake
    std::string head;       // first bytes received, up to kNonTlsReplyKept
};

struct TlsSession::State {
    BioPeer peer;  // declared before ssl: the BIO that points here is freed first
    ossl::SslCtxPtr ctx;
    ossl::SslPtr ssl;
    int fd = -1;
    bool broken = false;  // after a fatal error OpenSSL forbids SSL_shutdown
};

namespace {

// --- A socket BIO that sends with MSG_NOSIGNAL -------------------------------------------
// OpenSSL's own socket BIO uses write(2), which raises SIGPIPE when the peer has gone; a
// library must not kill its host process, and must not change the process's signal setup.

BioPeer& peer_of(BIO* b) {
    return *static_cast<BioPeer*>(BIO_get_data(b));
}

int fd_of(BIO* b) {
    return peer_of(b).fd;
}

int bio_write(BIO* b, const char* in, int len) {
    BIO_clear_retry_flags(b);
    ssize_t r = ::send(fd_of(b), in, static_cast<std::size_t>(len), MSG_NOSIGNAL);
    if (r < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) BIO_set_retry_write(b);
        return -1;
    }
    return static_cast<int>(r);
}

int bio_read(BIO* b, char* out, int len) {
    BIO_clear_retry_flags(b);
    ssize_t r = ::recv(fd_of(b), out, static_cast<std::size_t>(len), 0);
    if (r < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) BIO_set_retry_read(b);
        return -1;
    }
    // Lets OpenSSL tell an unexpected EOF apart from a socket error.
    if (r == 0) BIO_set_flags(b, BIO_FLAGS_IN_EOF);
    BioPeer& peer = peer_of(b);
    if (peer.recording && peer.head.size() < kNonTlsReplyKept)
        peer.head.append(
            out, std::min(static_cast<std::size_t>(r), kNonTlsReplyKept - peer.head.size()));
    return static_cast<int>(r);
}

long bio_ctrl(BIO* b, int cmd, long, void*) {
    switch (cmd) {
        case BIO_CTRL_FLUSH:
            return 1;
        case BIO_CTRL_EOF:
            return BIO_test_flags(b, BIO_FLAGS_IN_EOF) != 0;
        default:
            return 0;
    }
}

int bio_create(BIO* b) {
    BIO_set_init(b, 1);
    return 1;
}

const BIO_METHOD* socket_method() {
    static const ossl::BioMethodPtr method = [] {
        ossl::BioMethodPtr m(
            BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "smtpauth socket"));
        if (m) {
            BIO_meth_set_write(m.get(), bio_write);
            BIO_meth_set_read(m.get(), bio_read);
            BIO_meth_set_ctrl(m.get(), bio_ctrl);
            BIO_meth_set_create(m.get(), bio_create);
        }
        return m;
    }();
    return method.get();
}

// --- Errors -------------------------------------------------------------------------------

// Drains OpenSSL's error queue into "reason; reason" (reason strings only: the library and
// function parts are noise for a user).
std::string drain_errors() {
    std::string out;
    while (unsigned long e = ERR_get_error()) {
        const char* reason = ERR_reason_error_string(e);
        std::string text;
        if (reason) {
            text = reason;
        } else {
            char buf[256];
            ERR_error_string_n(e, buf, sizeof buf);
            text = buf;
        }
        if (out.find(text) != std::string::npos) continue;
        if (!out.empty()) out += "; ";
        out += text;
    }
    return out;
}

bool queue_has_reason(int reason) {
    unsigned long e = ERR_peek_error();
    return e != 0 && ERR_GET_REASON(e) == reason;
}

[[noreturn]] void throw_setup(const std::string& what) {
    throw Error(ErrorKind::internal, what + ": " + drain_errors());
}

int parse_min_version(const std::string& v) {
    if (v == "1.0") return TLS1_VERSION;
    if (v == "1.1") return TLS1_1_VERSION;
    if (v == "1.2" || v.empty()) return TLS1_2_VERSION;
    if (v == "1.3") return TLS1_3_VERSION;
    throw Error(ErrorKind::usage,
                "invalid minimum TLS version '" + v + "' (use 1.0, 1.1, 1.2 or 1.3)");
}

[[noreturn]] void throw_file_error(const std::string& what, const std::string& path) {
    std::string reason = drain_errors();
    std::error_code ec;
    bool exists = std::filesystem::exists(path, ec);
    if (!exists)
        throw Error(ErrorKind::no_input, "cannot load " + what + " '" + path + "': no such file");
    if (std::filesystem::is_directory(path, ec))
        throw Error(ErrorKind::bad_input,
                    "cannot load " + what + " '" + path + "': it is a directory, not a PEM file");
    // The file is there but holds no usable PEM: say what is expected, not only OpenSSL's
    // "no certificate or crl found".
    throw Error(ErrorKind::bad_input, "cannot load " + what + " '" + path + "': " + reason +
                                          " (expected a PEM file: -----BEGIN " +
                                          (what == "client key" ? "PRIVATE KEY" : "CERTIFICATE") +
                                          "-----)");
}

ossl::SslCtxPtr make_context(const TlsConfig& config) {
    ossl::SslCtxPtr ctx(SSL_CTX_new(TLS_client_method()));
    if (!ctx) throw_setup("cannot create a TLS context");
    const int min = parse_min_version(config.min_version);
    SSL_CTX_set_min_proto_version(ctx.get(), min);
    // TLS 1.0/1.1 use SHA-1 signatures, which OpenSSL 3 refuses at security level 1 and up:
    // asking for them explicitly has to lower the level, or the option would do nothing.
    if (min < TLS1_2_VERSION)
        SSL_CTX_set_security_level(ctx.get(), 0);
    else if (SSL_CTX_get_security_level(ctx.get()) < 2)
        // Level 2 (112-bit security: RSA/DH >= 2048, no SHA-1) whatever the system's
        // openssl.cnf says, so that weak server keys fail the same way everywhere.
        SSL_CTX_set_security_level(ctx.get(), 2);
    if (!config.cafile.empty()) {
        if (SSL_CTX_load_verify_locations(ctx.get(), config.cafile.c_str(), nullptr) != 1)
            throw_file_error("CA file", config.cafile);
    } else if (SSL_CTX_set_default_verify_paths(ctx.get()) != 1) {
        throw_setup("cannot load the system CA store");
    }
    // With insecure the chain is still verified (OpenSSL does it in client mode whatever the
    // mode) and the result read afterwards; only the abort is skipped.
    SSL_CTX_set_verify(ctx.get(), config.insecure ? SSL_VERIFY_NONE : SSL_VERIFY_PEER, nullptr);
    if (!config.client_cert.empty()) {
        if (SSL_CTX_use_certificate_chain_file(ctx.get(), config.client_cert.c_str()) != 1)
            throw_file_error("client certificate", config.client_cert);
        const std::string& key = config.client_key.empty() ? config.client_cert : config.client_key;
        if (SSL_CTX_use_PrivateKey_file(ctx.get(), key.c_str(), SSL_FILETYPE_PEM) != 1)
            throw_file_error("client key", key);
        if (SSL_CTX_check_private_key(ctx.get()) != 1)
            throw Error(ErrorKind::bad_input,
                        "client key does not match the client certificate: " + drain_errors());
    }
    return ctx;
}

std::string group_name(SSL* ssl) {
    int nid = static_cast<int>(SSL_get_negotiated_group(ssl));
    if (nid <= 0 || (nid & TLSEXT_nid_unknown)) return {};
    if (const char* sn = OBJ_nid2sn(nid)) return sn;
    const char* name = SSL_group_to_name(ssl, nid);
    return name ? name : "";
}

// The handshake was aborted because the certificate did not verify: OpenSSL keeps the chain
// the server sent, so the report can show which certificate failed and not just why.
void describe_rejected(SSL* ssl, long verify_result, TlsInfo* info) {
    info->version = SSL_get_version(ssl);  // known since the ServerHello
    if (SSL_SESSION* session = SSL_get_session(ssl))
        if (const SSL_CIPHER* c = SSL_SESSION_get0_cipher(session))
            info->cipher = SSL_CIPHER_get_name(c);
    info->group = group_name(ssl);
    info->verified = false;
    info->verify_error = X509_verify_cert_error_string(verify_result);
    if (STACK_OF(X509)* chain = SSL_get_peer_cert_chain(ssl))
        for (int i = 0; i < sk_X509_num(chain); ++i)
            info->chain.push_back(describe_certificate(sk_X509_value(chain, i)));
}

void fill_info(SSL* ssl, TlsInfo* info) {
    info->version = SSL_get_version(ssl);
    if (const SSL_CIPHER* c = SSL_get_current_cipher(ssl)) info->cipher = SSL_CIPHER_get_name(c);
    info->group = group_name(ssl);
    X509* leaf = SSL_get0_peer_certificate(ssl);
    long vr = SSL_get_verify_result(ssl);
    info->verified = leaf != nullptr && vr == X509_V_OK;
    if (!leaf)
        info->verify_error = "the server sent no certificate";
    else if (vr != X509_V_OK)
        info->verify_error = X509_verify_cert_error_string(vr);
    // On the client side the peer chain includes the leaf, in the order the server sent it.
    if (STACK_OF(X509)* chain = SSL_get_peer_cert_chain(ssl)) {
        for (int i = 0; i < sk_X509_num(chain); ++i)
            info->chain.push_back(describe_certificate(sk_X509_value(chain, i)));
    } else if (leaf) {
        info->chain.push_back(describe_certificate(leaf));
    }
    // RFC 9266 §2: only where the exporter is unique to the connection (TLS 1.3, or TLS 1.2
    // with the extended master secret of RFC 7627).
    if (SSL_version(ssl) == TLS1_3_VERSION || SSL_get_extms_support(ssl) == 1) {
        static const char label[] = "EXPORTER-Channel-Binding";
        unsigned char out[32];
        if (SSL_export_keying_material(ssl, out, sizeof out, label, sizeof label - 1, nullptr, 0,
                                       1) == 1)
            info->tls_exporter.assign(reinterpret_cast<const char*>(out), sizeof out);
    }
    info->tls_server_end_point = tls_server_end_point(leaf);
}

}  // namespace

TlsSession::TlsSession(std::unique_ptr<State> state) : state_(std::move(state)) {}

TlsSession::~TlsSession() {
    // A courtesy close_notify; it never blocks (the socket is non-blocking) and its result
    // does not matter.
    if (state_ && state_->ssl && !state_->broken) {
        ERR_clear_error();
        SSL_shutdown(state_->ssl.get());
        ERR_clear_error();
    }
}

void TlsSession::check_config(const TlsConfig& config) {
    ERR_clear_error();
    make_context(config);
}

void check_tls_config(const TlsConfig& config) {
    TlsSession::check_config(config);
}

std::unique_ptr<TlsSession> TlsSession::handshake(int fd, const TlsConfig& config,
                                                  Deadline deadline, TlsInfo* info,
                                                  std::string* non_tls_reply) {
    ERR_clear_error();
    auto st = std::make_unique<State>();
    st->fd = fd;
    st->ctx = make_context(config);
    st->ssl.reset(SSL_new(st->ctx.get()));
    if (!st->ssl) throw_setup("cannot create a TLS connection");
    SSL* ssl = st->ssl.get();
    BIO* bio = BIO_new(socket_method());
    if (!bio) throw_setup("cannot create a socket BIO");
    st->peer.fd = fd;
    BIO_set_data(bio, &st->peer);
    SSL_set_bio(ssl, bio, bio);  // ssl owns bio from here on

    if (!config.host.empty()) {
        if (config.host_is_ip) {
            // RFC 6066 §3: literal addresses are not sent as SNI; the certificate must name
            // the address in an iPAddress SAN.
            if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), config.host.c_str()) != 1)
                throw Error(ErrorKind::usage, "'" + config.host + "' is not an IP address");
        } else {
            if (SSL_set_tlsext_host_name(ssl, config.host.c_str()) != 1)
                throw_setup("cannot set the SNI host name");
            // RFC 6125 §6.4.3: a wildcard only as the whole left-most label.
            SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
            if (SSL_set1_host(ssl, config.host.c_str()) != 1)
                throw_setup("cannot set the host name to verify");
        }
    }

    for (;;) {
        ERR_clear_error();
        errno = 0;
        int r = SSL_connect(ssl);
        if (r == 1) break;
        int err = SSL_get_error(ssl, r);
        if (err == SSL_ERROR_WANT_READ) {
            wait_ready(fd, WaitFor::read, deadline, "during the TLS handshake");
            continue;
        }
        if (err == SSL_ERROR_WANT_WRITE) {
            wait_ready(fd, WaitFor::write, deadline, "during the TLS handshake");
            continue;
        }
        st->broken = true;
        const int saved_errno = errno;
        long vr = SSL_get_verify_result(ssl);
        if (!config.insecure && vr != X509_V_OK) {
            ERR_clear_error();
            describe_rejected(ssl, vr, info);
            throw Error(ErrorKind::certificate, std::string("certificate verify failed: ") +
                                                    X509_verify_cert_error_string(vr));
        }
        // A server that answers the ClientHello in cleartext (a mail greeting, an HTTP
        // error) is not a TLS server on this port: say so, and hand the bytes to the caller.
        const std::string& head = st->peer.head;
        if (!head.empty() && !looks_like_tls_record(head)) {
            ERR_clear_error();
            if (non_tls_reply) {
                // OpenSSL stopped after the 5-byte record header; the rest of the line has
                // usually arrived with it. Take what is there, without waiting.
                *non_tls_reply = head;
                char more[kNonTlsReplyKept];
                ssize_t n = ::recv(fd, more, kNonTlsReplyKept - head.size(), MSG_DONTWAIT);
                if (n > 0) non_tls_reply->append(more, static_cast<std::size_t>(n));
            }
            throw Error(ErrorKind::tls,
                        "TLS handshake failed: the server answered in cleartext, not TLS");
        }
        const bool eof = queue_has_reason(SSL_R_UNEXPECTED_EOF_WHILE_READING);
        std::string reasons = drain_errors();
        if (eof || err == SSL_ERROR_ZERO_RETURN ||
            (err == SSL_ERROR_SYSCALL && reasons.empty() && saved_errno == 0))
            throw Error(ErrorKind::tls,
                        "TLS handshake failed: connection closed by server during the handshake");
        if (err == SSL_ERROR_SYSCALL && reasons.empty())
            throw Error(ErrorKind::tls, "TLS handshake failed: " + errno_text(saved_errno));
        if (reasons.find("protocol version") != std::string::npos ||
            reasons.find("unsupported protocol") != std::string::npos)
            reasons += " (no TLS version in common with the server; minimum asked: TLS " +
                       (config.min_version.empty() ? std::string("1.2") : config.min_version) + ")";
        throw Error(ErrorKind::tls,
                    "TLS handshake failed: " + (reasons.empty() ? "unknown error" : reasons));
    }
    st->peer.recording = false;
    st->peer.head.clear();
    fill_info(ssl, info);
    return std::unique_ptr<TlsSession>(new TlsSession(std::move(st)));
}

std::size_t TlsSession::read(char* out, std::size_t n, Deadline deadline) {
    return *read_some(out, n, &deadline);
}

std::optional<std::size_t> TlsSession::read_now(char* out, std::size_t n) {
    return read_some(out, n, nullptr);
}

std::optional<std::size_t> TlsSession::read_some(char* out, std::size_t n,
                                                 const Deadline* deadline) {
    // Without a deadline only a write that OpenSSL must finish first (a renegotiation
    // answer) is waited for, briefly.
    const Deadline write_wait = deadline ? *deadline : Deadline::after(std::chrono::seconds(5));
    SSL* ssl = state_->ssl.get();
    for (;;) {
        ERR_clear_error();
        errno = 0;
        std::size_t got = 0;
        int r = SSL_read_ex(ssl, out, n, &got);
        if (r == 1) return got;
        int err = SSL_get_error(ssl, r);
        switch (err) {
            case SSL_ERROR_WANT_READ:
                if (!deadline) return std::nullopt;
                wait_ready(state_->fd, WaitFor::read, *deadline,
                           "waiting for data from the server");
                continue;
            case SSL_ERROR_WANT_WRITE:
                wait_ready(state_->fd, WaitFor::write, write_wait,
                           "waiting for data from the server");
                continue;
            case SSL_ERROR_ZERO_RETURN:  // close_notify
                return 0;
            default:
                break;
        }
        state_->broken = true;
        const int saved_errno = errno;
        // Many servers close without close_notify; for a line protocol a cut-off line is
        // detected by the caller, so an unexpected EOF is just a close.
        if (queue_has_reason(SSL_R_UNEXPECTED_EOF_WHILE_READING) ||
            (err == SSL_ERROR_SYSCALL && (saved_errno == 0 || saved_errno == ECONNRESET))) {
            ERR_clear_error();
            return 0;
        }
        std::string reasons = drain_errors();
        throw Error(ErrorKind::tls,
                    "TLS read failed: " + (reasons.empty() ? errno_text(saved_errno) : reasons));
    }
}

void TlsSession::write(std::string_view data, Deadline deadline) {
    SSL* ssl = state_->ssl.get();
    while (!data.empty()) {
        ERR_clear_error();
        errno = 0;
        std::size_t done = 0;
        int r = SSL_write_ex(ssl, data.data(), data.size(), &done);
        if (r == 1) {
            data.remove_prefix(done);
            continue;
        }
        int err = SSL_get_error(ssl, r);
        if (err == SSL_ERROR_WANT_WRITE) {
            wait_ready(state_->fd, WaitFor::write, deadline, "sending to the server");
            continue;
        }
        if (err == SSL_ERROR_WANT_READ) {
            wait_ready(state_->fd, WaitFor::read, deadline, "sending to the server");
            continue;
        }
        state_->broken = true;
        const int saved_errno = errno;
        std::string reasons = drain_errors();
        if (err == SSL_ERROR_SYSCALL && (saved_errno == EPIPE || saved_errno == ECONNRESET))
            throw Error(ErrorKind::protocol, "connection closed by server while sending (" +
                                                 errno_text(saved_errno) + ")");
        if (err == SSL_ERROR_ZERO_RETURN)
            throw Error(ErrorKind::protocol, "connection closed by server while sending");
        throw Error(ErrorKind::tls,
                    "TLS write failed: " + (reasons.empty() ? errno_text(saved_errno) : reasons));
    }
}

std::size_t TlsSession::pending() const {
    int p = SSL_pending(state_->ssl.get());
    return p > 0 ? static_cast<std::size_t>(p) : 0;
}

}  // namespace smtpauth::net
