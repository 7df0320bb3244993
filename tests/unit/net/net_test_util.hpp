// Helpers shared by the net unit tests: catching smtpauth::Error, connecting a channel.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "smtpauth/error.hpp"
#include "smtpauth/net/line_channel.hpp"
#include "smtpauth/net/tcp.hpp"

namespace smtpauth::test {

struct Caught {
    ErrorKind kind = ErrorKind::internal;
    std::string message;
};

// Runs f and returns the smtpauth::Error it threw, or nullopt if it returned normally.
template <typename F>
std::optional<Caught> catch_error(F&& f) {
    try {
        std::forward<F>(f)();
    } catch (const Error& e) {
        return Caught{e.kind(), e.what()};
    }
    return std::nullopt;
}

inline std::unique_ptr<net::LineChannel> open_channel(std::uint16_t port,
                                                      Transcript* transcript = nullptr,
                                                      net::LineLimits limits = {},
                                                      const std::string& host = "127.0.0.1") {
    auto c = net::connect_tcp(host, port, net::AddressFamily::any,
                              net::Deadline::after(std::chrono::seconds(5)));
    return std::make_unique<net::LineChannel>(std::move(c.socket), limits, transcript);
}

inline net::Deadline seconds(int n) {
    return net::Deadline::after(std::chrono::seconds(n));
}

}  // namespace smtpauth::test
