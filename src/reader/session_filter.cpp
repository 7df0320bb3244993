// The protocol pass over recovered lines, the same for every tool format. Each line is
// classified once with the mail/ parsers (SMTP reply RFC 5321 §4.2, IMAP response RFC 3501
// §7, POP3 status RFC 1939 §3, AUTH command RFC 4954/3501/5034); then message bodies (SMTP
// DATA RFC 5321 §4.1.1.4, BDAT RFC 3030, IMAP literals RFC 3501 §4.3, POP3 multi-line
// responses RFC 1939 §3) are skipped with a note; capability replies (EHLO RFC 5321
// §4.1.1.1, IMAP CAPABILITY RFC 3501 §7.2.1, POP3 CAPA RFC 2449) become one capabilities
// message; an IMAP LOGIN whose arguments are literals is joined into one line.
#include <array>
#include <cctype>
#include <charconv>
#include <optional>
#include <string>
#include <string_view>

#include "reader/reader_internal.hpp"
#include "smtpauth/mail/auth_line.hpp"
#include "smtpauth/mail/imap_response.hpp"
#include "smtpauth/mail/pop3_response.hpp"
#include "smtpauth/mail/smtp_reply.hpp"
#include "smtpauth/sasl/transcript_line.hpp"

namespace smtpauth::reader::detail {

namespace {

using sasl::LineShape;

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (std::toupper(static_cast<unsigned char>(a[i])) !=
            std::toupper(static_cast<unsigned char>(b[i])))
            return false;
    return true;
}

// "... {42}" / "... {42+}" at the end of a line: the literal's size.
std::optional<std::size_t> trailing_literal(std::string_view s) {
    if (!s.ends_with("}")) return std::nullopt;
    auto open = s.rfind('{');
    if (open == std::string_view::npos) return std::nullopt;
    std::string_view digits = s.substr(open + 1, s.size() - open - 2);
    if (digits.ends_with("+")) digits.remove_suffix(1);
    std::size_t n = 0;
    auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
    if (ec != std::errc() || p != digits.data() + digits.size() || digits.empty())
        return std::nullopt;
    return n;
}

std::string quoted(std::string_view s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + "\"";
}

sasl::TokenDirection to_sasl(Dir d) {
    return d == Dir::client   ? sasl::TokenDirection::client
           : d == Dir::server ? sasl::TokenDirection::server
                              : sasl::TokenDirection::unknown;
}

bool is_blank(char c) {
    return c == ' ' || c == '\t';
}

std::string_view trim_left(std::string_view s) {
    while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
    return s;
}

std::string upper(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return out;
}

// Client command words of SMTP (RFC 5321 §4.1, RFC 3030, RFC 3207) and POP3 (RFC 1939,
// RFC 2449, RFC 2595): they are what a client line that is not AUTH starts with.
bool is_smtp_or_pop3_command(std::string_view w) {
    static constexpr std::array<std::string_view, 26> kCommands{
        "EHLO",     "HELO", "LHLO", "MAIL", "RCPT", "DATA", "QUIT", "RSET",   "NOOP",
        "STARTTLS", "VRFY", "EXPN", "HELP", "BDAT", "CAPA", "USER", "PASS",   "STLS",
        "APOP",     "LIST", "RETR", "STAT", "DELE", "TOP",  "UIDL", "XCLIENT"};
    for (auto c : kCommands)
        if (iequals(w, c)) return true;
    return false;
}

// IMAP commands a client sends around AUTHENTICATE (RFC 3501 §6, RFC 2971, RFC 5161,
// RFC 2177, RFC 4978).
bool is_imap_command(std::string_view w) {
    static constexpr std::array<std::string_view, 14> kCommands{
        "CAPABILITY", "LOGIN",  "STARTTLS", "LOGOUT", "NOOP",  "SELECT", "EXAMINE",
        "ID",         "ENABLE", "LIST",     "STATUS", "FETCH", "IDLE",   "COMPRESS"};
    for (auto c : kCommands)
        if (iequals(w, c)) return true;
    return false;
}

// The text `parsed` (a copy a mail/ parser made of the line's tail) as a view into `line`.
std::string_view tail_of(std::string_view line, const std::string& parsed) {
    return line.substr(line.size() - parsed.size());
}

class Filter {
  public:
    explicit Filter(std::vector<sasl::DecodedMessage>& messages) : messages_(messages) {}

