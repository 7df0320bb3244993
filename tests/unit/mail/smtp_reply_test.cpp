// SMTP reply grammar (RFC 5321 §4.2) and EHLO keyword parsing (RFC 4954 §3, legacy AUTH=).
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "smtpauth/error.hpp"
#include "smtpauth/mail/smtp_reply.hpp"

using namespace smtpauth;
using namespace smtpauth::mail;

namespace {
SmtpReply parse(std::vector<std::string> lines) {
    return parse_smtp_reply(lines, "EHLO reply");
}

std::string error_of(std::vector<std::string> lines) {
    try {
        parse(std::move(lines));
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::protocol);
        return e.what();
    }
    return "no error";
}
}  // namespace

TEST_CASE("smtp reply: single and multi-line replies") {
    SmtpReply r = parse({"250-mail.example.com Hello", "250-PIPELINING", "250 AUTH PLAIN LOGIN"});
    CHECK(r.code == 250);
    CHECK(r.lines ==
          std::vector<std::string>{"mail.example.com Hello", "PIPELINING", "AUTH PLAIN LOGIN"});
    CHECK(r.raw == "250-mail.example.com Hello\n250-PIPELINING\n250 AUTH PLAIN LOGIN");
    CHECK(parse({"250"}).lines == std::vector<std::string>{""});  // bare code is legal
    CHECK(parse({"334 "}).lines == std::vector<std::string>{""});
    CHECK(parse({"235 2.7.0 Authentication successful"}).enhanced_code() == "2.7.0");
    CHECK(parse({"535-5.7.8 Username and", "535 5.7.8 more"}).enhanced_code() == "5.7.8");
    CHECK(parse({"250 mail.example.com"}).enhanced_code() == "");
    CHECK(parse({"250-a\tb", "250 c"}).text() == "a\tb\nc");
}

TEST_CASE("smtp reply: grammar violations are protocol errors naming the context") {
    CHECK(error_of({"abc-hostile.test"}).find("invalid reply code") != std::string::npos);
    CHECK(error_of({"999 AUTH PLAIN"}).find("EHLO reply") != std::string::npos);
    CHECK(error_of({"260 second digit 6"}) != "no error");
    CHECK(error_of({"150 first digit 1"}) != "no error");
    CHECK(error_of({"25"}) != "no error");
    CHECK(error_of({"250x"}) != "no error");
    CHECK(error_of({"250-hostile", "251-AUTH PLAIN", "550 STARTTLS"}).find("code changed") !=
          std::string::npos);
    CHECK(error_of({"220 hostile", "250 extra"}).find("after the end") != std::string::npos);
    CHECK(error_of({"250-only a continuation"}).find("ended before") != std::string::npos);
    CHECK(error_of({std::string("220 hostile\0.test", 17)}).find("control character") !=
          std::string::npos);
    CHECK(error_of({"220 \x1b]0;pwned\x07"}).find("control character") != std::string::npos);
}

TEST_CASE("smtp reply: caps on lines and bytes per reply") {
    SmtpReplyAssembler lines("EHLO reply", ReplyLimits{4, 100000});
    for (int i = 0; i < 4; ++i) CHECK_FALSE(lines.add("250-X-FILLER"));
    CHECK_THROWS_AS(lines.add("250-X-FILLER"), Error);

    SmtpReplyAssembler bytes("EHLO reply", ReplyLimits{1000, 64});
    CHECK_FALSE(bytes.add("250-" + std::string(50, 'B')));
    CHECK_THROWS_AS(bytes.add("250-" + std::string(50, 'B')), Error);

    // A 600-octet line (longer than RFC 5321's 512) is within the documented cap: one reply.
    SmtpReply r = parse({"250-X-PAD-" + std::string(590, 'B'), "250 OK"});
    CHECK(r.lines.size() == 2);
}

TEST_CASE("ehlo: AUTH list, legacy AUTH= form, STARTTLS") {
    EhloInfo e = parse_ehlo(parse({"250-mail.example.com", "250-PIPELINING", "250-STARTTLS",
                                   "250-ENHANCEDSTATUSCODES", "250 AUTH plain LOGIN cram-md5"}));
    CHECK(e.domain == "mail.example.com");
    CHECK(e.starttls);
    CHECK(e.pipelining);
    CHECK(e.enhanced_status_codes);
    CHECK(e.mechanisms == std::vector<std::string>{"PLAIN", "LOGIN", "CRAM-MD5"});
    CHECK_FALSE(e.auth_legacy_form);

    EhloInfo legacy = parse_ehlo(parse({"250-old.example", "250 AUTH=LOGIN PLAIN"}));
    CHECK(legacy.mechanisms == std::vector<std::string>{"LOGIN", "PLAIN"});
    CHECK(legacy.auth_legacy_form);
    CHECK_FALSE(legacy.starttls);

    // Both forms: the standard line wins.
    EhloInfo both = parse_ehlo(parse({"250-x", "250-AUTH=LOGIN", "250 AUTH PLAIN CRAM-MD5"}));
    CHECK(both.mechanisms == std::vector<std::string>{"PLAIN", "CRAM-MD5"});
    CHECK_FALSE(both.auth_legacy_form);

    // Invalid names and duplicates are dropped; the domain line is never a keyword.
    EhloInfo odd =
        parse_ehlo(parse({"250-AUTH PLAIN", "250 AUTH PLAIN THIS-NAME-IS-FAR-TOO-LONG-X b@d"}));
    CHECK(odd.domain == "AUTH PLAIN");
    CHECK(odd.mechanisms == std::vector<std::string>{"PLAIN"});
}

TEST_CASE("mechanism token syntax (RFC 4422 §3.1)") {
    CHECK(is_mechanism_token("SCRAM-SHA-256-PLUS"));
    CHECK(is_mechanism_token("x_oauth2"));
    CHECK_FALSE(is_mechanism_token(""));
    CHECK_FALSE(is_mechanism_token("ABCDEFGHIJKLMNOPQRSTU"));  // 21
    CHECK_FALSE(is_mechanism_token("PL.AIN"));
}
