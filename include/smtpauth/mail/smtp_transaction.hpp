// One SMTP mail transaction on an open, greeted (and authenticated) connection: MAIL, RCPT,
// DATA and the message, or MAIL, RCPT and RSET for a dry run. RFC 5321 §3.3/§4.1.1,
// RFC 2920 (PIPELINING), RFC 1870 (SIZE), RFC 6152 (8BITMIME), RFC 6531 (SMTPUTF8),
// and the queue ids that well-known servers put in their final reply.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "smtpauth/mail/smtp_reply.hpp"
#include "smtpauth/net/deadline.hpp"
#include "smtpauth/net/line_channel.hpp"

namespace smtpauth::mail {

// The EHLO keywords a transaction depends on.
struct SmtpExtensions {
    bool pipelining = false;
    bool eight_bit_mime = false;
    bool smtputf8 = false;
    bool size_offered = false;
    std::uint64_t size_limit = 0;  // 0: SIZE without a limit (or not offered)
};
SmtpExtensions parse_extensions(const std::vector<std::string>& ehlo_keywords);

struct TransactionPlan {
    std::string from;                     // envelope sender (bare address)
    std::vector<std::string> recipients;  // envelope recipients (To, Cc and Bcc)
    std::string payload;                  // dot-stuffed message ending in ".\r\n" (unused: dry run)
    bool pipelining = false;
    bool dry_run = false;
    bool allow_partial = false;
    bool body_8bit = false;                   // MAIL ... BODY=8BITMIME
    bool smtputf8 = false;                    // MAIL ... SMTPUTF8
    std::optional<std::uint64_t> size_param;  // MAIL ... SIZE=n
};

struct TransactionResult {
    std::string mail_command;  // as sent
    std::optional<SmtpReply> mail;
    struct Recipient {
        std::string address;
        std::optional<SmtpReply> reply;  // nullopt: never answered (the session ended)
    };
    std::vector<Recipient> recipients;
    std::optional<SmtpReply> data;         // the reply to DATA (354 or a refusal)
    std::optional<SmtpReply> final_reply;  // the reply after the message's final "."
    std::optional<SmtpReply> rset;
    bool message_sent = false;    // the payload and its "." went out
    bool server_closing = false;  // a 421 reply: the server is ending the session
    int round_trips = 0;          // writes that waited for replies
};

// Runs the transaction, filling `out` as it goes (so a failure keeps what was learnt).
// With pipelining, MAIL, every RCPT and DATA go in one write (DATA waits for the RCPT
// replies only when a refused recipient must be able to stop the send: several recipients
// without allow_partial) and the replies are matched in order. A refused sender, refused
// recipients or a refused DATA/message are *returned* (see the replies); RSET follows a
// transaction that stops before the message. Throws Error{protocol} for a reply that does
// not fit its command (out of order), unsolicited data, or a connection that closes;
// Error{timeout} naming the command whose reply is missing.
void run_transaction(net::LineChannel& channel, const TransactionPlan& plan,
                     const std::function<net::Deadline()>& deadline, const ReplyLimits& limits,
                     TransactionResult& out);

// The queue id in a final 250 reply, or "": Postfix "queued as X", Gmail
// "OK <n> <id> - gsmtp", Exchange/Microsoft 365 "<id> ... Queued mail for delivery",
// Exim "id=X", Sendmail "X Message accepted for delivery", Dovecot/others "<id> ...".
std::string queue_id(const SmtpReply& reply);

}  // namespace smtpauth::mail