    void feed(const WireLine& w) {
        std::string_view t = w.text;
        switch (mode_) {
            case Mode::smtp_body:
                if (w.dir == Dir::server) {  // the tool did not show the final "."
                    end_skip();
                    break;
                }
                if (t == ".") return end_skip();
                return count(w);
            case Mode::bdat:
                count(w);
                remaining_ = remaining_ > t.size() + 2 ? remaining_ - t.size() - 2 : 0;
                if (remaining_ == 0) end_skip();
                return;
            case Mode::literal:
                if (w.dir != literal_dir_ && is_go_ahead(t)) {
                    return;  // the server's go-ahead for the literal, not a SASL challenge
                }
                if (w.dir != literal_dir_ && w.dir != Dir::unknown) {
                    end_skip();
                    break;
                }
                count(w);
                remaining_ = remaining_ > t.size() + 2 ? remaining_ - t.size() - 2 : 0;
                if (remaining_ == 0) end_skip();
                return;
            case Mode::pop3_multi:
                if (w.dir == Dir::client) {
                    end_skip();
                    break;
                }
                if (t == ".") return end_skip();
                if (caps_) caps_->push_back(std::string(t));
                return count(w);
            case Mode::ehlo:
                if (auto c = classified(t); w.dir != Dir::client && is_reply(c, 250)) {
                    if (skip_count_ > 0 && !c.payload.empty())
                        caps_->push_back(std::string(c.payload));
                    ++skip_count_;
                    if (!c.continued) end_skip();
                    return;
                }
                end_skip();
                break;
            case Mode::login_literal:
                return login_literal(w);
            case Mode::normal:
                break;
        }
        normal(w);
    }

    void finish() {
        if (mode_ != Mode::normal) end_skip();
    }

    std::vector<sasl::NumberedLine> lines;

  private:
    enum class Mode { normal, smtp_body, bdat, literal, pop3_multi, ehlo, login_literal };

    void pass(const WireLine& w) {
        std::string prefix = w.dir == Dir::client ? "C: " : w.dir == Dir::server ? "S: " : "";
        lines.push_back({w.number, prefix + w.text});
    }

    void begin_skip(Mode m, const WireLine& w, std::string what) {
        mode_ = m;
        skip_first_ = w.number;
        skip_dir_ = w.dir;
        skip_count_ = 0;
        skip_what_ = std::move(what);
    }

    void count(const WireLine& w) {
        if (skip_count_ == 0) {
            skip_first_ = w.number;
            if (w.dir != Dir::unknown) skip_dir_ = w.dir;
        }
        ++skip_count_;
    }

    void end_skip() {
        Mode m = mode_;
        mode_ = Mode::normal;
        if (caps_) {
            sasl::DecodedMessage msg;
            msg.line = skip_first_;
            msg.direction = sasl::TokenDirection::server;
            msg.kind = sasl::MessageKind::capabilities;
            msg.summary = skip_what_;
            std::string list;
            for (const auto& c : *caps_) list += (list.empty() ? "" : ", ") + c;
            msg.fields.emplace_back("capabilities", list);
            messages_.push_back(std::move(msg));
            caps_.reset();
            return;
        }
        if (m == Mode::ehlo || skip_count_ == 0) return;
        sasl::DecodedMessage msg;
        msg.line = skip_first_;
        msg.direction = to_sasl(skip_dir_);
        msg.kind = sasl::MessageKind::body;
        msg.summary = skip_what_ + ", " + std::to_string(skip_count_) +
                      (skip_count_ == 1 ? " line" : " lines") + ", not shown";
        messages_.push_back(std::move(msg));
    }

