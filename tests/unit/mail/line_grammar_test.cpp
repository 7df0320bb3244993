// The one line grammar of each protocol, as the probe and the transcript reader share it:
// SMTP reply lines (RFC 5321 §4.2), POP3 status lines (RFC 1939 §3, RFC 5034 §4), IMAP
// responses and tags (RFC 3501 §7, §9), the AUTH command (RFC 4954 §4, RFC 3501 §6.2.2).
#include <doctest/doctest.h>

#include <string>

#include "smtpauth/error.hpp"
#include "smtpauth/mail/auth_line.hpp"
#include "smtpauth/mail/imap_response.hpp"
#include "smtpauth/mail/pop3_response.hpp"
#include "smtpauth/mail/smtp_reply.hpp"

using namespace smtpauth;
using namespace smtpauth::mail;

TEST_SUITE("smtpauth::mail") {
    TEST_CASE("smtp reply line: code range, separator, text as a view") {
        auto r = parse_smtp_reply_line("334 VXNlcm5hbWU6");
        REQUIRE(r);
        CHECK(r->code == 334);
        CHECK(r->last);
        CHECK(r->text == "VXNlcm5hbWU6");
        auto c = parse_smtp_reply_line("250-PIPELINING");
        REQUIRE(c);
        CHECK_FALSE(c->last);
        CHECK(parse_smtp_reply_line("220")->text.empty());
        std::string why;
        CHECK_FALSE(parse_smtp_reply_line("199 odd", &why));
        CHECK(why.find("invalid reply code") != std::string::npos);
        CHECK_FALSE(parse_smtp_reply_line("260 second digit"));
        CHECK_FALSE(parse_smtp_reply_line("2345"));
        CHECK_FALSE(parse_smtp_reply_line("235x", &why));
        CHECK(why.find("invalid reply line") != std::string::npos);
        // Control characters are the assembler's to refuse, not the grammar's.
        CHECK(parse_smtp_reply_line("235 ok\x1b[2J"));
        SmtpReplyAssembler a("AUTH reply");
        CHECK_THROWS_AS(a.add("235 ok\x1b[2J"), Error);
    }

    TEST_CASE("pop3 status: upper-case indicators, continuation needs a blank") {
        CHECK(match_pop3_line("+OK ready")->type == Pop3Line::Type::ok);
        CHECK(match_pop3_line("-ERR no")->text == "no");
        CHECK(match_pop3_line("+")->type == Pop3Line::Type::continuation);
        CHECK(match_pop3_line("+ PDEuMkBob3N0Pg==")->text == "PDEuMkBob3N0Pg==");
        std::string why;
        CHECK_FALSE(match_pop3_line("+ok ready", &why));
        CHECK(why.find("not a POP3 status line") != std::string::npos);
        CHECK_FALSE(match_pop3_line("+OKAY"));
        CHECK_FALSE(match_pop3_line("+AAA"));  // a base64 token, not a continuation
    }

    TEST_CASE("imap response: strict continuation and tags") {
        CHECK(match_imap_line("+ ")->type == ImapResponse::Type::continuation);
        CHECK(match_imap_line("+")->text.empty());
        std::string why;
        CHECK_FALSE(match_imap_line("+AAA", &why));
        CHECK(why.find("continuation without a blank") != std::string::npos);
        CHECK_THROWS_AS(parse_imap_line("+dGVzdA==", "AUTHENTICATE response"), Error);
        CHECK(match_imap_line("a1 OK done")->tag == "a1");
        CHECK_FALSE(match_imap_line("a(1 OK done", &why));
        CHECK(why.find("invalid tag") != std::string::npos);
        CHECK_FALSE(match_imap_line("a1 PREAUTH x"));
        CHECK(is_imap_tag("A0001"));
        CHECK_FALSE(is_imap_tag("a+1"));
        CHECK_FALSE(is_imap_tag(""));
        CHECK_FALSE(is_imap_tag(std::string(65, 'a')));
    }

    TEST_CASE("auth command read back: what auth_command() writes, with or without IR") {
        for (auto p : {Protocol::smtp, Protocol::imap, Protocol::pop3}) {
            std::string line = auth_command(p, "PLAIN", "A7") + " AHUAcA==";
            auto c = parse_auth_command(line);
            REQUIRE(c);
            CHECK(c->mechanism == "PLAIN");
            CHECK(c->initial_response == "AHUAcA==");
            CHECK(c->tag == (p == Protocol::imap ? "A7" : ""));
        }
        auto lower = parse_auth_command("a1 authenticate plain  =  ");
        REQUIRE(lower);
        CHECK(lower->mechanism == "plain");
        CHECK(lower->initial_response == "=");
        auto listing = parse_auth_command("AUTH");
        REQUIRE(listing);
        CHECK(listing->mechanism.empty());
        CHECK_FALSE(listing->initial_response);
        CHECK_FALSE(parse_auth_command("EHLO AUTH"));
        CHECK_FALSE(parse_auth_command("a{1 AUTHENTICATE PLAIN"));
    }
}
