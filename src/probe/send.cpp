// `send`: the session runner with an envelope and a message as its after stage. The message
// is built by mail/message (pure), the transaction is run by mail/smtp_transaction; this
// file decides, reports and names the outcome (RFC 5321 §4.2 reply classes).
#include <ctime>

#include "crypto/crypto.hpp"
#include "smtpauth/codec.hpp"
#include "smtpauth/error.hpp"
#include "smtpauth/mail/message.hpp"
#include "smtpauth/mail/smtp_transaction.hpp"
#include "smtpauth/probe.hpp"

namespace smtpauth::probe {

namespace {

struct Envelope {
    std::string from;
    std::vector<RecipientReport> recipients;
};

Envelope make_envelope(const SendOptions& o) {
    Envelope env;
    env.from = mail::envelope_address(o.from);
    auto add = [&](const std::vector<std::string>& entries, RecipientKind kind) {
        for (const auto& entry : entries)
            for (const auto& a : mail::split_address_list(entry)) {
                RecipientReport r;
                r.address = mail::envelope_address(a);
                r.kind = kind;
                env.recipients.push_back(std::move(r));
            }
    };
    add(o.to, RecipientKind::to);
    add(o.cc, RecipientKind::cc);
    add(o.bcc, RecipientKind::bcc);
    if (env.recipients.empty())
        throw Error(ErrorKind::usage, "send needs at least one recipient (--to, --cc or --bcc)");
    return env;
}

std::vector<std::string> header_list(const std::vector<std::string>& entries) {
    std::vector<std::string> out;
    for (const auto& e : entries)
        for (auto& a : mail::split_address_list(e)) out.push_back(std::move(a));
    return out;
}

std::string domain_of(const std::string& address) {
    auto at = address.rfind('@');
    return at == std::string::npos ? "localhost" : address.substr(at + 1);
}

std::string new_message_id(const std::string& from, std::time_t now) {
    // Appended, not `"<" + ...`: GCC 12 at -O3 reports a false -Wrestrict there.
    std::string id(1, '<');
    id += std::to_string(now);
    id += '.';
    id += codec::hex_encode(crypto::random_bytes(12));
    id += ".smtpauth@";
    id += domain_of(from);
    id += '>';
    return id;
}

mail::MessageSpec message_spec(const SendOptions& o, std::time_t date, const std::string& id) {
    mail::MessageSpec m;
    m.from = o.from;
    m.to = header_list(o.to);
    m.cc = header_list(o.cc);
    const Target& t = o.probe.target;
    const std::string where = t.host + " port " + std::to_string(t.port);
    m.subject = o.subject ? *o.subject : "smtpauth test message via " + where;
    m.body = o.body ? *o.body
                    : "This is a test message sent by smtpauth through " + where + " (" +
                          std::string(mail::protocol_name(t.protocol)) + ", TLS " +
                          std::string(tls_mode_name(t.tls)) + ") at " + mail::rfc5322_date(date) +
                          ".\n\nIf it reached you, the server accepted and delivered it.\n";
    m.headers = o.headers;
    m.date = date;
    m.message_id = id;
    return m;
}

bool has_8bit(std::string_view s) {
    for (char ch : s)
        if (static_cast<unsigned char>(ch) > 0x7F) return true;
    return false;
}

ReplyReport reply_report(const mail::SmtpReply& r) {
    ReplyReport out;
    out.code = r.code;
    out.enhanced = r.enhanced_code();
    out.text = r.text();
    if (r.code >= 400) out.hint = refusal_hint(r.code, out.enhanced, out.text);
    return out;
}

bool positive(const mail::SmtpReply& r) {
    return r.code >= 200 && r.code < 300;
}

class SendStage {
  public:
    SendStage(const SendOptions& o, Envelope env) : o_(o), env_(std::move(env)) {}

