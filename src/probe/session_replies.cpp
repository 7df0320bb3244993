// Reply tracking for `session`: command vs continuation, final replies, credential lines.
#include "probe/session_replies.hpp"

#include <array>
#include <initializer_list>
#include <vector>

#include "smtpauth/mail/dialect.hpp"

namespace smtpauth::probe {

namespace {

std::string upper(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
    return out;
}

// The line's words separated by single spaces (what the commands here need).
std::vector<std::string_view> words(std::string_view line, std::size_t max) {
    std::vector<std::string_view> out;
    while (!line.empty() && out.size() < max) {
        auto sp = line.find(' ');
        out.push_back(line.substr(0, sp));
        if (sp == std::string_view::npos) break;
        line.remove_prefix(sp + 1);
    }
    return out;
}

// RFC 3501 §6 and the extensions in common use (RFC 9051, 2177 IDLE, 2971 ID, 4315 UIDPLUS,
// 5161 ENABLE, 6851 MOVE, 3691 UNSELECT, 2342 NAMESPACE, 9208 QUOTA, 4314 ACL, 5464
// METADATA, 4978 COMPRESS, 5256 SORT/THREAD, 5465 NOTIFY, 8508 REPLACE).
constexpr std::array<std::string_view, 45> kImapCommands = {
    "CAPABILITY",  "NOOP",         "LOGOUT",   "STARTTLS",    "AUTHENTICATE", "LOGIN",
    "SELECT",      "EXAMINE",      "CREATE",   "DELETE",      "RENAME",       "SUBSCRIBE",
    "UNSUBSCRIBE", "LIST",         "LSUB",     "STATUS",      "APPEND",       "CHECK",
    "CLOSE",       "EXPUNGE",      "SEARCH",   "FETCH",       "STORE",        "COPY",
    "MOVE",        "UID",          "IDLE",     "NAMESPACE",   "ENABLE",       "ID",
    "GETQUOTA",    "GETQUOTAROOT", "SETQUOTA", "GETACL",      "SETACL",       "MYRIGHTS",
    "LISTRIGHTS",  "DELETEACL",    "UNSELECT", "GETMETADATA", "SETMETADATA",  "COMPRESS",
    "SORT",        "THREAD",       "REPLACE"};

bool is_imap_command(std::string_view word) {
    const std::string w = upper(word);
    for (auto c : kImapCommands)
        if (w == c) return true;
    return false;
}

// "334 text" / "334" (final) vs "334-text" (more lines follow): RFC 5321 §4.2.
std::optional<int> smtp_final_code(std::string_view line) {
    if (line.size() < 3) return std::nullopt;
    for (std::size_t i = 0; i < 3; ++i)
        if (line[i] < '0' || line[i] > '9') return std::nullopt;
    if (line.size() > 3 && line[3] != ' ') return std::nullopt;
    return (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
}

bool starts_word(std::string_view line, std::string_view word) {
    return line.substr(0, word.size()) == word &&
           (line.size() == word.size() || line[word.size()] == ' ');
}

// POP3 commands whose +OK starts a multi-line response (RFC 1939 §5, RFC 2449 CAPA; AUTH
// without an argument lists the mechanisms in several servers).
bool pop3_multiline(std::string_view command_line) {
    auto w = words(command_line, 3);
    if (w.empty()) return false;
    const std::string cmd = upper(w[0]);
    if (cmd == "RETR" || cmd == "TOP" || cmd == "CAPA") return true;
    if (cmd == "LIST" || cmd == "UIDL" || cmd == "AUTH") return w.size() == 1 || w[1].empty();
    return false;
}

bool is_one_of(std::string_view word, std::initializer_list<std::string_view> names) {
    const std::string w = upper(word);
    for (auto n : names)
        if (w == n) return true;
    return false;
}

}  // namespace

bool ReplyTracker::looks_like_command(std::string_view line) const {
    auto w = words(line, 2);
    if (w.empty()) return false;
    switch (protocol_) {
        case mail::Protocol::smtp:  // RFC 5321 §4.1, RFC 3207, RFC 4954, RFC 3030
            return is_one_of(w[0], {"EHLO", "HELO", "MAIL", "RCPT", "DATA", "RSET", "NOOP", "QUIT",
                                    "VRFY", "EXPN", "HELP", "AUTH", "STARTTLS", "BDAT"});
        case mail::Protocol::imap:
            return is_imap_command(w[0]) || (w.size() > 1 && is_imap_command(w[1]));
        case mail::Protocol::pop3:  // RFC 1939, RFC 2449, RFC 2595, RFC 5034, RFC 6856
            return is_one_of(w[0], {"USER", "PASS", "STAT", "LIST", "RETR", "DELE", "NOOP", "RSET",
                                    "QUIT", "TOP", "UIDL", "CAPA", "AUTH", "APOP", "STLS", "UTF8"});
    }
    return false;
}

bool ReplyTracker::is_response(std::string_view line) const {
    // After a challenge the next line answers it, whatever it looks like. Lines typed ahead
    // of the challenges (a pipe) answer the AUTH still open unless they are commands.
    return continuation_ || (auth_open_ && !looks_like_command(line));
}

bool ReplyTracker::wants_tag(std::string_view line) const {
    if (protocol_ != mail::Protocol::imap || is_response(line)) return false;
    auto w = words(line, 1);
    return !w.empty() && is_imap_command(w[0]);
}

std::optional<std::string> ReplyTracker::redaction(std::string_view line) const {
    if (in_data_) return std::nullopt;  // message text
    if (is_response(line)) return mail::redacted_form("", line.size());
    auto w = words(line, 4);
    auto rest_after = [&](std::size_t n) {
        std::size_t pos = 0;
        for (std::size_t i = 0; i < n; ++i) pos += w[i].size() + 1;
        return pos;
    };
    // AUTH/AUTHENTICATE with an initial response: keep the command, hide the response.
    std::size_t cmd = protocol_ == mail::Protocol::imap ? 1 : 0;
    if (w.size() > cmd + 2) {
        const std::string name = upper(w[cmd]);
        if (name == "AUTH" || name == "AUTHENTICATE") {
            std::size_t keep = rest_after(cmd + 2);
            return mail::redacted_form(line.substr(0, keep), line.size() - keep);
        }
    }
    if (w.size() > cmd + 1) {
        const std::string name = upper(w[cmd]);
        if ((protocol_ == mail::Protocol::imap && name == "LOGIN") ||
            (protocol_ == mail::Protocol::pop3 && (name == "PASS" || name == "APOP")))
            return std::string(line.substr(0, rest_after(cmd + 1))) + "<redacted>";
    }
    return std::nullopt;
}

void ReplyTracker::typed(std::string_view line) {
    switch (protocol_) {
        case mail::Protocol::smtp:
            if (in_data_) {
                if (line == ".") {
                    in_data_ = false;
                    ++smtp_pending_;
                }
                return;
            }
            ++smtp_pending_;  // an AUTH response gets a reply too
            if (is_response(line)) {
                continuation_ = false;
                return;
            }
            continuation_ = false;
            if (upper(line) == "QUIT") quit_typed_ = true;
            if (auto w = words(line, 1); !w.empty() && upper(w[0]) == "AUTH") auth_open_ = true;
            // What follows DATA is message text, sent after the 354 (RFC 2920 §3.1: DATA
            // ends a pipelined group); the replies due before DATA's are counted.
            if (upper(line) == "DATA") {
                in_data_ = true;
                awaiting_go_ahead_ = true;
                replies_before_data_ = smtp_pending_ - 1;
            }
            return;
        case mail::Protocol::imap: {
            if (is_response(line)) {  // an AUTHENTICATE response, literal data, IDLE's DONE
                continuation_ = false;
                return;
            }
            auto w = words(line, 2);
            if (w.empty() || w[0].empty()) return;
            imap_tags_.insert(std::string(w[0]));
            if (w.size() > 1 && upper(w[1]) == "LOGOUT") quit_typed_ = true;
            if (w.size() > 1 && upper(w[1]) == "AUTHENTICATE") {
                auth_open_ = true;
                auth_tag_ = std::string(w[0]);
            }
            return;
        }
        case mail::Protocol::pop3: {
            if (is_response(line)) {  // an AUTH response
                continuation_ = false;
                return;
            }
            auto w = words(line, 2);
            const bool auth = w.size() > 1 && upper(w[0]) == "AUTH" && !w[1].empty();
            if (auth) auth_open_ = true;
            pop3_commands_.push_back(auth ? "AUTH" : pop3_multiline(line) ? "MULTI" : "SINGLE");
            if (!w.empty() && upper(w[0]) == "QUIT") quit_typed_ = true;
            return;
        }
    }
}

void ReplyTracker::closing(std::string_view line) {
    closing_ = true;
    if (protocol_ == mail::Protocol::imap) {
        auto w = words(line, 1);
        if (!w.empty()) closing_tag_ = std::string(w[0]);
    }
}

bool ReplyTracker::take_data_refused() {
    const bool refused = data_refused_;
    data_refused_ = false;
    return refused;
}

std::size_t ReplyTracker::pending() const {
    switch (protocol_) {
        case mail::Protocol::smtp:
            return smtp_pending_;
        case mail::Protocol::imap:
            return imap_tags_.size();
        case mail::Protocol::pop3:
            return pop3_commands_.size();
    }
    return 0;
}

void ReplyTracker::received(std::string_view line) {
    last_line_ = line;
    switch (protocol_) {
        case mail::Protocol::smtp: {
            auto code = smtp_final_code(line);
            if (!code) return;  // a continuation line of a multi-line reply, or noise
            if (smtp_pending_ == 0) {
                // Unasked (a 421 before closing), or the answer to our own QUIT.
                if (closing_) closing_answered_ = true;
                return;
            }
            --smtp_pending_;
            if (awaiting_go_ahead_) {
                if (replies_before_data_ > 0) {
                    --replies_before_data_;
                } else {  // DATA's own reply
                    awaiting_go_ahead_ = false;
                    if (*code != 354) {
                        in_data_ = false;
                        data_refused_ = true;
                    }
                }
            }
            continuation_ = *code == 334;
            if (*code != 334) auth_open_ = false;
            last_ = CompletedReply{std::string(line), *code < 400};
            return;
        }
        case mail::Protocol::imap: {
            if (line == "+" || starts_word(line, "+")) {
                continuation_ = true;
                return;
            }
            if (starts_word(line, "*")) return;
            auto w = words(line, 2);
            if (w.size() < 2) return;
            const std::string status = upper(w[1]);
            if (status != "OK" && status != "NO" && status != "BAD") return;
            const std::string tag(w[0]);
            continuation_ = false;
            if (tag == auth_tag_) auth_open_ = false;
            if (closing_tag_ && tag == *closing_tag_) {
                closing_answered_ = true;
                return;
            }
            if (imap_tags_.erase(tag) == 0) return;  // not a tag typed here
            last_ = CompletedReply{std::string(line), status == "OK"};
            return;
        }
        case mail::Protocol::pop3: {
            if (pop3_body_) {
                if (line == ".") pop3_body_ = false;
                return;
            }
            const bool ok = starts_word(line, "+OK");
            if (!ok && !starts_word(line, "-ERR")) {
                if (line == "+" || starts_word(line, "+")) continuation_ = true;
                return;
            }
            continuation_ = false;
            if (pop3_commands_.empty()) {
                if (closing_) closing_answered_ = true;
                return;
            }
            const bool multi = pop3_commands_.front() == "MULTI";
            if (pop3_commands_.front() == "AUTH") auth_open_ = false;
            pop3_commands_.pop_front();
            if (ok && multi) pop3_body_ = true;
            last_ = CompletedReply{std::string(line), ok};
            return;
        }
    }
}

}  // namespace smtpauth::probe
