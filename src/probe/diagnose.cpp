// Failure diagnosis for the probe: the server named from its first bytes (RFC 5321 §4.2 reply
// codes, RFC 3501 §7.1 untagged OK/PREAUTH/BYE, RFC 1939 §3 +OK/-ERR, RFC 9112 §4 status line,
// RFC 4253 §4.2 identification string, RFC 8446 §5.1 record header), implicit TLS vs STARTTLS
// (RFC 8314 §3), and advice that names the corrected target or the option to use.
#include "probe/diagnose.hpp"

#include <array>
#include <cstdio>

#include "net/tls_mismatch.hpp"
#include "smtpauth/codec.hpp"
#include "smtpauth/mail/dialect.hpp"

namespace smtpauth::probe {

namespace {

bool starts_with(std::string_view s, std::string_view prefix) {
    return s.substr(0, prefix.size()) == prefix;
}

std::string upper(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
    return out;
}

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

constexpr std::array<std::uint16_t, 3> kImplicitTlsPorts{465, 993, 995};
constexpr std::array<std::uint16_t, 5> kHttpPorts{80, 443, 8000, 8080, 8443};
constexpr std::chrono::milliseconds kShortGreetingWait{3000};
constexpr std::chrono::milliseconds kPokeWait{3000};

template <std::size_t N>
bool in(const std::array<std::uint16_t, N>& ports, std::uint16_t port) {
    for (auto p : ports)
        if (p == port) return true;
    return false;
}

std::string_view scheme_of(Protocol p, TlsMode tls) {
    bool s = tls == TlsMode::implicit;
    switch (p) {
        case Protocol::smtp:
            return s ? "smtps" : "smtp";
        case Protocol::imap:
            return s ? "imaps" : "imap";
        case Protocol::pop3:
            return s ? "pop3s" : "pop3";
    }
    return "smtp";
}

std::optional<Protocol> mail_protocol(Speaker s) {
    switch (s) {
        case Speaker::smtp:
            return Protocol::smtp;
        case Speaker::imap:
            return Protocol::imap;
        case Speaker::pop3:
            return Protocol::pop3;
        default:
            return std::nullopt;
    }
}

// The first line of what the server sent, escaped and cut for one line of output.
std::string quote(std::string_view bytes) {
    std::string_view line = bytes.substr(0, bytes.find_first_of("\r\n"));
    if (line.size() > 80) line = line.substr(0, 80);
    // Appended, not `"\"" + ...`: GCC 12 at -O3 reports a false -Wrestrict there.
    std::string quoted(1, '"');
    quoted += codec::escape_for_display(line);
    quoted += '"';
    return quoted;
}

std::string seconds(std::chrono::milliseconds d) {
    if (d.count() % 1000 == 0) return std::to_string(d.count() / 1000) + " s";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f s", static_cast<double>(d.count()) / 1000.0);
    return buf;
}

// The name the openssl command line wants for -starttls.
std::string_view starttls_name(Protocol p) {
    switch (p) {
        case Protocol::smtp:
            return "smtp";
        case Protocol::imap:
            return "imap";
        case Protocol::pop3:
            return "pop3";
    }
    return "smtp";
}

std::string host_port(const Target& t) {
    bool v6 = t.host.find(':') != std::string::npos;
    return (v6 ? "[" + t.host + "]" : t.host) + ":" + std::to_string(t.port);
}

std::string certificate_advice(const Target& t) {
    std::string fetch = "openssl s_client -showcerts -connect " + host_port(t);
    if (t.tls == TlsMode::starttls) fetch += " -starttls " + std::string(starttls_name(t.protocol));
    if (!t.host_is_ip) fetch += " -servername " + t.host;
    return "; to trust it, pass the CA certificate that issued it with --cafile FILE (alias "
           "--cacert); to see the chain the server sends: " +
           fetch +
           " </dev/null; or, to look without trusting it, --insecure (never with a real "
           "password)";
}

// A TLS target answered in cleartext: the server speaks first, so it wants STARTTLS (or no
// TLS at all), or it is another service.
Error cleartext_for_tls(const Target& t, std::string_view reply) {
    Speaker who = recognise_speaker(reply);
    std::string msg = "TLS handshake failed: the server speaks cleartext first (it sent " +
                      quote(reply) + " where a TLS handshake was expected), so port " +
                      std::to_string(t.port) + " does not use implicit TLS";
    if (auto p = mail_protocol(who)) {
        msg += "; for " + std::string(speaker_name(who)) + " with STARTTLS use " +
               suggest_url(t, *p, TlsMode::starttls, t.port);
        if (*p == Protocol::smtp && t.protocol == Protocol::smtp && t.port != 587 && t.port != 25)
            msg += " (the usual STARTTLS submission port is 587)";
    } else if (who != Speaker::unknown) {
        msg += "; it is " + std::string(speaker_name(who)) + ", not a mail server";
    }
    return Error(ErrorKind::tls, msg);
}

// The greeting is another protocol's (or not a mail protocol at all).
std::optional<Error> foreign_greeting(const Target& t, std::string_view line) {
    Speaker who = recognise_speaker(line);
    if (who == Speaker::unknown || who == Speaker::tls) return std::nullopt;
    auto p = mail_protocol(who);
    if (p && *p == t.protocol) return std::nullopt;
    std::string what = p ? std::string(who == Speaker::pop3 ? "a " : "an ") +
                               std::string(speaker_name(who)) + " greeting"
                         : std::string(speaker_name(who));
    std::string expected = upper(mail::protocol_name(t.protocol));
    std::string msg = "the server greeted with " + quote(line) + ", " + what + ", not " +
                      (t.protocol == Protocol::pop3 ? "a " : "an ") + expected + " greeting";
    if (p)
        msg += "; to probe it as " + std::string(speaker_name(who)) + " use " +
               suggest_url(t, *p, t.tls, t.port);
    else
        msg += "; it is not a mail server (check the port)";
    return Error(ErrorKind::protocol, msg);
}

// No greeting: the server may wait for the client (implicit TLS, HTTP). Start a TLS
// handshake on the same connection and judge by the answer.
Error silent_server(const Error& e, const FailureContext& c) {
    const Target& t = c.target;
    const std::string head = "no greeting within " + seconds(c.greeting_wait);
    const std::string port = std::to_string(t.port);
    const std::string implicit_url = suggest_url(t, t.protocol, TlsMode::implicit, t.port);
    std::string answer;
    bool closed = false;
    if (c.channel && !c.channel->is_tls() && c.tls) {
        net::TlsConfig config = *c.tls;
        config.insecure = true;  // any certificate proves that TLS is spoken here
        config.context.reset();  // a shared context would still verify the certificate
        auto wait = net::Deadline::earliest(c.deadline, net::Deadline::after(kPokeWait));
        try {
            c.channel->start_tls(config, wait);
            return Error(ErrorKind::tls, head + ", but a TLS handshake succeeded: port " + port +
                                             " speaks implicit TLS; use " + implicit_url);
        } catch (const Error& pe) {
            answer = std::string(c.channel->non_tls_reply());
            closed = pe.kind() == ErrorKind::tls && answer.empty();
        }
    }
    Speaker who = recognise_speaker(answer);
    if (who == Speaker::http)
        return Error(ErrorKind::protocol, head + ", and a TLS handshake was answered with " +
                                              quote(answer) +
                                              ": this is an HTTP server, not a mail server "
                                              "(check the port)");
    if (who == Speaker::ssh)
        return Error(ErrorKind::protocol, head + ", then " + quote(answer) +
                                              ": this is an SSH server, not a mail server");
    if (auto p = mail_protocol(who))
        return Error(e.kind(), std::string(e.what()) + " (" + head + "; the server answered " +
                                   quote(answer) + " only after the client spoke: " +
                                   std::string(speaker_name(who)) +
                                   " with a delayed greeting; a longer --timeout may help)");
    std::string msg = std::string(e.what()) + " (" + head + ")";
    if (c.channel && c.channel->is_tls())
        msg +=
            ": the server says nothing after the TLS handshake; it may speak a client-first "
            "protocol such as HTTPS (check the port)";
    else if (in(kImplicitTlsPorts, t.port))
        msg += ": port " + port +
               " is the implicit-TLS port, where the server waits for the TLS handshake; use " +
               implicit_url;
    else if (closed)
        msg +=
            ", and the server closed the connection at a TLS handshake: it may expect TLS "
            "first (" +
            implicit_url + ") or not be a mail server";
    else
        msg += ": the server may expect TLS first (" + implicit_url +
               ") or speak a client-first protocol such as HTTP";
    return Error(e.kind(), msg);
}

}  // namespace

Speaker recognise_speaker(std::string_view b) noexcept {
    if (b.empty()) return Speaker::unknown;
    if (net::looks_like_tls_record(b)) return Speaker::tls;
    if (starts_with(b, "* OK") || starts_with(b, "* PREAUTH") || starts_with(b, "* BYE"))
        return Speaker::imap;
    if (starts_with(b, "+OK") || starts_with(b, "-ERR")) return Speaker::pop3;
    if (starts_with(b, "HTTP/")) return Speaker::http;
    if (starts_with(b, "SSH-")) return Speaker::ssh;
    // RFC 5321 §4.2: Reply-code = %x32-35 %x30-35 %x30-39, then SP or "-".
    if (b.size() >= 4 && b[0] >= '2' && b[0] <= '5' && is_digit(b[1]) && is_digit(b[2]) &&
        (b[3] == ' ' || b[3] == '-' || b[3] == '\r'))
        return Speaker::smtp;
    return Speaker::unknown;
}

std::string_view speaker_name(Speaker s) noexcept {
    switch (s) {
        case Speaker::smtp:
            return "SMTP";
        case Speaker::imap:
            return "IMAP";
        case Speaker::pop3:
            return "POP3";
        case Speaker::http:
            return "an HTTP server";
        case Speaker::ssh:
            return "an SSH server";
        case Speaker::tls:
            return "TLS";
        case Speaker::unknown:
            break;
    }
    return "unknown";
}

std::string suggest_url(const Target& t, Protocol p, TlsMode tls, std::uint16_t port) {
    bool v6 = t.host.find(':') != std::string::npos;
    return std::string(scheme_of(p, tls)) + "://" + (v6 ? "[" + t.host + "]" : t.host) + ":" +
           std::to_string(port);
}

std::optional<std::chrono::milliseconds> short_greeting_wait(const Target& t) {
    if (t.tls != TlsMode::implicit && in(kImplicitTlsPorts, t.port)) return kShortGreetingWait;
    if (in(kHttpPorts, t.port)) return kShortGreetingWait;
    return std::nullopt;
}

Error explain_failure(const Error& e, const FailureContext& c) {
    const Target& t = c.target;
    if (e.kind() == ErrorKind::certificate)
        return Error(e.kind(), std::string(e.what()) + certificate_advice(t));
    if (c.stage == Stage::tls && t.tls == TlsMode::implicit && c.channel &&
        !c.channel->non_tls_reply().empty())
        return cleartext_for_tls(t, c.channel->non_tls_reply());
    if (c.stage == Stage::greeting && c.server_spoke && e.kind() == ErrorKind::protocol)
        if (auto better = foreign_greeting(t, c.last_server_line)) return *better;
    if (c.stage == Stage::greeting && !c.server_spoke && e.kind() == ErrorKind::timeout)
        return silent_server(e, c);
    return e;
}

}  // namespace smtpauth::probe
