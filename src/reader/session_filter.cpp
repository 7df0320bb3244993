// The protocol pass over recovered lines, the same for every tool format: message bodies
// (SMTP DATA RFC 5321 §4.1.1.4, BDAT RFC 3030, IMAP literals RFC 3501 §4.3, POP3 multi-line
// responses RFC 1939 §3) are skipped with a note; capability replies (EHLO RFC 5321 §4.1.1.1,
// IMAP CAPABILITY RFC 3501 §7.2.1, POP3 CAPA RFC 2449) become one capabilities message;
// an IMAP LOGIN whose arguments are literals is joined into one line.
#include <cctype>
#include <charconv>
#include <optional>
#include <string>
#include <string_view>

#include "reader/reader_internal.hpp"

namespace smtpauth::reader::detail {

namespace {

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (std::toupper(static_cast<unsigned char>(a[i])) !=
            std::toupper(static_cast<unsigned char>(b[i])))
            return false;
    return true;
}

std::string_view first_word(std::string_view s) {
    return s.substr(0, s.find(' '));
}

std::string_view second_word(std::string_view s) {
    auto sp = s.find(' ');
    if (sp == std::string_view::npos) return {};
    return first_word(s.substr(sp + 1));
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
                if (w.dir != literal_dir_ && (t == "+" || t.starts_with("+ "))) {
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
                if (w.dir != Dir::client && t.size() >= 4 && t.starts_with("250") &&
                    (t[3] == '-' || t[3] == ' ')) {
                    if (skip_count_ > 0) caps_->push_back(std::string(t.substr(4)));
                    ++skip_count_;
                    if (t[3] == ' ') end_skip();
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
        std::string_view w1 = first_word(t);
        std::string_view w2 = second_word(t);
        Pending before = pending_;
        if (w.dir == Dir::client) pending_ = Pending::none;
        if (w.dir != Dir::server) {
            // Client commands that announce what the server's next lines are.
            if (iequals(t, "DATA")) {
                pending_ = Pending::data;
            } else if (iequals(w1, "BDAT")) {
                std::size_t n = 0;
                auto [p, ec] = std::from_chars(w2.data(), w2.data() + w2.size(), n);
                if (ec == std::errc() && n > 0) {
                    pass(w);
                    begin_skip(Mode::bdat, w, "BDAT chunk (message data)");
                    skip_count_ = 0;
                    remaining_ = n;
                    return;
                }
            } else if (iequals(w1, "EHLO") || iequals(w1, "LHLO")) {
                pending_ = Pending::ehlo;
            } else if (iequals(t, "CAPA")) {
                pending_ = Pending::capa;
            } else if (iequals(w1, "RETR") || iequals(w1, "TOP")) {
                pending_ = Pending::message;
            } else if ((iequals(t, "LIST") || iequals(t, "UIDL") || iequals(t, "AUTH"))) {
                pending_ = Pending::listing;
            } else if (iequals(w2, "LOGIN") && trailing_literal(t)) {
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
            if (t.starts_with("354") && pending_ == Pending::data) {
                pending_ = Pending::none;
                pass(w);
                begin_skip(Mode::smtp_body, w, "message body");
                return;
            }
            if (t.starts_with("250") && t.size() >= 4 && (t[3] == '-' || t[3] == ' ') &&
                pending_ == Pending::ehlo) {
                pending_ = Pending::none;
                begin_skip(Mode::ehlo, w, "capabilities (EHLO reply)");
                caps_.emplace();
                skip_count_ = 1;
                skip_first_ = w.number;
                if (t[3] == ' ') end_skip();
                return;
            }
            if (t.starts_with("+OK") && pending_ != Pending::none && pending_ != Pending::data &&
                pending_ != Pending::ehlo) {
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
            if (t.starts_with("* ") &&
                (iequals(w2, "CAPABILITY") || t.starts_with("* OK [CAPABILITY "))) {
                sasl::DecodedMessage msg;
                msg.line = w.number;
                msg.direction = sasl::TokenDirection::server;
                msg.kind = sasl::MessageKind::capabilities;
                msg.summary = "capabilities (IMAP)";
                std::string_view list = t.substr(t.find("CAPABILITY") + 10);
                auto close = list.find(']');
                std::string_view text;
                if (t.starts_with("* OK [") && close != std::string_view::npos) {
                    text = list.substr(close + 1);
                    list = list.substr(0, close);
                }
                while (!list.empty() && list.front() == ' ') list.remove_prefix(1);
                msg.fields.emplace_back("capabilities", std::string(list));
                if (!text.empty())
                    msg.fields.emplace_back(
                        "text", std::string(text.substr(text.find_first_not_of(' ') ==
                                                                std::string_view::npos
                                                            ? text.size()
                                                            : text.find_first_not_of(' '))));
                messages_.push_back(std::move(msg));
                return;
            }
            if (auto n = trailing_literal(t); n && t.starts_with("* ")) {
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
        if (w.dir != Dir::client && (t == "+" || t.starts_with("+ "))) return;  // go-ahead
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

std::vector<sasl::NumberedLine> filter_session(std::span<const WireLine> wire,
                                               std::vector<sasl::DecodedMessage>& messages) {
    Filter f(messages);
    for (const auto& w : wire) f.feed(w);
    f.finish();
    return std::move(f.lines);
}

}  // namespace smtpauth::reader::detail
