// Probe targets: every scheme and port pairing (RFC 8314 §3.3), IPv6 literals, errors.
#include <doctest/doctest.h>

#include "smtpauth/error.hpp"
#include "smtpauth/probe.hpp"

using namespace smtpauth;
using namespace smtpauth::probe;

namespace {
void check(const Target& t, std::string host, int port, Protocol p, TlsMode m) {
    CHECK(t.host == host);
    CHECK(t.port == port);
    CHECK(t.protocol == p);
    CHECK(t.tls == m);
}
ErrorKind kind_of(std::string_view input, std::optional<Protocol> p = std::nullopt,
                  std::optional<TlsMode> m = std::nullopt) {
    try {
        parse_target(input, p, m);
    } catch (const Error& e) {
        return e.kind();
    }
    return ErrorKind::mismatch;
}
}  // namespace

TEST_CASE("target: bare host is SMTP submission with STARTTLS") {
    auto t = parse_target("mail.example.com");
    check(t, "mail.example.com", 587, Protocol::smtp, TlsMode::starttls);
    CHECK(t.input == "mail.example.com");
    CHECK_FALSE(t.host_is_ip);
}

TEST_CASE("target: a port without a scheme implies the usual pairing") {
    check(parse_target("h:25"), "h", 25, Protocol::smtp, TlsMode::starttls);
    check(parse_target("h:587"), "h", 587, Protocol::smtp, TlsMode::starttls);
    check(parse_target("h:465"), "h", 465, Protocol::smtp, TlsMode::implicit);
    check(parse_target("h:143"), "h", 143, Protocol::imap, TlsMode::starttls);
    check(parse_target("h:993"), "h", 993, Protocol::imap, TlsMode::implicit);
    check(parse_target("h:110"), "h", 110, Protocol::pop3, TlsMode::starttls);
    check(parse_target("h:995"), "h", 995, Protocol::pop3, TlsMode::implicit);
    check(parse_target("h:2525"), "h", 2525, Protocol::smtp, TlsMode::starttls);
}

TEST_CASE("target: URL schemes with and without ports") {
    check(parse_target("smtp://h"), "h", 587, Protocol::smtp, TlsMode::starttls);
    check(parse_target("smtps://h"), "h", 465, Protocol::smtp, TlsMode::implicit);
    check(parse_target("imap://h"), "h", 143, Protocol::imap, TlsMode::starttls);
    check(parse_target("imaps://h"), "h", 993, Protocol::imap, TlsMode::implicit);
    check(parse_target("pop3://h"), "h", 110, Protocol::pop3, TlsMode::starttls);
    check(parse_target("pop3s://h"), "h", 995, Protocol::pop3, TlsMode::implicit);
    check(parse_target("smtp://h:25"), "h", 25, Protocol::smtp, TlsMode::starttls);
    check(parse_target("IMAPS://h:10993/"), "h", 10993, Protocol::imap, TlsMode::implicit);
    // The scheme decides, not the port: imap:// on 993 still means STARTTLS.
    check(parse_target("imap://h:993"), "h", 993, Protocol::imap, TlsMode::starttls);
}

TEST_CASE("target: IPv6 and IPv4 literals") {
    auto t = parse_target("[::1]:10465");
    check(t, "::1", 10465, Protocol::smtp, TlsMode::starttls);
    CHECK(t.host_is_ip);
    check(parse_target("imaps://[::1]:10993"), "::1", 10993, Protocol::imap, TlsMode::implicit);
    check(parse_target("[2001:db8::25]"), "2001:db8::25", 587, Protocol::smtp, TlsMode::starttls);
    auto v4 = parse_target("127.0.0.1:993");
    check(v4, "127.0.0.1", 993, Protocol::imap, TlsMode::implicit);
    CHECK(v4.host_is_ip);
}

TEST_CASE("target: --protocol and --tls override") {
    check(parse_target("h", Protocol::imap), "h", 143, Protocol::imap, TlsMode::starttls);
    check(parse_target("h", Protocol::imap, TlsMode::implicit), "h", 993, Protocol::imap,
          TlsMode::implicit);
    check(parse_target("h", Protocol::pop3, TlsMode::implicit), "h", 995, Protocol::pop3,
          TlsMode::implicit);
    check(parse_target("h:2000", Protocol::pop3), "h", 2000, Protocol::pop3, TlsMode::starttls);
    // A port from another protocol's pairing does not impose its TLS mode.
    check(parse_target("h:993", Protocol::pop3), "h", 993, Protocol::pop3, TlsMode::starttls);
    check(parse_target("h:465", std::nullopt, TlsMode::none), "h", 465, Protocol::smtp,
          TlsMode::none);
    check(parse_target("smtp://h", std::nullopt, TlsMode::none), "h", 587, Protocol::smtp,
          TlsMode::none);
    check(parse_target("smtps://h", Protocol::smtp), "h", 465, Protocol::smtp, TlsMode::implicit);
}

TEST_CASE("target: errors are usage errors") {
    CHECK(kind_of("") == ErrorKind::usage);
    CHECK(kind_of("ftp://h") == ErrorKind::usage);
    CHECK(kind_of("smtp://user@h") == ErrorKind::usage);
    CHECK(kind_of("smtp://h/path") == ErrorKind::usage);
    CHECK(kind_of("smtp://h?x") == ErrorKind::usage);
    CHECK(kind_of("imap://h", Protocol::smtp) == ErrorKind::usage);
    CHECK(kind_of("h:99999") == ErrorKind::usage);
    CHECK(kind_of("h:") == ErrorKind::usage);
    CHECK(kind_of("[::1") == ErrorKind::usage);
    CHECK(kind_of("smtp://") == ErrorKind::usage);
}

TEST_CASE("target: names of modes and protocols") {
    CHECK(parse_protocol("IMAP") == Protocol::imap);
    CHECK_FALSE(parse_protocol("nntp"));
    CHECK(parse_tls_mode("StartTLS") == TlsMode::starttls);
    CHECK_FALSE(parse_tls_mode("opportunistic"));
    CHECK(tls_mode_name(TlsMode::implicit) == "implicit");
    CHECK(stage_name(Stage::starttls) == "starttls");
}
