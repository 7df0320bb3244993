// An SMTP mail transaction: MAIL/RCPT/DATA (RFC 5321 §3.3), pipelined groups matched in
// order (RFC 2920 §3.1), SIZE (RFC 1870), BODY=8BITMIME (RFC 6152), SMTPUTF8 (RFC 6531).
#include "smtpauth/mail/smtp_transaction.hpp"

#include <cctype>
#include <charconv>
#include <regex>

#include "smtpauth/error.hpp"

namespace smtpauth::mail {

namespace {

std::string upper(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return out;
}

bool positive(const SmtpReply& r) {
    return r.code >= 200 && r.code < 300;
}

// What a reply may be for each command; anything else means the replies are out of step
// with the commands (a reply missing or out of order in a pipelined group).
enum class Expect { mail, rcpt, data, message, rset };

const char* expect_name(Expect e) {
    switch (e) {
        case Expect::mail:
            return "MAIL FROM";
        case Expect::rcpt:
            return "RCPT TO";
        case Expect::data:
            return "DATA";
        case Expect::message:
            return "the message";
        case Expect::rset:
            return "RSET";
    }
    return "command";
}

bool fits(Expect e, int code) {
    if (code >= 400) return true;  // any command may be refused
    if (e == Expect::data) return code == 354;
    if (e == Expect::rcpt) return code == 250 || code == 251 || code == 252;
    return code >= 200 && code < 300;
}

class Transaction {
  public:
    Transaction(net::LineChannel& ch, const TransactionPlan& plan,
                const std::function<net::Deadline()>& deadline, const ReplyLimits& limits,
                TransactionResult& out)
        : ch_(ch), plan_(plan), deadline_(deadline), limits_(limits), out_(out) {}

    void run() {
        out_.mail_command = mail_command();
        out_.recipients.clear();
        for (const auto& r : plan_.recipients) out_.recipients.push_back({r, std::nullopt});
        if (plan_.pipelining)
            pipelined();
        else
            one_at_a_time();
    }

  private:
    std::string mail_command() const {
        std::string c = "MAIL FROM:<" + plan_.from + ">";
        if (plan_.size_param) c += " SIZE=" + std::to_string(*plan_.size_param);
        if (plan_.body_8bit) c += " BODY=8BITMIME";
        if (plan_.smtputf8) c += " SMTPUTF8";
        return c;
    }

    static std::string rcpt_command(const std::string& address) {
        return "RCPT TO:<" + address + ">";
    }

    net::Deadline deadline() const {
        return deadline_ ? deadline_() : net::Deadline::after(std::chrono::seconds(15));
    }

    // Commands go out only when nothing unasked-for is waiting: every byte the server
    // sends must answer a command we sent (RFC 2920 §3.1 for pipelined groups).
    void write(const std::vector<std::string>& lines) {
        if (ch_.has_buffered_input())
            throw Error(ErrorKind::protocol, "protocol error before " + lines.front() +
                                                 ": the server sent data nobody asked for "
                                                 "(unsolicited or out-of-order reply)");
        std::string block;
        for (const auto& l : lines) block += l + "\r\n";
        ch_.write_block(block, deadline());
        ++out_.round_trips;
    }

    SmtpReply read(Expect e, const std::string& command, bool in_group) {
        const std::string context = std::string("reply to ") + expect_name(e);
        SmtpReplyAssembler a(context, limits_);
        try {
            while (!a.add(ch_.read_line(deadline()))) {
            }
        } catch (const Error& err) {
            if (err.kind() == ErrorKind::timeout)
                throw Error(ErrorKind::timeout,
                            "no reply to " + command +
                                (in_group ? " (a reply is missing from the pipelined group)" : "") +
                                ": " + err.what());
            if (err.kind() == ErrorKind::protocol &&
                std::string_view(err.what()).rfind("connection closed", 0) == 0)
                throw Error(ErrorKind::protocol,
                            std::string(err.what()) + " while waiting for the " + context +
                                (e == Expect::message ? " (the message may or may not have "
                                                        "been delivered)"
                                                      : ""));
            throw;
        }
        SmtpReply r = a.take();
        if (!fits(e, r.code))
            throw Error(ErrorKind::protocol,
                        "protocol error: \"" + r.raw + "\" does not answer " + command +
                            (in_group ? " (replies out of order in the pipelined group)" : ""));
        if (r.code == 421) out_.server_closing = true;
        return r;
    }

    void rset() {
        if (out_.server_closing) return;
        write({"RSET"});
        out_.rset = read(Expect::rset, "RSET", false);
    }

    bool recipients_block_data() const {
        std::size_t accepted = 0, refused = 0;
        for (const auto& r : out_.recipients) {
            if (!r.reply) continue;
            (positive(*r.reply) ? accepted : refused)++;
        }
        return accepted == 0 || (refused > 0 && !plan_.allow_partial);
    }

