// Probe targets: host[:port] or mail URLs, and the port/protocol/TLS pairing of RFC 8314 §3.
#include <array>

#include "smtpauth/error.hpp"
#include "smtpauth/net/tcp.hpp"
#include "smtpauth/probe.hpp"

namespace smtpauth::probe {

namespace {

struct Scheme {
    std::string_view name;
    Protocol protocol;
    TlsMode tls;
};

constexpr std::array<Scheme, 6> kSchemes{{
    {"smtp", Protocol::smtp, TlsMode::starttls},
    {"smtps", Protocol::smtp, TlsMode::implicit},
    {"imap", Protocol::imap, TlsMode::starttls},
    {"imaps", Protocol::imap, TlsMode::implicit},
    {"pop3", Protocol::pop3, TlsMode::starttls},
    {"pop3s", Protocol::pop3, TlsMode::implicit},
}};

struct PortPairing {
    std::uint16_t port;
    Protocol protocol;
    TlsMode tls;
};

// RFC 8314 §3.3 and the ports in common use.
constexpr std::array<PortPairing, 7> kPorts{{
    {25, Protocol::smtp, TlsMode::starttls},
    {587, Protocol::smtp, TlsMode::starttls},
    {465, Protocol::smtp, TlsMode::implicit},
    {143, Protocol::imap, TlsMode::starttls},
    {993, Protocol::imap, TlsMode::implicit},
    {110, Protocol::pop3, TlsMode::starttls},
    {995, Protocol::pop3, TlsMode::implicit},
}};

std::uint16_t default_port(Protocol p, TlsMode tls) {
    bool implicit = tls == TlsMode::implicit;
    switch (p) {
        case Protocol::smtp:
            return implicit ? 465 : 587;
        case Protocol::imap:
            return implicit ? 993 : 143;
        case Protocol::pop3:
            return implicit ? 995 : 110;
    }
    return 587;
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    return out;
}

[[noreturn]] void bad(std::string_view input, const std::string& why) {
    throw Error(ErrorKind::usage, "invalid target '" + std::string(input) + "': " + why);
}

}  // namespace

std::string_view tls_mode_name(TlsMode m) noexcept {
    switch (m) {
        case TlsMode::implicit:
            return "implicit";
        case TlsMode::starttls:
            return "starttls";
        case TlsMode::none:
            return "none";
    }
    return "starttls";
}

std::optional<Protocol> parse_protocol(std::string_view name) {
    std::string n = lower(name);
    if (n == "smtp") return Protocol::smtp;
    if (n == "imap") return Protocol::imap;
    if (n == "pop3") return Protocol::pop3;
    return std::nullopt;
}

std::optional<TlsMode> parse_tls_mode(std::string_view name) {
    std::string n = lower(name);
    if (n == "implicit") return TlsMode::implicit;
    if (n == "starttls") return TlsMode::starttls;
    if (n == "none") return TlsMode::none;
    return std::nullopt;
}

Target parse_target(std::string_view input, std::optional<Protocol> protocol,
                    std::optional<TlsMode> tls) {
    if (input.empty()) bad(input, "empty");
    std::string_view authority = input;
    const Scheme* scheme = nullptr;
    if (auto sep = input.find("://"); sep != std::string_view::npos) {
        std::string name = lower(input.substr(0, sep));
        for (const auto& s : kSchemes)
            if (s.name == name) scheme = &s;
        if (!scheme)
            bad(input, "unknown scheme '" + name +
                           "' (smtp, smtps, imap, imaps, pop3 and pop3s are known)");
        authority = input.substr(sep + 3);
        if (!authority.empty() && authority.back() == '/') authority.remove_suffix(1);
        if (authority.find_first_of("/?#") != std::string_view::npos)
            bad(input, "a path, query or fragment has no meaning here");
        if (authority.find('@') != std::string_view::npos)
            bad(input, "credentials do not belong in the target (use --user)");
    }
    if (scheme && protocol && *protocol != scheme->protocol)
        bad(input, "--protocol " + std::string(mail::protocol_name(*protocol)) +
                       " contradicts the scheme " + std::string(scheme->name) + "://");

    net::Endpoint ep = net::parse_endpoint(authority);
    Target t;
    t.input = std::string(input);
    t.host = ep.host;
    t.host_is_ip = ep.is_ip_literal;

    const PortPairing* pairing = nullptr;
    for (const auto& p : kPorts)
        if (p.port == ep.port) pairing = &p;

    if (protocol)
        t.protocol = *protocol;
    else if (scheme)
        t.protocol = scheme->protocol;
    else if (pairing)
        t.protocol = pairing->protocol;
    else
        t.protocol = Protocol::smtp;

    if (tls)
        t.tls = *tls;
    else if (scheme)
        t.tls = scheme->tls;
    else if (pairing && pairing->protocol == t.protocol)
        t.tls = pairing->tls;
    else
        t.tls = TlsMode::starttls;

    t.port = ep.port != 0 ? ep.port : default_port(t.protocol, t.tls);
    return t;
}

}  // namespace smtpauth::probe