    void normal(const WireLine& w) {
        std::string_view t = w.text;
        const sasl::TranscriptLine c = classified(t);
        auto command = [&](std::string_view keyword, bool alone) {
            return c.shape == LineShape::command && c.keyword == keyword &&
                   (!alone || c.payload.empty());
        };
        Pending before = pending_;
        if (w.dir == Dir::client) pending_ = Pending::none;
        if (w.dir != Dir::server) {
            // Client commands that announce what the server's next lines are.
            if (command("DATA", true)) {
                pending_ = Pending::data;
            } else if (command("BDAT", false)) {
                std::string_view size = c.payload.substr(0, c.payload.find(' '));
                std::size_t n = 0;
                auto [p, ec] = std::from_chars(size.data(), size.data() + size.size(), n);
                if (ec == std::errc() && n > 0) {
                    pass(w);
                    begin_skip(Mode::bdat, w, "BDAT chunk (message data)");
                    skip_count_ = 0;
                    remaining_ = n;
                    return;
                }
            } else if (command("EHLO", false) || command("LHLO", false)) {
                pending_ = Pending::ehlo;
            } else if (command("CAPA", true)) {
                pending_ = Pending::capa;
            } else if (command("RETR", false) || command("TOP", false)) {
                pending_ = Pending::message;
            } else if (command("LIST", true) || command("UIDL", true) ||
                       (command("AUTH", true) && c.tag.empty())) {
                pending_ = Pending::listing;
            } else if (command("LOGIN", false) && !c.tag.empty() && trailing_literal(t)) {
                return begin_login_literal(w);
            } else if (auto n = trailing_literal(t); n && w.dir == Dir::client) {
                pass(w);
                begin_skip(Mode::literal, w, "literal (message data)");
                literal_dir_ = Dir::client;
                remaining_ = *n;
                return;
            }
        }
        bool announced = pending_ != Pending::none && pending_ != before;
        if (w.dir != Dir::client) {
            if (is_reply(c, 354) && pending_ == Pending::data) {
                pending_ = Pending::none;
                pass(w);
                begin_skip(Mode::smtp_body, w, "message body");
                return;
            }
            if (is_reply(c, 250) && pending_ == Pending::ehlo) {
                pending_ = Pending::none;
                begin_skip(Mode::ehlo, w, "capabilities (EHLO reply)");
                caps_.emplace();
                skip_count_ = 1;
                skip_first_ = w.number;
                if (!c.continued) end_skip();
                return;
            }
            if (c.shape == LineShape::pop3_ok && pending_ != Pending::none &&
                pending_ != Pending::data && pending_ != Pending::ehlo) {
                Pending p = pending_;
                pending_ = Pending::none;
                pass(w);
                if (p == Pending::capa) {
                    begin_skip(Mode::pop3_multi, w, "capabilities (POP3 CAPA reply)");
                    caps_.emplace();
                    skip_first_ = w.number;
                } else {
                    begin_skip(Mode::pop3_multi, w,
                               p == Pending::message ? "message body" : "listing");
                }
                return;
            }
            if (c.shape == LineShape::imap_untagged && imap_capabilities(w.number, t)) return;
            if (auto n = trailing_literal(t); n && c.shape == LineShape::imap_untagged) {
                pass(w);
                begin_skip(Mode::literal, w, "literal (message data)");
                literal_dir_ = Dir::server;
                remaining_ = *n;
                return;
            }
            // The announced response is the next line; SMTP may pipeline MAIL, RCPT and
            // DATA, so DATA waits for its 354 over other replies (a client line ends it).
            if (!announced && pending_ != Pending::data) pending_ = Pending::none;
        }
        pass(w);
    }

    static sasl::TranscriptLine classified(std::string_view text) {
        sasl::TranscriptLine c;
        classify_protocol_line(text, c);
        return c;
    }

    static bool is_reply(const sasl::TranscriptLine& c, int code) {
        return c.shape == LineShape::smtp_reply && c.code == code;
    }

