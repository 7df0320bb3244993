// Decodes whole inputs line by line, carrying the exchange context from line to line:
// SMTP AUTH (RFC 4954 §4), IMAP AUTHENTICATE (RFC 3501 §6.2.2, RFC 4959), POP3 AUTH
// (RFC 5034 §4); the SASL framing rules of RFC 4422 §3 (initial response, "=", "*").
// The lines arrive classified (transcript_line.hpp): the protocols' line grammar is mail/'s,
// applied by the transcript reader; this file knows only what an exchange is made of.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sasl/token_internal.hpp"
#include "smtpauth/codec.hpp"
#include "smtpauth/error.hpp"
#include "smtpauth/sasl/exchange.hpp"
#include "smtpauth/sasl/registry.hpp"
#include "smtpauth/sasl/transcript_line.hpp"

namespace smtpauth::sasl {

DecodedField DecodedField::raw_text(std::string name, std::string value) {
    DecodedField f(std::move(name), std::move(value));
    f.raw_ = true;
    return f;
}

namespace {

using namespace token_detail;

bool is_redacted(std::string_view payload) {
    if (!payload.starts_with("<")) return false;
    std::string u = upper(payload);
    return u.find("REDACTED") != std::string::npos || u.find("HIDDEN") != std::string::npos;
}

class Decoder {
  public:
    Decoder(const DecodeOptions& options, bool several, bool transcript)
        : options_(options), several_(several), transcript_(transcript) {}

    void line(const TranscriptLine& l) {
        const std::size_t number = l.number;
        const std::string_view text = l.line;
        try {
            if (text.size() > kDecodeMaxLineBytes)
                throw Error(ErrorKind::bad_input, "line " + std::to_string(number) +
                                                      " is longer than the line cap of 64 KiB (" +
                                                      byte_count(text.size()) + ")");
            process(l);
        } catch (const Error& e) {
            if (!several_ || e.kind() != ErrorKind::bad_input) throw;
            // Never abort on one line: the reason goes in place and decoding goes on.
            DecodedMessage msg;
            msg.line = number;
            msg.kind = MessageKind::unreadable;
            msg.summary = e.what();
            if (text.size() <= kDecodeMaxLineBytes)
                msg.fields.push_back(DecodedField::raw_text("text", std::string(text)));
            push(std::move(msg));
        }
    }

    DecodeResult take() { return std::move(result_); }

  private:
    void begin_if_idle(std::size_t number) {
        if (ex_.active) return;
        ex_ = Exchange{};
        ex_.active = true;
        ex_.start_line = number;
    }

    void end_exchange() {
        ex_ = Exchange{};
        user_.clear();
    }

    void push(DecodedMessage msg) {
        for (const auto& f : msg.fields)
            if (f.name() == "user" && !f.secret()) user_ = std::string(f.value());
        for (; users_assigned_ < result_.checkable.size(); ++users_assigned_)
            if (result_.checkable[users_assigned_].user.empty())
                result_.checkable[users_assigned_].user = user_;
        result_.messages.push_back(std::move(msg));
    }

    // Base64 payload -> bytes; "=" is an empty response; returns nullopt for redacted lines.
    std::optional<Bytes> payload_bytes(std::string_view payload, DecodedMessage& msg,
                                       bool allow_raw) {
        if (is_empty_response_marker(payload)) {
            msg.notes.push_back("'=' stands for an empty response");
            return Bytes{};
        }
        if (is_redacted(payload)) return std::nullopt;
        std::string why;
        if (auto bytes = codec::try_base64_decode(payload, &why)) return bytes;
        if (allow_raw) {
            if (recognise(payload).decoder) {
                msg.notes.push_back("not base64: read as raw text");
                return Bytes(payload);
            }
        }
        throw Error(ErrorKind::bad_input, why.empty() ? "invalid base64" : why);
    }

    // A line whose secret the transcript's writer replaced: keep the exchange's order going.
    void redacted(DecodedMessage& msg) {
        msg.kind = MessageKind::redacted;
        msg.mechanism = ex_.mechanism;
        msg.summary = "redacted in the transcript: nothing to decode";
        if (msg.direction == TokenDirection::server) return;
        msg.direction = TokenDirection::client;
        if (const MechanismDecoder* d = exchange_decoder(ex_); d && d->client_redacted) {
            DecodeContext ctx(ex_, &result_, options_);
            d->client_redacted(ctx);
        }
        ex_.expect_client = false;
        ++ex_.client_messages;
    }

