// IMAP (RFC 3501 §7, RFC 4959) and POP3 (RFC 1939, RFC 2449, RFC 5034) response parsing.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "smtpauth/error.hpp"
#include "smtpauth/mail/imap_response.hpp"
#include "smtpauth/mail/pop3_response.hpp"

using namespace smtpauth;
using namespace smtpauth::mail;
using T = ImapResponse::Type;

TEST_CASE("imap: greeting forms and response codes") {
    auto g = parse_imap_line("* OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN] Dovecot ready.",
                             "greeting");
    CHECK(g.type == T::untagged);
    CHECK(g.status == "OK");
    CHECK(g.code == "CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN");
    CHECK(g.text == "Dovecot ready.");
    CHECK(capability_code_atoms(g.code) == "IMAP4rev1 SASL-IR AUTH=PLAIN");
    CHECK(capability_code_atoms("ALERT") == "");

    auto p = parse_imap_line("* PREAUTH [CAPABILITY IMAP4rev1] IMAP server ready.", "greeting");
    CHECK(p.status == "PREAUTH");
    auto b = parse_imap_line("* bye going away", "greeting");
    CHECK(b.status == "BYE");
    CHECK(b.text == "going away");
}

TEST_CASE("imap: tagged, untagged data, continuations") {
    auto t = parse_imap_line("A3 NO [AUTHENTICATIONFAILED] Authentication failed.", "AUTH");
    CHECK(t.type == T::tagged);
    CHECK(t.tag == "A3");
    CHECK(t.status == "NO");
    CHECK(t.code == "AUTHENTICATIONFAILED");
    auto c = parse_imap_line("* CAPABILITY IMAP4rev1 STARTTLS AUTH=PLAIN", "CAPABILITY");
    CHECK(c.status == "CAPABILITY");
    CHECK(c.text == "IMAP4rev1 STARTTLS AUTH=PLAIN");
    auto e = parse_imap_line("* 3 EXISTS", "x");
    CHECK(e.status == "3");
    auto k = parse_imap_line("+ eyJzdGF0dXMiOiI0MDEifQ==", "AUTH");
    CHECK(k.type == T::continuation);
    CHECK(k.text == "eyJzdGF0dXMiOiI0MDEifQ==");
    CHECK(parse_imap_line("+", "AUTH").text == "");
    CHECK(parse_imap_line("+ ", "AUTH").text == "");
}

TEST_CASE("imap: broken lines are protocol errors") {
    CHECK_THROWS_AS(parse_imap_line("", "greeting"), Error);
    CHECK_THROWS_AS(parse_imap_line("A1", "CAPABILITY"), Error);
    CHECK_THROWS_AS(parse_imap_line("A1 WHATEVER x", "CAPABILITY"), Error);
    CHECK_THROWS_AS(parse_imap_line("A1 PREAUTH x", "CAPABILITY"), Error);
    CHECK_THROWS_AS(parse_imap_line(std::string("* OK a\0b", 8), "greeting"), Error);
}

TEST_CASE("imap: capabilities") {
    auto caps = parse_imap_capabilities(
        "IMAP4rev1 LITERAL+ SASL-IR LOGINDISABLED AUTH=PLAIN "
        "auth=scram-sha-256 STARTTLS AUTH=PLAIN");
    CHECK(caps.mechanisms == std::vector<std::string>{"PLAIN", "SCRAM-SHA-256"});
    CHECK(caps.sasl_ir);
    CHECK(caps.login_disabled);
    CHECK(caps.starttls);
    CHECK(caps.atoms.size() == 8);
    auto rev2 = parse_imap_capabilities("IMAP4rev2 AUTH=PLAIN");
    CHECK(rev2.sasl_ir);
    CHECK_FALSE(parse_imap_capabilities("IMAP4rev1 AUTH=PLAIN").sasl_ir);
}

TEST_CASE("pop3: status lines and continuations") {
    CHECK(parse_pop3_line("+OK Dovecot ready.", "g").type == Pop3Line::Type::ok);
    CHECK(parse_pop3_line("+OK Dovecot ready.", "g").text == "Dovecot ready.");
    CHECK(parse_pop3_line("+OK", "g").type == Pop3Line::Type::ok);
    CHECK(parse_pop3_line("-ERR [AUTH] failed", "a").type == Pop3Line::Type::err);
    CHECK(parse_pop3_line("-ERR [AUTH] failed", "a").text == "[AUTH] failed");
    CHECK(parse_pop3_line("+ ", "a").type == Pop3Line::Type::continuation);
    CHECK(parse_pop3_line("+", "a").text == "");
    CHECK(parse_pop3_line("+ VXNlcm5hbWU6", "a").text == "VXNlcm5hbWU6");
    CHECK_THROWS_AS(parse_pop3_line("+OKAY", "a"), Error);
    CHECK_THROWS_AS(parse_pop3_line("hello", "a"), Error);
    CHECK_THROWS_AS(parse_pop3_line("+OK \x1b[2J", "a"), Error);
}

TEST_CASE("pop3: CAPA with dot-stuffing and caps") {
    Pop3MultilineAssembler a("CAPA response");
    CHECK_FALSE(a.add("USER"));
    CHECK_FALSE(a.add("SASL PLAIN login XOAUTH2"));
    CHECK_FALSE(a.add("STLS"));
    CHECK_FALSE(a.add("..X-DOTTED"));
    CHECK(a.add("."));
    auto lines = a.take();
    CHECK(lines.back() == ".X-DOTTED");
    auto caps = parse_pop3_capa(lines);
    CHECK(caps.stls);
    CHECK(caps.user);
    CHECK(caps.mechanisms == std::vector<std::string>{"PLAIN", "LOGIN", "XOAUTH2"});

    Pop3MultilineAssembler capped("CAPA response", 3, 1000);
    for (int i = 0; i < 3; ++i) CHECK_FALSE(capped.add("X"));
    CHECK_THROWS_AS(capped.add("X"), Error);
}
