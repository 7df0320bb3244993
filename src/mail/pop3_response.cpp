// POP3 status lines, multi-line bodies with dot-stuffing, CAPA (RFC 1939 §3, RFC 2449 §5,
// RFC 5034 §4, RFC 2595 §4).
#include "smtpauth/mail/pop3_response.hpp"

#include "mail/text_check.hpp"
#include "smtpauth/error.hpp"
#include "smtpauth/mail/smtp_reply.hpp"

namespace smtpauth::mail {

namespace {
[[noreturn]] void fail(std::string_view context, const std::string& why) {
    throw Error(ErrorKind::protocol, "protocol error in " + std::string(context) + ": " + why);
}

std::string_view after_word(std::string_view line, std::size_t n) {
    std::string_view rest = line.substr(n);
    if (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
    return rest;
}
}  // namespace

std::optional<Pop3Line> match_pop3_line(std::string_view line, std::string* why) {
    Pop3Line r;
    // The status indicators are case-sensitive in RFC 1939; "+OK" must be tested before "+ ".
    if (line.substr(0, 3) == "+OK" && (line.size() == 3 || line[3] == ' ')) {
        r.type = Pop3Line::Type::ok;
        r.text = std::string(after_word(line, 3));
    } else if (line.substr(0, 4) == "-ERR" && (line.size() == 4 || line[4] == ' ')) {
        r.type = Pop3Line::Type::err;
        r.text = std::string(after_word(line, 4));
    } else if (auto text = detail::continuation_text(line)) {
        r.type = Pop3Line::Type::continuation;
        r.text = std::string(*text);
    } else {
        if (why) *why = "not a POP3 status line: \"" + std::string(line) + "\"";
        return std::nullopt;
    }
    return r;
}

Pop3Line parse_pop3_line(std::string_view line, std::string_view context) {
    return detail::parse_server_line(line, context, [](std::string_view l, std::string* why) {
        return match_pop3_line(l, why);
    });
}

Pop3MultilineAssembler::Pop3MultilineAssembler(std::string context, std::size_t max_lines,
                                               std::size_t max_bytes)
    : context_(std::move(context)), max_lines_(max_lines), max_bytes_(max_bytes) {}

bool Pop3MultilineAssembler::add(std::string_view line) {
    if (line == ".") return true;
    bytes_ += line.size() + 2;
    if (lines_.size() >= max_lines_)
        fail(context_, "more than " + std::to_string(max_lines_) + " lines in one response");
    if (bytes_ > max_bytes_)
        fail(context_, "response larger than " + std::to_string(max_bytes_) + " octets");
    detail::check_text(line, context_);
    // RFC 1939 §3: a line that begins with the termination octet is byte-stuffed.
    if (!line.empty() && line.front() == '.') line.remove_prefix(1);
    lines_.emplace_back(line);
    return false;
}

Pop3Capabilities parse_pop3_capa(const std::vector<std::string>& lines) {
    Pop3Capabilities caps;
    for (const auto& l : lines) {
        caps.lines.push_back(l);
        std::string_view v(l);
        std::string_view keyword = v.substr(0, v.find(' '));
        if (detail::iequals(keyword, "STLS"))
            caps.stls = true;
        else if (detail::iequals(keyword, "USER"))
            caps.user = true;
        else if (detail::iequals(keyword, "SASL") && v.size() > 4)
            add_mechanisms(v.substr(5), caps.mechanisms);
    }
    return caps;
}

}  // namespace smtpauth::mail