    void process(const TranscriptLine& p) {
        const std::size_t number = p.number;
        if (p.prefix_direction != TokenDirection::unknown || p.shape == LineShape::info)
            outside_run_ = false;
        DecodedMessage msg;
        msg.line = number;
        msg.direction = p.prefix_direction;
        // In a pasted transcript (e.g. `smtpauth probe -v` output with its report around it),
        // lines without a direction marker are not wire lines: "AUTH LOGIN" there is a
        // capability, "PLAIN" a list entry.
        if (transcript_ && p.prefix_direction == TokenDirection::unknown &&
            p.shape != LineShape::info) {
            if (p.shape == LineShape::blank) return;
            // Consecutive ones become one message ("lines 25-45 ...") to keep the output short.
            if (outside_run_ && !result_.messages.empty() && outside_last_ + 1 == number) {
                auto& prev = result_.messages.back();
                prev.summary = "lines " + std::to_string(prev.line) + "-" + std::to_string(number) +
                               " are outside the transcript (no C:/S: marker)";
                outside_last_ = number;
                return;
            }
            msg.kind = MessageKind::skipped;
            msg.summary = "outside the transcript (no C:/S: marker)";
            outside_run_ = true;
            outside_last_ = number;
            return push(std::move(msg));
        }
        switch (p.shape) {
            case LineShape::blank:
                if (!ex_.active || !ex_.expect_client ||
                    p.prefix_direction == TokenDirection::server)
                    return;  // layout, not a message
                explain_client({}, msg, ex_, &result_, options_);
                ex_.expect_client = false;
                ++ex_.client_messages;
                return push(std::move(msg));
            case LineShape::info:
                msg.kind = MessageKind::skipped;
                msg.summary = "local event of the transcript";
                msg.fields.push_back(DecodedField::raw_text("text", std::string(p.text)));
                return push(std::move(msg));
            case LineShape::cancel:
                msg.direction = TokenDirection::client;
                msg.kind = MessageKind::cancel;
                msg.mechanism = ex_.mechanism;
                msg.summary = "client cancels the exchange (*)";
                end_exchange();
                return push(std::move(msg));
            case LineShape::auth_command:
                return auth_command(p, msg, number);
            case LineShape::challenge:
                return challenge(p, msg, number);
            case LineShape::bare:
                return bare(p, msg, number);
            case LineShape::text:
                return free_text(p, msg, number);
            case LineShape::smtp_reply:
                return smtp_reply(p, msg);
            case LineShape::imap_tagged:
                return outcome(msg, p.keyword == "OK", std::string(p.text),
                               p.keyword == "OK" || p.keyword == "NO" || p.keyword == "BAD");
            case LineShape::pop3_ok:
                if (apop_timestamp_.empty()) remember_apop_timestamp(p.text);
                return outcome(msg, true, std::string(p.text), true);
            case LineShape::pop3_err:
                return outcome(msg, false, std::string(p.text), true);
            case LineShape::imap_untagged:
                msg.direction = TokenDirection::server;
                msg.kind = MessageKind::skipped;
                msg.summary = "IMAP untagged response (not part of AUTH)";
                msg.fields.push_back(DecodedField::raw_text("text", std::string(p.text)));
                return push(std::move(msg));
            case LineShape::command:
                return command(p, msg);
        }
    }

