// Python standard library debug output: smtplib (debuglevel 1 "send: '...'" / "reply: b'...'",
// debuglevel 2 adds a time stamp), imaplib (Debug >= 4: "  MM:SS.ss > b'...'" / "< b'...'")
// and poplib (debuglevel 1/2: "*cmd* '...'", "*get* b'...'", "*resp* b'...'").
#include <cctype>
#include <string>
#include <string_view>

#include "reader/reader_internal.hpp"

namespace smtpauth::reader::detail {

namespace {

// "00:53:50.789384 " (smtplib debuglevel 2) or "  53:53.09 " (imaplib): digits, ':' and '.'.
std::string_view strip_time(std::string_view s) {
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    std::size_t i = 0;
    while (i < s.size() &&
           (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == ':' || s[i] == '.'))
        ++i;
    if (i >= 5 && i < s.size() && s[i] == ' ' && s.substr(0, i).find(':') != std::string_view::npos)
        return s.substr(i + 1);
    return s;
}

void emit(std::size_t n, Dir dir, std::string_view literal, Sink& out) {
    std::string value;
    if (!python_literal(literal, value)) return out.chatter(n);
    // One send may hold several protocol lines (smtplib sends a DATA body in one call).
    bool any = false;
    for (auto part : split_crlf(value)) {
        out.line(n, dir, part);
        any = true;
    }
    if (!any) out.line(n, dir, "");
    wipe_string(value);
}

}  // namespace

int score_python(std::string_view line) {
    std::string_view t = strip_time(line);
    if (t.starts_with("send: '") || t.starts_with("send: b'") || t.starts_with("reply: b'") ||
        t.starts_with("reply: retcode (") || t.starts_with("*cmd* ") || t.starts_with("*get* ") ||
        t.starts_with("*resp* ") || t.starts_with("> b'") || t.starts_with("< b'") ||
        t.starts_with("imaplib version"))
        return 4;
    return 0;
}

void normalise_python(std::size_t n, std::string_view line, Sink& out, std::string&) {
    std::string_view t = strip_time(line);
    std::string_view rest;
    if (after(t, "send:", rest) || after(t, "*cmd*", rest) || after(t, ">", rest))
        return emit(n, Dir::client, rest, out);
    if (t.starts_with("reply: retcode (") || t.starts_with("*put* ") || t.starts_with("*resp* ") ||
        t.starts_with("data: ("))
        return out.repeat(n);  // repeats the protocol lines around it
    if (after(t, "reply:", rest) || after(t, "*get*", rest) || after(t, "<", rest))
        return emit(n, Dir::server, rest, out);
    // imaplib logs the size, not the bytes, of an AUTHENTICATE response.
    if (after(t, "write literal size", rest))
        return out.client(n, "<hidden by imaplib: " + std::string(rest) + " bytes>");
    // "*put*" repeats "*cmd*", "*resp*" the first "*get*" line; the rest is library chatter.
    out.chatter(n);
}

}  // namespace smtpauth::reader::detail
