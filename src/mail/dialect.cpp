// Shared parts of the mail dialects: deadlines, strict command writes, redacted forms.
#include "smtpauth/mail/dialect.hpp"

#include "smtpauth/error.hpp"

namespace smtpauth::mail {

std::unique_ptr<Dialect> make_smtp_dialect(net::LineChannel& channel, DialectOptions options);
std::unique_ptr<Dialect> make_imap_dialect(net::LineChannel& channel, DialectOptions options);
std::unique_ptr<Dialect> make_pop3_dialect(net::LineChannel& channel, DialectOptions options);

net::Deadline Dialect::deadline() const {
    if (options_.deadline) return options_.deadline();
    return net::Deadline::after(std::chrono::seconds(15));
}

void Dialect::send(std::string_view line, std::string_view what, Sensitivity s,
                   std::string redacted, bool allow_pending) {
    // We never pipeline, so every byte the server sends must answer a command we sent.
    // Bytes already waiting before a command were sent unasked: a broken server, or an
    // attacker queueing responses for commands we have not sent yet (RFC 2920 §3.1,
    // RFC 3207 §4.2 and the STARTTLS response-injection attacks).
    if (!allow_pending && channel_.has_buffered_input())
        throw Error(ErrorKind::protocol,
                    "protocol error before " + std::string(what) +
                        ": the server sent data before the command (unsolicited or pipelined "
                        "response)");
    channel_.write_line(line, deadline(), s, std::move(redacted));
}

void Dialect::send_response(std::string_view base64, bool secret) {
    const std::string what = std::string(auth_command()) + " response";
    if (secret)
        send(base64, what, Sensitivity::secret, redacted_form("", base64.size()));
    else
        send(base64, what);
}

void Dialect::send_cancel() {
    send("*", std::string(auth_command()) + " cancel", Sensitivity::none, {}, true);
}

std::string Dialect::read_line() {
    return channel_.read_line(deadline());
}

std::string redacted_form(std::string_view prefix, std::size_t base64_len) {
    return std::string(prefix) + "<redacted: " + std::to_string(base64_len) + " bytes base64>";
}

std::unique_ptr<Dialect> make_dialect(Protocol protocol, net::LineChannel& channel,
                                      DialectOptions options) {
    switch (protocol) {
        case Protocol::smtp:
            return make_smtp_dialect(channel, std::move(options));
        case Protocol::imap:
            return make_imap_dialect(channel, std::move(options));
        case Protocol::pop3:
            return make_pop3_dialect(channel, std::move(options));
    }
    throw Error(ErrorKind::internal, "unknown protocol");
}

}  // namespace smtpauth::mail
