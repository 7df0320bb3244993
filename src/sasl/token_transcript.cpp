// Decodes whole inputs line by line, carrying the exchange context from line to line:
// SMTP AUTH (RFC 4954 §4), IMAP AUTHENTICATE (RFC 3501 §6.2.2, RFC 4959), POP3 AUTH
// (RFC 5034 §4); the SASL framing rules of RFC 4422 §3 (initial response, "=", "*").
#include <string>
#include <string_view>

#include "sasl/token_internal.hpp"
#include "smtpauth/codec.hpp"
#include "smtpauth/error.hpp"

namespace smtpauth::sasl {

namespace {

using namespace token_detail;

bool valid_mechanism_name(std::string_view name) {
    if (name.empty() || name.size() > 20) return false;
    for (char c : name)
        if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
            return false;
    return true;
}

bool is_redacted(std::string_view payload) {
    if (!payload.starts_with("<")) return false;
    std::string u = upper(payload);
    return u.find("REDACTED") != std::string::npos || u.find("HIDDEN") != std::string::npos;
}

class Decoder {
  public:
    Decoder(const DecodeOptions& options, bool several, bool transcript)
        : options_(options), several_(several), transcript_(transcript) {}

    void line(std::size_t number, std::string_view text) {
        try {
            if (text.size() > kDecodeMaxLineBytes)
                throw Error(ErrorKind::bad_input,
                            "longer than the line cap of 64 KiB (" + byte_count(text.size()) + ")");
            process(number, text);
        } catch (const Error& e) {
            if (!several_ || e.kind() != ErrorKind::bad_input) throw;
            throw Error(e.kind(), "line " + std::to_string(number) + ": " + e.what());
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

    void end_exchange() { ex_ = Exchange{}; }

    void push(DecodedMessage msg) { result_.messages.push_back(std::move(msg)); }

    // Base64 payload -> bytes; "=" is an empty response; returns nullopt for redacted lines.
    std::optional<Bytes> payload_bytes(std::string_view payload, DecodedMessage& msg,
                                       bool allow_raw) {
        if (payload == "=") {
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

    void process(std::size_t number, std::string_view text) {
        ParsedLine p = parse_line(text);
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
                msg.fields.emplace_back("text", std::string(p.text));
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
                return outcome(msg, true, std::string(p.text), true);
            case LineShape::pop3_err:
                return outcome(msg, false, std::string(p.text), true);
            case LineShape::imap_untagged:
                msg.direction = TokenDirection::server;
                msg.kind = MessageKind::skipped;
                msg.summary = "IMAP untagged response (not part of AUTH)";
                msg.fields.emplace_back("text", std::string(p.text));
                return push(std::move(msg));
            case LineShape::command:
                return command(p, msg);
        }
    }

    void auth_command(const ParsedLine& p, DecodedMessage& msg, std::size_t number) {
        if (!valid_mechanism_name(p.mechanism))
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
        std::string verb = p.tag.empty() ? "AUTH " : std::string(p.tag) + " AUTHENTICATE ";
        if (!p.has_payload) {
            msg.kind = MessageKind::auth_command;
            msg.mechanism = p.mechanism;
            msg.summary = verb + p.mechanism + " (no initial response)";
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
        msg.summary = verb + p.mechanism + " with initial response: " + msg.summary;
        if (const MechanismDecoder* d = decoder_for(p.mechanism);
            d && !d->initial_response_note.empty())
            msg.notes.push_back(std::string(d->initial_response_note));
        push(std::move(msg));
    }

    void challenge(const ParsedLine& p, DecodedMessage& msg, std::size_t number) {
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

    TokenDirection guess_direction(const ParsedLine& p, BytesView bytes) const {
        if (p.prefix_direction != TokenDirection::unknown) return p.prefix_direction;
        Recognition r = recognise(bytes);
        if (r.match.direction != TokenDirection::unknown) return r.match.direction;
        if (ex_.active && ex_.expect_client) return TokenDirection::client;
        if (const MechanismDecoder* d = exchange_decoder(ex_);
            ex_.active && d && d->unmarked_is_client)
            return TokenDirection::client;
        return TokenDirection::unknown;
    }

    void bare(const ParsedLine& p, DecodedMessage& msg, std::size_t number) {
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
    void free_text(const ParsedLine& p, DecodedMessage& msg, std::size_t number) {
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
        msg.fields.emplace_back("text", std::string(p.text));
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

    void smtp_reply(const ParsedLine& p, DecodedMessage& msg) {
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

    void command(const ParsedLine& p, DecodedMessage& msg) {
        msg.direction = TokenDirection::client;
        msg.kind = MessageKind::command;
        msg.summary = p.keyword + " command (not part of SASL)";
        if (p.keyword == "PASS") {
            msg.summary = "POP3 PASS: the password in clear text";
            msg.fields.emplace_back("password", std::string(p.payload), true);
        } else if (p.keyword == "LOGIN" && !p.tag.empty()) {
            msg.summary = "IMAP LOGIN: user and password in clear text";
            std::string_view args = p.payload;
            auto sp = args.find(' ');
            msg.fields.emplace_back("user", std::string(args.substr(0, sp)));
            msg.fields.emplace_back(
                "password", sp == std::string_view::npos ? "" : std::string(args.substr(sp + 1)),
                true);
        } else if (p.keyword == "APOP") {
            msg.summary = "POP3 APOP: user and MD5 digest";
            std::string_view args = p.payload;
            auto sp = args.find(' ');
            msg.fields.emplace_back("user", std::string(args.substr(0, sp)));
            msg.fields.emplace_back(
                "digest", sp == std::string_view::npos ? "" : std::string(args.substr(sp + 1)),
                true);
        } else {
            msg.fields.emplace_back("text", std::string(p.text));
        }
        msg.kind = MessageKind::skipped;
        push(std::move(msg));
    }

    const DecodeOptions& options_;
    bool several_;
    bool outside_run_ = false;
    std::size_t outside_last_ = 0;
    bool transcript_;  // some line carries a C:/S: marker: unmarked lines are surrounding text
    Exchange ex_;
    DecodeResult result_;
};

}  // namespace

DecodeResult decode_lines(std::span<const std::string> lines, const DecodeOptions& options) {
    std::size_t total = 0;
    for (const auto& l : lines) total += l.size() + 1;
    if (total > kDecodeMaxTotalBytes)
        throw Error(ErrorKind::bad_input,
                    "input exceeds the 1 MiB cap (" + token_detail::byte_count(total) + ")");
    bool transcript = false;
    for (const auto& l : lines) {
        if (l.size() > kDecodeMaxLineBytes) continue;  // reported in order by the decoder
        if (token_detail::parse_line(l).prefix_direction != TokenDirection::unknown) {
            transcript = true;
            break;
        }
    }
    Decoder decoder(options, lines.size() > 1, transcript);
    for (std::size_t i = 0; i < lines.size(); ++i) decoder.line(i + 1, lines[i]);
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
