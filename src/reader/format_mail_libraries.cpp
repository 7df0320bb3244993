// Mail libraries' and clients' debug logs, from their documented line formats:
// PHPMailer SMTPDebug ("CLIENT -> SERVER: ...", "SERVER -> CLIENT: ..."), Nodemailer's logger
// ("[time] DEBUG [id] C: ..." / "S: ..."), MailKit's ProtocolLogger ("C: ..." / "S: ...",
// "Connected to smtp://..."), JavaMail debug (raw protocol lines between "DEBUG SMTP:" lines),
// Thunderbird mailnews logs ("SMTP Send:" / "SMTP Response:", IMAP "SendData:" /
// "CreateNewLineFromSocket:").
#include <string_view>

#include "reader/reader_internal.hpp"

namespace smtpauth::reader::detail {

namespace {

// Text after the first occurrence of `key` in line.
bool after_key(std::string_view line, std::string_view key, std::string_view& rest) {
    auto at = line.find(key);
    if (at == std::string_view::npos) return false;
    rest = line.substr(at + key.size());
    if (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
    return true;
}

// PHPMailer's Debugoutput 'html' ends lines with "<br>".
std::string_view strip_br(std::string_view s) {
    while (s.ends_with("<br>") || s.ends_with("<br />"))
        s.remove_suffix(s.ends_with("<br>") ? 4 : 6);
    return s;
}

}  // namespace

int score_phpmailer(std::string_view line) {
    return line.find("CLIENT -> SERVER:") != std::string_view::npos ||
                   line.find("SERVER -> CLIENT:") != std::string_view::npos
               ? 6
               : 0;
}

void normalise_phpmailer(std::size_t n, std::string_view line, Sink& out, std::string&) {
    std::string_view rest;
    if (after_key(line, "CLIENT -> SERVER:", rest)) return out.client(n, strip_br(rest));
    if (after_key(line, "SERVER -> CLIENT:", rest)) return out.server(n, strip_br(rest));
    out.chatter(n);
}

int score_nodemailer(std::string_view line) {
    if (line.find("DEBUG [") != std::string_view::npos &&
        (line.find("] C: ") != std::string_view::npos ||
         line.find("] S: ") != std::string_view::npos))
        return 6;
    return line.find("INFO [") != std::string_view::npos ? 1 : 0;
}

void normalise_nodemailer(std::size_t n, std::string_view line, Sink& out, std::string&) {
    std::string_view rest;
    if (line.find("DEBUG [") != std::string_view::npos) {
        if (after_key(line, "] C:", rest)) return out.client(n, rest);
        if (after_key(line, "] S:", rest)) return out.server(n, rest);
    }
    out.chatter(n);
}

int score_mailkit(std::string_view line) {
    for (std::string_view p :
         {"Connected to smtp://", "Connected to smtps://", "Connected to imap://",
          "Connected to imaps://", "Connected to pop://", "Connected to pops://"})
        if (line.starts_with(p)) return 10;
    return 0;
}

void normalise_mailkit(std::size_t n, std::string_view line, Sink& out, std::string&) {
    std::string_view rest;
    if (after(line, "C:", rest)) return out.client(n, rest);
    if (after(line, "S:", rest)) return out.server(n, rest);
    out.chatter(n);
}

int score_javamail(std::string_view line) {
    if (line.starts_with("DEBUG SMTP:") || line.starts_with("DEBUG IMAP:") ||
        line.starts_with("DEBUG POP3:") || line.starts_with("DEBUG: JavaMail") ||
        line.starts_with("DEBUG: setDebug: JavaMail"))
        return 5;
    return 0;
}

void normalise_javamail(std::size_t n, std::string_view line, Sink& out, std::string&) {
    if (line.starts_with("DEBUG")) return out.chatter(n);
    out.line(n, Dir::unknown, line);
}

int score_thunderbird(std::string_view line) {
    if (line.find("SMTP Send: ") != std::string_view::npos ||
        line.find("SMTP Response: ") != std::string_view::npos ||
        line.find("CreateNewLineFromSocket: ") != std::string_view::npos ||
        line.find(":SendData: ") != std::string_view::npos)
        return 6;
    return 0;
}

void normalise_thunderbird(std::size_t n, std::string_view line, Sink& out, std::string&) {
    std::string_view rest;
    if (after_key(line, "SMTP Send: ", rest) || after_key(line, ":SendData: ", rest)) {
        // Thunderbird writes this instead of an AUTH line it sent.
        if (rest.starts_with("Logging suppressed"))
            return out.client(n, "<hidden by Thunderbird: logging suppressed>");
        return out.client(n, rest);
    }
    if (after_key(line, "SMTP Response: ", rest) ||
        after_key(line, "CreateNewLineFromSocket: ", rest))
        return out.server(n, rest);
    out.chatter(n);
}

}  // namespace smtpauth::reader::detail
