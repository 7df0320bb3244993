// Fuzz target: the pure SMTP/IMAP/POP3 reply parsers (RFC 5321 §4.2 + RFC 4954 EHLO AUTH,
// RFC 3501 §7 / RFC 4959, RFC 1939 §3 + RFC 2449 CAPA). Byte 0 picks the protocol, the rest
// is split at '\n' into received lines. Properties: only Error{protocol} escapes; accepted
// replies respect the documented caps (lines, bytes), hold no NUL or control character
// other than HTAB, a reply's lines share one code with a valid first and second digit,
// and every mechanism name reported has RFC 4422 §3.1 syntax in upper case.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_support.hpp"
#include "smtpauth/error.hpp"
#include "smtpauth/mail/imap_response.hpp"
#include "smtpauth/mail/pop3_response.hpp"
#include "smtpauth/mail/smtp_reply.hpp"
#include "smtpauth/sasl/registry.hpp"

namespace mail = smtpauth::mail;

namespace {

bool no_controls(std::string_view text) {
    for (char c : text) {
        auto u = static_cast<unsigned char>(c);
        if ((u < 0x20 && c != '\t') || u == 0x7f) return false;
    }
    return true;
}

void check_mechanisms(const std::vector<std::string>& names) {
    for (const auto& n : names) {
        fuzz::require(smtpauth::sasl::is_valid_mechanism_name(n), "mechanism name syntax");
        for (char c : n) fuzz::require(!(c >= 'a' && c <= 'z'), "mechanism name upper case");
    }
    for (std::size_t i = 0; i < names.size(); ++i)
        for (std::size_t j = i + 1; j < names.size(); ++j)
            fuzz::require(names[i] != names[j], "mechanisms listed once");
}

void expect_protocol_error(const smtpauth::Error& e) {
    fuzz::require(e.kind() == smtpauth::ErrorKind::protocol, "parser error is protocol");
}

void fuzz_smtp(const std::vector<std::string>& lines) {
    mail::ReplyLimits limits;
    limits.max_lines = 16;
    limits.max_bytes = 2048;
    mail::SmtpReplyAssembler assembler("fuzz reply", limits);
    std::size_t fed = 0;
    try {
        bool complete = false;
        for (const auto& line : lines) {
            ++fed;
            complete = assembler.add(line);
            if (complete) break;
        }
        if (!complete) return;
        auto reply = assembler.take();
        fuzz::require(reply.lines.size() == fed, "one reply line per input line");
        fuzz::require(reply.lines.size() <= limits.max_lines, "reply line cap");
        fuzz::require(reply.raw.size() <= limits.max_bytes + fed, "reply byte cap");
        fuzz::require(reply.code >= 200 && reply.code <= 559, "reply code range");
        fuzz::require((reply.code / 10) % 10 <= 5, "second digit 0-5");
        for (const auto& l : reply.lines) fuzz::require(no_controls(l), "no controls in text");
        auto info = mail::parse_ehlo(reply);
        check_mechanisms(info.mechanisms);
    } catch (const smtpauth::Error& e) {
        expect_protocol_error(e);
    }
    try {
        (void)mail::parse_smtp_reply(lines, "fuzz reply");
    } catch (const smtpauth::Error& e) {
        expect_protocol_error(e);
    }
}

void fuzz_imap(const std::vector<std::string>& lines) {
    for (const auto& line : lines) {
        try {
            auto r = mail::parse_imap_line(line, "fuzz response");
            fuzz::require(no_controls(r.text) && no_controls(r.code) && no_controls(r.tag),
                          "no controls in an accepted IMAP response");
            if (r.type == mail::ImapResponse::Type::tagged)
                fuzz::require(!r.tag.empty() && !r.status.empty(), "tagged has tag and status");
            auto atoms = mail::capability_code_atoms(r.code);
            fuzz::require(atoms.size() <= r.code.size(), "code atoms come from the code");
            auto caps = mail::parse_imap_capabilities(r.status == "CAPABILITY" ? r.text : atoms);
            check_mechanisms(caps.mechanisms);
        } catch (const smtpauth::Error& e) {
            expect_protocol_error(e);
        }
    }
}

void fuzz_pop3(const std::vector<std::string>& lines) {
    if (lines.empty()) return;
    try {
        auto first = mail::parse_pop3_line(lines[0], "fuzz response");
        fuzz::require(no_controls(first.text), "no controls in an accepted POP3 line");
    } catch (const smtpauth::Error& e) {
        expect_protocol_error(e);
    }
    mail::Pop3MultilineAssembler assembler("fuzz CAPA", 16, 2048);
    try {
        bool complete = false;
        std::size_t fed = 0;
        for (std::size_t i = 1; i < lines.size() && !complete; ++i) {
            complete = assembler.add(lines[i]);
            ++fed;
        }
        if (!complete) return;
        auto body = assembler.take();
        // RFC 1939 §3: every line before the "." terminator is one body line, with one
        // leading "." removed when it was dot-stuffed (so a body line may be ".").
        fuzz::require(body.size() + 1 == fed, "one body line per line before the terminator");
        fuzz::require(body.size() <= 16, "multi-line line cap");
        std::size_t total = 0;
        for (std::size_t i = 0; i < body.size(); ++i) {
            const std::string& l = body[i];
            const std::string& sent = lines[i + 1];
            total += l.size();
            fuzz::require(no_controls(l), "no controls in a CAPA line");
            fuzz::require(sent == l || (sent.size() == l.size() + 1 && sent[0] == '.' &&
                                        std::string_view(sent).substr(1) == l),
                          "dot-unstuffing removes exactly one leading dot");
        }
        fuzz::require(total <= 2048, "multi-line byte cap");
        auto caps = mail::parse_pop3_capa(body);
        check_mechanisms(caps.mechanisms);
    } catch (const smtpauth::Error& e) {
        expect_protocol_error(e);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    auto lines = fuzz::split_lines(fuzz::as_text(data + 1, size - 1));
    for (auto& l : lines)  // the line channel strips CRLF before the parsers see a line
        if (!l.empty() && l.back() == '\r') l.pop_back();
    switch (data[0] % 3) {
        case 0:
            fuzz_smtp(lines);
            break;
        case 1:
            fuzz_imap(lines);
            break;
        default:
            fuzz_pop3(lines);
            break;
    }
    return 0;
}
