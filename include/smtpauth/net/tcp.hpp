// Endpoint parsing and TCP connection with a deadline, IPv4 and IPv6 (getaddrinfo).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "smtpauth/net/deadline.hpp"

namespace smtpauth::net {

enum class AddressFamily { any, ipv4, ipv6 };

struct Endpoint {
    std::string host;         // without brackets for IPv6 literals
    std::uint16_t port = 0;   // 0 = not given
    bool is_ip_literal = false;
};

// Parses "host", "host:port", "[v6addr]", "[v6addr]:port", "1.2.3.4:port" and a bare IPv6
// literal ("::1"). Throws Error{usage} with the reason on anything else (empty host, port
// out of range, junk after "]", a host with characters no DNS name or address has).
Endpoint parse_endpoint(std::string_view text);

// An owned socket descriptor (closed on destruction).
class Socket {
public:
    Socket() = default;
    explicit Socket(int fd) : fd_(fd) {}
    Socket(Socket&& o) noexcept : fd_(o.release()) {}
    Socket& operator=(Socket&& o) noexcept;
    Socket(const Socket&) = delete;
    Socket& operator=(const Socket&) = delete;
    ~Socket();
    int get() const { return fd_; }
    int release() { int f = fd_; fd_ = -1; return f; }
    bool valid() const { return fd_ >= 0; }

private:
    int fd_ = -1;
};

struct Connection {
    Socket socket;               // connected, non-blocking, TCP_NODELAY set
    std::string address;         // numeric address used, e.g. "127.0.0.1" or "::1"
    std::uint16_t port = 0;
    double resolve_ms = 0;
    double connect_ms = 0;
};

// Resolves host (getaddrinfo, numeric hosts without DNS) and tries each address in turn
// until one connects, all under `deadline`.
// Errors: Error{resolve} (no such host / no address of the wanted family),
//         Error{connect} (every address refused or unreachable; message lists them),
//         Error{timeout} (deadline passed).
Connection connect_tcp(const std::string& host, std::uint16_t port, AddressFamily family,
                       Deadline deadline);

}  // namespace smtpauth::net
