// Pure SMTP reply parsing: reply grammar (RFC 5321 §4.2), EHLO keywords (RFC 5321 §4.1.1.1,
// RFC 4954 §3 AUTH and the legacy "AUTH=" form), enhanced status codes (RFC 3463).
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace smtpauth::mail {

// Documented caps on one reply (whatever the server sends, memory stays bounded).
struct ReplyLimits {
    std::size_t max_lines = 128;        // lines in one multi-line reply
    std::size_t max_bytes = 64 * 1024;  // octets in one reply, all lines together
};

struct SmtpReply {
    int code = 0;
    std::vector<std::string> lines;  // text of each line after "NNN-" / "NNN " (may be empty)
    std::string raw;                 // the reply as received, lines joined by '\n'

    // The RFC 3463 enhanced status code at the start of the first line ("5.7.8"), or "".
    std::string enhanced_code() const;
    std::string text() const;  // lines joined by '\n', codes removed
};

// One reply line: Reply-code [("-" / SP) textstring] (RFC 5321 §4.2).
struct SmtpReplyLine {
    int code = 0;
    bool last = true;       // SP or nothing after the code; "-" announces more lines
    std::string_view text;  // after the separator, a view into the line
};

// The reply-line grammar alone, the one rule the assembler, the transcript reader and the
// fuzzers share: nullopt when `line` is not a reply line (the reason in `*why` when given).
// Control characters are not judged here: the assembler refuses them from a server, a
// transcript reader keeps them raw for its renderer to escape.
std::optional<SmtpReplyLine> parse_smtp_reply_line(std::string_view line,
                                                   std::string* why = nullptr);

// Collects the lines of one reply. add() returns true when the reply is complete.
// Throws Error{protocol} naming `context` (e.g. "EHLO reply") on: a line that is not
// Reply-code [("-" / SP) textstring]; a code whose first digit is not 2-5 or second not 0-5;
// a code that differs from the first line's; NUL or other control characters in the text
// (HTAB allowed; 8-bit bytes are tolerated and escaped on display); more than the limits.
class SmtpReplyAssembler {
  public:
    explicit SmtpReplyAssembler(std::string context, ReplyLimits limits = {});
    bool add(std::string_view line);
    SmtpReply take();

  private:
    std::string context_;
    ReplyLimits limits_;
    SmtpReply reply_;
    std::size_t bytes_ = 0;
    bool done_ = false;
};

// Parses a complete reply from its lines (convenience for tests and fuzzing); throws as
// SmtpReplyAssembler does, and also when the lines end before the last line of the reply.
SmtpReply parse_smtp_reply(std::span<const std::string> lines, std::string_view context);

struct EhloInfo {
    std::string domain;                   // first line: the server's name (and greeting text)
    std::vector<std::string> keywords;    // every further line as sent ("AUTH PLAIN LOGIN")
    std::vector<std::string> mechanisms;  // from "AUTH ..." (or "AUTH=..." if that is all)
    bool auth_legacy_form = false;        // mechanisms came from the non-standard "AUTH=" line
    bool starttls = false;
    bool pipelining = false;
    bool enhanced_status_codes = false;
};

// Interprets a 250 EHLO reply. Mechanism names are upper-cased; names that break the RFC
// 4422 syntax (1-20 of A-Z 0-9 - _) are dropped; duplicates are removed.
EhloInfo parse_ehlo(const SmtpReply& reply);

// RFC 4422 §3.1 mechanism-name syntax check (case-insensitive).
bool is_mechanism_token(std::string_view name);

// Upper-cases and appends valid, not yet listed mechanism names from a space-separated list.
void add_mechanisms(std::string_view list, std::vector<std::string>& out);

}  // namespace smtpauth::mail
