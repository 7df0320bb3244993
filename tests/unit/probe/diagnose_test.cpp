// Failure diagnosis: who sent the first bytes, the corrected target, the short greeting wait,
// and the advice added to errors that need no network (certificate, foreign greeting).
#include <doctest/doctest.h>

#include <string>

#include "probe/diagnose.hpp"
#include "smtpauth/error.hpp"

using namespace smtpauth;
using namespace smtpauth::probe;

namespace {
bool has(const std::string& s, std::string_view part) {
    return s.find(part) != std::string::npos;
}
}  // namespace

TEST_CASE("diagnose: the first bytes name the speaker") {
    CHECK(recognise_speaker("220 mx.example ESMTP Postfix\r\n") == Speaker::smtp);
    CHECK(recognise_speaker("220-mx.example ESMTP") == Speaker::smtp);
    CHECK(recognise_speaker("554 5.7.1 no service") == Speaker::smtp);
    CHECK(recognise_speaker("* OK [CAPABILITY IMAP4rev1] ready") == Speaker::imap);
    CHECK(recognise_speaker("* PREAUTH welcome") == Speaker::imap);
    CHECK(recognise_speaker("* BYE too many connections") == Speaker::imap);
    CHECK(recognise_speaker("+OK POP3 ready") == Speaker::pop3);
    CHECK(recognise_speaker("-ERR go away") == Speaker::pop3);
    CHECK(recognise_speaker("HTTP/1.1 400 Bad Request") == Speaker::http);
    CHECK(recognise_speaker("SSH-2.0-OpenSSH_9.2p1 Debian-2") == Speaker::ssh);
    CHECK(recognise_speaker(std::string("\x15\x03\x03\x00\x02\x02\x46", 7)) == Speaker::tls);
    CHECK(recognise_speaker(std::string("\x16\x03\x01", 3)) == Speaker::tls);
    CHECK(recognise_speaker("") == Speaker::unknown);
    CHECK(recognise_speaker("hello") == Speaker::unknown);
    CHECK(recognise_speaker("220") == Speaker::unknown);
    CHECK(recognise_speaker("999 nine") == Speaker::unknown);
    CHECK(recognise_speaker("* NO") == Speaker::unknown);
}

TEST_CASE("diagnose: suggested targets keep host and port, with brackets for IPv6") {
    Target t = parse_target("mail.example:2525");
    CHECK(suggest_url(t, Protocol::imap, TlsMode::starttls, 2525) == "imap://mail.example:2525");
    CHECK(suggest_url(t, Protocol::smtp, TlsMode::implicit, 465) == "smtps://mail.example:465");
    CHECK(suggest_url(t, Protocol::pop3, TlsMode::implicit, 995) == "pop3s://mail.example:995");
    Target v6 = parse_target("[::1]:993");
    CHECK(suggest_url(v6, Protocol::imap, TlsMode::implicit, 993) == "imaps://[::1]:993");
}

TEST_CASE("diagnose: a short greeting wait only where silence means a wrong target") {
    CHECK(short_greeting_wait(parse_target("smtp://h:465")).has_value());
    CHECK(short_greeting_wait(parse_target("imap://h:993")).has_value());
    CHECK(short_greeting_wait(parse_target("pop3://h:995")).has_value());
    CHECK(short_greeting_wait(parse_target("h:8080")).has_value());
    CHECK(*short_greeting_wait(parse_target("smtp://h:465")) <= std::chrono::seconds(5));
    // Implicit TLS on its own port: the server talks after the handshake, as it should.
    CHECK_FALSE(short_greeting_wait(parse_target("h:465")).has_value());
    CHECK_FALSE(short_greeting_wait(parse_target("smtps://h:465")).has_value());
    // Submission and MX ports: a delayed greeting is a legitimate anti-spam measure.
    CHECK_FALSE(short_greeting_wait(parse_target("h:587")).has_value());
    CHECK_FALSE(short_greeting_wait(parse_target("h:25")).has_value());
    CHECK_FALSE(short_greeting_wait(parse_target("h:2525")).has_value());
}

TEST_CASE("diagnose: an untrusted certificate names --cafile, --insecure and the openssl command") {
    FailureContext c;
    c.target = parse_target("mail.example:587");
    c.stage = Stage::tls;
    Error e = explain_failure(Error(ErrorKind::certificate, "certificate verify failed: x"), c);
    CHECK(e.kind() == ErrorKind::certificate);
    std::string m = e.what();
    CHECK(has(m, "certificate verify failed: x; "));
    CHECK(has(m, "--cafile FILE"));
    CHECK(has(m, "--cacert"));
    CHECK(has(m, "--insecure"));
    CHECK(has(m,
              "openssl s_client -showcerts -connect mail.example:587 -starttls smtp "
              "-servername mail.example"));

    c.target = parse_target("imaps://[::1]:9993");
    m = explain_failure(Error(ErrorKind::certificate, "certificate verify failed: x"), c).what();
    CHECK(has(m, "-connect [::1]:9993 </dev/null"));  // implicit TLS, IP: no -starttls/-servername
    c.target = parse_target("pop3://127.0.0.1:1110");
    m = explain_failure(Error(ErrorKind::certificate, "certificate verify failed: x"), c).what();
    CHECK(has(m, "-connect 127.0.0.1:1110 -starttls pop3 </dev/null"));
}

TEST_CASE("diagnose: another protocol's greeting is named with the target to use") {
    FailureContext c;
    c.target = parse_target("smtp://127.0.0.1:2143");
    c.stage = Stage::greeting;
    c.server_spoke = true;
    c.last_server_line = "* OK [CAPABILITY IMAP4rev1] Dovecot ready.";
    Error in(ErrorKind::protocol, "protocol error in greeting: invalid reply code");
    Error e = explain_failure(in, c);
    CHECK(e.kind() == ErrorKind::protocol);
    CHECK(std::string(e.what()) ==
          "the server greeted with \"* OK [CAPABILITY IMAP4rev1] Dovecot ready.\", an IMAP "
          "greeting, not an SMTP greeting; to probe it as IMAP use imap://127.0.0.1:2143");

    c.target = parse_target("imaps://127.0.0.1:2465");
    c.last_server_line = "220 mx ESMTP";
    CHECK(std::string(explain_failure(in, c).what()) ==
          "the server greeted with \"220 mx ESMTP\", an SMTP greeting, not an IMAP greeting; to "
          "probe it as SMTP use smtps://127.0.0.1:2465");

    c.target = parse_target("smtp://127.0.0.1:2222");
    c.last_server_line = "SSH-2.0-OpenSSH_9.2p1";
    CHECK(std::string(explain_failure(in, c).what()) ==
          "the server greeted with \"SSH-2.0-OpenSSH_9.2p1\", an SSH server, not an SMTP "
          "greeting; it is not a mail server (check the port)");

    // The right protocol with a broken greeting keeps the parser's own message.
    c.last_server_line = "220";
    CHECK(std::string(explain_failure(in, c).what()) == in.what());
}

TEST_CASE("diagnose: other failures pass through unchanged") {
    FailureContext c;
    c.target = parse_target("h:587");
    c.stage = Stage::auth;
    Error e = explain_failure(Error(ErrorKind::protocol, "AUTH PLAIN failed: x"), c);
    CHECK(e.kind() == ErrorKind::protocol);
    CHECK(std::string(e.what()) == "AUTH PLAIN failed: x");
}
