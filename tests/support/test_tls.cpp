// Test PKI (RFC 5280 certificates built with the OpenSSL API) and a scripted loopback server.
#include "test_tls.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace smtpauth::test {

namespace {

[[noreturn]] void fail(const std::string& what) {
    char buf[256] = "";
    ERR_error_string_n(ERR_get_error(), buf, sizeof buf);
    throw std::runtime_error("test PKI: " + what + ": " + buf);
}

std::string bio_string(BIO* bio) {
    char* data = nullptr;
    long n = BIO_get_mem_data(bio, &data);
    return std::string(data, static_cast<std::size_t>(n));
}

void add_ext(X509* cert, X509* issuer, int nid, const std::string& value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
    net::ossl::X509ExtPtr ext(X509V3_EXT_nconf_nid(nullptr, &ctx, nid, value.c_str()));
    if (!ext || X509_add_ext(cert, ext.get(), -1) != 1) fail("extension " + value);
}

std::string join_sans(const std::vector<std::string>& sans) {
    std::string out;
    for (const auto& s : sans) out += (out.empty() ? "" : ",") + s;
    return out;
}

// Builds and signs a certificate. issuer == nullptr: self-signed with key.
TestCert build(const CertSpec& spec, bool is_ca, X509* issuer, EVP_PKEY* issuer_key) {
    TestCert tc;
    tc.key = make_key(spec.key);
    tc.cert.reset(X509_new());
    X509* x = tc.cert.get();
    if (!x || X509_set_version(x, 2) != 1) fail("X509_new");
    net::ossl::BignumPtr serial(BN_new());
    if (!serial || BN_rand(serial.get(), 63, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
        !BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(x)))
        fail("serial");
    X509_gmtime_adj(X509_getm_notBefore(x), spec.valid_from_s);
    X509_gmtime_adj(X509_getm_notAfter(x), spec.valid_until_s);
    X509_set_pubkey(x, tc.key.get());
    X509_NAME* name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("smtpauth tests"), -1, -1, 0);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>(spec.common_name.c_str()), -1,
                               -1, 0);
    X509* signer_cert = issuer ? issuer : x;
    EVP_PKEY* signer_key = issuer ? issuer_key : tc.key.get();
    X509_set_issuer_name(x, X509_get_subject_name(signer_cert));
    if (is_ca) {
        add_ext(x, signer_cert, NID_basic_constraints, "critical,CA:TRUE");
        add_ext(x, signer_cert, NID_key_usage, "critical,keyCertSign,cRLSign");
    } else {
        add_ext(x, signer_cert, NID_basic_constraints, "critical,CA:FALSE");
        add_ext(x, signer_cert, NID_ext_key_usage, "serverAuth,clientAuth");
    }
    add_ext(x, signer_cert, NID_subject_key_identifier, "hash");
    if (issuer) add_ext(x, signer_cert, NID_authority_key_identifier, "keyid:always");
    if (!spec.sans.empty()) add_ext(x, signer_cert, NID_subject_alt_name, join_sans(spec.sans));
    if (X509_sign(x, signer_key, EVP_sha256()) <= 0) fail("X509_sign");
    return tc;
}

}  // namespace

EvpPkeyPtr make_key(KeyKind kind) {
    EVP_PKEY* k = nullptr;
    switch (kind) {
        case KeyKind::ec_p256:
            k = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
            break;
        case KeyKind::rsa2048:
            k = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(2048));
            break;
        case KeyKind::rsa1024:
            k = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(1024));
            break;
    }
    if (!k) fail("key generation");
    return EvpPkeyPtr(k);
}

std::string TestCert::der() const {
    unsigned char* out = nullptr;
    int n = i2d_X509(cert.get(), &out);
    if (n <= 0) fail("i2d_X509");
    std::string s(reinterpret_cast<char*>(out), static_cast<std::size_t>(n));
    OPENSSL_free(out);
    return s;
}

std::string TestCert::pem() const {
    net::ossl::BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_X509(bio.get(), cert.get()) != 1) fail("PEM_write_bio_X509");
    return bio_string(bio.get());
}

TestCa::TestCa(std::string name) {
    CertSpec spec;
    spec.common_name = std::move(name);
    spec.sans.clear();
    spec.valid_until_s = 365L * 86400;
    self_ = build(spec, true, nullptr, nullptr);
}

TestCert TestCa::issue(const CertSpec& spec) const {
    return build(spec, false, self_.cert.get(), self_.key.get());
}

TestCert self_signed(const CertSpec& spec) {
    return build(spec, false, nullptr, nullptr);
}

TempDir::TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "smtpauth-test-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
}

TempDir::~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
}

std::string TempDir::write(const std::string& name, std::string_view content) const {
    std::string full = path_ + "/" + name;
    std::ofstream out(full, std::ios::binary);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    if (!out) throw std::runtime_error("cannot write " + full);
    return full;
}

