// IMAP client side of a probe: greeting (OK/PREAUTH/BYE), CAPABILITY, STARTTLS (RFC 2595 §3.1),
// AUTHENTICATE with SASL-IR (RFC 3501 §6.2.2, RFC 4959), LOGOUT.
#include <charconv>
#include <memory>
#include <utility>

#include "mail/text_check.hpp"
#include "smtpauth/error.hpp"
#include "smtpauth/mail/dialect.hpp"
#include "smtpauth/mail/imap_response.hpp"

namespace smtpauth::mail {

namespace {

Capabilities to_caps(const ImapCapabilities& c) {
    Capabilities caps;
    caps.list = c.atoms;
    caps.mechanisms = c.mechanisms;
    caps.starttls = c.starttls;
    caps.initial_response = c.sasl_ir;
    caps.login_disabled = c.login_disabled;
    return caps;
}

class ImapDialect final : public Dialect {
  public:
    ImapDialect(net::LineChannel& channel, DialectOptions options)
        : Dialect(channel, std::move(options)) {
        caps_.initial_response = false;  // RFC 4959: only once SASL-IR has been seen
    }

    Greeting read_greeting() override {
        std::string line = read_line();
        ImapResponse r = parse_imap_line(line, "greeting");
        if (r.type != ImapResponse::Type::untagged ||
            (r.status != "OK" && r.status != "PREAUTH" && r.status != "BYE"))
            throw Error(ErrorKind::protocol, "protocol error in greeting: \"" + line + "\"");
        if (r.status == "BYE")
            throw Error(ErrorKind::protocol, "server refused the session: " + line);
        Greeting g;
        g.text = line;
        g.preauth = r.status == "PREAUTH";
        std::string atoms = capability_code_atoms(r.code);
        if (!atoms.empty()) {
            g.capabilities = to_caps(parse_imap_capabilities(atoms));
            g.capabilities->from_greeting = true;
        }
        return g;
    }

    Capabilities query_capabilities() override {
        std::string tag = next_tag();
        send(tag + " CAPABILITY", "CAPABILITY");
        std::string atoms;
        ImapResponse done =
            read_until_tagged(tag, "CAPABILITY response", [&](const ImapResponse& u) {
                if (u.status == "CAPABILITY") atoms += (atoms.empty() ? "" : " ") + u.text;
            });
        if (done.status != "OK")
            throw Error(ErrorKind::protocol, "server refused CAPABILITY: " + done.text);
        if (atoms.empty()) atoms = capability_code_atoms(done.code);
        return to_caps(parse_imap_capabilities(atoms));
    }

    void request_starttls() override {
        std::string tag = next_tag();
        send(tag + " STARTTLS", "STARTTLS");
        // Untagged data before the tagged reply is cleartext tampering: ignored (RFC 2595 §3.1
        // says to discard everything learnt before TLS).
        ImapResponse done = read_until_tagged(
            tag, "STARTTLS response", [](const ImapResponse&) {}, ErrorKind::tls);
        if (done.status != "OK")
            throw Error(ErrorKind::tls,
                        "server refused STARTTLS: " + done.status + " " + done.text);
    }

    void quit() noexcept override {
        try {
            std::string tag = next_tag();
            send(tag + " LOGOUT", "LOGOUT", Sensitivity::none, {}, true);
            auto d = net::Deadline::earliest(deadline(), net::Deadline::after(options_.quit_wait));
            for (std::size_t i = 0; i < options_.limits.max_lines; ++i) {
                std::string line = channel_.read_line(d);
                if (line.rfind(tag + " ", 0) == 0) break;
            }
        } catch (...) {
            // The session is over either way.
        }
    }

    std::optional<std::size_t> initial_response_budget(std::string_view mech) const override {
        // RFC 4959 §3: an initial response only if the server announced SASL-IR.
        if (!caps_.initial_response) return std::nullopt;
        return mail::initial_response_budget(Protocol::imap, mech, tag_preview());
    }

    void send_auth(std::string_view mech, std::optional<std::string_view> ir,
                   bool secret) override {
        auth_tag_ = next_tag();
        std::string prefix = mail::auth_command(Protocol::imap, mech, auth_tag_);
        std::string line = prefix;
        if (ir) {  // appended in place: no unwiped temporary copy of a secret response
            line += ' ';
            line += *ir;
        }
        if (secret && ir)
            send(line, "AUTHENTICATE", Sensitivity::secret,
                 redacted_form(prefix + " ", ir->size()));
        else
            send(line, "AUTHENTICATE");
        wipe_string(line);
    }

