// The TLS client session behind LineChannel::start_tls (OpenSSL), private to src/net.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "smtpauth/net/deadline.hpp"
#include "smtpauth/net/tls.hpp"

namespace smtpauth::net {

class TlsSession {
  public:
    // Runs the client handshake on the connected non-blocking socket fd (which stays owned
    // by the caller) and fills *info. Errors: Error{tls}, Error{certificate} (verification
    // failed and !config.insecure), Error{timeout}, Error{usage}/Error{no_input}/
    // Error{bad_input} for unusable settings (min version, CA file, client certificate).
    // When the server answered in cleartext (its first bytes are no TLS record), the
    // Error{tls} says so and *non_tls_reply (if not null) gets those first bytes.
    static std::unique_ptr<TlsSession> handshake(int fd, const TlsConfig& config, Deadline deadline,
                                                 TlsInfo* info,
                                                 std::string* non_tls_reply = nullptr);
    // Loads what config names (CA file, client certificate and key) without connecting.
    // Errors: those of handshake for unusable settings.
    static void check_config(const TlsConfig& config);
    ~TlsSession();
    TlsSession(const TlsSession&) = delete;
    TlsSession& operator=(const TlsSession&) = delete;

    // Reads up to n decrypted bytes, waiting until at least one arrives; 0 = the peer closed
    // the connection. Errors: Error{timeout}, Error{tls}.
    std::size_t read(char* out, std::size_t n, Deadline deadline);
    // As read, but returns nullopt instead of waiting when no application data has arrived
    // (a record with none, such as a TLS 1.3 session ticket, is consumed). For a relay that
    // polls the socket itself.
    std::optional<std::size_t> read_now(char* out, std::size_t n);
    // Writes all of data as one TLS record (or as few as its size needs).
    // Errors: Error{timeout}, Error{protocol} (peer closed), Error{tls}.
    void write(std::string_view data, Deadline deadline);
    // Decrypted bytes held inside OpenSSL that read() has not returned yet.
    std::size_t pending() const;

    struct State;

  private:
    // read and read_now: waits under *deadline, or returns nullopt when deadline is null.
    std::optional<std::size_t> read_some(char* out, std::size_t n, const Deadline* deadline);
    explicit TlsSession(std::unique_ptr<State> state);
    std::unique_ptr<State> state_;
};

}  // namespace smtpauth::net
