// TCP connection under a deadline: getaddrinfo (RFC 3493), IPv4 and IPv6, every address tried
// in turn with a non-blocking connect, TCP_NODELAY so each command leaves in one segment.
#include "smtpauth/net/tcp.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "smtpauth/error.hpp"
#include "wait.hpp"

namespace smtpauth::net {

Socket& Socket::operator=(Socket&& o) noexcept {
    if (this != &o) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = o.release();
    }
    return *this;
}

Socket::~Socket() {
    if (fd_ >= 0) ::close(fd_);
}

namespace {

struct AddrinfoFree {
    void operator()(addrinfo* a) const noexcept { freeaddrinfo(a); }
};
using AddrinfoPtr = std::unique_ptr<addrinfo, AddrinfoFree>;

double ms_since(Clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

bool is_numeric_host(const std::string& host) {
    in_addr a4{};
    in6_addr a6{};
    return inet_pton(AF_INET, host.c_str(), &a4) == 1 ||
           inet_pton(AF_INET6, host.c_str(), &a6) == 1;
}

// getaddrinfo cannot be cancelled, so a name lookup runs on its own thread and the caller
// stops waiting at the deadline; whoever finishes last frees the result.
struct Lookup {
    std::mutex m;
    std::condition_variable cv;
    bool done = false;
    int rc = 0;
    int err = 0;  // errno of the lookup thread, for EAI_SYSTEM
    AddrinfoPtr result;
};

AddrinfoPtr resolve(const std::string& host, std::uint16_t port, AddressFamily family,
                    Deadline deadline) {
    addrinfo hints{};
    hints.ai_family = family == AddressFamily::ipv4   ? AF_INET
                      : family == AddressFamily::ipv6 ? AF_INET6
                                                      : AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_protocol = IPPROTO_TCP;
    // No AI_ADDRCONFIG: it hides ::1 on hosts whose only IPv6 address is loopback.
    hints.ai_flags = AI_NUMERICSERV;
    const bool numeric = is_numeric_host(host);
    if (numeric) hints.ai_flags |= AI_NUMERICHOST;
    const std::string service = std::to_string(port);
    const char* family_word = family == AddressFamily::ipv4   ? " (IPv4 only)"
                              : family == AddressFamily::ipv6 ? " (IPv6 only)"
                                                              : "";

    auto explain = [&](int rc, int err) -> Error {
        std::string why = rc == EAI_SYSTEM ? errno_text(err) : gai_strerror(rc);
        if (numeric && (rc == EAI_ADDRFAMILY || rc == EAI_NONAME || rc == EAI_FAMILY))
            why = "address is not of the requested family";
        return Error(ErrorKind::resolve,
                     "cannot resolve '" + host + "'" + family_word + ": " + why);
    };

    if (numeric) {
        addrinfo* res = nullptr;
        int rc = getaddrinfo(host.c_str(), service.c_str(), &hints, &res);
        if (rc != 0) throw explain(rc, errno);
        return AddrinfoPtr(res);
    }

    auto lookup = std::make_shared<Lookup>();
    std::thread worker([lookup, host, service, hints] {
        addrinfo* res = nullptr;
        int rc = getaddrinfo(host.c_str(), service.c_str(), &hints, &res);
        int err = errno;
        std::lock_guard lock(lookup->m);
        lookup->rc = rc;
        lookup->err = err;
        lookup->result.reset(res);
        lookup->done = true;
        lookup->cv.notify_all();
    });
    std::unique_lock lock(lookup->m);
    if (!lookup->cv.wait_until(lock, deadline.at(), [&] { return lookup->done; })) {
        // The thread keeps its own reference to the state and ends when the resolver gives
        // up; detached, it no longer holds up the caller.
        lock.unlock();
        worker.detach();
        throw Error(ErrorKind::timeout, "timed out resolving '" + host + "'");
    }
    lock.unlock();
    worker.join();  // it has finished its work: joining now leaves no thread behind
    if (lookup->rc != 0) throw explain(lookup->rc, lookup->err);
    return std::move(lookup->result);
}

std::string numeric_address(const sockaddr* sa, socklen_t len) {
    char host[NI_MAXHOST];
    if (getnameinfo(sa, len, host, sizeof host, nullptr, 0, NI_NUMERICHOST) != 0) return "?";
    return host;
}

void set_nonblocking(int fd) {
    int flags = fcntl(fd, F_GETFL, 0);
    if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
        throw Error(ErrorKind::internal, "fcntl(O_NONBLOCK) failed: " + errno_text(errno));
}

// One attempt; returns the connected socket or an empty one with *why set.
Socket try_connect(const addrinfo* ai, Deadline deadline, const std::string& address,
                   std::string* why) {
    Socket s(::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol));
    if (!s.valid()) {
        *why = errno_text(errno);
        return {};
    }
    set_nonblocking(s.get());
    int one = 1;
    ::setsockopt(s.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    int r;
    do {
        r = ::connect(s.get(), ai->ai_addr, ai->ai_addrlen);
    } while (r != 0 && errno == EINTR);
    if (r != 0 && errno != EINPROGRESS) {
        *why = errno_text(errno);
        return {};
    }
    if (r != 0) {
        wait_ready(s.get(), WaitFor::write, deadline, "connecting to " + address);
        int err = 0;
        socklen_t len = sizeof err;
        if (::getsockopt(s.get(), SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
        if (err != 0) {
            *why = errno_text(err);
            return {};
        }
    }
    return s;
}

}  // namespace

Connection connect_tcp(const std::string& host, std::uint16_t port, AddressFamily family,
                       Deadline deadline) {
    Connection c;
    c.port = port;
    const auto t0 = Clock::now();
    AddrinfoPtr list = resolve(host, port, family, deadline);
    c.resolve_ms = ms_since(t0);

    const auto t1 = Clock::now();
    std::string failures;
    for (const addrinfo* ai = list.get(); ai; ai = ai->ai_next) {
        if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6) continue;
        std::string address = numeric_address(ai->ai_addr, ai->ai_addrlen);
        if (deadline.expired())
            throw Error(ErrorKind::timeout, "timed out connecting to " + host + " port " +
                                                std::to_string(port) +
                                                (failures.empty() ? "" : " (" + failures + ")"));
        std::string why;
        Socket s = try_connect(ai, deadline, address, &why);
        if (s.valid()) {
            c.socket = std::move(s);
            c.address = address;
            c.connect_ms = ms_since(t1);
            return c;
        }
        if (!failures.empty()) failures += "; ";
        failures += address + ": " + why;
    }
    if (failures.empty())
        throw Error(ErrorKind::resolve, "cannot resolve '" + host + "': no usable address");
    throw Error(ErrorKind::connect,
                "cannot connect to " + host + " port " + std::to_string(port) + ": " + failures);
}

}  // namespace smtpauth::net