    void auth_command(const TranscriptLine& p, DecodedMessage& msg, std::size_t number) {
        if (!is_valid_mechanism_name(p.mechanism))
            throw Error(ErrorKind::bad_input, "'" + codec::escape_for_display(p.mechanism) +
                                                  "' is not a valid SASL mechanism name "
                                                  "(RFC 4422 §3.1: 1-20 of A-Z 0-9 - _)");
        if (ex_.active && ex_.named)
            msg.notes.push_back("the previous exchange (line " + std::to_string(ex_.start_line) +
                                ") ended without a result line");
        end_exchange();
        begin_if_idle(number);
        ex_.mechanism = p.mechanism;
        ex_.named = true;
        msg.direction = TokenDirection::client;
        if (!p.has_payload) {
            msg.kind = MessageKind::auth_command;
            msg.mechanism = p.mechanism;
            msg.summary = p.command + " (no initial response)";
            return push(std::move(msg));
        }
        auto bytes = payload_bytes(p.payload, msg, false);
        if (!bytes) {
            redacted(msg);
            return push(std::move(msg));
        }
        explain_client(*bytes, msg, ex_, &result_, options_);
        wipe_string(*bytes);
        ++ex_.client_messages;
        msg.summary = p.command + " with initial response: " + msg.summary;
        if (const MechanismDecoder* d = decoder_for(p.mechanism);
            d && !d->initial_response_note.empty())
            msg.notes.push_back(std::string(d->initial_response_note));
        push(std::move(msg));
    }

    void challenge(const TranscriptLine& p, DecodedMessage& msg, std::size_t number) {
        begin_if_idle(number);
        msg.direction = TokenDirection::server;
        if (p.payload.find(' ') != std::string_view::npos) {
            msg.kind = MessageKind::challenge;
            msg.mechanism = ex_.mechanism;
            msg.summary = "continuation with text (not base64)";
            msg.fields.emplace_back("text", std::string(p.payload));
        } else {
            auto bytes = payload_bytes(p.payload, msg, false);
            if (!bytes) {
                redacted(msg);
            } else {
                explain_server(*bytes, msg, ex_, &result_, options_);
                ex_.last_server_kind = msg.kind;
            }
        }
        ++ex_.server_messages;
        ex_.expect_client = true;
        push(std::move(msg));
    }

    TokenDirection guess_direction(const TranscriptLine& p, BytesView bytes) const {
        if (p.prefix_direction != TokenDirection::unknown) return p.prefix_direction;
        Recognition r = recognise(bytes);
        if (r.match.direction != TokenDirection::unknown) return r.match.direction;
        if (ex_.active && ex_.expect_client) return TokenDirection::client;
        if (const MechanismDecoder* d = exchange_decoder(ex_);
            ex_.active && d && d->unmarked_is_client)
            return TokenDirection::client;
        return TokenDirection::unknown;
    }

    void bare(const TranscriptLine& p, DecodedMessage& msg, std::size_t number) {
        auto bytes = payload_bytes(p.payload, msg, true);
        if (!bytes) {
            redacted(msg);
            return push(std::move(msg));
        }
        TokenDirection dir = guess_direction(p, *bytes);
        begin_if_idle(number);
        if (dir == TokenDirection::server) {
            explain_server(*bytes, msg, ex_, &result_, options_);
            ex_.last_server_kind = msg.kind;
            ex_.expect_client = true;
            ++ex_.server_messages;
        } else if (dir == TokenDirection::client) {
            explain_client(*bytes, msg, ex_, &result_, options_);
            ex_.expect_client = false;
            ++ex_.client_messages;
        } else {
            explain_client(*bytes, msg, ex_, &result_, options_);
            if (msg.kind == MessageKind::unknown) msg.direction = TokenDirection::unknown;
            ex_.expect_client = false;
        }
        wipe_string(*bytes);
        push(std::move(msg));
    }

    // Several words that fit no protocol form: raw CRAM responses or JSON are still explained.
    void free_text(const TranscriptLine& p, DecodedMessage& msg, std::size_t number) {
        if (is_redacted(p.payload)) {  // "<redacted: 24 bytes base64>" has blanks
            redacted(msg);
            return push(std::move(msg));
        }
        Recognition r = recognise(p.payload);
        if (r.decoder && r.match.raw_text) {
            begin_if_idle(number);
            msg.notes.push_back("not base64: read as raw text");
            Bytes raw(p.payload);
            if (r.match.direction == TokenDirection::server) {
                explain_server(raw, msg, ex_, &result_, options_);
                if (msg.kind != MessageKind::unknown) {
                    ex_.last_server_kind = msg.kind;
                    ex_.expect_client = true;
                    return push(std::move(msg));
                }
            } else {
                explain_client(raw, msg, ex_, &result_, options_);
                ex_.expect_client = false;
                return push(std::move(msg));
            }
            msg = DecodedMessage{};
            msg.line = number;
        }
        msg.kind = MessageKind::skipped;
        msg.summary = "not an AUTH line";
        msg.fields.push_back(DecodedField::raw_text("text", std::string(p.text)));
        push(std::move(msg));
    }

