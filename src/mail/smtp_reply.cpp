// SMTP reply grammar (RFC 5321 §4.2), EHLO keywords (§4.1.1.1), AUTH (RFC 4954 §3).
#include "smtpauth/mail/smtp_reply.hpp"

#include <algorithm>
#include <utility>

#include "mail/text_check.hpp"
#include "smtpauth/error.hpp"

namespace smtpauth::mail {

using detail::check_text;

namespace {

[[noreturn]] void fail(std::string_view context, const std::string& why) {
    throw Error(ErrorKind::protocol, "protocol error in " + std::string(context) + ": " + why);
}

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

}  // namespace

std::string SmtpReply::enhanced_code() const {
    if (lines.empty()) return {};
    // RFC 3463: class "." subject "." detail, class 2/4/5, 1-3 digits each.
    std::string_view t = lines.front();
    std::size_t i = 0;
    if (t.empty() || (t[0] != '2' && t[0] != '4' && t[0] != '5')) return {};
    i = 1;
    for (int part = 0; part < 2; ++part) {
        if (i >= t.size() || t[i] != '.') return {};
        ++i;
        std::size_t start = i;
        while (i < t.size() && is_digit(t[i]) && i - start < 3) ++i;
        if (i == start) return {};
    }
    if (i < t.size() && t[i] != ' ') return {};
    return std::string(t.substr(0, i));
}

std::string SmtpReply::text() const {
    std::string out;
    for (const auto& l : lines) {
        if (!out.empty()) out += '\n';
        out += l;
    }
    return out;
}

SmtpReplyAssembler::SmtpReplyAssembler(std::string context, ReplyLimits limits)
    : context_(std::move(context)), limits_(limits) {}

// Reply-line = *( Reply-code "-" [ textstring ] CRLF ) Reply-code [ SP textstring ] CRLF
// Reply-code = %x32-35 %x30-35 %x30-39
std::optional<SmtpReplyLine> parse_smtp_reply_line(std::string_view line, std::string* why) {
    auto refuse = [&](const char* what) -> std::optional<SmtpReplyLine> {
        if (why) *why = std::string(what) + " \"" + std::string(line) + "\"";
        return std::nullopt;
    };
    if (line.size() < 3 || !(line[0] >= '2' && line[0] <= '5') ||
        !(line[1] >= '0' && line[1] <= '5') || !is_digit(line[2]))
        return refuse("invalid reply code in");
    SmtpReplyLine out;
    out.code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
    if (line.size() > 3) {
        if (line[3] == '-')
            out.last = false;
        else if (line[3] != ' ')
            return refuse("invalid reply line");
        out.text = line.substr(4);
    }
    return out;
}

bool SmtpReplyAssembler::add(std::string_view line) {
    if (done_) fail(context_, "line after the end of the reply");
    bytes_ += line.size() + 2;
    if (reply_.lines.size() >= limits_.max_lines)
        fail(context_, "more than " + std::to_string(limits_.max_lines) + " lines in one reply");
    if (bytes_ > limits_.max_bytes)
        fail(context_, "reply larger than " + std::to_string(limits_.max_bytes) + " octets");
    check_text(line, context_);
    std::string why;
    auto parsed = parse_smtp_reply_line(line, &why);
    if (!parsed) fail(context_, why);
    if (!reply_.lines.empty() && parsed->code != reply_.code)
        fail(context_, "reply code changed from " + std::to_string(reply_.code) + " to " +
                           std::to_string(parsed->code) + " inside one reply");
    reply_.code = parsed->code;
    reply_.lines.emplace_back(parsed->text);
    if (!reply_.raw.empty()) reply_.raw += '\n';
    reply_.raw += line;
    done_ = parsed->last;
    return done_;
}

SmtpReply SmtpReplyAssembler::take() {
    return std::move(reply_);
}

SmtpReply parse_smtp_reply(std::span<const std::string> lines, std::string_view context) {
    SmtpReplyAssembler a{std::string(context)};
    bool done = false;
    for (const auto& l : lines) {
        done = a.add(l);  // a line after the last one throws
    }
    if (!done) fail(context, "reply ended before its last line");
    return a.take();
}

bool is_mechanism_token(std::string_view name) {
    if (name.empty() || name.size() > 20) return false;
    return std::all_of(name.begin(), name.end(), [](char c) {
        char u = detail::upper(c);
        return (u >= 'A' && u <= 'Z') || is_digit(u) || u == '-' || u == '_';
    });
}

void add_mechanisms(std::string_view list, std::vector<std::string>& out) {
    std::size_t i = 0;
    while (i < list.size()) {
        while (i < list.size() && (list[i] == ' ' || list[i] == '\t')) ++i;
        std::size_t start = i;
        while (i < list.size() && list[i] != ' ' && list[i] != '\t') ++i;
        std::string_view word = list.substr(start, i - start);
        if (!is_mechanism_token(word)) continue;
        std::string name = detail::to_upper(word);
        if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(std::move(name));
    }
}

// ehlo-ok-rsp: the first line is the domain; every further line is ehlo-keyword *(SP param).
EhloInfo parse_ehlo(const SmtpReply& reply) {
    EhloInfo info;
    if (!reply.lines.empty()) info.domain = reply.lines.front();
    std::vector<std::string> legacy;
    bool standard_seen = false;
    for (std::size_t i = 1; i < reply.lines.size(); ++i) {
        const std::string& l = reply.lines[i];
        info.keywords.push_back(l);
        std::string_view v(l);
        std::string_view keyword = v.substr(0, v.find_first_of(" =\t"));
        if (detail::iequals(keyword, "AUTH")) {
            if (v.size() > 4 && v[4] == '=') {
                add_mechanisms(v.substr(5), legacy);  // "AUTH=LOGIN PLAIN" (pre-RFC 2554)
            } else {
                standard_seen = true;
                add_mechanisms(v.substr(4), info.mechanisms);
            }
        } else if (detail::iequals(keyword, "STARTTLS")) {
            info.starttls = true;
        } else if (detail::iequals(keyword, "PIPELINING")) {
            info.pipelining = true;
        } else if (detail::iequals(keyword, "ENHANCEDSTATUSCODES")) {
            info.enhanced_status_codes = true;
        }
    }
    if (!standard_seen && !legacy.empty()) {
        info.mechanisms = std::move(legacy);
        info.auth_legacy_form = true;
    }
    return info;
}

}  // namespace smtpauth::mail
