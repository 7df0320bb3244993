// IMAP response lines and CAPABILITY (RFC 3501 §7.1, §7.2.1, §7.5; RFC 4959; RFC 2595 §3.1).
#include "smtpauth/mail/imap_response.hpp"

#include "mail/text_check.hpp"
#include "smtpauth/error.hpp"
#include "smtpauth/mail/smtp_reply.hpp"

namespace smtpauth::mail {

namespace {

std::string_view next_word(std::string_view& rest) {
    std::size_t sp = rest.find(' ');
    std::string_view word = rest.substr(0, sp);
    rest = sp == std::string_view::npos ? std::string_view{} : rest.substr(sp + 1);
    return word;
}

bool is_status(std::string_view w) {
    return detail::iequals(w, "OK") || detail::iequals(w, "NO") || detail::iequals(w, "BAD") ||
           detail::iequals(w, "BYE") || detail::iequals(w, "PREAUTH");
}

// resp-text = ["[" resp-text-code "]" SP] text
void split_resp_text(std::string_view rest, ImapResponse& r) {
    if (!rest.empty() && rest.front() == '[') {
        std::size_t close = rest.find(']');
        if (close != std::string_view::npos) {
            r.code = std::string(rest.substr(1, close - 1));
            rest = rest.substr(close + 1);
            if (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
        }
    }
    r.text = std::string(rest);
}

}  // namespace

bool is_imap_tag(std::string_view word) {
    if (word.empty() || word.size() > 64) return false;
    for (char c : word) {
        auto u = static_cast<unsigned char>(c);
        // ASTRING-CHAR = ATOM-CHAR / "]": no CTL, SP, 8-bit, "(" ")" "{" "%" "*" DQUOTE "\\".
        if (u <= 0x20 || u >= 0x7f || c == '(' || c == ')' || c == '{' || c == '%' || c == '*' ||
            c == '"' || c == '\\' || c == '+')
            return false;
    }
    return true;
}

std::optional<ImapResponse> match_imap_line(std::string_view line, std::string* why) {
    auto refuse = [&](const std::string& what) -> std::optional<ImapResponse> {
        if (why) *why = what + ": \"" + std::string(line) + "\"";
        return std::nullopt;
    };
    if (line.empty()) return refuse("empty response line");
    ImapResponse r;
    if (line.front() == '+') {
        auto text = detail::continuation_text(line);
        if (!text) return refuse("continuation without a blank after \"+\"");
        r.type = ImapResponse::Type::continuation;
        r.text = std::string(*text);
        return r;
    }
    // response-tagged = tag SP resp-cond-state: a line that starts with a space has no tag.
    if (line.front() == ' ') return refuse("response line without a tag");
    std::string_view rest = line;
    std::string_view first = next_word(rest);
    std::string_view word = next_word(rest);
    if (word.empty()) return refuse("response without a status");
    if (first == "*") {
        r.type = ImapResponse::Type::untagged;
    } else {
        r.type = ImapResponse::Type::tagged;
        r.tag = std::string(first);
        if (!is_imap_tag(first)) return refuse("invalid tag");
        if (!is_status(word) || detail::iequals(word, "PREAUTH"))
            return refuse("tagged response without OK/NO/BAD");
    }
    r.status = detail::to_upper(word);
    if (is_status(word))
        split_resp_text(rest, r);
    else
        r.text = std::string(rest);
    return r;
}

ImapResponse parse_imap_line(std::string_view line, std::string_view context) {
    return detail::parse_server_line(line, context, [](std::string_view l, std::string* why) {
        return match_imap_line(l, why);
    });
}

ImapCapabilities parse_imap_capabilities(std::string_view atoms) {
    ImapCapabilities caps;
    std::string_view rest = atoms;
    while (!rest.empty()) {
        std::string_view a = next_word(rest);
        if (a.empty()) continue;
        caps.atoms.emplace_back(a);
        if (detail::istarts_with(a, "AUTH="))
            add_mechanisms(a.substr(5), caps.mechanisms);
        else if (detail::iequals(a, "STARTTLS"))
            caps.starttls = true;
        else if (detail::iequals(a, "SASL-IR") || detail::iequals(a, "IMAP4rev2"))
            caps.sasl_ir = true;  // RFC 9051 made SASL-IR part of IMAP4rev2
        else if (detail::iequals(a, "LOGINDISABLED"))
            caps.login_disabled = true;
    }
    return caps;
}

std::string capability_code_atoms(std::string_view code) {
    if (detail::iequals(code, "CAPABILITY")) return {};
    if (!detail::istarts_with(code, "CAPABILITY ")) return {};
    return std::string(code.substr(11));
}

}  // namespace smtpauth::mail