    void send_message() {
        if (ch_.has_buffered_input())
            throw Error(ErrorKind::protocol,
                        "protocol error before the message: the server sent data nobody asked "
                        "for (unsolicited or out-of-order reply)");
        ch_.write_block(plan_.payload, deadline());
        ++out_.round_trips;
        out_.message_sent = true;
        out_.final_reply = read(Expect::message, "the message", false);
    }

    void one_at_a_time() {
        write({out_.mail_command});
        out_.mail = read(Expect::mail, "MAIL FROM", false);
        if (!positive(*out_.mail)) return;
        for (auto& r : out_.recipients) {
            const std::string cmd = rcpt_command(r.address);
            write({cmd});
            r.reply = read(Expect::rcpt, cmd, false);
            if (out_.server_closing) return;
        }
        if (plan_.dry_run || recipients_block_data()) return rset();
        write({"DATA"});
        out_.data = read(Expect::data, "DATA", false);
        if (out_.data->code != 354) return rset();
        send_message();
    }

    void pipelined() {
        std::vector<std::string> group{out_.mail_command};
        for (const auto& r : out_.recipients) group.push_back(rcpt_command(r.address));
        // DATA joins the group unless a refused recipient must be able to stop the send:
        // once the server has said 354, the only way back is to send a message.
        const bool data_in_group =
            !plan_.dry_run && (plan_.allow_partial || out_.recipients.size() == 1);
        if (data_in_group) group.push_back("DATA");
        if (plan_.dry_run) group.push_back("RSET");
        write(group);

        out_.mail = read(Expect::mail, "MAIL FROM", true);
        if (out_.server_closing) return;
        for (auto& r : out_.recipients) {
            r.reply = read(Expect::rcpt, rcpt_command(r.address), true);
            if (out_.server_closing) return;
        }
        if (plan_.dry_run) {
            out_.rset = read(Expect::rset, "RSET", true);
            return;
        }
        if (data_in_group) {
            out_.data = read(Expect::data, "DATA", true);
            if (out_.server_closing) return;
            if (out_.data->code == 354 && (!positive(*out_.mail) || recipients_block_data()))
                // Sending anything now would deliver a message the envelope refused.
                throw Error(ErrorKind::protocol,
                            "protocol error: the server accepted DATA although it refused the "
                            "sender or every recipient; closing the connection without sending "
                            "the message");
        }
        if (!positive(*out_.mail)) return;
        if (!data_in_group) {
            if (recipients_block_data()) return rset();
            write({"DATA"});
            out_.data = read(Expect::data, "DATA", false);
        }
        if (out_.data->code != 354) return rset();
        send_message();
    }

    net::LineChannel& ch_;
    const TransactionPlan& plan_;
    const std::function<net::Deadline()>& deadline_;
    const ReplyLimits& limits_;
    TransactionResult& out_;
};

}  // namespace

SmtpExtensions parse_extensions(const std::vector<std::string>& ehlo_keywords) {
    SmtpExtensions x;
    for (const auto& line : ehlo_keywords) {
        std::string u = upper(line);
        std::string_view word(u);
        auto sp = word.find(' ');
        std::string_view key = word.substr(0, sp);
        if (key == "PIPELINING") x.pipelining = true;
        if (key == "8BITMIME") x.eight_bit_mime = true;
        if (key == "SMTPUTF8") x.smtputf8 = true;
        if (key == "SIZE") {
            x.size_offered = true;
            if (sp != std::string_view::npos) {
                auto arg = word.substr(sp + 1);
                std::uint64_t n = 0;
                auto [p, ec] = std::from_chars(arg.data(), arg.data() + arg.size(), n);
                if (ec == std::errc{}) x.size_limit = n;
            }
        }
    }
    return x;
}

void run_transaction(net::LineChannel& channel, const TransactionPlan& plan,
                     const std::function<net::Deadline()>& deadline, const ReplyLimits& limits,
                     TransactionResult& out) {
    Transaction(channel, plan, deadline, limits, out).run();
}

std::string queue_id(const SmtpReply& reply) {
    if (reply.code < 200 || reply.code >= 300) return {};
    const std::string text = reply.text();
    static const std::regex postfix(R"(queued as ([A-Za-z0-9]+))", std::regex::icase);
    static const std::regex gmail(R"(OK\s+\d+\s+(\S+)\s+-\s+gsmtp)");
    static const std::regex exchange(R"((<[^>\s]+>).*Queued mail for delivery)", std::regex::icase);
    static const std::regex exim(R"(\bid=([A-Za-z0-9-]+))");
    static const std::regex sendmail(
        R"(^(?:\d\.\d{1,3}\.\d{1,3}\s+)?((?!\d\.\d{1,3}\.\d)\S+)\s+Message accepted)",
        std::regex::icase);
    static const std::regex bracketed(R"((<[^>\s]+>))");
    for (const auto* re : {&postfix, &gmail, &exchange, &exim, &sendmail, &bracketed}) {
        std::smatch m;
        if (std::regex_search(text, m, *re)) return m[1].str();
    }
    return {};
}

}  // namespace smtpauth::mail
