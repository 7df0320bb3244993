// One mail protocol's client side for a probe: greeting, capabilities, STARTTLS, AUTH
// (as the SASL carrier) and QUIT. SMTP (RFC 5321/3207/4954), IMAP (RFC 3501/2595/4959),
// POP3 (RFC 1939/2449/2595/5034).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "smtpauth/mail/auth_line.hpp"
#include "smtpauth/mail/smtp_reply.hpp"
#include "smtpauth/net/deadline.hpp"
#include "smtpauth/net/line_channel.hpp"
#include "smtpauth/sasl/exchange.hpp"

namespace smtpauth::mail {

// What the server said it can do, in protocol-independent terms.
struct Capabilities {
    std::vector<std::string> list;        // as sent: EHLO lines / IMAP atoms / CAPA lines
    std::vector<std::string> mechanisms;  // SASL mechanisms offered, upper case, in order
    bool starttls = false;                // STARTTLS / STLS offered
    bool initial_response = true;         // IR allowed (IMAP: SASL-IR)
    bool login_disabled = false;          // IMAP LOGINDISABLED
    bool auth_legacy_form = false;        // SMTP: only the non-standard "AUTH=" line
    bool from_greeting = false;           // IMAP: learnt from the greeting's [CAPABILITY]
};

struct Greeting {
    std::string text;                          // the greeting as received (untrusted)
    bool preauth = false;                      // IMAP PREAUTH: the session is already authenticated
    std::optional<Capabilities> capabilities;  // IMAP [CAPABILITY ...] in the greeting
};

// The answer to the mailbox check after AUTH (IMAP EXAMINE INBOX, POP3 STAT).
struct MailboxStatus {
    std::string command;  // as sent, without the tag
    bool ok = false;      // tagged OK / +OK
    std::optional<std::uint64_t> messages;
    std::optional<std::uint64_t> octets;
    std::string reply;  // the final line (untrusted)
};

struct DialectOptions {
    std::string ehlo_name = "localhost";
    ReplyLimits limits;
    // Deadline for the next read or write: the per-step timeout within the whole probe.
    std::function<net::Deadline()> deadline;
    // How long QUIT/LOGOUT waits for its reply (the result no longer matters much).
    std::chrono::milliseconds quit_wait{1000};
};

// Every read and write goes through the channel, so it is recorded in the transcript and
// bounded by its caps. Methods throw Error{protocol|timeout|tls} as documented.
class Dialect : public sasl::Carrier {
  public:
    Dialect(net::LineChannel& channel, DialectOptions options)
        : channel_(channel), options_(std::move(options)) {}

    // Reads the greeting. Error{protocol}: a refusal (SMTP 554, IMAP BYE, POP3 -ERR) or
    // broken syntax.
    virtual Greeting read_greeting() = 0;
    // EHLO / CAPABILITY / CAPA. Error{protocol} when the server refuses it.
    virtual Capabilities query_capabilities() = 0;
    // STARTTLS / STLS, returns after the go-ahead (the caller starts the handshake at once).
    // Error{tls} when the server refuses or answers anything else.
    virtual void request_starttls() = 0;
    // QUIT / LOGOUT, waiting briefly for the reply; never throws.
    virtual void quit() noexcept = 0;
    // After an accepted AUTH: proves the mailbox is reachable (IMAP EXAMINE INBOX, read-only;
    // POP3 STAT). nullopt for SMTP. A NO/-ERR is returned; Error{protocol} for broken replies.
    virtual std::optional<MailboxStatus> check_mailbox() { return std::nullopt; }
    // IMAP: the next tag of this connection's sequence, for a command the user typed
    // without one (session); empty for SMTP and POP3, which have no tags.
    virtual std::string next_command_tag() { return {}; }

    // The capabilities that AUTH works with (the IR budget depends on IMAP SASL-IR).
    void set_capabilities(const Capabilities& caps) { caps_ = caps; }

    // Continuation lines are bare base64 or "*" in all three protocols (RFC 4954 §4,
    // RFC 3501 §6.2.2, RFC 5034 §4); only the command name in error messages differs.
    void send_response(std::string_view base64, bool secret) override;
    void send_cancel() override;

  protected:
    net::Deadline deadline() const;
    // Writes a command line. Unless `allow_pending`, data the server sent without being
    // asked (pipelined in front of our command) is a protocol error.
    void send(std::string_view line, std::string_view what, Sensitivity s = Sensitivity::none,
              std::string redacted = {}, bool allow_pending = false);
    std::string read_line();
    // "AUTH" or "AUTHENTICATE": names the exchange in error messages.
    virtual std::string_view auth_command() const { return "AUTH"; }

    net::LineChannel& channel_;
    DialectOptions options_;
    Capabilities caps_;
};

// "AUTH PLAIN <redacted: 24 bytes base64>"-style form for a secret line.
std::string redacted_form(std::string_view prefix, std::size_t base64_len);

std::unique_ptr<Dialect> make_dialect(Protocol protocol, net::LineChannel& channel,
                                      DialectOptions options);

}  // namespace smtpauth::mail
