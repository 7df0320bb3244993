// SMTP client side of a probe: greeting, EHLO, STARTTLS (RFC 3207), AUTH (RFC 4954), QUIT.
#include <algorithm>
#include <memory>

#include "smtpauth/error.hpp"
#include "smtpauth/mail/dialect.hpp"
#include "smtpauth/mail/smtp_reply.hpp"

namespace smtpauth::mail {

namespace {

class SmtpDialect final : public Dialect {
  public:
    using Dialect::Dialect;

    Greeting read_greeting() override {
        SmtpReply r = read_reply("greeting");
        // RFC 5321 §3.1: 220 opens the session; 554 (or anything else) refuses it.
        if (r.code != 220) throw Error(ErrorKind::protocol, "server refused the session: " + r.raw);
        Greeting g;
        g.text = r.raw;
        return g;
    }

    Capabilities query_capabilities() override {
        send("EHLO " + options_.ehlo_name, "EHLO");
        SmtpReply r = read_reply("EHLO reply");
        // No HELO fallback: without EHLO there is neither STARTTLS nor AUTH.
        if (r.code != 250) throw Error(ErrorKind::protocol, "server refused EHLO: " + r.raw);
        EhloInfo info = parse_ehlo(r);
        Capabilities caps;
        caps.list = info.keywords;
        caps.mechanisms = info.mechanisms;
        caps.starttls = info.starttls;
        caps.auth_legacy_form = info.auth_legacy_form;
        caps.initial_response = true;
        return caps;
    }

    void request_starttls() override {
        send("STARTTLS", "STARTTLS");
        SmtpReply r = read_reply("STARTTLS reply");
        if (r.code != 220) throw Error(ErrorKind::tls, "server refused STARTTLS: " + r.raw);
    }

    void quit() noexcept override {
        try {
            send("QUIT", "QUIT", Sensitivity::none, {}, true);
            auto d = net::Deadline::earliest(deadline(), net::Deadline::after(options_.quit_wait));
            SmtpReplyAssembler a("QUIT reply", options_.limits);
            while (!a.add(channel_.read_line(d))) {
            }
        } catch (...) {
            // The session is over either way; a lost QUIT reply changes nothing we report.
        }
    }

    std::optional<std::size_t> initial_response_budget(std::string_view mech) const override {
        // "AUTH " mech SP ir CRLF must fit the command line (RFC 4954 §4).
        return mail::initial_response_budget(Protocol::smtp, mech, {});
    }

    void send_auth(std::string_view mech, std::optional<std::string_view> ir,
                   bool secret) override {
        std::string line = mail::auth_command(Protocol::smtp, mech, {});
        if (ir) {
            line += ' ';
            line += *ir;
        }
        if (secret && ir)
            send(line, "AUTH", Sensitivity::secret,
                 redacted_form("AUTH " + std::string(mech) + " ", ir->size()));
        else
            send(line, "AUTH");
        wipe_string(line);
    }

    sasl::CarrierReply read_reply() override {
        SmtpReply r = read_reply("AUTH reply");
        sasl::CarrierReply out;
        out.text = r.raw;
        if (r.code == 334) {
            // continue-req = "334" SP [base64] CRLF: exactly one line.
            if (r.lines.size() != 1)
                throw Error(ErrorKind::protocol,
                            "protocol error in AUTH reply: multi-line 334 challenge");
            out.kind = sasl::CarrierReply::Kind::challenge;
            out.payload = r.lines.front();
        } else if (r.code == 235) {
            out.kind = sasl::CarrierReply::Kind::success;
        } else if (r.code == 504) {
            out.kind = sasl::CarrierReply::Kind::mechanism_refused;
        } else if (r.code >= 400) {
            out.kind = sasl::CarrierReply::Kind::failure;
        } else {
            throw Error(ErrorKind::protocol,
                        "protocol error in AUTH reply: unexpected reply \"" + r.raw + "\"");
        }
        return out;
    }

  private:
    SmtpReply read_reply(const std::string& context) {
        SmtpReplyAssembler a(context, options_.limits);
        while (!a.add(read_line())) {
        }
        return a.take();
    }
};

}  // namespace

std::unique_ptr<Dialect> make_smtp_dialect(net::LineChannel& channel, DialectOptions options) {
    return std::make_unique<SmtpDialect>(channel, std::move(options));
}

}  // namespace smtpauth::mail
