// Endpoint parsing: host, host:port, [IPv6]:port and bare IPv6 literals (RFC 3986 §3.2.2
// bracket form, RFC 1123 §2.1 host names, RFC 4291 §2.2 IPv6 text form).
#include <arpa/inet.h>

#include <algorithm>
#include <string>
#include <string_view>

#include "smtpauth/error.hpp"
#include "smtpauth/net/tcp.hpp"

namespace smtpauth::net {

namespace {

[[noreturn]] void fail(std::string_view text, const std::string& why) {
    throw Error(ErrorKind::usage, "invalid endpoint '" + std::string(text) + "': " + why);
}

// inet_pton reads a C string: an embedded NUL would hide what follows it, so such text is
// never an address.
bool is_ipv4(const std::string& s) {
    in_addr a{};
    return s.find('\0') == std::string::npos && inet_pton(AF_INET, s.c_str(), &a) == 1;
}

bool is_ipv6(const std::string& s) {
    in6_addr a{};
    return s.find('\0') == std::string::npos && inet_pton(AF_INET6, s.c_str(), &a) == 1;
}

// port = 1*5DIGIT with value 1..65535 (0 means "not given", so it cannot be typed).
std::uint16_t parse_port(std::string_view all, std::string_view p) {
    if (p.empty()) fail(all, "empty port after ':'");
    if (p.size() > 5) fail(all, "port out of range (1-65535)");
    unsigned value = 0;
    for (char c : p) {
        if (c < '0' || c > '9') fail(all, "port '" + std::string(p) + "' is not a number");
        value = value * 10 + static_cast<unsigned>(c - '0');
    }
    if (value == 0 || value > 65535) fail(all, "port out of range (1-65535)");
    return static_cast<std::uint16_t>(value);
}

// RFC 1123 host name: labels of letters, digits and '-' (not at either end), 1..63 octets,
// 253 octets in all, an optional final dot. '_' is tolerated because real mail hosts use it.
// A name made only of digits and dots must be a valid IPv4 address: getaddrinfo would
// otherwise read "1.2.3" or "0x7f.1" as an address through inet_aton.
void check_host_name(std::string_view all, std::string_view host) {
    if (host.empty()) fail(all, "empty host");
    std::string_view name = host;
    if (name.back() == '.') name.remove_suffix(1);
    if (name.empty() || name.size() > 253) fail(all, "host name length must be 1-253");
    bool all_numeric = true;
    std::size_t start = 0;
    while (start <= name.size()) {
        std::size_t dot = name.find('.', start);
        if (dot == std::string_view::npos) dot = name.size();
        std::string_view label = name.substr(start, dot - start);
        if (label.empty()) fail(all, "empty label in host name");
        if (label.size() > 63) fail(all, "host name label longer than 63 characters");
        if (label.front() == '-' || label.back() == '-')
            fail(all, "host name label starts or ends with '-'");
        for (char c : label) {
            auto u = static_cast<unsigned char>(c);
            if (u >= 0x80) fail(all, "non-ASCII host name (use its xn-- form)");
            bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '_';
            if (!ok) fail(all, "character not allowed in a host name");
            if (c < '0' || c > '9') all_numeric = false;
        }
        start = dot + 1;
    }
    if (all_numeric) fail(all, "not a valid IPv4 address");
}

}  // namespace

Endpoint parse_endpoint(std::string_view text) {
    Endpoint ep;
    if (text.empty()) fail(text, "empty host");
    if (text.front() == '[') {
        // IP-literal = "[" IPv6address "]" [ ":" port ]
        auto close = text.find(']');
        if (close == std::string_view::npos) fail(text, "missing ']' after IPv6 address");
        std::string addr(text.substr(1, close - 1));
        if (addr.empty()) fail(text, "empty host");
        if (!is_ipv6(addr)) fail(text, "'" + addr + "' is not an IPv6 address");
        std::string_view rest = text.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':') fail(text, "unexpected text after ']'");
            ep.port = parse_port(text, rest.substr(1));
        }
        ep.host = std::move(addr);
        ep.is_ip_literal = true;
        return ep;
    }
    auto colons = std::count(text.begin(), text.end(), ':');
    if (colons >= 2) {
        // A bare IPv6 literal cannot carry a port: "::1:25" would be ambiguous.
        std::string addr(text);
        if (!is_ipv6(addr))
            fail(text, "not an IPv6 address (write an address with a port as [addr]:port)");
        ep.host = std::move(addr);
        ep.is_ip_literal = true;
        return ep;
    }
    std::string_view host = text;
    if (colons == 1) {
        auto colon = text.find(':');
        host = text.substr(0, colon);
        ep.port = parse_port(text, text.substr(colon + 1));
    }
    if (host.empty()) fail(text, "empty host");
    std::string h(host);
    if (is_ipv4(h)) {
        ep.is_ip_literal = true;
    } else {
        check_host_name(text, host);
    }
    ep.host = std::move(h);
    return ep;
}

}  // namespace smtpauth::net
