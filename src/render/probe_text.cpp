// Human-readable probe report: one screen with endpoint, TLS and certificate, capabilities,
// mechanisms, the AUTH result in the server's own (escaped) words, and hints.
#include <cstdio>
#include <string>

#include "smtpauth/codec.hpp"
#include "smtpauth/render.hpp"

namespace smtpauth::render {

namespace {

using codec::escape_for_display;
using probe::ProbeReport;

std::string upper(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
    return out;
}

std::string fixed1(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f", v);
    return buf;
}

// Server text may span several lines; continuation lines are indented under the first.
void print_block(std::ostream& out, std::string_view label, std::string_view text,
                 std::string_view suffix = {}) {
    out << label << display_lines(text, label.size()) << suffix << '\n';
}

void print_transcript(std::ostream& out, const ProbeReport& r, const RenderOptions& o) {
    out << "Transcript (S~ = cleartext, unauthenticated server text):\n";
    for (const auto& e : r.transcript) out << verbose_transcript_line(e, o.show_secrets) << '\n';
    out << '\n';
}

void print_capabilities(std::ostream& out, std::string_view label,
                        const std::vector<std::string>& caps) {
    out << label << (caps.empty() ? " (none)" : "") << '\n';
    for (const auto& c : caps) out << "  " << escape_for_display(c) << '\n';
}

void print_tls(std::ostream& out, const ProbeReport& r) {
    if (!r.tls) {
        out << "TLS:          none" << (r.target.tls == probe::TlsMode::none ? " (--tls none)" : "")
            << '\n';
        return;
    }
    const auto& t = *r.tls;
    out << "TLS:          " << t.version << ", " << t.cipher;
    if (!t.group.empty()) out << ", " << t.group;
    out << '\n';
    out << "Certificate:  "
        << (t.verified ? std::string("verified")
                       : "NOT verified: " + escape_for_display(t.verify_error))
        << '\n';
    for (std::size_t i = 0; i < t.chain.size(); ++i) {
        const auto& c = t.chain[i];
        out << "  [" << i << "] subject: " << escape_for_display(c.subject) << '\n';
        out << "      issuer:  " << escape_for_display(c.issuer) << '\n';
        if (!c.subject_alt_names.empty()) {
            out << "      names:   ";
            for (std::size_t k = 0; k < c.subject_alt_names.size(); ++k)
                out << (k ? ", " : "") << escape_for_display(c.subject_alt_names[k]);
            out << '\n';
        }
        out << "      valid:   " << c.not_before << " to " << c.not_after << " ("
            << (c.days_left < 0 ? "EXPIRED " + std::to_string(-c.days_left) + " days ago"
                                : std::to_string(c.days_left) + " days left")
            << ")\n";
        out << "      key:     " << c.key_type << ' ' << c.key_bits << " bits\n";
        out << "      sha256:  " << c.sha256_fingerprint << '\n';
    }
}

void print_auth(std::ostream& out, const ProbeReport& r) {
    const auto& a = r.auth;
    if (!a.mechanism) {
        out << "AUTH:         not attempted";
        if (!a.message.empty()) out << " (" << escape_for_display(a.message) << ")";
        out << '\n';
        return;
    }
    out << "AUTH " << *a.mechanism << ": " << upper(probe::auth_result_name(a.result));
    out << " (" << a.round_trips << (a.round_trips == 1 ? " round trip" : " round trips");
    if (a.server_verified) out << ", server verified";
    out << ")\n";
    if (a.server_reply) print_block(out, "  server said: ", *a.server_reply);
    if (!a.message.empty()) out << "  " << escape_for_display(a.message) << '\n';
    for (const auto& [key, value] : a.details) {
        std::string label = key;
        for (char& c : label)
            if (c == '_') c = ' ';
        out << "  " << label << ": " << escape_for_display(value) << '\n';
    }
    if (a.server_error) {
        const auto& e = *a.server_error;
        out << "  server error: status " << escape_for_display(e.status);
        if (!e.schemes.empty()) out << ", schemes " << escape_for_display(e.schemes);
        if (!e.scope.empty()) out << ", scope " << escape_for_display(e.scope);
        out << '\n';
    }
    if (a.hint) out << "Hint:         " << *a.hint << '\n';
}

void print_reply(std::ostream& out, std::string_view label, const probe::ReplyReport& r) {
    std::string prefix = std::string(label) + std::to_string(r.code) + " ";
    if (!r.enhanced.empty() && r.text.rfind(r.enhanced, 0) != 0) prefix += r.enhanced + " ";
    print_block(out, prefix, r.text);
    if (r.hint) out << "  Hint: " << *r.hint << '\n';
}

void print_mailbox(std::ostream& out, const probe::MailboxReport& m) {
    out << "Mailbox:      " << m.command << ": ";
    if (m.reachable) {
        out << "reachable";
        if (m.messages) out << ", " << *m.messages << (*m.messages == 1 ? " message" : " messages");
        if (m.octets) out << ", " << *m.octets << " octets";
        out << '\n';
        return;
    }
    out << "NOT reachable (authenticated, but the mailbox cannot be opened)\n";
    print_block(out, "  server said: ", m.server_reply);
    if (m.hint) out << "Hint:         " << *m.hint << '\n';
}

void print_send(std::ostream& out, const probe::SendReport& s) {
    out << (s.dry_run ? "Envelope (dry run, nothing delivered):" : "Envelope:") << ' '
        << (s.pipelining ? "PIPELINING" : "one command at a time") << ", " << s.round_trips
        << (s.round_trips == 1 ? " round trip" : " round trips") << '\n';
    out << "  MAIL FROM:<" << escape_for_display(s.from) << ">\n";
    if (s.mail) print_reply(out, "    ", *s.mail);
    for (const auto& r : s.recipients) {
        out << "  RCPT TO:<" << escape_for_display(r.address) << "> ("
            << upper(probe::recipient_kind_name(r.kind))
            << "): " << (!r.reply ? "not answered" : (r.accepted ? "accepted" : "REFUSED")) << '\n';
        if (r.reply) print_reply(out, "    ", *r.reply);
    }
    if (s.dry_run) return;
    if (!s.encoding.empty())
        out << "Message:      " << s.message_bytes << " bytes, " << s.encoding
            << (s.message_id.empty() ? "" : ", Message-ID " + s.message_id) << '\n';
    if (s.data && s.data->code != 354) print_reply(out, "  DATA: ", *s.data);
    if (s.final_reply)
        print_reply(out, s.delivered ? "Accepted:     " : "Refused:      ", *s.final_reply);
    if (!s.queue_id.empty()) out << "Queue id:     " << escape_for_display(s.queue_id) << '\n';
}

}  // namespace

void probe_text(std::ostream& out, const ProbeReport& r, const RenderOptions& o) {
    if (o.verbose) print_transcript(out, r, o);

    const auto& t = r.target;
    out << "Target:       " << escape_for_display(t.input) << " ("
        << upper(mail::protocol_name(t.protocol)) << ", TLS " << probe::tls_mode_name(t.tls)
        << ")\n";
    out << "Endpoint:     " << escape_for_display(t.host) << " port " << t.port;
    if (r.address) out << ", address " << *r.address;
    out << '\n';
    if (r.target.tls != probe::TlsMode::starttls || r.tls || r.greeting) print_tls(out, r);
    if (r.greeting)
        print_block(out, "Greeting:     ", *r.greeting,
                    r.greeting_before_tls ? "   [cleartext, unauthenticated]" : "");
    if (r.capabilities_before_tls)
        print_capabilities(out, "Capabilities before TLS (cleartext, unauthenticated):",
                           *r.capabilities_before_tls);
    if (r.capabilities_after_tls)
        print_capabilities(out, "Capabilities after TLS:", *r.capabilities_after_tls);
    for (const auto& n : r.notes) out << "Note:         " << escape_for_display(n) << '\n';

    if (!r.offered.empty() || !r.considered.empty()) {
        out << "Mechanisms offered:";
        if (r.offered.empty()) out << " (none)";
        for (const auto& m : r.offered) out << ' ' << escape_for_display(m);
        out << '\n';
        for (const auto& c : r.considered) {
            std::string name = escape_for_display(c.name);
            if (name.size() < 22) name.resize(22, ' ');
            out << "  " << name << ' ' << (c.usable ? "+ " : "- ") << c.reason << '\n';
        }
    }
    if (r.all_mechanisms && !r.attempts.empty()) {
        out << "Results (--mech all, one connection each):\n";
        for (const auto& a : r.attempts) {
            std::string name = a.mechanism;
            if (name.size() < 22) name.resize(22, ' ');
            std::string result(probe::auth_result_name(a.result));
            out << "  " << name << ' ' << result;
            if (a.server_reply) {
                std::string_view reply = *a.server_reply;
                reply = reply.substr(0, reply.find('\n'));
                out << std::string(result.size() < 14 ? 14 - result.size() : 1, ' ')
                    << escape_for_display(reply);
            } else if (!a.message.empty()) {
                out << std::string(result.size() < 14 ? 14 - result.size() : 1, ' ')
                    << escape_for_display(a.message);
            }
            out << '\n';
        }
    } else if (r.error == std::nullopt || r.error->stage == probe::Stage::auth ||
               r.auth.mechanism) {
        print_auth(out, r);
    }
    if (r.mailbox) print_mailbox(out, *r.mailbox);
    if (r.send) print_send(out, *r.send);

    const auto& tm = r.timings;
    out << "Timings (ms): resolve " << fixed1(tm.resolve) << ", connect " << fixed1(tm.connect)
        << ", tls " << fixed1(tm.tls) << ", greeting " << fixed1(tm.greeting) << ", capabilities "
        << fixed1(tm.capabilities) << ", auth " << fixed1(tm.auth) << ", total " << fixed1(tm.total)
        << '\n';
    // The failure line itself is the command's one line on stderr, not repeated here.
}

}  // namespace smtpauth::render
