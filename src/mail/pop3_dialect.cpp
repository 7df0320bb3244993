// POP3 client side of a probe: greeting, CAPA (RFC 2449), STLS (RFC 2595 §4),
// AUTH with initial response (RFC 5034), QUIT.
#include <charconv>
#include <memory>

#include "smtpauth/error.hpp"
#include "smtpauth/mail/dialect.hpp"
#include "smtpauth/mail/pop3_response.hpp"

namespace smtpauth::mail {

namespace {

class Pop3Dialect final : public Dialect {
  public:
    using Dialect::Dialect;

    Greeting read_greeting() override {
        std::string line = read_line();
        Pop3Line r = parse_pop3_line(line, "greeting");
        if (r.type != Pop3Line::Type::ok)
            throw Error(ErrorKind::protocol, "server refused the session: " + line);
        Greeting g;
        g.text = line;
        return g;
    }

    Capabilities query_capabilities() override {
        send("CAPA", "CAPA");
        std::string line = read_line();
        Pop3Line r = parse_pop3_line(line, "CAPA response");
        Capabilities caps;
        if (r.type != Pop3Line::Type::ok) return caps;  // no CAPA (RFC 1939 server): nothing known
        Pop3MultilineAssembler a("CAPA response", options_.limits.max_lines,
                                 options_.limits.max_bytes);
        while (!a.add(read_line())) {
        }
        Pop3Capabilities c = parse_pop3_capa(a.take());
        caps.list = c.lines;
        caps.mechanisms = c.mechanisms;
        caps.starttls = c.stls;
        caps.initial_response = true;
        return caps;
    }

    void request_starttls() override {
        send("STLS", "STLS");
        std::string line = read_line();
        Pop3Line r = parse_pop3_line(line, "STLS response");
        if (r.type != Pop3Line::Type::ok)
            throw Error(ErrorKind::tls, "server refused STLS: " + line);
    }

    void quit() noexcept override {
        try {
            send("QUIT", "QUIT", Sensitivity::none, {}, true);
            auto d = net::Deadline::earliest(deadline(), net::Deadline::after(options_.quit_wait));
            channel_.read_line(d);
        } catch (...) {
            // The session is over either way.
        }
    }

    std::optional<std::size_t> initial_response_budget(std::string_view mech) const override {
        // RFC 5034 §4: the AUTH line with its initial response within RFC 2449's limit.
        return mail::initial_response_budget(Protocol::pop3, mech, {});
    }

    void send_auth(std::string_view mech, std::optional<std::string_view> ir,
                   bool secret) override {
        std::string prefix = mail::auth_command(Protocol::pop3, mech, {});
        std::string line = prefix;
        if (ir) {  // appended in place: no unwiped temporary copy of a secret response
            line += ' ';
            line += *ir;
        }
        if (secret && ir)
            send(line, "AUTH", Sensitivity::secret, redacted_form(prefix + " ", ir->size()));
        else
            send(line, "AUTH");
        wipe_string(line);
    }

    std::optional<MailboxStatus> check_mailbox() override {
        MailboxStatus st;
        st.command = "STAT";
        send("STAT", "STAT");
        std::string line = read_line();
        Pop3Line r = parse_pop3_line(line, "STAT response");
        st.reply = line;
        st.ok = r.type == Pop3Line::Type::ok;
        if (r.type == Pop3Line::Type::continuation)
            throw Error(ErrorKind::protocol, "protocol error in STAT response: \"" + line + "\"");
        if (st.ok) {
            // RFC 1939 §5: "+OK nn mm" (messages, octets).
            std::uint64_t n = 0, o = 0;
            const char* b = r.text.data();
            const char* e = b + r.text.size();
            auto [p1, ec1] = std::from_chars(b, e, n);
            if (ec1 == std::errc{} && p1 < e && *p1 == ' ') {
                auto [p2, ec2] = std::from_chars(p1 + 1, e, o);
                if (ec2 == std::errc{}) {
                    st.messages = n;
                    st.octets = o;
                }
            }
        }
        return st;
    }

    sasl::CarrierReply read_reply() override {
        std::string line = read_line();
        Pop3Line r = parse_pop3_line(line, "AUTH response");
        sasl::CarrierReply out;
        out.text = line;
        switch (r.type) {
            case Pop3Line::Type::continuation:
                out.kind = sasl::CarrierReply::Kind::challenge;
                out.payload = r.text;
                break;
            case Pop3Line::Type::ok:
                out.kind = sasl::CarrierReply::Kind::success;
                break;
            case Pop3Line::Type::err:
                out.kind = sasl::CarrierReply::Kind::failure;
                break;
        }
        return out;
    }
};

}  // namespace

std::unique_ptr<Dialect> make_pop3_dialect(net::LineChannel& channel, DialectOptions options) {
    return std::make_unique<Pop3Dialect>(channel, std::move(options));
}

}  // namespace smtpauth::mail
