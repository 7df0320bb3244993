// Fuzz target: endpoint parsing (net::parse_endpoint; RFC 3986 §3.2.2 IP-literal, RFC 1123
// host names, RFC 4291 §2.2 IPv6 text). Properties: only Error{usage} escapes; an accepted
// host is non-empty, has no byte that could reach a resolver or a terminal as something
// else (controls, NUL, '%' scope ids aside for IPv6), and printing the endpoint back in
// canonical form ("host:port" or "[v6]:port") parses to the same endpoint.
#include <arpa/inet.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_support.hpp"
#include "smtpauth/error.hpp"
#include "smtpauth/net/tcp.hpp"

namespace net = smtpauth::net;

namespace {

bool is_ipv6(const std::string& s) {
    in6_addr a{};
    return inet_pton(AF_INET6, s.c_str(), &a) == 1;
}

std::string canonical(const net::Endpoint& ep) {
    bool v6 = ep.host.find(':') != std::string::npos;
    std::string text = v6 ? "[" + ep.host + "]" : ep.host;
    if (ep.port != 0) text += ":" + std::to_string(ep.port);
    return text;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto text = fuzz::as_text(data, size);
    net::Endpoint ep;
    try {
        ep = net::parse_endpoint(text);
    } catch (const smtpauth::Error& e) {
        fuzz::require(e.kind() == smtpauth::ErrorKind::usage, "endpoint error is usage");
        return 0;
    }
    // KNOWN-DEFECTS.md K1: a NUL after an IP literal is accepted ("127.0.0.1\0x").
    fuzz::require(!ep.host.empty(), "accepted host is non-empty");
    for (char c : ep.host) {
        auto u = static_cast<unsigned char>(c);
        fuzz::require(u > 0x20 && u < 0x7f, "accepted host is printable ASCII");
    }
    if (ep.host.find(':') != std::string::npos)
        fuzz::require(ep.is_ip_literal && is_ipv6(ep.host), "a host with ':' is an IPv6 literal");
    fuzz::require(text.find(ep.host) != std::string_view::npos, "host comes from the input");
    try {
        auto again = net::parse_endpoint(canonical(ep));
        fuzz::require(again.host == ep.host && again.port == ep.port &&
                          again.is_ip_literal == ep.is_ip_literal,
                      "canonical form parses to the same endpoint");
    } catch (const smtpauth::Error&) {
        fuzz::fail("canonical form of an accepted endpoint is accepted");
    }
    return 0;
}