    // The server's "+ ..." before a literal's data (RFC 3501 §7.5), not a SASL challenge.
    static bool is_go_ahead(std::string_view text) {
        sasl::TranscriptLine c = classified(text);
        return c.shape == LineShape::challenge && c.code == 0;
    }

    // "* CAPABILITY ..." or a greeting's "* OK [CAPABILITY ...] text" (RFC 3501 §7.2.1,
    // §7.1): one capabilities message. False for any other untagged response.
    bool imap_capabilities(std::size_t number, std::string_view text) {
        auto r = mail::match_imap_line(text);
        if (!r) return false;
        std::string atoms = r->status == "CAPABILITY" ? std::string(trim_left(r->text))
                            : r->status == "OK"       ? mail::capability_code_atoms(r->code)
                                                      : std::string();
        if (r->status != "CAPABILITY" && atoms.empty()) return false;
        sasl::DecodedMessage msg;
        msg.line = number;
        msg.direction = sasl::TokenDirection::server;
        msg.kind = sasl::MessageKind::capabilities;
        msg.summary = "capabilities (IMAP)";
        msg.fields.emplace_back("capabilities", std::move(atoms));
        if (r->status == "OK" && !r->text.empty())
            msg.fields.emplace_back("text", std::string(trim_left(r->text)));
        messages_.push_back(std::move(msg));
        return true;
    }

    // a LOGIN {5} / + / carol {14} / + / password: joined into `a LOGIN "carol" "password"`.
    void begin_login_literal(const WireLine& w) {
        std::string_view t = w.text;
        auto n = trailing_literal(t);
        login_text_ = std::string(t.substr(0, t.rfind('{')));
        remaining_ = *n;
        literal_data_.clear();
        mode_ = Mode::login_literal;
        login_dir_ = w.dir;
    }

    void login_literal(const WireLine& w) {
        std::string_view t = w.text;
        if (w.dir != Dir::client && is_go_ahead(t)) return;
        if (w.dir == Dir::server) {  // the server refused the literal
            mode_ = Mode::normal;
            lines.push_back({w.number, (login_dir_ == Dir::client ? "C: " : "") + login_text_});
            return normal(w);
        }
        std::string_view data = t.substr(0, std::min(remaining_, t.size()));
        literal_data_ += data;
        std::string_view rest = t.substr(data.size());
        login_text_ += quoted(literal_data_);
        wipe_string(literal_data_);
        if (auto n = trailing_literal(rest)) {
            login_text_ += std::string(rest.substr(0, rest.rfind('{')));
            remaining_ = *n;
            return;
        }
        login_text_ += std::string(rest);
        mode_ = Mode::normal;
        lines.push_back({w.number, (login_dir_ == Dir::client ? "C: " : "") + login_text_});
        wipe_string(login_text_);
    }

    enum class Pending { none, data, ehlo, capa, message, listing };

    std::vector<sasl::DecodedMessage>& messages_;
    Mode mode_ = Mode::normal;
    Pending pending_ = Pending::none;
    std::size_t skip_first_ = 0;
    Dir skip_dir_ = Dir::unknown;
    std::size_t skip_count_ = 0;
    std::string skip_what_;
    std::size_t remaining_ = 0;
    Dir literal_dir_ = Dir::client;
    std::optional<std::vector<std::string>> caps_;
    std::string login_text_;
    std::string literal_data_;
    Dir login_dir_ = Dir::client;
};

}  // namespace