SslCtxPtr make_server_ctx(const TestCert& leaf, const TestCa* chain_ca, int min_version,
                          int max_version) {
    SslCtxPtr ctx(SSL_CTX_new(TLS_server_method()));
    if (!ctx) fail("SSL_CTX_new");
    // Old versions and 1024-bit keys must be servable on purpose in the hostile cases.
    SSL_CTX_set_security_level(ctx.get(), 0);
    if (min_version) SSL_CTX_set_min_proto_version(ctx.get(), min_version);
    if (max_version) SSL_CTX_set_max_proto_version(ctx.get(), max_version);
    if (SSL_CTX_use_certificate(ctx.get(), leaf.cert.get()) != 1 ||
        SSL_CTX_use_PrivateKey(ctx.get(), leaf.key.get()) != 1)
        fail("server certificate");
    if (chain_ca && SSL_CTX_add1_chain_cert(ctx.get(), chain_ca->cert()) != 1) fail("chain");
    return ctx;
}

ServerConn::~ServerConn() {
    close();
}

void ServerConn::close() {
    ssl_.reset();
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
}

bool ServerConn::send(std::string_view data) {
    while (!data.empty()) {
        if (ssl_) {
            std::size_t n = 0;
            if (SSL_write_ex(ssl_.get(), data.data(), data.size(), &n) != 1) return false;
            data.remove_prefix(n);
        } else {
            ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
            if (n <= 0) return false;
            data.remove_prefix(static_cast<std::size_t>(n));
        }
    }
    return true;
}

std::string ServerConn::recv_some(std::size_t max) {
    std::string buf(max, '\0');
    if (ssl_) {
        std::size_t n = 0;
        if (SSL_read_ex(ssl_.get(), buf.data(), max, &n) != 1) return {};
        buf.resize(n);
    } else {
        ssize_t n = ::recv(fd_, buf.data(), max, 0);
        buf.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
    }
    return buf;
}

std::optional<std::string> ServerConn::recv_line() {
    std::string line;
    for (;;) {
        std::string c = recv_some(1);
        if (c.empty()) return std::nullopt;
        if (c[0] == '\n') break;
        line += c;
        if (line.size() > 1 << 20) return std::nullopt;
    }
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return line;
}

bool ServerConn::accept_tls(SSL_CTX* ctx) {
    ssl_.reset(SSL_new(ctx));
    if (!ssl_ || SSL_set_fd(ssl_.get(), fd_) != 1) return false;
    if (SSL_accept(ssl_.get()) != 1) {
        ERR_clear_error();
        ssl_.reset();
        return false;
    }
    return true;
}

TestServer::TestServer(const std::string& bind_address, Script script) {
    const bool v6 = bind_address.find(':') != std::string::npos;
    listen_fd_ = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listen_fd_ < 0) throw std::runtime_error("socket failed");
    int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_storage ss{};
    socklen_t len;
    if (v6) {
        auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
        a->sin6_family = AF_INET6;
        inet_pton(AF_INET6, bind_address.c_str(), &a->sin6_addr);
        len = sizeof *a;
    } else {
        auto* a = reinterpret_cast<sockaddr_in*>(&ss);
        a->sin_family = AF_INET;
        inet_pton(AF_INET, bind_address.c_str(), &a->sin_addr);
        len = sizeof *a;
    }
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&ss), len) != 0 ||
        ::listen(listen_fd_, 4) != 0 ||
        ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&ss), &len) != 0) {
        ::close(listen_fd_);
        throw std::runtime_error("cannot listen on " + bind_address);
    }
    port_ = ntohs(v6 ? reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port
                     : reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
    thread_ = std::thread([this, script = std::move(script)] {
        sigset_t pipe;
        sigemptyset(&pipe);
        sigaddset(&pipe, SIGPIPE);
        pthread_sigmask(SIG_BLOCK, &pipe, nullptr);
        try {
            pollfd p{listen_fd_, POLLIN, 0};
            if (::poll(&p, 1, 10000) != 1) throw std::runtime_error("no client connected");
            int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
            if (fd < 0) throw std::runtime_error("accept failed");
            timeval tv{5, 0};
            ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
            ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
            ServerConn conn(fd);
            script(conn);
        } catch (const std::exception& e) {
            std::lock_guard lock(mutex_);
            failure_ = e.what();
        }
        ERR_clear_error();
        OPENSSL_thread_stop();
    });
}

std::string TestServer::finish() {
    if (thread_.joinable()) thread_.join();
    std::lock_guard lock(mutex_);
    return failure_;
}

TestServer::~TestServer() {
    finish();
    if (listen_fd_ >= 0) ::close(listen_fd_);
}

std::uint16_t unused_port(const std::string& bind_address) {
    // Bind to port 0 to let the kernel pick a free port, then close without listening:
    // connecting there is refused until some other test happens to take the same port.
    const bool v6 = bind_address.find(':') != std::string::npos;
    int fd = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw std::runtime_error("socket failed");
    sockaddr_storage ss{};
    socklen_t len;
    if (v6) {
        auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
        a->sin6_family = AF_INET6;
        inet_pton(AF_INET6, bind_address.c_str(), &a->sin6_addr);
        len = sizeof *a;
    } else {
        auto* a = reinterpret_cast<sockaddr_in*>(&ss);
        a->sin_family = AF_INET;
        inet_pton(AF_INET, bind_address.c_str(), &a->sin_addr);
        len = sizeof *a;
    }
    if (::bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) {
        ::close(fd);
        throw std::runtime_error("cannot bind " + bind_address);
    }
    ::close(fd);
    return ntohs(v6 ? reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port
                    : reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
}

}  // namespace smtpauth::test