    static const char* reply_hint(int code) {
        switch (code) {
            case 432:
                return "a password transition is needed";
            case 454:
                return "temporary authentication failure (server-side problem)";
            case 500:
                return "authentication exchange line too long, or command unknown";
            case 501:
                return "the server could not decode the response, or it was cancelled";
            case 503:
                return "bad sequence (already authenticated, or inside a mail transaction)";
            case 504:
                return "mechanism not supported";
            case 530:
                return "authentication (or STARTTLS) required first";
            case 534:
                return "mechanism too weak for this user";
            case 535:
                return "credentials rejected";
            case 538:
                return "encryption required for this mechanism";
            default:
                return nullptr;
        }
    }

    void smtp_reply(const TranscriptLine& p, DecodedMessage& msg) {
        if (const char* hint = reply_hint(p.code)) msg.notes.push_back(hint);
        bool outcome_code = p.code == 235 || (p.code >= 400 && p.code < 600);
        outcome(msg, p.code == 235, std::string(p.text), outcome_code && !p.continued);
    }

    // A result line: ends the exchange when one is active.
    void outcome(DecodedMessage& msg, bool success, std::string text, bool final_line) {
        msg.direction = TokenDirection::server;
        msg.fields.emplace_back("reply", std::move(text));
        if (!ex_.active) {
            msg.kind = MessageKind::reply;
            msg.summary = "server reply (not part of AUTH)";
            return push(std::move(msg));
        }
        msg.mechanism = ex_.mechanism;
        msg.kind = success ? MessageKind::success : MessageKind::failure;
        msg.summary = success ? "authentication succeeded" : "authentication failed";
        if (const MechanismDecoder* d = exchange_decoder(ex_); success && d && d->success_note) {
            DecodeContext ctx(ex_, &result_, options_);
            if (auto note = d->success_note(ctx)) msg.notes.push_back(std::move(*note));
        }
        if (final_line) end_exchange();
        push(std::move(msg));
    }

    void add_clear_check(std::string_view what, std::string_view password, std::size_t line) {
        result_.checkable.push_back(clear_password_material(what, password, line));
    }

    void command(const TranscriptLine& p, DecodedMessage& msg) {
        msg.direction = TokenDirection::client;
        msg.kind = MessageKind::command;
        msg.summary = p.keyword + " command (not part of SASL)";
        if (p.keyword == "USER" && p.tag.empty()) {
            msg.summary = "POP3 USER: the user name";
            msg.kind = MessageKind::credential;
            msg.fields.emplace_back("user", std::string(p.payload));
            return push(std::move(msg));
        }
        if (p.keyword == "PASS" && p.tag.empty()) {
            msg.summary = "POP3 PASS: the password in clear text";
            msg.kind = MessageKind::credential;
            msg.mechanism = "USER/PASS";
            msg.fields.emplace_back("password", std::string(p.payload), true);
            add_clear_check("USER/PASS", p.payload, msg.line);
            push(std::move(msg));
            user_.clear();
            return;
        }
        if (p.keyword == "LOGIN" && !p.tag.empty()) {
            msg.summary = "IMAP LOGIN: user and password in clear text";
            msg.kind = MessageKind::credential;
            msg.mechanism = "IMAP LOGIN";
            std::string_view args = p.payload;
            auto user = imap_astring(args);
            auto password = imap_astring(args);
            if (!user || !password)
                throw Error(ErrorKind::bad_input,
                            "IMAP LOGIN needs two arguments (atom, \"quoted\" or {literal})");
            msg.fields.emplace_back("user", *user);
            msg.fields.emplace_back("password", *password, true);
            add_clear_check("IMAP LOGIN", *password, msg.line);
            wipe_string(*password);
            push(std::move(msg));
            user_.clear();
            return;
        }
        if (p.keyword == "APOP") {
            msg.summary = "POP3 APOP: user and MD5 digest";
            msg.kind = MessageKind::credential;
            msg.mechanism = "APOP";
            std::string_view args = p.payload;
            auto sp = args.find(' ');
            std::string digest =
                sp == std::string_view::npos ? "" : std::string(args.substr(sp + 1));
            msg.fields.emplace_back("user", std::string(args.substr(0, sp)));
            msg.fields.emplace_back("digest", digest, true);
            if (!apop_timestamp_.empty()) {
                result_.checkable.push_back(token_detail::apop_material(
                    apop_timestamp_, Secret(std::move(digest)), msg.line));
            } else {
                msg.notes.push_back(
                    "the greeting's <timestamp> is not in the input: "
                    "the digest cannot be checked");
            }
            push(std::move(msg));
            user_.clear();
            return;
        }
        msg.fields.push_back(DecodedField::raw_text("text", std::string(p.text)));
        msg.kind = MessageKind::skipped;
        push(std::move(msg));
    }