// The first matching form wins, in this order: an SMTP reply (334 is the continuation), a
// POP3 status or continuation ("+OK", "-ERR", "+ b64"), an AUTH/AUTHENTICATE command, an
// IMAP untagged or tagged response, another client command, then one word (a token) or text.
// The mail/ parsers are strict where the RFCs are (reply codes 2xx-5xx with a second digit
// 0-5, upper-case "+OK"/"-ERR", "+" followed by a blank or nothing, valid IMAP tags): a line
// they refuse is read on as a bare token or as text, and the decoder notes it if it is
// neither, so one odd line never stops the rest.
void classify_protocol_line(std::string_view text, sasl::TranscriptLine& out) {
    // Trailing blanks are layout, except that "334 " (code + space) is an empty challenge.
    std::string_view trimmed = text;
    while (!trimmed.empty() && is_blank(trimmed.back())) trimmed.remove_suffix(1);
    if (trimmed.empty()) {
        out.shape = LineShape::blank;
        return;
    }
    if (trimmed == "*") {
        out.shape = LineShape::cancel;
        return;
    }
    if (auto reply = mail::parse_smtp_reply_line(trimmed)) {
        out.code = reply->code;
        if (reply->code == 334) {  // RFC 4954 §4: "334" alone is an empty challenge too
            out.shape = LineShape::challenge;
            out.has_payload = true;
            out.payload = trim_left(reply->text);
            return;
        }
        out.shape = LineShape::smtp_reply;
        out.continued = !reply->last;
        out.payload = reply->text;
        return;
    }
    if (auto pop3 = mail::match_pop3_line(trimmed)) {
        out.payload = trim_left(tail_of(trimmed, pop3->text));
        switch (pop3->type) {
            case mail::Pop3Line::Type::continuation:  // IMAP's continue-req is the same
                out.shape = LineShape::challenge;
                out.has_payload = true;
                return;
            case mail::Pop3Line::Type::ok:
                out.shape = LineShape::pop3_ok;
                return;
            case mail::Pop3Line::Type::err:
                out.shape = LineShape::pop3_err;
                return;
        }
    }
    if (auto auth = mail::parse_auth_command(trimmed)) {
        out.tag = auth->tag;
        out.keyword = auth->tag.empty() ? "AUTH" : "AUTHENTICATE";
        if (auth->mechanism.empty()) {  // POP3 "AUTH" alone lists mechanisms (RFC 5034 §3)
            out.shape = LineShape::command;
            return;
        }
        out.shape = LineShape::auth_command;
        out.mechanism = upper(auth->mechanism);
        // The command as the dialects write it: IMAP's form when there is a tag; SMTP's
        // and POP3's are the same.
        out.command = mail::auth_command(
            out.tag.empty() ? mail::Protocol::smtp : mail::Protocol::imap, out.mechanism, out.tag);
        if (auth->initial_response) {
            out.has_payload = true;
            out.payload = *auth->initial_response;
        }
        return;
    }
    if (auto imap = mail::match_imap_line(trimmed)) {
        if (imap->type == mail::ImapResponse::Type::untagged) {
            out.shape = LineShape::imap_untagged;
            out.payload = trimmed.substr(2);
            return;
        }
        out.shape = LineShape::imap_tagged;
        out.tag = trimmed.substr(0, imap->tag.size());
        out.keyword = imap->status;
        out.payload = trim_left(trimmed.substr(imap->tag.size() + 1 + imap->status.size()));
        return;
    }
    std::string_view first = trimmed.substr(0, trimmed.find(' '));
    std::string_view rest =
        first.size() < trimmed.size() ? trimmed.substr(first.size() + 1) : std::string_view{};
    if (!rest.empty() && mail::is_imap_tag(first) && !is_smtp_or_pop3_command(first)) {
        std::string_view args = trim_left(rest);
        std::string_view second = args.substr(0, args.find(' '));
        if (is_imap_command(second)) {
            out.shape = LineShape::command;
            out.tag = first;
            out.keyword = upper(second);
            out.payload = trim_left(args.substr(second.size()));
            return;
        }
    }
    if (is_smtp_or_pop3_command(first)) {
        out.shape = LineShape::command;
        out.keyword = upper(first);
        out.payload = trim_left(rest);
        return;
    }
    out.shape = rest.empty() ? LineShape::bare : LineShape::text;
    out.payload = trimmed;
}

std::vector<sasl::NumberedLine> filter_session(std::span<const WireLine> wire,
                                               std::vector<sasl::DecodedMessage>& messages) {
    Filter f(messages);
    for (const auto& w : wire) f.feed(w);
    f.finish();
    return std::move(f.lines);
}

}  // namespace smtpauth::reader::detail
