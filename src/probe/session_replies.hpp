// What `session` knows about the conversation the user types: which lines are commands and
// which are continuations, when a reply is complete and whether it was positive, and which
// typed lines carry credentials. Pure (no I/O). RFC 5321 §4.2 (reply codes, multi-line
// replies), RFC 3501 §2.2.1/§7 (tags, continuation requests), RFC 1939 §3 (+OK/-ERR,
// multi-line responses), RFC 4954/5034 (AUTH continuations).
#pragma once

#include <cstddef>
#include <deque>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "smtpauth/mail/auth_line.hpp"

namespace smtpauth::probe {

struct CompletedReply {
    std::string line;  // the final line of the reply (untrusted)
    bool positive = false;
};

class ReplyTracker {
  public:
    explicit ReplyTracker(mail::Protocol protocol) : protocol_(protocol) {}

    // IMAP: whether a typed line lacks a tag (it starts with a command name and is not the
    // answer to a continuation request), so that session adds the next one.
    bool wants_tag(std::string_view line) const;
    // The form to show for a typed line that carries a credential (a response to a
    // challenge, AUTH with an initial response, LOGIN, PASS, APOP); nullopt when it has none.
    std::optional<std::string> redaction(std::string_view line) const;

    // A line the user typed, as sent.
    void typed(std::string_view line);
    // The QUIT / LOGOUT that session sends itself at the end (its reply does not count).
    void closing(std::string_view line);
    // A line from the server.
    void received(std::string_view line);

    // Commands typed whose final reply has not arrived.
    std::size_t pending() const;
    // The last complete reply to a typed command.
    const std::optional<CompletedReply>& last() const { return last_; }
    bool quit_typed() const { return quit_typed_; }
    // The last line the server sent (untrusted), for a message when it closes.
    const std::string& last_line() const { return last_line_; }
    bool closing_answered() const { return closing_answered_; }
    // SMTP: between DATA and the "." that ends the message (unless DATA was refused).
    bool in_data() const { return in_data_; }
    // SMTP: DATA sent, its reply not yet here: typed message text must wait for the 354.
    bool awaiting_go_ahead() const { return awaiting_go_ahead_; }
    // SMTP: DATA was refused since the last call (the text typed for it is not to be sent).
    bool take_data_refused();

  private:
    // A command word of the protocol starts the line (IMAP: also after a tag).
    bool looks_like_command(std::string_view line) const;
    // The line answers a challenge (or an AUTH still open) rather than being a command.
    bool is_response(std::string_view line) const;

    mail::Protocol protocol_;
    std::size_t smtp_pending_ = 0;
    std::set<std::string> imap_tags_;         // tags typed and not yet answered
    std::deque<std::string> pop3_commands_;   // upper-case command words awaiting a status
    std::optional<std::string> closing_tag_;  // IMAP: the tag of our LOGOUT
    bool closing_ = false;
    bool closing_answered_ = false;
    bool continuation_ = false;  // the server asked for more (334, "+")
    bool auth_open_ = false;     // an AUTH / AUTHENTICATE typed and not finally answered
    std::string auth_tag_;       // IMAP: its tag
    bool in_data_ = false;
    bool awaiting_go_ahead_ = false;
    std::size_t replies_before_data_ = 0;  // replies due to commands typed before DATA
    bool data_refused_ = false;
    bool pop3_body_ = false;  // inside a POP3 multi-line response
    bool quit_typed_ = false;
    std::optional<CompletedReply> last_;
    std::string last_line_;
};

}  // namespace smtpauth::probe