    std::string_view auth_command() const override { return "AUTHENTICATE"; }

    std::string next_command_tag() override { return next_tag(); }

    sasl::CarrierReply read_reply() override {
        sasl::CarrierReply out;
        for (std::size_t i = 0; i < options_.limits.max_lines; ++i) {
            std::string line = read_line();
            ImapResponse r = parse_imap_line(line, "AUTHENTICATE response");
            if (r.type == ImapResponse::Type::untagged) continue;  // e.g. "* CAPABILITY ..."
            out.text = line;
            if (r.type == ImapResponse::Type::continuation) {
                out.kind = sasl::CarrierReply::Kind::challenge;
                out.payload = r.text;
                return out;
            }
            if (r.tag != auth_tag_)
                throw Error(ErrorKind::protocol,
                            "protocol error in AUTHENTICATE response: "
                            "unexpected tag in \"" +
                                line + "\"");
            out.kind = r.status == "OK" ? sasl::CarrierReply::Kind::success
                                        : sasl::CarrierReply::Kind::failure;
            return out;
        }
        throw Error(ErrorKind::protocol, "protocol error in AUTHENTICATE response: more than " +
                                             std::to_string(options_.limits.max_lines) +
                                             " untagged lines");
    }

    std::optional<MailboxStatus> check_mailbox() override {
        MailboxStatus st;
        st.command = "EXAMINE INBOX";
        std::string tag = next_tag();
        send(tag + " " + st.command, "EXAMINE");
        // RFC 3501 §7.3.1: "* n EXISTS" carries the message count.
        ImapResponse done = read_until_tagged(tag, "EXAMINE response", [&](const ImapResponse& u) {
            if (u.text.size() >= 6 && upper_ascii(u.text.substr(0, 6)) == "EXISTS") {
                std::uint64_t n = 0;
                auto [p, ec] =
                    std::from_chars(u.status.data(), u.status.data() + u.status.size(), n);
                if (ec == std::errc{} && p == u.status.data() + u.status.size()) st.messages = n;
            }
        });
        st.ok = done.status == "OK";
        st.reply = done.tag + " " + done.status +
                   (done.code.empty() ? "" : " [" + done.code + "]") +
                   (done.text.empty() ? "" : " " + done.text);
        if (!st.ok) st.messages.reset();
        return st;
    }

  private:
    static std::string upper_ascii(std::string s) {
        for (char& c : s)
            if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
        return s;
    }

    std::string next_tag() { return tag_text(++tag_counter_); }
    std::string tag_preview() const { return tag_text(tag_counter_ + 1); }
    // Appended, not `"A" + to_string(n)`: GCC 12 at -O3 reports a false -Wrestrict there.
    static std::string tag_text(int n) {
        std::string tag(1, 'A');
        tag += std::to_string(n);
        return tag;
    }

    template <typename OnUntagged>
    // `unexpected` is the kind of error for a continuation or another tag's reply: for
    // STARTTLS anything but our tagged OK means "TLS refused", as in SMTP and POP3.
    ImapResponse read_until_tagged(const std::string& tag, const std::string& context,
                                   OnUntagged on_untagged,
                                   ErrorKind unexpected = ErrorKind::protocol) {
        for (std::size_t i = 0; i < options_.limits.max_lines; ++i) {
            std::string line = read_line();
            ImapResponse r = parse_imap_line(line, context);
            if (r.type == ImapResponse::Type::untagged) {
                if (r.status == "BYE")
                    throw Error(ErrorKind::protocol, "server closed the session: " + line);
                on_untagged(r);
                continue;
            }
            if (r.type == ImapResponse::Type::continuation || r.tag != tag)
                throw Error(unexpected,
                            "protocol error in " + context + ": unexpected \"" + line + "\"");
            return r;
        }
        throw Error(ErrorKind::protocol, "protocol error in " + context + ": more than " +
                                             std::to_string(options_.limits.max_lines) +
                                             " untagged lines");
    }

    int tag_counter_ = 0;
    std::string auth_tag_;
};

}  // namespace

std::unique_ptr<Dialect> make_imap_dialect(net::LineChannel& channel, DialectOptions options) {
    return std::make_unique<ImapDialect>(channel, std::move(options));
}

}  // namespace smtpauth::mail
