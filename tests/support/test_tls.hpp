// Test PKI made at test time with the OpenSSL API (CA, leaf certificates with SANs, expired
// ones) and a small in-process loopback server (plain or TLS) that runs a script on a thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "net/ossl_ptr.hpp"

namespace smtpauth::test {

using net::ossl::EvpPkeyPtr;
using net::ossl::SslCtxPtr;
using net::ossl::SslPtr;
using net::ossl::X509Ptr;

enum class KeyKind { ec_p256, rsa2048, rsa1024 };

struct CertSpec {
    std::string common_name = "localhost";
    std::vector<std::string> sans = {"DNS:localhost", "IP:127.0.0.1", "IP:::1"};
    long valid_from_s = -3600;         // relative to now
    long valid_until_s = 30L * 86400;  // relative to now
    KeyKind key = KeyKind::ec_p256;
};

struct TestCert {
    X509Ptr cert;
    EvpPkeyPtr key;
    std::string der() const;
    std::string pem() const;
};

EvpPkeyPtr make_key(KeyKind kind);

// A CA that signs with SHA-256. Each instance has its own key, so two CAs do not trust
// each other's certificates.
class TestCa {
  public:
    explicit TestCa(std::string name = "smtpauth test CA");
    TestCert issue(const CertSpec& spec) const;
    X509* cert() const { return self_.cert.get(); }
    std::string pem() const { return self_.pem(); }

  private:
    TestCert self_;
};

// A certificate that signs itself (not a CA): the "self-signed leaf" case.
TestCert self_signed(const CertSpec& spec);

// A private temporary directory, removed with its content on destruction.
class TempDir {
  public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::string& path() const { return path_; }
    // Writes content to path()/name and returns the full path.
    std::string write(const std::string& name, std::string_view content) const;

  private:
    std::string path_;
};

// Server context presenting leaf (and the CA certificate as chain if given); versions are
// TLS1_x_VERSION constants, 0 = library default.
SslCtxPtr make_server_ctx(const TestCert& leaf, const TestCa* chain_ca = nullptr,
                          int min_version = 0, int max_version = 0);

// The server end of one accepted connection. Blocking I/O with 5 s socket timeouts, so a
// broken test cannot hang; SIGPIPE is blocked on the server thread only.
class ServerConn {
  public:
    explicit ServerConn(int fd) : fd_(fd) {}
    ~ServerConn();
    ServerConn(const ServerConn&) = delete;
    ServerConn& operator=(const ServerConn&) = delete;

    bool send(std::string_view data);        // false once the peer is gone
    std::optional<std::string> recv_line();  // without CR LF; nullopt at EOF/timeout
    std::string recv_some(std::size_t max);  // up to max bytes; empty at EOF/timeout
    bool accept_tls(SSL_CTX* ctx);           // server handshake; false on failure
    SSL* ssl() const { return ssl_.get(); }
    int fd() const { return fd_; }
    void close();

  private:
    int fd_ = -1;
    SslPtr ssl_;
};

// Listens on bind_address (e.g. "127.0.0.1" or "::1") on a free port, accepts ONE connection
// (waiting at most 10 s) and runs script on it on a thread.
class TestServer {
  public:
    using Script = std::function<void(ServerConn&)>;
    TestServer(const std::string& bind_address, Script script);
    ~TestServer();
    TestServer(const TestServer&) = delete;
    TestServer& operator=(const TestServer&) = delete;
    std::uint16_t port() const { return port_; }
    // Waits for the script to finish; returns what went wrong inside it ("" = nothing).
    std::string finish();

  private:
    int listen_fd_ = -1;
    std::uint16_t port_ = 0;
    std::thread thread_;
    std::mutex mutex_;
    std::string failure_;
};

// A loopback port on which nothing listens right now.
std::uint16_t unused_port(const std::string& bind_address);

}  // namespace smtpauth::test