    bool operator()(SessionContext& ctx) {
        ProbeReport& rep = ctx.report;
        rep.send.emplace();
        SendReport& s = *rep.send;
        s.from = env_.from;
        s.recipients = env_.recipients;
        s.dry_run = o_.dry_run;
        s.allow_partial = o_.allow_partial;
        const mail::SmtpExtensions ext = mail::parse_extensions(ctx.capabilities.list);
        s.pipelining = ext.pipelining;

        // RFC 6531 §3.4: an address beyond ASCII needs SMTPUTF8 on MAIL, which only a server
        // that offers it may receive.
        if (!ext.smtputf8) {
            if (mail::needs_smtputf8(env_.from))
                return refuse_early(ctx, ErrorKind::sender_refused,
                                    "the sender address needs SMTPUTF8, which the server does "
                                    "not offer: use an ASCII address");
            for (const auto& r : env_.recipients)
                if (mail::needs_smtputf8(r.address))
                    return refuse_early(ctx, ErrorKind::recipients_refused,
                                        "the recipient " + r.address +
                                            " needs SMTPUTF8, which the server does not offer");
        }
        bool smtputf8 = mail::needs_smtputf8(env_.from);
        for (const auto& r : env_.recipients)
            smtputf8 = smtputf8 || mail::needs_smtputf8(r.address);

        std::string text;
        bool body_8bit = false;
        if (o_.message) {
            text = mail::normalize_crlf(*o_.message);
            s.encoding = "as-is";
            if (has_8bit(text)) {
                if (!ext.eight_bit_mime && !smtputf8)
                    return refuse_early(ctx, ErrorKind::message_refused,
                                        "the message file has 8-bit content but the server does "
                                        "not offer 8BITMIME: encode it (quoted-printable) first");
                body_8bit = ext.eight_bit_mime;
            }
        } else {
            const std::time_t date = o_.date ? *o_.date : std::time(nullptr);
            s.message_id = o_.message_id ? *o_.message_id : new_message_id(env_.from, date);
            mail::MessageSpec spec = message_spec(o_, date, s.message_id);
            spec.eight_bit_ok = ext.eight_bit_mime;
            mail::BuiltMessage m = mail::build_message(spec);
            text = std::move(m.text);
            s.encoding = std::string(mail::transfer_encoding_name(m.encoding));
            body_8bit = m.encoding == mail::TransferEncoding::eight_bit;
        }
        s.message_bytes = text.size();
        // RFC 1870 §6: a message over the announced limit would be refused after DATA.
        if (ext.size_limit > 0 && text.size() > ext.size_limit && !o_.dry_run)
            return refuse_early(ctx, ErrorKind::message_refused,
                                "the message is " + std::to_string(text.size()) +
                                    " bytes but the server accepts at most " +
                                    std::to_string(ext.size_limit) + " (SIZE); nothing was sent");

        mail::TransactionPlan plan;
        plan.from = env_.from;
        for (const auto& r : env_.recipients) plan.recipients.push_back(r.address);
        plan.payload = mail::dot_stuff(text);
        plan.pipelining = ext.pipelining;
        plan.dry_run = o_.dry_run;
        plan.allow_partial = o_.allow_partial;
        plan.body_8bit = body_8bit;
        plan.smtputf8 = smtputf8;
        if (ext.size_offered) plan.size_param = text.size();

        mail::TransactionResult t;
        try {
            mail::run_transaction(ctx.channel, plan, ctx.step_deadline, mail::ReplyLimits{}, t);
        } catch (const Error& e) {
            record(s, t);
            Stage stage = t.message_sent ? Stage::message : Stage::envelope;
            rep.error = Failure{e.kind(), stage, e.what()};
            ctx.transcript.add(Direction::info,
                               "FAILED at " + std::string(stage_name(stage)) + ": " + e.what());
            return false;  // the session is in an unknown state: no QUIT
        }
        record(s, t);
        judge(ctx, s, t);
        return !t.server_closing;
    }

  private:
    bool refuse_early(SessionContext& ctx, ErrorKind kind, std::string message) {
        ctx.report.error = Failure{kind, Stage::envelope, std::move(message)};
        ctx.transcript.add(Direction::info, "FAILED at envelope: " + ctx.report.error->message);
        return true;
    }

    static void record(SendReport& s, const mail::TransactionResult& t) {
        s.round_trips = t.round_trips;
        if (t.mail) s.mail = reply_report(*t.mail);
        for (std::size_t i = 0; i < t.recipients.size() && i < s.recipients.size(); ++i) {
            const auto& reply = t.recipients[i].reply;
            if (!reply) continue;
            s.recipients[i].reply = reply_report(*reply);
            s.recipients[i].accepted = positive(*reply);
        }
        if (t.data) s.data = reply_report(*t.data);
        if (t.final_reply) {
            s.final_reply = reply_report(*t.final_reply);
            s.delivered = positive(*t.final_reply);
            if (s.delivered) s.queue_id = mail::queue_id(*t.final_reply);
        }
    }