    // RFC 3501 §9: astring = 1*ASTRING-CHAR / string; string = quoted / literal. A literal's
    // data follows on the next lines; a transcript reader joins it into a quoted string.
    static std::optional<std::string> imap_astring(std::string_view& in) {
        while (!in.empty() && in.front() == ' ') in.remove_prefix(1);
        if (in.empty()) return std::nullopt;
        std::string out;
        if (in.front() == '"') {
            std::size_t i = 1;
            for (; i < in.size() && in[i] != '"'; ++i) {
                if (in[i] == '\\' && i + 1 < in.size()) ++i;
                out += in[i];
            }
            if (i >= in.size()) throw Error(ErrorKind::bad_input, "unterminated quoted string");
            in.remove_prefix(i + 1);
            return out;
        }
        auto sp = in.find(' ');
        out = std::string(in.substr(0, sp));
        in.remove_prefix(sp == std::string_view::npos ? in.size() : sp);
        return out;
    }

    // RFC 1939 §7: the APOP timestamp is the greeting's <...> msg-id.
    void remember_apop_timestamp(std::string_view text) {
        auto open = text.find('<');
        auto close = open == std::string_view::npos ? open : text.find('>', open);
        if (close != std::string_view::npos &&
            text.substr(open, close - open).find('@') != std::string_view::npos)
            apop_timestamp_ = std::string(text.substr(open, close - open + 1));
    }

    const DecodeOptions& options_;
    bool several_;
    bool outside_run_ = false;
    std::size_t outside_last_ = 0;
    bool transcript_;  // some line carries a C:/S: marker: unmarked lines are surrounding text
    Exchange ex_;
    DecodeResult result_;
    std::string user_;  // the user the current exchange named, for --check-password rows
    std::size_t users_assigned_ = 0;
    std::string apop_timestamp_;
};

}  // namespace

DecodeResult decode_transcript_lines(std::span<const TranscriptLine> lines,
                                     const DecodeOptions& options) {
    std::size_t total = 0;
    for (const auto& l : lines) {
        total += l.line.size() + 1;
        if (total > kDecodeMaxTotalBytes)
            throw Error(ErrorKind::bad_input,
                        "input exceeds the 1 MiB cap (at line " + std::to_string(l.number) + ")");
    }
    bool transcript = false;
    for (const auto& l : lines) {
        if (l.line.size() > kDecodeMaxLineBytes) continue;  // reported in order by the decoder
        if (l.prefix_direction != TokenDirection::unknown) {
            transcript = true;
            break;
        }
    }
    Decoder decoder(options, lines.size() > 1, transcript);
    for (const auto& l : lines) decoder.line(l);
    return decoder.take();
}

DecodedMessage explain_payload(BytesView payload, std::string_view mechanism_hint,
                               TokenDirection direction, const DecodeOptions& options) {
    Exchange ex;
    ex.active = true;
    ex.mechanism = upper(mechanism_hint);
    ex.named = !mechanism_hint.empty();
    DecodedMessage msg;
    msg.line = 1;
    if (direction == TokenDirection::unknown) direction = recognise(payload).match.direction;
    if (direction == TokenDirection::server)
        explain_server(payload, msg, ex, nullptr, options);
    else
        explain_client(payload, msg, ex, nullptr, options);
    return msg;
}

}  // namespace smtpauth::sasl
