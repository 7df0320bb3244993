// IMAP response lines and CAPABILITY (RFC 3501 §7.1, §7.2.1, §7.5; RFC 4959; RFC 2595 §3.1).
#include "smtpauth/mail/imap_response.hpp"

#include "mail/text_check.hpp"
#include "smtpauth/error.hpp"
#include "smtpauth/mail/smtp_reply.hpp"

namespace smtpauth::mail {

namespace {

[[noreturn]] void fail(std::string_view context, const std::string& why) {
    throw Error(ErrorKind::protocol, "protocol error in " + std::string(context) + ": " + why);
}

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

ImapResponse parse_imap_line(std::string_view line, std::string_view context) {
    detail::check_text(line, context);
    if (line.empty()) fail(context, "empty response line");
    ImapResponse r;
    // continue-req = "+" SP (resp-text / base64) CRLF; a bare "+" is accepted too.
    if (line.front() == '+') {
        r.type = ImapResponse::Type::continuation;
        std::string_view rest = line.substr(1);
        if (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
        r.text = std::string(rest);
        return r;
    }
    // response-tagged = tag SP resp-cond-state; tag = 1*<ASTRING-CHAR except "+"> (RFC 3501
    // §9): a line that starts with a space has no tag.
    if (line.front() == ' ')
        fail(context, "response line without a tag: \"" + std::string(line) + "\"");
    std::string_view rest = line;
    std::string_view first = next_word(rest);
    std::string_view word = next_word(rest);
    if (word.empty()) fail(context, "response without a status: \"" + std::string(line) + "\"");
    if (first == "*") {
        r.type = ImapResponse::Type::untagged;
    } else {
        r.type = ImapResponse::Type::tagged;
        r.tag = std::string(first);
        if (!is_status(word) || detail::iequals(word, "PREAUTH"))
            fail(context, "tagged response without OK/NO/BAD: \"" + std::string(line) + "\"");
    }
    r.status = detail::to_upper(word);
    if (is_status(word))
        split_resp_text(rest, r);
    else
        r.text = std::string(rest);
    return r;
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