    static void judge(SessionContext& ctx, const SendReport& s, const mail::TransactionResult& t) {
        std::optional<Failure> f;
        std::size_t refused = 0, answered = 0;
        for (const auto& r : s.recipients) {
            if (!r.reply) continue;
            ++answered;
            if (!r.accepted) ++refused;
        }
        if (t.mail && !positive(*t.mail)) {
            f = Failure{ErrorKind::sender_refused, Stage::envelope,
                        "the server refused the sender <" + s.from + ">: " + t.mail->raw};
        } else if (refused > 0 && (!s.allow_partial || refused == answered || s.dry_run)) {
            std::string first;
            for (const auto& r : s.recipients)
                if (r.reply && !r.accepted) {
                    first = "<" + r.address + ">: " + std::to_string(r.reply->code) + " " +
                            r.reply->text;
                    break;
                }
            f = Failure{ErrorKind::recipients_refused, Stage::envelope,
                        "the server refused " + std::to_string(refused) + " of " +
                            std::to_string(s.recipients.size()) + " recipients (first " + first +
                            ")" +
                            (s.dry_run || s.allow_partial || refused == answered
                                 ? ""
                                 : "; nothing was sent (--allow-partial sends to the others)")};
        } else if (t.data && t.data->code != 354) {
            f = Failure{ErrorKind::message_refused, Stage::envelope,
                        "the server refused DATA: " + t.data->raw};
        } else if (t.final_reply && !positive(*t.final_reply)) {
            f = Failure{ErrorKind::message_refused, Stage::message,
                        "the server refused the message: " + t.final_reply->raw};
        } else if (t.server_closing) {
            f = Failure{ErrorKind::protocol, Stage::envelope, "the server ended the session (421)"};
        }
        if (f) {
            ctx.report.error = std::move(f);
            ctx.transcript.add(Direction::info,
                               "FAILED at " + std::string(stage_name(ctx.report.error->stage)) +
                                   ": " + ctx.report.error->message);
        } else if (s.dry_run) {
            ctx.transcript.add(Direction::info,
                               "dry run: the server would take the sender and every recipient");
        } else if (s.delivered) {
            ctx.transcript.add(
                Direction::info,
                "message accepted" + (s.queue_id.empty() ? std::string() : " as " + s.queue_id));
        }
    }

    const SendOptions& o_;
    Envelope env_;
};

}  // namespace

std::string_view recipient_kind_name(RecipientKind k) noexcept {
    switch (k) {
        case RecipientKind::to:
            return "to";
        case RecipientKind::cc:
            return "cc";
        case RecipientKind::bcc:
            return "bcc";
    }
    return "to";
}

ProbeReport run_send(const SendOptions& o) {
    if (o.probe.target.protocol != Protocol::smtp)
        throw Error(ErrorKind::usage, "send speaks SMTP only: use an smtp:// or smtps:// target");
    Envelope env = make_envelope(o);
    // Check what can be checked before connecting: header syntax, UTF-8, address syntax.
    if (!o.message) {
        mail::MessageSpec trial = message_spec(o, 0, "<check@localhost>");
        (void)mail::build_message(trial);
        for (const auto& a : trial.to) (void)mail::envelope_address(a);
        for (const auto& a : trial.cc) (void)mail::envelope_address(a);
    } else {
        std::string text = mail::normalize_crlf(*o.message);
        auto longest = mail::longest_line(text);
        if (longest.length > mail::kMaxLineOctets)
            throw Error(ErrorKind::bad_input, "line " + std::to_string(longest.line) +
                                                  " of the message file is " +
                                                  std::to_string(longest.length) +
                                                  " octets long; RFC 5322 allows at most 998");
    }
    SendStage stage(o, std::move(env));
    AfterStage after = [&stage](SessionContext& ctx) { return stage(ctx); };
    return run_session(o.probe, Stage::envelope, after);
}

}  // namespace smtpauth::probe
