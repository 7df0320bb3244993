// session's reply tracking: commands vs continuations, final replies and their verdict, the
// IMAP tag decision and the redaction of typed credentials, per protocol.
#include <doctest/doctest.h>

#include "probe/session_replies.hpp"

using namespace smtpauth;
using namespace smtpauth::probe;

TEST_CASE("session replies: SMTP multi-line replies, DATA and AUTH continuations") {
    ReplyTracker t(mail::Protocol::smtp);
    t.typed("EHLO x");
    t.received("250-first");
    CHECK(t.pending() == 1);
    t.received("250 last");
    CHECK(t.pending() == 0);
    REQUIRE(t.last());
    CHECK(t.last()->positive);
    t.typed("MAIL FROM:<a@example.org>");
    t.typed("DATA");
    CHECK(t.awaiting_go_ahead());
    t.received("250 sender ok");  // MAIL's reply: DATA's is still due
    CHECK(t.awaiting_go_ahead());
    t.received("354 go ahead");
    CHECK_FALSE(t.awaiting_go_ahead());
    CHECK_FALSE(t.take_data_refused());
    CHECK(t.in_data());
    t.typed("RCPT TO:<not a command here>");
    CHECK(t.pending() == 0);
    CHECK_FALSE(t.redaction("AUTH PLAIN AGFsaWNlAHB3"));  // message text is not a credential
    t.typed(".");
    CHECK_FALSE(t.in_data());
    CHECK(t.pending() == 1);
    t.received("550 5.7.1 rejected");
    CHECK_FALSE(t.last()->positive);
    t.typed("AUTH LOGIN");
    t.received("334 VXNlcm5hbWU6");
    CHECK(t.redaction("YWxpY2U=") == "<redacted: 8 bytes base64>");
    t.typed("YWxpY2U=");
    CHECK_FALSE(t.redaction("NOOP"));
    CHECK(t.redaction("AUTH PLAIN AGFsaWNlAHB3") == "AUTH PLAIN <redacted: 12 bytes base64>");
    CHECK_FALSE(t.redaction("AUTH PLAIN"));
    t.typed("QUIT");
    CHECK(t.quit_typed());
}

TEST_CASE("session replies: SMTP DATA refused") {
    ReplyTracker t(mail::Protocol::smtp);
    t.typed("DATA");
    CHECK(t.in_data());
    t.received("554 5.5.1 no valid recipients");
    CHECK_FALSE(t.in_data());
    CHECK_FALSE(t.awaiting_go_ahead());
    CHECK(t.take_data_refused());
    CHECK_FALSE(t.take_data_refused());
}

TEST_CASE("session replies: SMTP unasked replies and our own QUIT do not count") {
    ReplyTracker t(mail::Protocol::smtp);
    t.received("421 4.4.2 closing");
    CHECK_FALSE(t.last());
    CHECK(t.last_line() == "421 4.4.2 closing");
    t.typed("RSET");
    t.received("250 ok");
    t.closing("QUIT");
    CHECK_FALSE(t.closing_answered());
    t.received("221 bye");
    CHECK(t.closing_answered());
    CHECK(t.last()->line == "250 ok");
}

TEST_CASE("session replies: IMAP tags, continuations and LOGOUT") {
    ReplyTracker t(mail::Protocol::imap);
    CHECK(t.wants_tag("select INBOX"));
    CHECK(t.wants_tag("UID FETCH 1 FLAGS"));
    CHECK_FALSE(t.wants_tag("a1 NOOP"));
    CHECK_FALSE(t.wants_tag("DONE"));
    CHECK_FALSE(t.wants_tag("KGhlbGxvKQ=="));
    t.typed("A5 AUTHENTICATE PLAIN");
    t.received("+ ");
    CHECK_FALSE(t.wants_tag("NOOP"));  // the answer to a continuation is sent as typed
    CHECK(t.redaction("AGFsaWNlAHB3") == "<redacted: 12 bytes base64>");
    t.typed("AGFsaWNlAHB3");
    CHECK(t.pending() == 1);
    t.received("* CAPABILITY IMAP4rev1");
    t.received("A5 NO [AUTHENTICATIONFAILED] failed");
    CHECK(t.pending() == 0);
    CHECK_FALSE(t.last()->positive);
    CHECK(t.redaction("a2 LOGIN alice secret") == "a2 LOGIN <redacted>");
    t.typed("x LOGOUT");
    CHECK(t.quit_typed());
    t.received("* BYE bye");
    t.received("x OK Logout completed");
    CHECK(t.last()->positive);
    t.closing("A9 LOGOUT");
    t.received("A9 OK done");
    CHECK(t.closing_answered());
    CHECK(t.last()->line == "x OK Logout completed");
}

TEST_CASE("session replies: POP3 multi-line responses and AUTH continuations") {
    ReplyTracker t(mail::Protocol::pop3);
    t.typed("LIST");
    t.received("+OK 1 messages");
    t.received("+OK this is a listing line, not a status");
    CHECK(t.pending() == 0);
    t.received(".");
    t.typed("LIST 1");
    t.received("-ERR no such message");
    CHECK_FALSE(t.last()->positive);
    t.typed("AUTH PLAIN");
    t.received("+ ");
    CHECK(t.redaction("AGFsaWNlAHB3") == "<redacted: 12 bytes base64>");
    t.typed("AGFsaWNlAHB3");
    CHECK(t.pending() == 1);
    t.received("+OK logged in");
    CHECK(t.last()->positive);
    CHECK(t.redaction("PASS secret") == "PASS <redacted>");
    CHECK(t.redaction("APOP alice 0123") == "APOP <redacted>");
}
